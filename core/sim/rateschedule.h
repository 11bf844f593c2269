#pragma once

#include "scenario/scenario.h"
#include "sim/random.h"

#include <cstdint>
#include <vector>

namespace faultline {

/// A workload's arrival rate over time: piecewise constant with linear ramps, and the arrival process
/// (Poisson or evenly spaced) that follows it.
class RateSchedule {
public:
    explicit RateSchedule(const std::vector<RatePoint>& points);

    /// Requests per second at virtual time t (seconds).
    double rateAt(double t) const;

    /// The first arrival strictly after `t_s` (seconds), or a negative value when the rate stays zero
    /// forever. Poisson arrivals are drawn by thinning within each segment, which is exact for a
    /// non-homogeneous Poisson process; constant arrivals step by 1/rate.
    double nextArrival(double t_s, Arrival arrival, Random& random) const;

private:
    struct Segment {
        double start = 0.0;
        double end = 0.0; // +inf for the last
        double r0 = 0.0; // rate at start
        double r1 = 0.0; // rate at end (== r0 unless ramping)
    };
    const Segment* segmentAt(double t) const;
    std::vector<Segment> m_segments;
};

} // namespace faultline
