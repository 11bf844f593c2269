#pragma once
// What the inspector shows beyond the graph snapshot for the one node or edge the user selected: its
// per-second history, its window's latency histogram and its breaker transitions. The UI names the item
// with watch(DetailKey) on a runner; the runner builds a DetailSnapshot on its own thread with every graph
// snapshot and publishes it, immutable, beside it.

#include "graph/graphaggregator.h"
#include "graph/graphsnapshot.h"
#include "graph/rollingstats.h"
#include "scenario/scenario.h"
#include "sim/simulator.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace faultline {

/// Names a node (by id) or an edge (by caller and callee ids) across snapshots.
struct DetailKey {
    std::string node; ///< a node's id; empty for an edge
    std::string source; ///< an edge's caller; empty for a node
    std::string target; ///< an edge's callee

    static DetailKey ofNode(std::string id)
    {
        DetailKey k;
        k.node = std::move(id);
        return k;
    }
    static DetailKey ofEdge(std::string source, std::string target)
    {
        DetailKey k;
        k.source = std::move(source);
        k.target = std::move(target);
        return k;
    }
    bool isEdge() const { return !source.empty(); }
    bool empty() const { return node.empty() && source.empty(); }
    bool operator==(const DetailKey&) const = default;
};

/// One bucket of a latency histogram, in milliseconds: observations in [lower_ms, upper_ms).
struct LatencyBucket {
    double lower_ms = 0.0;
    double upper_ms = 0.0;
    uint64_t count = 0;
};

struct DetailSnapshot {
    static constexpr size_t kMaxBreakerEvents = 50;

    DetailKey key;
    uint64_t sequence = 0; ///< of the GraphSnapshot built with it
    double time_s = 0.0; ///< telemetry clock of that snapshot
    bool found = false; ///< the item is in that snapshot; when false everything below is empty
    EdgeKind kind = EdgeKind::Sync; ///< of the edge, when the key names one
    /// Per second (count, errors, mean latency), the aggregator's history_s seconds up to time_s: for a
    /// node what it served, for an edge what the caller felt.
    History history;
    /// The window's latency histogram, buckets ascending and non-empty: what p50/p95/p99 are read from.
    std::vector<LatencyBucket> latency;
    uint64_t latency_count = 0; ///< sum of the buckets' counts
    /// Transitions of the item's breakers, oldest first, the last kMaxBreakerEvents: for an edge its
    /// caller's breaker on it, for a node every breaker it owns.
    std::vector<BreakerEvent> breaker_events;
    /// The scenario being simulated (for the configuration it gives the item); null for live telemetry.
    std::shared_ptr<const Scenario> scenario;

    /// The value at quantile q of the histogram, read as LogHistogram does: the midpoint of the bucket
    /// holding the ceil(q * count)-th smallest observation; 0 when empty.
    double latencyQuantile(double q) const;
};

/// Builds the detail of `key` from the aggregator that just built `snapshot`. `events` are the runner's
/// breaker transitions, oldest first (may be null). Call on the aggregator's thread.
std::shared_ptr<const DetailSnapshot> buildDetail(const GraphAggregator& aggregator, const GraphSnapshot& snapshot,
    const DetailKey& key, const std::vector<BreakerEvent>* events, std::shared_ptr<const Scenario> scenario);

/// Records the breaker transitions that a stream of snapshots shows (live telemetry reports breaker state,
/// not its changes): call observe() with every snapshot, in order.
class BreakerTransitionTracker {
public:
    static constexpr size_t kMaxEvents = 10000;
    void observe(const GraphSnapshot& snapshot);
    const std::vector<BreakerEvent>& events() const { return m_events; }
    void clear();

private:
    struct Known {
        std::string service;
        std::string name;
        BreakerState state;
    };
    std::vector<Known> m_known; ///< sorted by (service, name)
    std::vector<BreakerEvent> m_events;
};

} // namespace faultline
