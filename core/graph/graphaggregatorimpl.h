#pragma once
// Internals of GraphAggregator, shared by its translation units (spans, metrics, snapshot).

#include "graph/flatindex.h"
#include "graph/graphaggregator.h"
#include "graph/metricmapping.h"
#include "graph/pairingstore.h"
#include "graph/rollingstats.h"

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace faultline {

constexpr uint32_t kNoId = UINT32_MAX;

/// Interns strings (service, queue, peer, protocol names) into dense ids, bounded by a cap.
class NameTable {
public:
    uint32_t find(std::string_view name) const;
    /// The id of `name`, added if new and the table holds fewer than `cap` names; else kNoId.
    uint32_t intern(std::string_view name, size_t cap);
    const std::string& name(uint32_t id) const { return m_names[id]; }
    size_t size() const { return m_names.size(); }

private:
    std::deque<std::string> m_names; ///< stable storage that the map's keys view
    std::unordered_map<std::string_view, uint32_t> m_ids;
};

/// A small direct-mapped cache from a string view's (pointer, size) to its interned id. Valid for one span
/// batch only, while the batch keeps its strings alive: sources point most spans at the same few strings.
class BatchNameCache {
public:
    uint32_t get(std::string_view s) const
    {
        const Entry& e = m_entries[slotOf(s)];
        return e.generation == m_generation && e.data == s.data() && e.size == s.size() ? e.id : kNoId;
    }
    void put(std::string_view s, uint32_t id) { m_entries[slotOf(s)] = Entry { s.data(), s.size(), id, m_generation }; }
    /// Forgets everything in O(1): entries of older generations never match.
    void clear()
    {
        if (++m_generation == 0) {
            m_entries.fill(Entry {});
            m_generation = 1;
        }
    }

private:
    struct Entry {
        const char* data = nullptr;
        size_t size = 0;
        uint32_t id = kNoId;
        uint32_t generation = 0;
    };
    static size_t slotOf(std::string_view s)
    {
        const auto p = reinterpret_cast<uintptr_t>(s.data());
        return ((p >> 3) ^ (p >> 11) ^ s.size()) & (kSlots - 1);
    }
    static constexpr size_t kSlots = 256;
    std::array<Entry, kSlots> m_entries {};
    uint32_t m_generation = 1;
};

struct QueueState {
    double ready = 0.0;
    double unacked = 0.0;
    std::vector<std::pair<std::string, double>> lag; ///< per series (partition, group, ...)
    uint64_t dead_lettered = 0;
    uint64_t dropped = 0;
};

/// One Envoy upstream cluster as the reporting sidecar sees it.
struct EnvoyCluster {
    std::string cluster; ///< envoy_cluster_name as reported
    uint8_t open_limits = 0; ///< bit envoyBreakerLimit() set while that limit's *_open gauge is 1
    std::optional<double> ejections_active; ///< outlier detection, when reported
};

struct GraphNode {
    uint32_t name = kNoId;
    NodeKind kind = NodeKind::Service;
    bool reported = false; ///< seen as the service of a span or metric
    bool inferred = false; ///< created from peer attributes or as the virtual user of root spans
    RollingStats stats;
    std::vector<std::pair<uint32_t, int64_t>> instances; ///< service.instance.id name -> last seen (ns)
    std::optional<double> instances_gauge;
    std::optional<double> in_flight_gauge;
    std::unique_ptr<QueueState> queue;
    std::vector<BreakerInfo> breakers; ///< as reported, matched to edges at snapshot time
    std::vector<EnvoyCluster> envoy; ///< Envoy clusters this node's sidecar reported, bounded
};

struct GraphEdge {
    uint32_t source = 0;
    uint32_t target = 0;
    EdgeKind kind = EdgeKind::Sync;
    uint32_t protocol = kNoId;
    RollingStats stats;
    std::unique_ptr<RollingStats> server; ///< callee-side latency, once a server span was paired
};

class GraphAggregatorImpl {
public:
    explicit GraphAggregatorImpl(const AggregatorConfig& config);

    void onSpans(const SpanBatch& batch);
    void onMetrics(const std::vector<MetricPoint>& points);
    void onClock(int64_t now_ns);
    std::shared_ptr<const GraphSnapshot> snapshot(const std::string& source);
    const GraphNode* findNode(std::string_view id) const;
    const GraphEdge* findEdge(std::string_view source, std::string_view target, EdgeKind kind) const;

    uint64_t sequence() const { return m_sequence; }
    void setSequence(uint64_t sequence) { m_sequence = sequence; }

    AggregatorConfig config;
    PipelineCounters counters;
    int64_t clock_ns = 0;

private:
    // Spans (graphaggregator.cpp).
    void processSpan(const Span& span);
    /// Interns a name through the batch cache, which matches by address: only for strings that stay put
    /// for the whole span batch (the batch keeps them alive).
    uint32_t nameId(std::string_view name);
    /// Interns a name without the cache: for strings that may be temporaries (metric points).
    uint32_t internName(std::string_view name);
    void noteInstance(uint32_t node, std::string_view instance, int64_t time_ns);
    uint32_t protocolOf(const Span& span);
    uint32_t reportingNode(const Span& span);
    uint32_t nodeFor(uint32_t name, NodeKind kind, bool inferred);
    GraphEdge* edgeFor(uint32_t source, uint32_t target, EdgeKind kind, uint32_t protocol);
    bool observeEdge(uint32_t source, uint32_t target, EdgeKind kind, uint32_t protocol, int64_t time_ns,
        int64_t latency_ns, bool error, const PendingSpan* server = nullptr);
    void observeNode(uint32_t node, int64_t time_ns, int64_t latency_ns, bool error, bool countLate);
    void pairSync(const PendingSpan& client, const PendingSpan& server);
    void pairAsync(const PendingSpan& producer, const PendingSpan& consumer);
    void wait(const PendingSpan& span);
    void expired(const PendingSpan& span);
    void expirePairings();
    PendingSpan pendingOf(const Span& span, uint32_t node, SpanId key);

    // Metrics (graphaggregatormetrics.cpp).
    void processMetric(const MetricPoint& point, MetricMeaning meaning);
    BreakerInfo* breakerFor(uint32_t node, const std::string& name);
    QueueState* queueFor(const std::string& name);
    EnvoyCluster* envoyClusterFor(uint32_t node, const std::string& cluster);

    // Snapshot (graphaggregatorsnapshot.cpp).
    Health healthOf(const WindowStats& window) const;

    NameTable m_names; ///< services, queues, peers, protocols
    NameTable m_instanceNames; ///< service.instance.id values, apart so instance churn cannot starve names
    BatchNameCache m_cache;
    BatchNameCache m_instanceCache;
    std::vector<uint32_t> m_nodeOfName; ///< name id -> node index, or kNoId
    std::vector<GraphNode> m_nodes;
    std::vector<GraphEdge> m_edges;
    FlatIndex m_edgeIndex; ///< (source, target, kind) -> edge index
    PairingStore m_pairing;
    uint64_t m_sequence = 0;
    int64_t m_ttl_ns;
    uint32_t m_userName;
    uint32_t m_unknownServiceName;
    uint32_t m_httpName;

    static uint64_t edgeKey(uint32_t source, uint32_t target, EdgeKind kind)
    {
        return (uint64_t(source) << 33) | (uint64_t(target) << 1) | uint64_t(kind == EdgeKind::Async);
    }
};

} // namespace faultline
