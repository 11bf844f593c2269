#include "graph/rollingstats.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace faultline {

namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
// Below this the window is too short for a rate to mean anything; it only guards the first instants.
constexpr double kMinRateDuration_s = 0.1;

int64_t secondOf(int64_t ns)
{
    return ns >= 0 ? ns / kNsPerSecond : -((-ns + kNsPerSecond - 1) / kNsPerSecond);
}

size_t ringIndex(int64_t second, size_t size)
{
    const auto n = static_cast<int64_t>(size);
    return static_cast<size_t>(((second % n) + n) % n);
}

} // namespace

RollingStats::RollingStats(double window_s, int history_s)
    : m_window_s(window_s)
    , m_slots(static_cast<size_t>(std::max(1.0, std::ceil(window_s))))
    , m_history_s(std::max(0, history_s))
{
}

bool RollingStats::add(int64_t time_ns, int64_t latency_ns, bool error)
{
    ++m_total_requests;
    m_total_errors += error ? 1 : 0;
    m_total_sum_ns += static_cast<double>(latency_ns);

    Slot* slot;
    if (time_ns >= m_newest_start_ns && time_ns < m_newest_end_ns) {
        // The common case: an observation in the newest second.
        slot = &m_slots[m_newest_slot];
        slot->second = m_newest;
    } else {
        const int64_t second = secondOf(time_ns);
        if (m_newest == kNoSecond || second > m_newest) advance(time_ns);
        if (second <= m_newest - static_cast<int64_t>(m_slots.size())) {
            ++m_late;
            return false;
        }
        slot = &m_slots[ringIndex(second, m_slots.size())];
        slot->second = second;
    }
    ++slot->count;
    slot->errors += error ? 1 : 0;
    slot->sum_ns += static_cast<double>(latency_ns);
    const double latency = static_cast<double>(latency_ns);
    const int bucket = LogHistogram::bucketOf(latency);
    if (const int i = bucket - slot->first; i >= 0 && i < static_cast<int>(slot->counts.size()))
        ++slot->counts[static_cast<size_t>(i)];
    else
        widenAndCount(*slot, bucket);

    m_window.addToBucket(bucket, latency);
    m_window_errors += error ? 1 : 0;
    m_first_ns = std::min(m_first_ns, time_ns);
    return true;
}

void RollingStats::widenAndCount(Slot& slot, int bucket)
{
    const int i = bucket - slot.first;
    // Widen the range with some room on the side it grows, so a second's first observations do not each
    // move the array.
    constexpr int kSlack = 8;
    if (slot.counts.empty()) {
        slot.first = std::max(0, bucket - kSlack);
        slot.counts.assign(
            static_cast<size_t>(std::min(LogHistogram::kBucketCount, bucket + kSlack + 1) - slot.first), 0);
    } else if (i < 0) {
        const int first = std::max(0, bucket - kSlack);
        slot.counts.insert(slot.counts.begin(), static_cast<size_t>(slot.first - first), 0);
        slot.first = first;
    } else {
        const int end = std::min(LogHistogram::kBucketCount, bucket + kSlack + 1);
        slot.counts.resize(static_cast<size_t>(end - slot.first), 0);
    }
    ++slot.counts[static_cast<size_t>(bucket - slot.first)];
}

void RollingStats::setNewest(int64_t second)
{
    m_newest = second;
    m_newest_slot = ringIndex(second, m_slots.size());
    int64_t start = 0;
    if (__builtin_mul_overflow(second, kNsPerSecond, &start) || start > INT64_MAX - kNsPerSecond) {
        m_newest_start_ns = m_newest_end_ns = 0;
        return;
    }
    m_newest_start_ns = start;
    m_newest_end_ns = start + kNsPerSecond;
}

void RollingStats::advanceSeconds(int64_t now_ns)
{
    const int64_t second = secondOf(now_ns);
    if (m_newest != kNoSecond && second <= m_newest) return;
    if (m_newest != kNoSecond) {
        const auto size = static_cast<int64_t>(m_slots.size());
        // Retire, oldest first, every second that falls out of the window [second - size + 1, second].
        const int64_t from = m_newest - size + 1;
        const int64_t to = std::min(m_newest, second - size);
        for (int64_t s = from; s <= to; ++s) {
            Slot& slot = m_slots[ringIndex(s, m_slots.size())];
            if (slot.second == s) retire(slot);
        }
    }
    setNewest(second);
}

void RollingStats::retire(Slot& slot)
{
    writeHistory(slot.second, pointOf(slot));
    for (size_t i = 0; i < slot.counts.size(); ++i) {
        if (slot.counts[i] == 0) continue;
        m_window.subtractBucket(slot.first + static_cast<int>(i), slot.counts[i]);
        slot.counts[i] = 0;
    }
    m_window.subtractSum(slot.sum_ns);
    m_window_errors -= slot.errors;
    slot.second = kNoSecond;
    slot.count = 0;
    slot.errors = 0;
    slot.sum_ns = 0.0;
}

HistoryPoint RollingStats::pointOf(const Slot& slot)
{
    HistoryPoint p;
    p.count = slot.count;
    p.errors = slot.errors;
    p.mean_ms = slot.count == 0 ? 0.0f : static_cast<float>(slot.sum_ns / slot.count / 1e6);
    return p;
}

void RollingStats::writeHistory(int64_t second, HistoryPoint point)
{
    if (m_history_s <= 0) return;
    if (m_history.empty()) m_history.assign(static_cast<size_t>(m_history_s), HistoryPoint {});
    if (m_history_newest != kNoSecond && second <= m_history_newest) {
        if (second > m_history_newest - m_history_s) m_history[ringIndex(second, m_history.size())] = point;
        return;
    }
    const int64_t clearFrom = m_history_newest == kNoSecond ? second - m_history_s + 1
                                                            : std::max(m_history_newest + 1, second - m_history_s + 1);
    for (int64_t s = clearFrom; s < second; ++s)
        m_history[ringIndex(s, m_history.size())] = HistoryPoint {};
    m_history[ringIndex(second, m_history.size())] = point;
    m_history_newest = second;
}

WindowStats RollingStats::window(int64_t now_ns)
{
    advance(now_ns);
    WindowStats w;
    w.count = m_window.count();
    w.errors = m_window_errors;
    if (m_newest == kNoSecond) return w;
    const int64_t oldest_ns = (m_newest - static_cast<int64_t>(m_slots.size()) + 1) * kNsPerSecond;
    const int64_t start_ns = std::max(oldest_ns, m_first_ns == INT64_MAX ? oldest_ns : m_first_ns);
    w.duration_s = std::max(0.0, static_cast<double>(now_ns - start_ns) / 1e9);
    if (w.count == 0) return w;
    w.rps = static_cast<double>(w.count) / std::max(w.duration_s, std::min(kMinRateDuration_s, m_window_s));
    w.error_rate = static_cast<double>(w.errors) / static_cast<double>(w.count);
    static constexpr std::array<double, 3> qs { 0.50, 0.95, 0.99 };
    std::array<double, 3> values {};
    m_window.quantiles(qs, values);
    w.latency.valid = true;
    w.latency.mean_ms = m_window.mean() / 1e6;
    w.latency.p50_ms = values[0] / 1e6;
    w.latency.p95_ms = values[1] / 1e6;
    w.latency.p99_ms = values[2] / 1e6;
    return w;
}

Totals RollingStats::totals() const
{
    Totals t;
    t.requests = m_total_requests;
    t.errors = m_total_errors;
    t.mean_ms = m_total_requests == 0 ? 0.0 : m_total_sum_ns / static_cast<double>(m_total_requests) / 1e6;
    return t;
}

History RollingStats::history(int64_t now_ns) const
{
    History h;
    if (m_history_s <= 0) return h;
    const int64_t now = secondOf(now_ns);
    h.first_second = now - m_history_s + 1;
    h.points.resize(static_cast<size_t>(m_history_s));
    const auto windowSize = static_cast<int64_t>(m_slots.size());
    for (int64_t s = h.first_second; s <= now; ++s) {
        HistoryPoint& out = h.points[static_cast<size_t>(s - h.first_second)];
        if (m_newest != kNoSecond && s <= m_newest && s > m_newest - windowSize) {
            const Slot& slot = m_slots[ringIndex(s, m_slots.size())];
            if (slot.second == s) {
                out = pointOf(slot);
                continue;
            }
        }
        if (!m_history.empty() && m_history_newest != kNoSecond && s <= m_history_newest
            && s > m_history_newest - m_history_s)
            out = m_history[ringIndex(s, m_history.size())];
    }
    return h;
}

} // namespace faultline
