#pragma once
// The runners' side of the traces panel: a TraceStore fed from the same span stream as the graph, the
// recent traces through the watched item, refreshed about once a second, and one trace's waterfall on
// request, each published immutable for the UI.

#include "graph/tracestore.h"
#include "run/detailsnapshot.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace faultline {

/// The recent traces through one node or edge.
struct TraceList {
    DetailKey key;
    std::vector<TraceSummary> traces; ///< failed first, then slowest, at most 50
    TraceStoreStats stats;
};

/// The answer to a waterfall request: nullopt when the trace is no longer kept.
struct WaterfallResult {
    TraceId id;
    std::optional<TraceWaterfall> waterfall;
};

/// Owned by a runner; every function but the latest...() readers is for the runner's thread.
class TracePublisher {
public:
    explicit TracePublisher(TraceStoreConfig config = {});

    void add(const SpanBatch& batch) { m_store.add(batch); }
    void clear();
    const TraceStore& store() const { return m_store; }

    /// With every published snapshot: refreshes the list for `key` when the key changed, a second has
    /// passed since the last refresh (queries scan the store, so not at 20 Hz), or `now` says so (a paused
    /// runner publishes rarely, and each of those snapshots must come with a list that matches it).
    void publish(const DetailKey& key, bool now = false);
    /// Looks up one trace and publishes its waterfall.
    void answerWaterfall(const TraceId& id);

    /// Safe from any thread.
    std::shared_ptr<const TraceList> latestTraces() const { return m_traces.load(); }
    std::shared_ptr<const WaterfallResult> latestWaterfall() const { return m_waterfall.load(); }

    static constexpr size_t kListLength = 50;

private:
    TraceStore m_store;
    DetailKey m_key;
    std::chrono::steady_clock::time_point m_refreshed;
    std::atomic<std::shared_ptr<const TraceList>> m_traces;
    std::atomic<std::shared_ptr<const WaterfallResult>> m_waterfall;
};

} // namespace faultline
