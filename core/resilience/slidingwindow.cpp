#include "resilience/slidingwindow.h"

#include <algorithm>

namespace faultline {

namespace {

constexpr int64_t kSecondNs = 1'000'000'000;

int64_t floorDiv(int64_t a, int64_t b)
{
    const int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

size_t slotOf(int64_t second, int size)
{
    const int64_t m = second % size;
    return static_cast<size_t>(m < 0 ? m + size : m);
}

} // namespace

SlidingWindow::SlidingWindow(bool time_based, int size)
    : time_based_(time_based)
    , size_(std::max(1, size))
    , buckets_(static_cast<size_t>(size_))
{
}

SlidingWindow SlidingWindow::countBased(int calls)
{
    return SlidingWindow(false, calls);
}

SlidingWindow SlidingWindow::timeBased(int seconds)
{
    return SlidingWindow(true, seconds);
}

void SlidingWindow::add(WindowCounts& into, int sign, const WindowCounts& what)
{
    into.total += sign * what.total;
    into.failed += sign * what.failed;
    into.slow += sign * what.slow;
}

void SlidingWindow::moveTo(int64_t second)
{
    if (!has_head_) {
        has_head_ = true;
        head_ = second;
        return;
    }
    if (second <= head_) return;
    // Seconds head_+1 .. second enter the window; their slots held seconds that now leave it.
    const int64_t steps = std::min<int64_t>(second - head_, size_);
    for (int64_t s = second - steps + 1; s <= second; ++s) {
        Bucket& b = buckets_[slotOf(s, size_)];
        add(totals_, -1, b.counts);
        b = Bucket { s, {} };
    }
    head_ = second;
}

void SlidingWindow::record(int64_t now_ns, bool failed, bool slow)
{
    const WindowCounts call { 1, failed ? 1 : 0, slow ? 1 : 0 };
    if (!time_based_) {
        Bucket& b = buckets_[static_cast<size_t>(next_)];
        if (filled_ == size_)
            add(totals_, -1, b.counts);
        else
            ++filled_;
        b.counts = call;
        add(totals_, 1, call);
        next_ = (next_ + 1) % size_;
        return;
    }
    const int64_t second = floorDiv(now_ns, kSecondNs);
    moveTo(second);
    // A result reported out of order, for a second that has already left the window, is dropped.
    if (second <= head_ - size_) return;
    Bucket& b = buckets_[slotOf(second, size_)];
    if (b.second != second) b = Bucket { second, {} }; // a slot with counts always holds a second inside the window
    add(b.counts, 1, call);
    add(totals_, 1, call);
}

WindowCounts SlidingWindow::counts(int64_t now_ns)
{
    if (time_based_) moveTo(floorDiv(now_ns, kSecondNs));
    return totals_;
}

} // namespace faultline
