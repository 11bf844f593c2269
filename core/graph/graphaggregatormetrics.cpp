// GraphAggregatorImpl: breaker, queue and service gauges from metric points (spec/telemetry.md section 3).

#include "graph/graphaggregatorimpl.h"

#include <algorithm>
#include <cmath>

namespace faultline {

namespace {

constexpr size_t kMaxLagSeries = 4096;
constexpr size_t kMaxEnvoyClusters = 1024; ///< per reporting node

/// Envoy names its cluster in `envoy_cluster_name` (Prometheus stats) or `cluster_name` (OTel stats sink).
const std::string& envoyClusterOf(const MetricPoint& point)
{
    const std::string& name = point.attribute("envoy_cluster_name");
    return name.empty() ? point.attribute("cluster_name") : name;
}

uint64_t counterValue(double value)
{
    return value > 0.0 ? static_cast<uint64_t>(std::llround(value)) : 0;
}

/// Cumulative and gauge points carry the running total; delta points add to it.
void applyCounter(uint64_t& target, const MetricPoint& point)
{
    if (point.type == MetricType::DeltaSum)
        target += counterValue(point.value);
    else
        target = counterValue(point.value);
}

} // namespace

void GraphAggregatorImpl::onMetrics(const std::vector<MetricPoint>& points)
{
    // The name cache holds pointers into span batches; metric strings must not hit stale entries.
    m_cache.clear();
    counters.metric_points_received += points.size();
    for (const MetricPoint& point : points)
        if (const MetricMeaning meaning = classifyMetric(point.name); meaning != MetricMeaning::Unknown)
            processMetric(point, meaning);
    m_cache.clear();
}

BreakerInfo* GraphAggregatorImpl::breakerFor(uint32_t node, const std::string& name)
{
    auto& breakers = m_nodes[node].breakers;
    for (BreakerInfo& b : breakers)
        if (b.name == name) return &b;
    BreakerInfo& b = breakers.emplace_back();
    b.name = name;
    return &b;
}

EnvoyCluster* GraphAggregatorImpl::envoyClusterFor(uint32_t node, const std::string& cluster)
{
    auto& clusters = m_nodes[node].envoy;
    for (EnvoyCluster& c : clusters)
        if (c.cluster == cluster) return &c;
    if (clusters.size() >= kMaxEnvoyClusters) return nullptr;
    EnvoyCluster& c = clusters.emplace_back();
    c.cluster = cluster;
    return &c;
}

QueueState* GraphAggregatorImpl::queueFor(const std::string& name)
{
    const uint32_t node = nodeFor(internName(name), NodeKind::Queue, false);
    if (node == kNoId) return nullptr;
    GraphNode& n = m_nodes[node];
    if (!n.queue) n.queue = std::make_unique<QueueState>();
    return n.queue.get();
}

void GraphAggregatorImpl::processMetric(const MetricPoint& point, MetricMeaning meaning)
{
    switch (meaning) {
    case MetricMeaning::BreakerState:
    case MetricMeaning::BreakerFailureRate:
    case MetricMeaning::BreakerSlowCallRate:
    case MetricMeaning::BreakerNotPermitted:
    case MetricMeaning::ServiceInstances:
    case MetricMeaning::ServiceInFlight: {
        const uint32_t node
            = nodeFor(internName(point.service.empty() ? "unknown_service" : point.service), NodeKind::Service, false);
        if (node == kNoId) return;
        m_nodes[node].reported = true;
        // Both are counts: a negative, non-finite or absurd value (a hostile or broken exporter) is ignored.
        const bool count = std::isfinite(point.value) && point.value >= 0 && point.value <= 1e9;
        if (meaning == MetricMeaning::ServiceInstances) {
            if (count) m_nodes[node].instances_gauge = point.value;
            return;
        }
        if (meaning == MetricMeaning::ServiceInFlight) {
            if (count) m_nodes[node].in_flight_gauge = point.value;
            return;
        }
        const std::string& name = point.attribute("name");
        if (name.empty()) return;
        if (const std::string& target = point.attribute("faultline.breaker.target"); !target.empty())
            breakerFor(node, name)->target = target;
        if (meaning == MetricMeaning::BreakerState) {
            // One point per state; the one with value 1 is the current state.
            const auto state = breakerStateFromString(point.attribute("state"));
            if (state && point.value >= 0.5) breakerFor(node, name)->state = *state;
        } else if (meaning == MetricMeaning::BreakerFailureRate) {
            breakerFor(node, name)->failure_rate = point.value;
        } else if (meaning == MetricMeaning::BreakerSlowCallRate) {
            breakerFor(node, name)->slow_call_rate = point.value;
        } else {
            applyCounter(breakerFor(node, name)->not_permitted_calls, point);
        }
        return;
    }
    case MetricMeaning::QueueReady:
    case MetricMeaning::QueueUnacked:
    case MetricMeaning::QueueDeadLettered:
    case MetricMeaning::QueueDropped: {
        const std::string& name = point.attribute("queue");
        QueueState* queue = name.empty() ? nullptr : queueFor(name);
        if (!queue) return;
        if (meaning == MetricMeaning::QueueReady)
            queue->ready = point.value;
        else if (meaning == MetricMeaning::QueueUnacked)
            queue->unacked = point.value;
        else if (meaning == MetricMeaning::QueueDeadLettered)
            applyCounter(queue->dead_lettered, point);
        else
            applyCounter(queue->dropped, point);
        return;
    }
    case MetricMeaning::EnvoyBreakerOpen:
    case MetricMeaning::EnvoyEjectionsActive: {
        // Envoy's breakers are per upstream cluster and per limit; the cluster usually names the upstream
        // service. One breaker "envoy:<cluster>" per cluster, open while any of its eight limits is open.
        const std::string& cluster = envoyClusterOf(point);
        if (cluster.empty()) return;
        const uint32_t node
            = nodeFor(internName(point.service.empty() ? "unknown_service" : point.service), NodeKind::Service, false);
        if (node == kNoId) return;
        m_nodes[node].reported = true;
        EnvoyCluster* c = envoyClusterFor(node, cluster);
        if (!c) return;
        if (meaning == MetricMeaning::EnvoyEjectionsActive) {
            c->ejections_active = std::max(0.0, point.value);
            return;
        }
        const int limit = envoyBreakerLimit(point.name);
        if (limit < 0) return;
        const auto bit = static_cast<uint8_t>(1u << limit);
        c->open_limits = point.value >= 0.5 ? (c->open_limits | bit) : (c->open_limits & ~bit);
        BreakerInfo* breaker = breakerFor(node, "envoy:" + cluster);
        breaker->state = c->open_limits != 0 ? BreakerState::Open : BreakerState::Closed;
        breaker->target = envoyClusterService(cluster);
        return;
    }
    case MetricMeaning::QueueLag: {
        const std::string& topic = point.attribute("topic");
        const std::string& name = topic.empty() ? point.attribute("queue") : topic;
        QueueState* queue = name.empty() ? nullptr : queueFor(name);
        if (!queue) return;
        // Lag comes per partition (and consumer group): keep the last value of each series and sum them.
        std::string series;
        for (const auto& [k, v] : point.attributes) {
            if (k == "topic" || k == "queue") continue;
            series.append(k).append("=").append(v).append(";");
        }
        auto it = std::find_if(
            queue->lag.begin(), queue->lag.end(), [&](const auto& entry) { return entry.first == series; });
        if (it != queue->lag.end())
            it->second = point.value;
        else if (queue->lag.size() < kMaxLagSeries)
            queue->lag.emplace_back(std::move(series), point.value);
        return;
    }
    case MetricMeaning::Unknown:
        return;
    }
}

} // namespace faultline
