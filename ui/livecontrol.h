#pragma once
// The window's side of the control plane (docs/control.md): hosts the ControlServer that agents in live
// services connect to, and turns the what-if commands (a fault on a service or a call, a breaker verb,
// revert all) into the rules and overrides those agents apply. Off until the user starts it, with a flag
// or a menu action that says what it does; everything it sent reverts at its TTL, on revert, and when the
// window goes away (the agents' dead-man switch).

#include "control/controlserver.h"
#include "resilience/fault.h"
#include "sim/simulator.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace faultline {

class ActuatorAdapter;

class LiveControl : public QObject {
    Q_OBJECT
public:
    explicit LiveControl(QObject* parent = nullptr);
    ~LiveControl() override;

    /// Serves on `address` (host:port; port 0 picks one) and enables it. Another address than loopback
    /// needs a token of at least 16 characters. False with `error` when it cannot.
    bool start(const QString& address, const QString& token, QString* error);
    /// Stops serving; agents revert everything within their dead-man time.
    void stop();
    bool active() const { return m_server != nullptr; }
    QString address() const; ///< where it listens, once started

    /// Whether agents can apply this kind of fault (the simulator can do more: crashes, partitions, ...).
    static bool supports(FaultType type);
    /// Sends `fault` as live rules: delay, abort and packet loss to the agents of every service that calls
    /// the target; error rate to the target's own agents; a breaker override to the caller's agents, or to
    /// the caller's Spring Boot actuator when one is configured for it (actuatoradapter.h). Returns the rule
    /// ids sent, or none with `error` saying why (nothing to send it to, not possible live, ...).
    QStringList apply(const Fault& fault, QString* error);
    bool revert(const QString& ruleId);
    int revertAll(); ///< how many agents and actuator overrides were told
    int agentCount() const;
    std::shared_ptr<const ControlView> view() const;

    /// The faults sent from the window that are still in force, one record per apply() (a delay on payments
    /// is one rule per calling service, one row for the user), times in nowSeconds(). A fault leaves when it
    /// is reverted, when its TTL ends, or when no agent or actuator holds any of its rules any more
    /// (refused, or the agent went away). For the Active Faults dock.
    std::shared_ptr<const std::vector<FaultRecord>> faultLog();
    /// Seconds since this LiveControl was made, by the control plane's steady clock.
    double nowSeconds() const;
    /// Reverts every rule behind a faultLog() record.
    bool revertFault(uint64_t id);

    ActuatorAdapter* actuators() const { return m_actuators; }

private:
    struct Sent {
        FaultRecord record;
        QStringList rules;
    };
    int64_t sinceStartNs() const;
    bool stillHeld(const Sent& sent, const ControlView& view) const;

    std::unique_ptr<ControlServer> m_server;
    ActuatorAdapter* m_actuators = nullptr;
    std::vector<Sent> m_sent;
    uint64_t m_nextFault = 1;
    int64_t m_epochNs = 0;
};

} // namespace faultline
