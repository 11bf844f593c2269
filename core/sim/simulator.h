#pragma once

#include "scenario/scenario.h"
#include "telemetry/telemetrysink.h"

#include <cstdint>
#include <memory>
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
};

struct QueueRunStats {
    std::string name;
    uint64_t published = 0;
    uint64_t delivered = 0;
    uint64_t acked = 0;
    uint64_t dropped = 0; ///< overflow drops and rejected publishes
    uint64_t dead_lettered = 0;
    uint64_t consumer_failures = 0;
};

struct SimulationStats {
    uint64_t events = 0;
    uint64_t spans = 0;
    uint64_t workload_requests = 0;
    uint64_t calls_timed_out = 0;
    uint64_t late_replies = 0; ///< callee finished after its caller had timed out (the callee kept working)
    std::vector<ServiceRunStats> services; ///< in scenario order
    std::vector<QueueRunStats> queues; ///< in scenario order
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

    const Scenario& scenario() const;

private:
    std::unique_ptr<SimulatorImpl> d;
};

} // namespace faultline
