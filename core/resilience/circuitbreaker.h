#pragma once

#include "graph/graphsnapshot.h"
#include "resilience/policies.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace faultline {

/// What happened to a call that held a permit.
enum class CallOutcome : uint8_t {
    Success,
    Error, ///< error status from the callee
    Timeout, ///< the caller gave up
    Rejected, ///< turned away downstream (full queue, bulkhead, limit): 503-like
    ConnectFailure, ///< the callee could not be reached: crashed or partitioned
};

struct BreakerTransition {
    int64_t time_ns = 0;
    BreakerState from = BreakerState::Closed;
    BreakerState to = BreakerState::Closed;
};

/// Point-in-time figures, as Resilience4j's metrics report them.
struct BreakerMetrics {
    BreakerState state = BreakerState::Closed;
    double failure_rate = -1.0; ///< percent; -1 below the minimum number of calls
    double slow_call_rate = -1.0;
    int buffered_calls = 0;
    int failed_calls = 0;
    int slow_calls = 0;
    uint64_t not_permitted_calls = 0; ///< cumulative
    uint64_t successful_calls = 0; ///< cumulative, recorded calls only
    uint64_t failed_calls_total = 0; ///< cumulative, recorded calls only
};

class CircuitBreakerImpl;

/// A circuit breaker of any flavor (spec/resilience.md section 1). Time is passed in by the caller
/// (virtual time in the simulator, wall time in a live agent), so the same state machine serves both.
/// Not thread-safe: one owner calls it.
class CircuitBreaker {
public:
    explicit CircuitBreaker(CircuitBreakerConfig config);
    ~CircuitBreaker();
    CircuitBreaker(CircuitBreaker&&) noexcept;
    CircuitBreaker& operator=(CircuitBreaker&&) noexcept;

    /// Asks to make a call at `now_ns`. False: the breaker rejects it (counted as not permitted; the
    /// call must not be made and nothing is to be recorded for it).
    bool tryAcquirePermission(int64_t now_ns);

    /// Records the outcome of a permitted call that took `duration_ns`.
    void onResult(int64_t now_ns, int64_t duration_ns, CallOutcome outcome);

    /// Gives back a permit for a call that was not made after all (Resilience4j releasePermission).
    void releasePermission(int64_t now_ns);

    /// Current state; applies time-driven transitions that are due at `now_ns` (automatic open ->
    /// half-open, max wait in half-open, lazy recovery of the consecutive flavor).
    BreakerState state(int64_t now_ns);

    /// The next instant at which state() would change on its own, or -1. Lets a simulator schedule an
    /// event exactly when Resilience4j's automatic transition or max half-open wait fires.
    int64_t nextTimedTransition() const;

    // Manual transitions, the Spring Boot actuator's verbs.
    void forceOpen(int64_t now_ns); ///< FORCE_OPEN
    void close(int64_t now_ns); ///< CLOSE: closed with a fresh window
    void disable(int64_t now_ns); ///< DISABLE
    void metricsOnly(int64_t now_ns);
    void reset(int64_t now_ns); ///< back to automatic: closed with a fresh window

    BreakerMetrics metrics(int64_t now_ns);
    const CircuitBreakerConfig& config() const;

    /// Transitions since the last call, oldest first (for the event log).
    std::vector<BreakerTransition> takeTransitions();

private:
    std::unique_ptr<CircuitBreakerImpl> d;
};

} // namespace faultline
