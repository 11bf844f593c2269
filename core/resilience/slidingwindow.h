#pragma once
// The sliding windows a circuit breaker keeps its failure and slow-call counts in (Resilience4j's
// FixedSizeSlidingWindowMetrics and SlidingTimeWindowMetrics; Hystrix's rolling buckets).

#include <cstdint>
#include <vector>

namespace faultline {

struct WindowCounts {
    int total = 0;
    int failed = 0;
    int slow = 0;
};

/// Either the last N recorded calls, or the calls of the last N whole seconds (one bucket per second,
/// aligned to multiples of one second of the caller's clock). Times are nanoseconds.
class SlidingWindow {
public:
    static SlidingWindow countBased(int calls);
    static SlidingWindow timeBased(int seconds);

    bool isTimeBased() const { return time_based_; }
    int size() const { return size_; }

    void record(int64_t now_ns, bool failed, bool slow);
    /// Counts of the window as seen at `now_ns`: a time-based window lets seconds older than N drop out.
    WindowCounts counts(int64_t now_ns);

private:
    struct Bucket {
        int64_t second = 0;
        WindowCounts counts;
    };

    SlidingWindow(bool time_based, int size);
    void moveTo(int64_t second);
    void add(WindowCounts& into, int sign, const WindowCounts& what);

    bool time_based_ = false;
    int size_ = 1;
    WindowCounts totals_;
    // Count based: one bucket per call, used as a ring; `next_` is where the next call goes.
    // Time based: one bucket per second, second s in bucket s mod N; `head_` is the newest second seen.
    std::vector<Bucket> buckets_;
    int next_ = 0;
    int filled_ = 0;
    bool has_head_ = false;
    int64_t head_ = 0;
};

} // namespace faultline
