#pragma once

#include <cstdint>
#include <string_view>

namespace faultline {

/// The metrics the aggregator understands (spec/telemetry.md section 3), whatever the exporter's spelling.
enum class MetricMeaning : uint8_t {
    Unknown,
    BreakerState, ///< resilience4j.circuitbreaker.state {name, state}, value 1 marks the current state
    BreakerFailureRate, ///< resilience4j.circuitbreaker.failure.rate {name}, percent or -1
    BreakerSlowCallRate, ///< resilience4j.circuitbreaker.slow.call.rate {name}
    BreakerNotPermitted, ///< resilience4j.circuitbreaker.not.permitted.calls {name}, cumulative
    QueueReady, ///< rabbitmq_queue_messages_ready {queue}
    QueueUnacked, ///< rabbitmq_queue_messages_unacked {queue}
    QueueLag, ///< kafka_consumergroup_lag / records-lag {topic or queue, partition, ...}
    QueueDeadLettered, ///< faultline.queue.dead_lettered {queue}, cumulative
    QueueDropped, ///< faultline.queue.dropped {queue}, cumulative
    ServiceInstances, ///< faultline.service.instances, gauge of the reporting service
    ServiceInFlight, ///< faultline.service.in_flight, gauge of the reporting service
};

/// Classifies a metric name in OTel dotted or Prometheus underscored form (a `_total` suffix is ignored).
MetricMeaning classifyMetric(std::string_view name);

} // namespace faultline
