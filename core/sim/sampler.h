#pragma once

#include "scenario/scenario.h"
#include "sim/random.h"

#include <cstdint>
#include <vector>

namespace faultline {

/// Draws durations from a scenario Distribution, precomputing what each draw needs.
class Sampler {
public:
    explicit Sampler(const Distribution& distribution);
    /// One draw, in nanoseconds (never negative).
    int64_t sampleNs(Random& random) const;

private:
    Distribution::Kind m_kind;
    double m_a = 0.0; // constant value, exponential mean, uniform min, lognormal mu
    double m_b = 0.0; // uniform width, lognormal sigma
    std::vector<double> m_cumulative; // empirical: cumulative weights
    std::vector<double> m_lower; // empirical: bucket lower bounds (ms)
    std::vector<double> m_upper; // empirical: bucket upper bounds (ms)
};

} // namespace faultline
