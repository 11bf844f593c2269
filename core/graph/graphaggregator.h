#pragma once

#include "graph/graphsnapshot.h"
#include "graph/rollingstats.h"
#include "telemetry/telemetrysink.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace faultline {

/// Settings of the aggregator; defaults from spec/telemetry.md.
struct AggregatorConfig {
    double window_s = 10.0; ///< rolling window of the windowed figures
    int history_s = 900; ///< per-second history kept for sparklines
    double pairing_ttl_s = 2.0; ///< how long a span waits for its partner (Collector default)
    size_t pairing_capacity = 100000; ///< spans waiting for a partner, at most; the oldest is evicted
    double degraded_error_rate = 0.001; ///< >= this is degraded (Kiali)
    double failing_error_rate = 0.10; ///< > this is failing (Kiali)
    size_t max_nodes = 10000; ///< cardinality caps: spans beyond them are counted, not graphed
    size_t max_edges = 50000;
};

class GraphAggregatorImpl;

/// Derives the service graph and its rolling statistics from spans and metric points, by the rules of
/// spec/telemetry.md, whatever their source. Single-threaded: feed it from one thread, and hand the
/// snapshots it builds to other threads.
class GraphAggregator final : public TelemetrySink {
public:
    explicit GraphAggregator(AggregatorConfig config = {});
    ~GraphAggregator() override;
    GraphAggregator(const GraphAggregator&) = delete;
    GraphAggregator& operator=(const GraphAggregator&) = delete;

    void onSpans(SpanBatch&& batch) override;
    void onMetrics(std::vector<MetricPoint>&& points) override;
    void onClock(int64_t now_ns) override;

    /// Counts spans a source dropped before they reached the aggregator, so snapshots show them.
    void addDroppedSpans(uint64_t count);

    /// Builds an immutable snapshot of the graph as of the current telemetry clock.
    std::shared_ptr<const GraphSnapshot> snapshot(const std::string& source) const;

    const AggregatorConfig& config() const;
    /// Drops all state, as at construction (the clock too). Snapshot sequence numbers keep counting up.
    void reset();

    /// Per-second history (count, errors, mean latency) of a node's own traffic, the last
    /// AggregatorConfig::history_s seconds up to the clock; empty when there is no such node.
    History nodeHistory(std::string_view id) const;
    /// The same for the edge source -> target of that kind (what the caller felt).
    History edgeHistory(std::string_view source, std::string_view target, EdgeKind kind) const;
    /// The latencies (ns) in a node's window as of the last snapshot(): the histogram behind its p50/p95/p99.
    /// Empty when there is no such node.
    LogHistogram nodeLatencyHistogram(std::string_view id) const;
    /// The same for the edge source -> target of that kind.
    LogHistogram edgeLatencyHistogram(std::string_view source, std::string_view target, EdgeKind kind) const;

private:
    std::unique_ptr<GraphAggregatorImpl> d;
};

} // namespace faultline
