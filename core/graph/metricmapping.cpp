#include "graph/metricmapping.h"

#include <array>
#include <string>
#include <utility>

namespace faultline {

namespace {

constexpr std::array<std::string_view, 8> kEnvoyBreakerNames {
    "envoy_cluster_circuit_breakers_default_cx_open",
    "envoy_cluster_circuit_breakers_default_rq_open",
    "envoy_cluster_circuit_breakers_default_rq_pending_open",
    "envoy_cluster_circuit_breakers_default_rq_retry_open",
    "envoy_cluster_circuit_breakers_high_cx_open",
    "envoy_cluster_circuit_breakers_high_rq_open",
    "envoy_cluster_circuit_breakers_high_rq_pending_open",
    "envoy_cluster_circuit_breakers_high_rq_retry_open",
};

/// Folds the spellings into `buffer`: dots and dashes become underscores, so
/// "resilience4j.circuitbreaker.failure.rate" and "resilience4j_circuitbreaker_failure_rate" compare equal.
/// A `_total` suffix is dropped. Empty when the name is too long to be one we know.
std::string_view fold(std::string_view name, char (&buffer)[128])
{
    if (name.size() >= sizeof buffer) return {};
    for (size_t i = 0; i < name.size(); ++i)
        buffer[i] = (name[i] == '.' || name[i] == '-') ? '_' : name[i];
    std::string_view n(buffer, name.size());
    if (n.ends_with("_total")) n.remove_suffix(6);
    return n;
}

} // namespace

int envoyBreakerLimit(std::string_view name)
{
    char buffer[128];
    const std::string_view n = fold(name, buffer);
    for (size_t i = 0; i < kEnvoyBreakerNames.size(); ++i)
        if (n == kEnvoyBreakerNames[i]) return static_cast<int>(i);
    return -1;
}

std::string envoyClusterService(std::string_view cluster)
{
    if (const size_t bar = cluster.rfind('|'); bar != std::string_view::npos) cluster.remove_prefix(bar + 1);
    if (const size_t svc = cluster.find(".svc"); svc != std::string_view::npos) {
        cluster = cluster.substr(0, svc);
        if (const size_t dot = cluster.find('.'); dot != std::string_view::npos) cluster = cluster.substr(0, dot);
    }
    return std::string(cluster);
}

MetricMeaning classifyMetric(std::string_view name)
{
    char buffer[128];
    const std::string_view n = fold(name, buffer);
    if (n.empty()) return MetricMeaning::Unknown;
    if (n.starts_with("envoy_cluster_")) {
        if (n == "envoy_cluster_outlier_detection_ejections_active") return MetricMeaning::EnvoyEjectionsActive;
        for (const std::string_view known : kEnvoyBreakerNames)
            if (n == known) return MetricMeaning::EnvoyBreakerOpen;
        return MetricMeaning::Unknown;
    }

    static constexpr std::array<std::pair<std::string_view, MetricMeaning>, 13> kNames { {
        { "resilience4j_circuitbreaker_state", MetricMeaning::BreakerState },
        { "resilience4j_circuitbreaker_failure_rate", MetricMeaning::BreakerFailureRate },
        { "resilience4j_circuitbreaker_slow_call_rate", MetricMeaning::BreakerSlowCallRate },
        { "resilience4j_circuitbreaker_not_permitted_calls", MetricMeaning::BreakerNotPermitted },
        { "rabbitmq_queue_messages_ready", MetricMeaning::QueueReady },
        { "rabbitmq_queue_messages_unacked", MetricMeaning::QueueUnacked },
        { "kafka_consumergroup_lag", MetricMeaning::QueueLag },
        { "faultline_queue_dead_lettered", MetricMeaning::QueueDeadLettered },
        { "faultline_queue_dropped", MetricMeaning::QueueDropped },
        { "faultline_service_instances", MetricMeaning::ServiceInstances },
        { "faultline_service_in_flight", MetricMeaning::ServiceInFlight },
        // Kafka's Java client: kafka.consumer.fetch.manager.records.lag, or records-lag in JMX.
        { "records_lag", MetricMeaning::QueueLag },
        { "kafka_consumer_fetch_manager_records_lag", MetricMeaning::QueueLag },
    } };
    for (const auto& [known, meaning] : kNames)
        if (n == known) return meaning;
    return MetricMeaning::Unknown;
}

} // namespace faultline
