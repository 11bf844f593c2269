#pragma once

#include "graph/graphsnapshot.h"
#include "graph/loghistogram.h"

#include <cstdint>
#include <vector>

namespace faultline {

/// The windowed figures of one RollingStats at a moment.
struct WindowStats {
    uint64_t count = 0;
    uint64_t errors = 0;
    double duration_s = 0.0; ///< the span of time the figures cover (shorter at the start of a run)
    double rps = 0.0;
    double error_rate = 0.0;
    LatencyStats latency;
};

/// One second of history, for sparklines.
struct HistoryPoint {
    uint32_t count = 0;
    uint32_t errors = 0;
    float mean_ms = 0.0f; ///< 0 when count is 0
};

/// Per-second history, oldest first; points[i] is second first_second + i, the last one the current second.
struct History {
    int64_t first_second = 0;
    std::vector<HistoryPoint> points;
};

/// Rolling statistics of one node or edge: a window of `window_s` seconds kept in per-second slots of
/// telemetry time, whole-run totals, and a per-second history of the last `history_s` seconds.
/// Memory is bounded whatever the rate: one histogram for the window, and per second of the window the
/// counts of the histogram buckets that second used (a dense range, at most LogHistogram::kBucketCount),
/// to subtract when that second leaves it.
class RollingStats {
public:
    explicit RollingStats(double window_s = 10.0, int history_s = 900);

    /// Records one observation ending at `time_ns`. Returns false when it is older than the window: it then
    /// counts in the totals only.
    bool add(int64_t time_ns, int64_t latency_ns, bool error);
    /// Moves the window so that its newest second is the one holding `now_ns` (never backwards).
    void advance(int64_t now_ns)
    {
        // Inline for the common case, a time within the newest second (an empty range before the first).
        if (now_ns < m_newest_end_ns && m_newest_start_ns != m_newest_end_ns) return;
        advanceSeconds(now_ns);
    }
    /// The windowed figures as of `now_ns` (advances the window first). The window covers from
    /// max(first observation, start of its oldest second) to `now_ns`.
    WindowStats window(int64_t now_ns);
    Totals totals() const;
    /// The last `history_s` seconds up to the one holding `now_ns`; seconds without data are zeros.
    /// Observations that arrived later than the window are not in it.
    History history(int64_t now_ns) const;

    /// The latencies (ns) in the window as of the last advance()/window() call: what window() reports on.
    const LogHistogram& windowHistogram() const { return m_window; }

    uint64_t lateObservations() const { return m_late; }
    int windowSlots() const { return static_cast<int>(m_slots.size()); }

private:
    struct Slot {
        int64_t second = kNoSecond;
        uint32_t count = 0;
        uint32_t errors = 0;
        double sum_ns = 0.0;
        int first = 0; ///< the bucket of counts[0]
        /// Dense counts of the buckets [first, first + size) this slot has used; zeroed when the second is
        /// retired, but its range and capacity are kept for the seconds that reuse the slot.
        std::vector<uint32_t> counts;
    };
    static constexpr int64_t kNoSecond = INT64_MIN;

    void advanceSeconds(int64_t now_ns);
    void retire(Slot& slot);
    /// Counts one observation in a bucket outside the slot's range, widening the range.
    static void widenAndCount(Slot& slot, int bucket);
    void setNewest(int64_t second);
    void writeHistory(int64_t second, HistoryPoint point);
    static HistoryPoint pointOf(const Slot& slot);

    double m_window_s;
    std::vector<Slot> m_slots; ///< slot of second s is m_slots[s mod size]
    int64_t m_newest = kNoSecond; ///< newest second of the window
    /// Where the newest second starts and ends (ns), and its slot: spares most observations the division.
    /// An empty range (start == end) when the second's bounds would overflow.
    int64_t m_newest_start_ns = 0;
    int64_t m_newest_end_ns = 0;
    size_t m_newest_slot = 0;
    int64_t m_first_ns = INT64_MAX; ///< first observation that entered the window
    LogHistogram m_window;
    uint64_t m_window_errors = 0;
    uint64_t m_late = 0;

    uint64_t m_total_requests = 0;
    uint64_t m_total_errors = 0;
    double m_total_sum_ns = 0.0;

    int m_history_s;
    std::vector<HistoryPoint> m_history; ///< ring, second s at s mod m_history_s; grown on first use
    int64_t m_history_newest = kNoSecond;
};

} // namespace faultline
