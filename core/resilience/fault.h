#pragma once
// Faults an operator injects (spec/resilience.md section 9) and breaker overrides (section 1, the
// actuator's verbs). One command shape serves the scenario's scripted `faults`, the UI and, later, the
// control plane for live services. Every fault has a time to live and is reverted when it ends.

#include <cstdint>
#include <string>
#include <string_view>

namespace faultline {

enum class FaultType {
    Delay, ///< Istio fixed delay on calls to `target`, for `percentage` % of them
    Abort, ///< Istio abort: calls to `target` fail at once with `status`, for `percentage` %
    ErrorRate, ///< `target`'s operations fail with probability `percentage` %
    Slowdown, ///< `target`'s service times are multiplied by `factor` (CPU stress)
    Crash, ///< `target`'s instance (or all, instance -1) is killed: in-flight work is lost, calls fail to connect
    Pause, ///< `target`'s instance (or all) stops working (SIGSTOP): requests wait, nothing completes
    Partition, ///< calls between `target` and `peer`, either way, fail to connect
    PacketLoss, ///< `percentage` % of calls to `target` are lost: the caller hears nothing until its timeout
    ConsumerPause, ///< the consumers of queue `target` stop taking deliveries
    BrokerDown, ///< queue `target` is unreachable: publishes fail, nothing is delivered
    BreakerOverride, ///< the breaker `peer` of service `target` is forced (the actuator's updateState)
};

enum class BreakerOverrideVerb {
    ForceOpen, ///< FORCE_OPEN
    Close, ///< CLOSE
    Disable, ///< DISABLE
    Automatic, ///< back to the breaker's own state machine, closed with a fresh window
};

struct Fault {
    FaultType type = FaultType::Delay;
    std::string target; ///< service (or queue for ConsumerPause and BrokerDown)
    std::string peer; ///< Partition: the other service; BreakerOverride: the breaker's name (the callee)
    int instance = -1; ///< Crash and Pause: the instance index, -1 = every instance
    double delay_ms = 0.0;
    double percentage = 100.0; ///< share of calls affected, 0..100
    int status = 503; ///< Abort: the HTTP status (a gRPC status when the call's protocol is grpc)
    double factor = 1.0; ///< Slowdown
    BreakerOverrideVerb verb = BreakerOverrideVerb::ForceOpen;
    double duration_s = 60.0; ///< time to live; the fault is reverted when it ends
};

/// A fault the scenario schedules at a simulated time.
struct ScheduledFault {
    double at_s = 0.0;
    Fault fault;
};

std::string_view toString(FaultType type); ///< scenario spelling: delay, abort, error_rate, ...
std::string_view toString(BreakerOverrideVerb verb); ///< force_open, close, disable, automatic
/// A one-line description for logs and the UI: "delay 2000 ms on payments (100 %) for 120 s".
std::string describe(const Fault& fault);

} // namespace faultline
