#pragma once
// The time source of the control plane. Rules expire and dead-man switches fire by this clock, so tests
// can drive them with a ManualClock instead of waiting.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace faultline {

class ControlClock {
public:
    virtual ~ControlClock() = default;
    /// Monotonic nanoseconds; only differences are meaningful.
    virtual int64_t nowNs() const = 0;
};

/// std::chrono::steady_clock.
class SteadyControlClock final : public ControlClock {
public:
    int64_t nowNs() const override
    {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    static const SteadyControlClock& instance()
    {
        static const SteadyControlClock clock;
        return clock;
    }
};

/// A clock that moves only when told to. Thread-safe.
class ManualControlClock final : public ControlClock {
public:
    explicit ManualControlClock(int64_t start_ns = 1'000'000'000)
        : now_(start_ns)
    {
    }
    int64_t nowNs() const override { return now_.load(); }
    void advance(std::chrono::nanoseconds by) { now_ += by.count(); }

private:
    std::atomic<int64_t> now_;
};

constexpr int64_t msToNs(double ms)
{
    return static_cast<int64_t>(ms * 1e6);
}

} // namespace faultline
