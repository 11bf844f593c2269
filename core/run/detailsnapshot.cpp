#include "run/detailsnapshot.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace faultline {

double DetailSnapshot::latencyQuantile(double q) const
{
    if (latency_count == 0) return 0.0;
    const auto rank = std::max<uint64_t>(
        1, static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(latency_count))));
    uint64_t seen = 0;
    for (const LatencyBucket& b : latency) {
        seen += b.count;
        if (seen >= rank) return 0.5 * (b.lower_ms + b.upper_ms);
    }
    return 0.5 * (latency.back().lower_ms + latency.back().upper_ms);
}

namespace {

void fillLatency(DetailSnapshot& detail, const LogHistogram& histogram)
{
    for (int b = histogram.firstBucket(); b < histogram.endBucket(); ++b) {
        const uint64_t count = histogram.bucketCount(b);
        if (count == 0) continue;
        detail.latency.push_back(
            LatencyBucket { LogHistogram::bucketLower(b) / 1e6, LogHistogram::bucketUpper(b) / 1e6, count });
        detail.latency_count += count;
    }
}

} // namespace

std::shared_ptr<const DetailSnapshot> buildDetail(const GraphAggregator& aggregator, const GraphSnapshot& snapshot,
    const DetailKey& key, const std::vector<BreakerEvent>* events, std::shared_ptr<const Scenario> scenario)
{
    auto detail = std::make_shared<DetailSnapshot>();
    detail->key = key;
    detail->sequence = snapshot.sequence;
    detail->time_s = snapshot.time_s;
    detail->scenario = std::move(scenario);
    if (key.empty()) return detail;

    // Which breaker transitions belong to the item: an edge's are those of its caller's breaker on it (by
    // the name the breaker reports, which defaults to the callee's); a node's are those of every breaker
    // it owns.
    std::string service;
    std::string breakerName;
    if (key.isEdge()) {
        const int index = snapshot.findEdge(key.source, key.target);
        if (index < 0) return detail;
        const EdgeSnapshot& edge = snapshot.edges[static_cast<size_t>(index)];
        detail->found = true;
        detail->kind = edge.kind;
        detail->history = aggregator.edgeHistory(key.source, key.target, edge.kind);
        fillLatency(*detail, aggregator.edgeLatencyHistogram(key.source, key.target, edge.kind));
        service = key.source;
        breakerName = edge.breaker && !edge.breaker->name.empty() ? edge.breaker->name : key.target;
    } else {
        if (snapshot.findNode(key.node) < 0) return detail;
        detail->found = true;
        detail->history = aggregator.nodeHistory(key.node);
        fillLatency(*detail, aggregator.nodeLatencyHistogram(key.node));
        service = key.node;
    }

    if (events != nullptr) {
        // Newest first up to the limit, then back in order.
        for (auto it = events->rbegin(); it != events->rend(); ++it) {
            if (detail->breaker_events.size() >= DetailSnapshot::kMaxBreakerEvents) break;
            if (it->service != service) continue;
            if (!breakerName.empty() && it->name != breakerName) continue;
            detail->breaker_events.push_back(*it);
        }
        std::reverse(detail->breaker_events.begin(), detail->breaker_events.end());
    }
    return detail;
}

void BreakerTransitionTracker::observe(const GraphSnapshot& snapshot)
{
    const auto time_ns = static_cast<int64_t>(std::llround(snapshot.time_s * 1e9));
    auto note = [&](const std::string& service, const BreakerInfo& b, const std::string& fallbackName) {
        const std::string& name = b.name.empty() ? fallbackName : b.name;
        auto it = std::lower_bound(m_known.begin(), m_known.end(), std::pair { &service, &name },
            [](const Known& k, const auto& p) { return std::tie(k.service, k.name) < std::tie(*p.first, *p.second); });
        if (it != m_known.end() && it->service == service && it->name == name) {
            if (it->state == b.state) return;
            m_events.push_back(BreakerEvent { time_ns, service, name, it->state, b.state });
            it->state = b.state;
        } else {
            // First sight: a breaker seen opened at once is a transition from closed; a closed one is not.
            if (b.state != BreakerState::Closed)
                m_events.push_back(BreakerEvent { time_ns, service, name, BreakerState::Closed, b.state });
            m_known.insert(it, Known { service, name, b.state });
        }
    };
    for (const EdgeSnapshot& e : snapshot.edges) {
        if (!e.breaker || e.source >= snapshot.nodes.size() || e.target >= snapshot.nodes.size()) continue;
        note(snapshot.nodes[e.source].id, *e.breaker, snapshot.nodes[e.target].id);
    }
    for (const NodeSnapshot& n : snapshot.nodes)
        for (const BreakerInfo& b : n.breakers)
            note(n.id, b, b.target);
    if (m_events.size() > kMaxEvents)
        m_events.erase(m_events.begin(), m_events.begin() + static_cast<std::ptrdiff_t>(m_events.size() - kMaxEvents));
}

void BreakerTransitionTracker::clear()
{
    m_known.clear();
    m_events.clear();
}

} // namespace faultline
