#pragma once
// Breaker overrides through the Resilience4j Spring Boot actuator (docs/control.md#spring-boot-actuator):
// for services that have no Faultline agent but expose `POST /actuator/circuitbreakers/{name}` with
// `{"updateState": "FORCE_OPEN" | "CLOSE" | "DISABLE"}`. LiveControl routes a breaker verb here when the
// calling service has an actuator configured, so the window's commands do not change.
//
// The actuator has no time to live of its own, so this adapter keeps it: at the TTL, on Revert, when control
// is turned off and when the adapter goes away it sends CLOSE (Resilience4j's transition back to the state
// machine). Overrides still held are written to the settings as they are sent, so that if Faultline is
// killed before it could revert, its next start hands them back (revertLeftovers()).

#include "control/controlclock.h"
#include "resilience/fault.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <cstdint>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace faultline {

/// Where one service's actuator answers.
struct ActuatorEndpoint {
    QString service; ///< the calling service, as its telemetry names it (service.name)
    QUrl base; ///< the actuator's base, e.g. http://127.0.0.1:8080/actuator
    QString authorization; ///< the Authorization header's value ("Bearer ...", "Basic ..."), or empty
};

class ActuatorAdapter : public QObject {
    Q_OBJECT
public:
    /// Pending until the actuator answers the verb; Reverting while CLOSE is on its way; RevertFailed when the
    /// actuator did not take the CLOSE (the breaker may still be forced: Revert tries again).
    enum class Status { Pending, Active, Reverting, RevertFailed };
    struct Override {
        QString id; ///< "actuator-N"
        QString service;
        QString breaker;
        BreakerOverrideVerb verb = BreakerOverrideVerb::ForceOpen;
        int64_t issued_ns = 0; ///< SteadyControlClock, like the control server's view
        int64_t expires_ns = 0;
        Status status = Status::Pending;
        QString error; ///< why the actuator did not take the CLOSE, when RevertFailed
    };

    explicit ActuatorAdapter(QObject* parent = nullptr);
    /// Hands back every override still held, waiting up to 3 s for the actuators to answer.
    ~ActuatorAdapter() override;

    /// The clock TTLs are counted by; SteadyControlClock unless a test gives a manual one (kept alive by it).
    void setClock(const ControlClock* clock) { m_clock = clock; }
    int64_t nowNs() const { return m_clock->nowNs(); }

    void setEndpoints(const QList<ActuatorEndpoint>& endpoints);
    QList<ActuatorEndpoint> endpoints() const { return m_endpoints; }
    /// The endpoints saved in the settings (`actuators/endpoints`), and saving them.
    static QList<ActuatorEndpoint> loadEndpoints();
    static void saveEndpoints(const QList<ActuatorEndpoint>& endpoints);
    /// Why this endpoint cannot be used (no service, not an http(s) URL, ...), or empty.
    static QString validate(const ActuatorEndpoint& endpoint);

    bool handles(const QString& service) const;
    /// The URL a verb on `breaker` goes to: base + /circuitbreakers/ + the name, percent-encoded.
    static QUrl stateUrl(const QUrl& base, const QString& breaker);
    /// {"updateState":"FORCE_OPEN"}; Automatic is CLOSE (the actuator has no separate verb for it).
    static QByteArray stateBody(BreakerOverrideVerb verb);

    /// Sends the verb and holds it for `ttl_ms`. Automatic and Close end the overrides held on that breaker.
    /// Returns the override's id, or empty with `error` set when no actuator is configured for the service.
    /// The answer arrives later: changed() then, and failed() with a message when the actuator refused.
    QString overrideBreaker(
        const QString& service, const QString& breaker, BreakerOverrideVerb verb, int64_t ttl_ms, QString* error);
    /// Ends one override now (sends CLOSE). False when no override has this id.
    bool revert(const QString& id);
    /// Ends every override held; returns how many.
    int revertAll();
    /// CLOSE to every breaker a previous run forced and could not hand back; returns how many were sent.
    int revertLeftovers();
    /// Processes events until no request is in flight, up to `timeout_ms`. False on time-out.
    bool waitForReplies(int timeout_ms);

    /// Every override that may still be in force on a real breaker. A verb the actuator refused is not.
    QList<Override> overrides() const { return m_overrides; }
    bool holds(const QString& id) const;
    int inFlight() const { return m_inFlight; }

public slots:
    /// Hands back the overrides whose TTL has ended; a timer calls it every 250 ms while any is held.
    void checkExpiry();

signals:
    void changed();
    /// A message for the user: an actuator refused, or could not be reached.
    void failed(const QString& message);

private:
    const ActuatorEndpoint* endpointOf(const QString& service) const;
    void post(const ActuatorEndpoint& endpoint, const QString& breaker, BreakerOverrideVerb verb, const QString& id,
        bool revert);
    void finished(QNetworkReply* reply, const QString& id, bool revert, const QString& service, const QString& breaker);
    void endOverride(int index); ///< sends CLOSE and marks it reverting
    void saveOutstanding() const;

    QList<ActuatorEndpoint> m_endpoints;
    QList<Override> m_overrides;
    QNetworkAccessManager* m_network = nullptr;
    QTimer* m_expiry = nullptr;
    const ControlClock* m_clock = &SteadyControlClock::instance();
    uint64_t m_nextId = 1;
    int m_inFlight = 0;
};

} // namespace faultline
