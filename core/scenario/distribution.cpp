#include "scenario/scenario.h"

#include <cmath>

namespace faultline {

double Distribution::mean() const
{
    switch (kind) {
    case Kind::Constant:
        return value_ms;
    case Kind::Exponential:
        return mean_ms;
    case Kind::Uniform:
        return (min_ms + max_ms) / 2.0;
    case Kind::Lognormal: {
        if (median_ms <= 0.0 || p99_ms <= 0.0) return 0.0;
        const double mu = std::log(median_ms);
        const double sigma = (std::log(p99_ms) - mu) / kNormalZ99;
        return std::exp(mu + sigma * sigma / 2.0);
    }
    case Kind::Empirical: {
        // Samples are uniform within a bucket, so each bucket contributes its midpoint.
        double total = 0.0;
        double sum = 0.0;
        double lower = min_ms;
        for (const auto& bucket : buckets) {
            total += bucket.weight;
            sum += bucket.weight * (lower + bucket.upper_ms) / 2.0;
            lower = bucket.upper_ms;
        }
        return total > 0.0 ? sum / total : 0.0;
    }
    }
    return 0.0;
}

} // namespace faultline
