#pragma once
// Durations from policies and scenarios (double milliseconds) as integer nanoseconds. The formats accept any
// finite non-negative number, and a cast of 1e300 ms to int64_t is undefined behaviour: durations saturate
// at kLongestDurationNs instead, so such a one means "never" and adding it to a time stays in range.

#include <cmath>
#include <cstdint>

namespace faultline {

inline constexpr int64_t kLongestDurationNs = int64_t(1) << 62; ///< 146 years: longer than any run

/// A policy's duration in nanoseconds, rounded to nearest, saturated; 0 for zero, negative and NaN.
inline int64_t policyMsToNs(double ms)
{
    if (!(ms > 0.0)) return 0;
    const double ns = ms * 1e6;
    if (ns >= static_cast<double>(kLongestDurationNs)) return kLongestDurationNs;
    return std::llround(ns);
}

} // namespace faultline
