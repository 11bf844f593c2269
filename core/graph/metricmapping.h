#pragma once

#include <cstdint>
#include <string>
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
    /// envoy_cluster_circuit_breakers_{default,high}_{cx,rq,rq_pending,rq_retry}_open {envoy_cluster_name},
    /// 1 while that limit is open; envoyBreakerLimit() tells which of the eight it is
    EnvoyBreakerOpen,
    EnvoyEjectionsActive, ///< envoy_cluster_outlier_detection_ejections_active {envoy_cluster_name}, gauge
};

/// Classifies a metric name in OTel dotted or Prometheus underscored form (a `_total` suffix is ignored).
MetricMeaning classifyMetric(std::string_view name);

/// For an EnvoyBreakerOpen name: which limit it reports, 0..7 (default cx, rq, rq_pending, rq_retry, then the
/// same four of the high priority); -1 for any other name.
int envoyBreakerLimit(std::string_view name);

/// The service an Envoy cluster name most likely names: Istio's "outbound|9080||reviews.default.svc.cluster.local"
/// gives "reviews" (the host part, cut at ".svc"); any other name is returned as it is.
std::string envoyClusterService(std::string_view cluster);

} // namespace faultline
