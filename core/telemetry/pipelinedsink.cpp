#include "telemetry/pipelinedsink.h"

#include <algorithm>
#include <utility>

namespace faultline {

PipelinedSink::PipelinedSink(TelemetrySink& downstream, size_t max_queued_spans, bool threaded)
    : m_downstream(downstream)
    , m_maxQueued(std::max<size_t>(1, max_queued_spans))
    , m_wakeAt(std::max<size_t>(1, m_maxQueued / 2))
{
    if (threaded) m_thread = std::thread([this] { run(); });
}

PipelinedSink::~PipelinedSink()
{
    if (!m_thread.joinable()) return;
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_work.notify_one();
    m_thread.join();
}

size_t PipelinedSink::weightOf(const Item& item)
{
    if (const auto* batch = std::get_if<SpanBatch>(&item)) return std::max<size_t>(1, batch->spans.size());
    return 1;
}

void PipelinedSink::onSpans(SpanBatch&& batch)
{
    push(Item(std::in_place_type<SpanBatch>, std::move(batch)));
}

void PipelinedSink::onMetrics(std::vector<MetricPoint>&& points)
{
    push(Item(std::in_place_type<std::vector<MetricPoint>>, std::move(points)));
}

void PipelinedSink::onClock(int64_t now_ns)
{
    push(Item(std::in_place_type<int64_t>, now_ns));
}

void PipelinedSink::push(Item&& item)
{
    if (!m_thread.joinable()) {
        std::visit(
            [this](auto&& value) {
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<T, SpanBatch>)
                    m_downstream.onSpans(std::move(value));
                else if constexpr (std::is_same_v<T, int64_t>)
                    m_downstream.onClock(value);
                else
                    m_downstream.onMetrics(std::move(value));
            },
            item);
        return;
    }
    const size_t weight = weightOf(item);
    bool wake = false;
    {
        std::unique_lock lock(m_mutex);
        // Room means under the bound; an empty pipe always takes one item, however heavy.
        const auto room = [&] { return m_queued == 0 || m_queued + weight <= m_maxQueued; };
        if (!room()) {
            ++m_waits;
            m_work.notify_one(); // it may be asleep on less than half the bound
            m_room.wait(lock, room);
        }
        if (m_failure) return; // drain() reports it; what follows a failure is not delivered
        m_queue.push_back(std::move(item));
        m_queued += weight;
        m_waiting += weight;
        m_peak = std::max(m_peak, m_queued);
        // Waking the thread for every batch cost the source a system call each time (and on a virtual
        // machine a sleeping core is slow to wake): the thread is woken once half the bound waits, or many
        // small items (ticks), or by drain() and the destructor. A thread that is busy takes what came
        // meanwhile without being woken.
        wake = m_waiting >= m_wakeAt || m_queue.size() >= kItemsPerWake;
    }
    if (wake) m_work.notify_one();
}

void PipelinedSink::drain()
{
    if (!m_thread.joinable()) return;
    m_work.notify_one(); // for what waits under the wake-up threshold
    std::unique_lock lock(m_mutex);
    m_room.wait(lock, [&] { return m_queued == 0; });
    if (m_failure) std::rethrow_exception(std::exchange(m_failure, nullptr));
}

size_t PipelinedSink::peakQueued() const
{
    std::lock_guard lock(m_mutex);
    return m_peak;
}

uint64_t PipelinedSink::sourceWaits() const
{
    std::lock_guard lock(m_mutex);
    return m_waits;
}

void PipelinedSink::run()
{
    std::unique_lock lock(m_mutex);
    while (true) {
        m_work.wait(lock, [&] { return m_stop || !m_queue.empty(); });
        if (m_queue.empty()) return; // stopping, and everything was delivered
        Item item = std::move(m_queue.front());
        m_queue.pop_front();
        m_waiting -= weightOf(item);
        const bool failed = m_failure != nullptr;
        lock.unlock();
        const size_t weight = weightOf(item);
        std::exception_ptr failure;
        if (!failed) { // after a failure, what was queued behind it is discarded
            try {
                if (auto* batch = std::get_if<SpanBatch>(&item))
                    m_downstream.onSpans(std::move(*batch));
                else if (auto* points = std::get_if<std::vector<MetricPoint>>(&item))
                    m_downstream.onMetrics(std::move(*points));
                else
                    m_downstream.onClock(std::get<int64_t>(item));
            } catch (...) {
                failure = std::current_exception();
            }
        }
        item = Item {}; // frees the batch here, on the thread that read it last
        lock.lock();
        m_queued -= weight;
        if (failure) m_failure = failure;
        m_room.notify_all();
    }
}

} // namespace faultline
