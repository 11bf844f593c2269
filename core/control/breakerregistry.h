#pragma once
// The circuit breakers of a live service, by name, around the project's one CircuitBreaker state machine
// (core/resilience), with wall time passed in. The control plane can override a breaker (the actuator's
// verbs) for a time to live; when the override ends or is reverted the breaker goes back to automatic.
// Thread-safe: interceptor threads and the agent share it.

#include "resilience/circuitbreaker.h"
#include "resilience/fault.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace faultline {

struct LiveBreakerOverride {
    std::string id;
    std::string breaker; ///< the registered name
    BreakerOverrideVerb verb = BreakerOverrideVerb::ForceOpen;
    int64_t ttl_ms = 60000;
};

std::string validate(const LiveBreakerOverride& override_);

struct BreakerView {
    std::string name;
    std::string target; ///< the service its calls go to
    BreakerState state = BreakerState::Closed;
    std::optional<LiveBreakerOverride> override_; ///< the one in force, if any
    int64_t override_expires_ns = 0;
};

class BreakerRegistry {
public:
    /// Registers a breaker guarding calls to `target`. False when the name is empty or taken.
    bool add(const std::string& name, const std::string& target, CircuitBreakerConfig config);

    // The CircuitBreaker calls, by name. An unknown name permits everything and records nothing.
    bool tryAcquirePermission(const std::string& name, int64_t now_ns);
    void onResult(const std::string& name, int64_t now_ns, int64_t duration_ns, CallOutcome outcome);
    void releasePermission(const std::string& name, int64_t now_ns);
    std::optional<BreakerState> state(const std::string& name, int64_t now_ns);
    std::optional<BreakerMetrics> metrics(const std::string& name, int64_t now_ns);

    /// Applies the verb now and holds it until `ttl_ms` after `now_ns`; replaces an override of the same
    /// breaker. False with `error` for an unknown breaker or an invalid override.
    bool applyOverride(const LiveBreakerOverride& override_, int64_t now_ns, std::string& error);
    /// Ends the override with that id: the breaker goes back to automatic (closed, fresh window).
    bool revertOverride(const std::string& id, int64_t now_ns);
    size_t revertAll(int64_t now_ns);
    /// Ends the overrides whose time is up; their ids.
    std::vector<std::string> expire(int64_t now_ns);

    std::vector<BreakerView> breakers(int64_t now_ns);
    std::vector<std::string> overrideIds() const;

private:
    struct Entry {
        std::string target;
        CircuitBreaker breaker;
        std::optional<LiveBreakerOverride> override_;
        int64_t expires_ns = 0;
    };
    Entry* find(const std::string& name);

    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

} // namespace faultline
