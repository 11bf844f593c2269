#pragma once

#include "graph/graphsnapshot.h"
#include "resilience/fault.h"
#include "scenario/scenario.h"
#include "telemetry/telemetrysink.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace faultline {

/// What the simulator counts about itself, independently of its telemetry: lets tests hold the
/// telemetry pipeline against ground truth.
struct ServiceRunStats {
    std::string name;
    uint64_t arrivals = 0; ///< requests that reached an instance (including rejected ones)
    uint64_t rejected = 0; ///< turned away because the instance's queue was full
    uint64_t completed = 0; ///< served to the end, successfully or not
    uint64_t failed = 0; ///< completed with an error (own error draw, or a failed sync step)
    int64_t in_system = 0; ///< waiting or being served right now
    double in_system_area = 0.0; ///< integral of in_system over virtual time, in request-seconds
    double response_time_sum_s = 0.0; ///< sum of arrival-to-finish times of completed requests
    uint64_t deadline_dropped = 0; ///< found past their propagated deadline and dropped unexecuted
    uint64_t lost = 0; ///< in flight when their instance crashed
};

struct QueueRunStats {
    std::string name;
    uint64_t published = 0;
    uint64_t delivered = 0;
    uint64_t acked = 0;
    uint64_t dropped = 0; ///< overflow drops and rejected publishes
    uint64_t dead_lettered = 0;
    uint64_t consumer_failures = 0;
    uint64_t requeued = 0; ///< nacked with requeue, or redelivered after a consumer crash
    uint64_t expired = 0; ///< dead-lettered (or dropped) for their TTL, reason "expired"
    uint64_t delivery_limit = 0; ///< dead-lettered after too many deliveries, reason "delivery_limit"
    uint64_t rejected = 0; ///< dead-lettered on nack without requeue, reason "rejected"
    uint64_t maxlen = 0; ///< pushed out by the length limit, reason "maxlen"
    uint64_t publish_failures = 0; ///< publishes refused (broker down, reject-publish)
};

/// Counters of what the resilience policies did.
struct PolicyStats {
    uint64_t attempts = 0; ///< sync call attempts made (first tries and retries)
    uint64_t retries = 0;
    uint64_t not_permitted = 0; ///< refused by an open breaker
    uint64_t bulkhead_rejected = 0;
    uint64_t limit_overflows = 0; ///< Envoy limits: failed fast with 503
    uint64_t connect_failures = 0; ///< callee crashed or partitioned away
    uint64_t aborted = 0; ///< by an abort fault
    uint64_t lost = 0; ///< by packet loss: the caller waits for its timeout
    uint64_t throttled = 0; ///< refused locally by adaptive throttling
    uint64_t retries_denied = 0; ///< a retry was due but a budget, throttle or deadline said no
    uint64_t ejections = 0; ///< outlier detection ejected an instance
    uint64_t hedges = 0; ///< hedged copies sent after the first
    uint64_t hedges_cancelled = 0; ///< copies cancelled because another one answered first
};

/// A fault as it was applied, for the log and the UI.
struct FaultRecord {
    uint64_t id = 0;
    Fault fault;
    int64_t applied_ns = 0;
    int64_t ends_ns = 0; ///< when its time to live runs out
    int64_t reverted_ns = -1; ///< -1 while active
    bool scripted = false; ///< from the scenario's `faults`, not injected while running
};

/// A breaker changed state.
struct BreakerEvent {
    int64_t time_ns = 0;
    std::string service; ///< the calling service that owns the breaker
    std::string name; ///< the breaker's name (usually the callee)
    BreakerState from = BreakerState::Closed;
    BreakerState to = BreakerState::Closed;
};

struct SimulationStats {
    uint64_t events = 0;
    uint64_t spans = 0;
    uint64_t workload_requests = 0;
    uint64_t calls_timed_out = 0;
    uint64_t late_replies = 0; ///< callee finished after its caller had timed out (the callee kept working)
    std::vector<ServiceRunStats> services; ///< in scenario order
    std::vector<QueueRunStats> queues; ///< in scenario order
    PolicyStats policies;
};

class SimulatorImpl;

/// The discrete-event simulator: runs a scenario in virtual time and emits what an instrumented fleet
/// would (spans with OpenTelemetry semantics, breaker and queue metrics) into a TelemetrySink. Fully
/// deterministic for a scenario and seed. Single-threaded; knows nothing of wall time.
class Simulator {
public:
    /// `sink` may be null (nothing is emitted), else must outlive the simulator.
    Simulator(std::shared_ptr<const Scenario> scenario, uint64_t seed, TelemetrySink* sink);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    /// Virtual time, nanoseconds since the start of the run.
    int64_t now() const;

    /// Processes every event up to and including `until_ns`, then moves the clock to `until_ns` and
    /// flushes telemetry to the sink. Returns early (with the clock at the last event processed) once
    /// `max_events` have been processed; returns true when `until_ns` was reached.
    bool runUntil(int64_t until_ns, uint64_t max_events = UINT64_MAX);

    /// Ground truth about the run so far, with in_system_area brought up to now().
    SimulationStats stats() const;

    /// Applies a fault now; it reverts on its own after fault.duration_s. Returns its id (never 0).
    uint64_t injectFault(const Fault& fault);
    /// The same with an id chosen by the caller (unique, never 0), for callers on other threads.
    uint64_t injectFault(const Fault& fault, uint64_t id);
    /// Reverts an active fault at once; false if no such fault is active.
    bool revertFault(uint64_t id);
    /// Reverts every active fault.
    void revertAllFaults();
    /// Every fault applied so far, in order, active ones with reverted_ns = -1.
    const std::vector<FaultRecord>& faultLog() const;
    /// Breaker transitions since the last call, oldest first.
    std::vector<BreakerEvent> takeBreakerEvents();
    /// The current state of the breaker `name` of service `service`, if there is one.
    std::optional<BreakerState> breakerState(const std::string& service, const std::string& name);

    const Scenario& scenario() const;

private:
    std::unique_ptr<SimulatorImpl> d;
};

} // namespace faultline
