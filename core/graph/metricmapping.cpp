#include "graph/metricmapping.h"

#include <array>
#include <string>
#include <utility>

namespace faultline {

MetricMeaning classifyMetric(std::string_view name)
{
    // Fold the spellings: dots and dashes become underscores, so "resilience4j.circuitbreaker.failure.rate"
    // and "resilience4j_circuitbreaker_failure_rate" compare equal.
    char buffer[128];
    if (name.size() >= sizeof buffer) return MetricMeaning::Unknown;
    for (size_t i = 0; i < name.size(); ++i)
        buffer[i] = (name[i] == '.' || name[i] == '-') ? '_' : name[i];
    std::string_view n(buffer, name.size());
    if (n.ends_with("_total")) n.remove_suffix(6);

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
