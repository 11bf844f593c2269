#pragma once
// Scenario durations (double milliseconds or seconds) as the simulator's integer nanoseconds. The formats
// accept any finite non-negative number, and a cast of 1e300 ms to int64_t is undefined behaviour: these
// saturate instead, at 2^62 ns (146 years, longer than any run), so such a duration means "never" and
// adding it to a simulated time stays in range.

#include "resilience/duration.h"
#include "sim/random.h"

#include <cstdint>
#include <limits>

namespace faultline {

inline constexpr int64_t kEndOfTime = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kLongestNs = kLongestDurationNs; ///< where durations saturate

/// Nanoseconds held in a double, toward zero (as a cast), saturated at +-kLongestNs; NaN is 0.
inline int64_t saturatedNs(double ns)
{
    if (ns >= static_cast<double>(kLongestNs)) return kLongestNs;
    if (ns <= -static_cast<double>(kLongestNs)) return -kLongestNs;
    if (ns != ns) return 0;
    return static_cast<int64_t>(ns);
}

/// `ms` in nanoseconds, toward zero (as a cast), saturated at +-kLongestNs; NaN is 0.
inline int64_t msToNs(double ms)
{
    return saturatedNs(ms * 1e6);
}

/// `s` in nanoseconds, rounded to nearest (half away from zero), saturated at +-kLongestNs; NaN is 0.
inline int64_t secondsToNs(double s)
{
    const double ns = s * 1e9;
    if (ns >= static_cast<double>(kLongestNs)) return kLongestNs;
    if (ns <= -static_cast<double>(kLongestNs)) return -kLongestNs;
    if (ns != ns) return 0;
    return roundToInt64(ns);
}

/// `now + ns`, saturated at kEndOfTime (for ns >= 0, the only use).
inline int64_t later(int64_t now, int64_t ns)
{
    return ns > 0 && now > kEndOfTime - ns ? kEndOfTime : now + ns;
}

} // namespace faultline
