#pragma once
// The fault rules a live agent holds (docs/control.md): what the control plane pushed, each with an expiry.
// The client interceptor asks it, per outgoing call, whether to delay, abort or lose the call; a server
// interceptor asks whether to fail an incoming one. Thread-safe; time is passed in.

#include "resilience/fault.h"

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

/// The faults a live agent can apply itself (the simulator's, minus crash, pause, partition, slowdown and
/// the broker faults, which need the process or the network around it).
enum class LiveFaultKind {
    Delay, ///< outgoing calls to `target` wait `delay_ms` first
    Abort, ///< outgoing calls to `target` fail at once with `grpc_status`
    PacketLoss, ///< outgoing calls to `target` get no answer until their deadline
    ErrorRate, ///< incoming calls to this service fail with `grpc_status`
};

std::string_view toString(LiveFaultKind kind); ///< delay, abort, packet_loss, error_rate

struct LiveFaultRule {
    std::string id;
    LiveFaultKind kind = LiveFaultKind::Delay;
    std::string target; ///< callee service; unused by ErrorRate
    double percentage = 100.0; ///< 0..100, drawn per call
    double delay_ms = 0.0;
    int grpc_status = 14; ///< UNAVAILABLE
    int64_t ttl_ms = 60000;
};

/// Limits every rule is checked against, on both sides.
constexpr int64_t kMaxRuleTtlMs = 24LL * 3600 * 1000;
constexpr double kMaxRuleDelayMs = 600000.0;

/// Empty when the rule is acceptable, else why not.
std::string validate(const LiveFaultRule& rule);

/// The live rule for a simulator fault, for the UI's one command shape; nothing (with `error`) for faults
/// only the simulator can apply. HTTP statuses become gRPC ones (503 -> 14 UNAVAILABLE, ...).
std::optional<LiveFaultRule> liveRuleFromFault(const Fault& fault, std::string& error);

/// One line for logs and the UI: "delay 200 ms on calls to payments (50 %)".
std::string describe(const LiveFaultRule& rule);

struct CallDecision {
    double delay_ms = 0.0; ///< wait this long before making the call
    std::optional<int> abort_status; ///< fail the call with this gRPC status (after the delay)
    bool lose = false; ///< never answer: the call ends at its own deadline
    std::vector<std::string> rule_ids; ///< the rules that fired
    bool affected() const { return delay_ms > 0.0 || abort_status || lose; }
};

struct HeldRule {
    LiveFaultRule rule;
    int64_t expires_ns = 0;
};

class RuleTable {
public:
    explicit RuleTable(uint64_t seed = std::random_device {}());

    /// Adds the rule, or replaces the one with the same id; it expires `ttl_ms` after `now_ns`.
    /// False with `error` when the rule is invalid.
    bool apply(const LiveFaultRule& rule, int64_t now_ns, std::string& error);
    bool revert(const std::string& id); ///< false when no rule has that id
    size_t revertAll(); ///< how many were removed
    /// Removes the rules whose time is up at `now_ns`; their ids.
    std::vector<std::string> expire(int64_t now_ns);

    /// What to do to an outgoing call to `target` at `now_ns`. Delay, abort and loss rules are decided
    /// independently, each by its own percentage (as Istio does). Expired rules never fire, even before
    /// expire() removed them.
    CallDecision decideOutgoing(std::string_view target, int64_t now_ns);
    /// What to do to an incoming call at `now_ns` (ErrorRate rules).
    CallDecision decideIncoming(int64_t now_ns);

    std::vector<HeldRule> rules(int64_t now_ns) const; ///< the live ones, by id
    size_t size() const;

private:
    bool draw(double percentage);

    mutable std::mutex mutex_;
    std::vector<HeldRule> rules_;
    std::mt19937_64 random_;
};

} // namespace faultline
