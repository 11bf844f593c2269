#pragma once
// The control service the app hosts for live services (docs/control.md): agents in the services connect,
// register, and receive fault rules and breaker overrides with a time to live. Off until enabled; loopback
// unless given another address, which then requires a shared token. The app reads an immutable view of
// the agents and the rules each holds.

#include "control/breakerregistry.h"
#include "control/controlclock.h"
#include "control/ruletable.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace faultline {

struct ControlServerConfig {
    std::string address = "127.0.0.1:4320"; ///< loopback unless the user says otherwise
    /// Shared secret every agent stream must carry (metadata "x-faultline-token"). Required, at least 16
    /// characters, when the address is not loopback; checked whenever set.
    std::string token;
    int heartbeat_interval_ms = 1000; ///< how often the server pings and agents heartbeat
    int dead_man_ms = 3000; ///< silence after which agents revert everything; at most 4000
    const ControlClock* clock = nullptr; ///< nullptr: the steady clock
};

constexpr const char* kControlTokenMetadata = "x-faultline-token";
constexpr size_t kMinRemoteTokenLength = 16;

/// True when `address` (host:port) can only be reached from this machine.
bool isLoopbackAddress(const std::string& address);

enum class ControlRuleStatus { Pending, Active, Refused, Reverting };
std::string_view toString(ControlRuleStatus status); ///< pending, active, refused, reverting

struct ControlRuleView {
    std::string id;
    bool is_breaker_override = false;
    LiveFaultRule fault; ///< when !is_breaker_override
    LiveBreakerOverride override_; ///< when is_breaker_override
    std::string description;
    ControlRuleStatus status = ControlRuleStatus::Pending;
    std::string error; ///< why the agent refused it
    int64_t issued_ns = 0;
    int64_t expires_ns = 0; ///< by the server's clock; the agent counts its TTL from receipt
};

struct ControlAgentView {
    std::string agent_id;
    std::string service;
    std::string instance;
    std::string peer; ///< as gRPC reports it
    std::string agent_version;
    std::vector<std::pair<std::string, std::string>> breakers; ///< name, target
    std::vector<std::string> call_targets;
    int64_t connected_ns = 0;
    int64_t last_heard_ns = 0;
    std::vector<ControlRuleView> rules;
};

struct ControlServerStats {
    uint64_t streams_accepted = 0;
    uint64_t unauthenticated = 0; ///< streams refused for a wrong or missing token
    uint64_t malformed = 0; ///< streams ended for a protocol violation
    uint64_t directives_sent = 0;
    uint64_t acks = 0;
    uint64_t rules_expired = 0;
};

/// Immutable; a new one is published whenever something changes.
struct ControlView {
    uint64_t version = 0;
    bool enabled = false;
    std::string listening_on; ///< empty when not serving
    std::vector<ControlAgentView> agents; ///< by agent id
    ControlServerStats stats;
};

/// Which agents a directive goes to: one agent by id, or every agent of a service.
struct AgentSelector {
    std::string agent_id;
    std::string service;
};

class ControlServerImpl;

class ControlServer {
public:
    explicit ControlServer(ControlServerConfig config);
    ~ControlServer(); ///< stops serving; agents then revert by their dead-man switch
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    /// Checks the safety rules, binds and serves. False with `error` when a rule forbids it or the address
    /// cannot be bound.
    bool start(std::string& error);
    void stop();

    /// Nothing is applied to any service until this is set (from an explicit flag or menu action).
    /// Disabling reverts every rule on every agent.
    void setEnabled(bool enabled);
    bool enabled() const;

    /// Sends the rule to the selected agents. Fills in the rule's id when empty; returns the id, or empty
    /// with `error` (disabled, invalid rule, no such agent).
    std::string applyFault(const AgentSelector& to, LiveFaultRule rule, std::string& error);
    std::string overrideBreaker(const AgentSelector& to, LiveBreakerOverride override_, std::string& error);
    /// Reverts the rule on every agent holding it; false when none does.
    bool revert(const std::string& rule_id);
    /// Sends RevertAll to every connected agent, whatever the view says they hold; how many got it.
    size_t revertAll(const std::string& reason);

    std::shared_ptr<const ControlView> view() const;

private:
    std::unique_ptr<ControlServerImpl> d;
};

} // namespace faultline
