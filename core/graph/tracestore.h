#pragma once
// The most recent traces, kept in a bounded memory budget, for the traces panel: which traces went through a
// node or an edge (failed and slowest first), and one trace as a span waterfall. Fed from the same span
// stream as the graph aggregator, so simulated and live traces look alike.

#include "graph/graphsnapshot.h"
#include "telemetry/span.h"

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

struct TraceStoreConfig {
    /// Spans kept in all; when a new span would exceed it, the oldest traces go first.
    size_t max_spans = 200'000;
    /// Distinct strings (services, operations, peers) kept; beyond, names read "…" and are counted.
    size_t max_names = 50'000;
    /// Spans kept per trace; the rest of a huge trace is counted, not kept.
    size_t max_spans_per_trace = 2'000;
};

/// One trace in a list: enough to choose which one to open.
struct TraceSummary {
    TraceId id;
    std::string root_service; ///< the service of the earliest span without a kept parent
    std::string root_operation;
    double start_s = 0.0; ///< telemetry clock
    double duration_ms = 0.0; ///< from the earliest start to the latest end of its kept spans
    bool error = false; ///< any span with status ERROR
    int span_count = 0;
    /// What the trace spent on the queried node or edge: the longest matching span, in ms.
    double matched_ms = 0.0;
};

/// One row of a span waterfall, in depth-first order (children by start time).
struct WaterfallRow {
    SpanId span_id = 0;
    SpanId parent_span_id = 0;
    int depth = 0;
    bool orphan = false; ///< its parent is not in the trace (not received, or dropped)
    std::string service;
    std::string instance;
    std::string operation; ///< the span name
    std::string peer; ///< callee, queue or database the span names, if any
    SpanKind kind = SpanKind::Unspecified;
    StatusCode status = StatusCode::Unset;
    double start_ms = 0.0; ///< from the trace's start
    double duration_ms = 0.0;
};

struct TraceWaterfall {
    TraceId id;
    double start_s = 0.0;
    double duration_ms = 0.0;
    std::vector<WaterfallRow> rows;
};

/// What to list: traces through a node (any span of that service, or naming it as callee, queue or
/// database) or through an edge source -> target.
struct TraceQuery {
    std::string node; ///< set for a node query
    std::string source; ///< set with target for an edge query
    std::string target;
    size_t limit = 50;

    static TraceQuery ofNode(std::string node, size_t limit = 50) { return { std::move(node), {}, {}, limit }; }
    static TraceQuery ofEdge(std::string source, std::string target, size_t limit = 50)
    {
        return { {}, std::move(source), std::move(target), limit };
    }
};

/// A call an operation makes, as seen in traces: a client span (sync call), or a producer span (a publish
/// to a queue, or an async call when it names no queue).
struct CallProfile {
    std::string callee; ///< service, database, external or queue (for a publish)
    std::string
        operation; ///< the callee's operation (its server span's name, else the client span's); a publish: the message
    SpanKind kind = SpanKind::Client; ///< Client or Producer
    bool publish = false; ///< a producer span naming a queue
    uint64_t count = 0; ///< calls over all sampled requests of the operation
    double mean_offset_ms = 0.0; ///< mean start after the operation's own start: the order of the steps
};

/// What one operation of one service does, from the server (or consumer) spans kept in the store.
struct OperationProfile {
    std::string service;
    std::string operation;
    SpanKind kind = SpanKind::Server; ///< Server, or Consumer for a queue consumer
    std::string queue; ///< Consumer: the queue it consumes from
    uint64_t requests = 0;
    uint64_t entry_requests = 0; ///< requests from outside: a root span, or called by a user node
    std::string entry_client; ///< the user node that called it most, empty for root spans
    uint64_t own_errors = 0; ///< failed while none of its calls failed
    /// Time spent outside its calls (the span's duration minus the union of its children's), ms, up to
    /// the store's sample cap per operation, in trace order.
    std::vector<double> self_ms;
    std::vector<CallProfile> calls; ///< by mean_offset_ms
};

struct TraceStoreStats {
    uint64_t traces = 0; ///< kept now
    uint64_t spans = 0; ///< kept now
    uint64_t traces_evicted = 0; ///< pushed out by the budget
    uint64_t spans_truncated = 0; ///< beyond max_spans_per_trace
    uint64_t names_truncated = 0; ///< strings beyond max_names
};

/// Hex spelling of a trace id, 32 lowercase digits as in OTLP/W3C; and back (nullopt when malformed).
std::string toHex(const TraceId& id);
std::optional<TraceId> traceIdFromHex(std::string_view hex);

/// Not thread-safe: one owner thread adds and queries; results are plain values to publish.
class TraceStore {
public:
    explicit TraceStore(TraceStoreConfig config = {});
    ~TraceStore();
    TraceStore(const TraceStore&) = delete;
    TraceStore& operator=(const TraceStore&) = delete;

    /// Copies what the waterfall needs out of the batch (the batch's strings need not outlive the call).
    void add(const SpanBatch& batch);
    void clear();

    /// Traces through the node or edge, failed first, then by time spent there (slowest first), then newest.
    std::vector<TraceSummary> query(const TraceQuery& query) const;
    std::optional<TraceWaterfall> waterfall(const TraceId& id) const;
    /// Every operation seen (server and consumer spans, and the client spans that call databases and
    /// externals that send none), sorted by service then operation; at most `max_samples` self times each.
    std::vector<OperationProfile> profile(size_t max_samples = 5'000) const;
    TraceStoreStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace faultline
