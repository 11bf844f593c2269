// GraphAggregatorImpl: building the immutable snapshot.

#include "graph/graphaggregatorimpl.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

namespace faultline {

namespace {

TrafficStats trafficOf(const WindowStats& w, const Totals& totals)
{
    TrafficStats t;
    t.rps = w.rps;
    t.error_rate = w.error_rate;
    t.latency = w.latency;
    t.totals = totals;
    return t;
}

} // namespace

Health GraphAggregatorImpl::healthOf(const WindowStats& w) const
{
    if (w.count == 0) return Health::Idle;
    if (w.error_rate > config.failing_error_rate) return Health::Failing;
    if (w.error_rate >= config.degraded_error_rate) return Health::Degraded;
    return Health::Healthy;
}

std::shared_ptr<const GraphSnapshot> GraphAggregatorImpl::snapshot(const std::string& source)
{
    auto snap = std::make_shared<GraphSnapshot>();
    snap->sequence = ++m_sequence;
    snap->source = source;
    snap->time_s = static_cast<double>(clock_ns) / 1e9;
    snap->window_s = config.window_s;
    snap->counters = counters;
    snap->counters.pairing_pending = m_pairing.size();

    std::vector<uint32_t> order(m_nodes.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
        [&](uint32_t a, uint32_t b) { return m_names.name(m_nodes[a].name) < m_names.name(m_nodes[b].name); });
    std::vector<uint32_t> position(m_nodes.size());
    for (size_t i = 0; i < order.size(); ++i)
        position[order[i]] = static_cast<uint32_t>(i);

    const auto window_ns = static_cast<int64_t>(config.window_s * 1e9);
    snap->nodes.reserve(m_nodes.size());
    for (const uint32_t index : order) {
        GraphNode& node = m_nodes[index];
        NodeSnapshot& ns = snap->nodes.emplace_back();
        ns.id = m_names.name(node.name);
        ns.kind = node.kind;
        ns.virtual_node = node.inferred && !node.reported;
        const WindowStats w = node.stats.window(clock_ns);
        ns.traffic = trafficOf(w, node.stats.totals());
        ns.health = healthOf(w);
        if (node.instances_gauge) {
            ns.instances = static_cast<int>(std::lround(*node.instances_gauge));
        } else {
            // Without the gauge: the distinct service.instance.id values seen within the window.
            ns.instances = static_cast<int>(std::count_if(node.instances.begin(), node.instances.end(),
                [&](const auto& entry) { return entry.second > clock_ns - window_ns; }));
        }
        // Without the gauge, Little's law: requests in the system = arrival rate x time in the system.
        ns.in_flight = node.in_flight_gauge ? *node.in_flight_gauge : w.rps * w.latency.mean_ms / 1e3;
        if (node.queue) {
            QueueInfo q;
            q.ready = node.queue->ready;
            q.unacked = node.queue->unacked;
            q.depth = q.ready + q.unacked;
            for (const auto& [series, lag] : node.queue->lag)
                q.depth += lag;
            q.dead_lettered = node.queue->dead_lettered;
            q.dropped = node.queue->dropped;
            ns.queue = q;
        }
    }

    std::vector<uint32_t> edgeOrder(m_edges.size());
    std::iota(edgeOrder.begin(), edgeOrder.end(), 0u);
    std::sort(edgeOrder.begin(), edgeOrder.end(), [&](uint32_t a, uint32_t b) {
        const GraphEdge& x = m_edges[a];
        const GraphEdge& y = m_edges[b];
        return std::make_tuple(position[x.source], position[x.target], x.kind)
            < std::make_tuple(position[y.source], position[y.target], y.kind);
    });
    std::vector<uint32_t> edgePosition(m_edges.size());
    snap->edges.reserve(m_edges.size());
    for (size_t i = 0; i < edgeOrder.size(); ++i) {
        GraphEdge& edge = m_edges[edgeOrder[i]];
        edgePosition[edgeOrder[i]] = static_cast<uint32_t>(i);
        EdgeSnapshot& es = snap->edges.emplace_back();
        es.source = position[edge.source];
        es.target = position[edge.target];
        es.kind = edge.kind;
        if (edge.protocol != kNoId) es.protocol = m_names.name(edge.protocol);
        const WindowStats w = edge.stats.window(clock_ns);
        es.traffic = trafficOf(w, edge.stats.totals());
        es.health = healthOf(w);
        if (edge.server) es.server_latency = edge.server->window(clock_ns).latency;
        // A user node is healthy while it sends traffic; its own health says nothing else. So is any node
        // that has never been called itself (a load generator or a cron job in a live fleet): it is a
        // source of traffic, not idle, while its calls go out.
        NodeSnapshot& source = snap->nodes[es.source];
        const bool trafficSource = source.kind == NodeKind::User
            || (source.health == Health::Idle && m_nodes[edge.source].stats.totals().requests == 0);
        if (trafficSource && w.count > 0) source.health = Health::Healthy;
    }

    // The snapshot index of the edge from node `index` to the node named `target` (sync first), or -1.
    const auto edgeTo = [&](size_t index, const std::string& target) {
        const uint32_t name = m_names.find(target);
        if (name != kNoId && name < m_nodeOfName.size() && m_nodeOfName[name] != kNoId) {
            for (EdgeKind kind : { EdgeKind::Sync, EdgeKind::Async }) {
                const uint32_t edge = m_edgeIndex.find(edgeKey(static_cast<uint32_t>(index), m_nodeOfName[name], kind));
                if (edge != FlatIndex::kNone) return static_cast<int>(edgePosition[edge]);
            }
        }
        return -1;
    };

    // A breaker named after a downstream belongs on the edge to it; otherwise it stays on the reporting node.
    for (size_t index = 0; index < m_nodes.size(); ++index) {
        for (const BreakerInfo& breaker : m_nodes[index].breakers) {
            const int edge = edgeTo(index, breaker.target.empty() ? breaker.name : breaker.target);
            if (edge >= 0 && !snap->edges[static_cast<size_t>(edge)].breaker)
                snap->edges[static_cast<size_t>(edge)].breaker = breaker;
            else
                snap->nodes[position[index]].breakers.push_back(breaker);
        }
    }
    // Envoy outlier ejections go with the cluster: on the edge to the service it names, else summed on the node.
    for (size_t index = 0; index < m_nodes.size(); ++index) {
        for (const EnvoyCluster& cluster : m_nodes[index].envoy) {
            if (!cluster.ejections_active) continue;
            const int edge = edgeTo(index, envoyClusterService(cluster.cluster));
            std::optional<double>& slot = edge >= 0 ? snap->edges[static_cast<size_t>(edge)].ejections_active
                                                    : snap->nodes[position[index]].ejections_active;
            slot = slot.value_or(0.0) + *cluster.ejections_active;
        }
    }
    for (NodeSnapshot& node : snap->nodes)
        std::sort(node.breakers.begin(), node.breakers.end(),
            [](const BreakerInfo& a, const BreakerInfo& b) { return a.name < b.name; });
    return snap;
}

} // namespace faultline
