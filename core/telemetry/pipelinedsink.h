#pragma once

#include "telemetry/telemetrysink.h"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <variant>

namespace faultline {

/// A sink that hands everything to another sink on a thread of its own, in the order it came, so that a
/// source (the simulator) and its sink (the graph aggregator) each keep a core busy. The downstream sink
/// sees exactly the calls a direct connection would have made, so its state (and every snapshot) is the
/// same; only when they happen differs.
///
/// Bounded, with backpressure: once `max_queued_spans` spans are waiting, the source's next call waits
/// until the downstream has caught up. Nothing is ever dropped. Each clock tick and metric batch counts as
/// one span towards the bound. The default holds two of the simulator's batches: one being delivered,
/// one being filled. A larger bound bought nothing (the faster side idles either way) and left a longer
/// tail to deliver at the end.
///
/// Not a sink for the window's runner: its owner must call `drain()` before it reads the downstream sink
/// (a snapshot), and the downstream is touched from the pipeline's thread alone until then. The source's
/// calls come from one thread at a time, as for any sink.
class PipelinedSink final : public TelemetrySink {
public:
    /// `downstream` must outlive this sink. With `threaded` false (as on a machine with one core), calls
    /// are delivered on the caller's thread at once and no thread is started.
    explicit PipelinedSink(TelemetrySink& downstream, size_t max_queued_spans = 2 * 8192,
        bool threaded = std::thread::hardware_concurrency() > 1);
    /// Delivers what is still queued, then joins the thread.
    ~PipelinedSink() override;
    PipelinedSink(const PipelinedSink&) = delete;
    PipelinedSink& operator=(const PipelinedSink&) = delete;

    void onSpans(SpanBatch&& batch) override;
    void onMetrics(std::vector<MetricPoint>&& points) override;
    void onClock(int64_t now_ns) override;

    /// Returns once everything handed over so far has been delivered downstream, after which the
    /// downstream may be read until the next call. Rethrows, on the caller's thread, an exception the
    /// downstream threw (the calls queued after it are discarded).
    void drain();

    bool threaded() const { return m_thread.joinable(); }
    /// The most spans (with ticks and metric batches) that ever waited at once: never above the bound
    /// plus one call's worth, which a single batch larger than the bound may add.
    size_t peakQueued() const;
    /// How many of the source's calls had to wait for room: how often the sink held the source back.
    uint64_t sourceWaits() const;

private:
    using Item = std::variant<SpanBatch, std::vector<MetricPoint>, int64_t>; ///< int64_t: a clock tick
    static constexpr size_t kItemsPerWake = 64;
    static size_t weightOf(const Item& item);
    void push(Item&& item);
    void run();

    TelemetrySink& m_downstream;
    const size_t m_maxQueued;
    const size_t m_wakeAt; ///< the thread is woken once this much waits (half the bound)
    mutable std::mutex m_mutex;
    std::condition_variable m_work; ///< the thread waits here for items, or for the stop
    std::condition_variable m_room; ///< the source waits here for room, and drain() for an empty pipe
    std::deque<Item> m_queue;
    size_t m_queued = 0; ///< weight of the items in m_queue and of the one being delivered
    size_t m_waiting = 0; ///< weight of the items in m_queue alone
    size_t m_peak = 0;
    uint64_t m_waits = 0;
    bool m_stop = false;
    std::exception_ptr m_failure;
    std::thread m_thread;
};

} // namespace faultline
