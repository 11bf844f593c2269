#include "sim/sampler.h"
#include "sim/timeunits.h"

#include <algorithm>
#include <cmath>

namespace faultline {

Sampler::Sampler(const Distribution& d)
    : m_kind(d.kind)
{
    switch (d.kind) {
    case Distribution::Kind::Constant:
        m_a = d.value_ms;
        break;
    case Distribution::Kind::Exponential:
        m_a = d.mean_ms;
        break;
    case Distribution::Kind::Uniform:
        m_a = d.min_ms;
        m_b = d.max_ms - d.min_ms;
        break;
    case Distribution::Kind::Lognormal:
        m_a = std::log(d.median_ms);
        m_b = (std::log(d.p99_ms) - m_a) / kNormalZ99;
        break;
    case Distribution::Kind::Empirical: {
        double total = 0.0;
        double lower = d.min_ms;
        for (const auto& bucket : d.buckets) {
            total += bucket.weight;
            m_cumulative.push_back(total);
            m_lower.push_back(lower);
            m_upper.push_back(bucket.upper_ms);
            lower = bucket.upper_ms;
        }
        break;
    }
    }
}

int64_t Sampler::sampleNs(Random& random) const
{
    double ms = 0.0;
    switch (m_kind) {
    case Distribution::Kind::Constant:
        ms = m_a;
        break;
    case Distribution::Kind::Exponential:
        ms = random.exponential(m_a);
        break;
    case Distribution::Kind::Uniform:
        ms = m_a + m_b * random.uniform();
        break;
    case Distribution::Kind::Lognormal:
        ms = std::exp(m_a + m_b * random.normal());
        break;
    case Distribution::Kind::Empirical: {
        if (m_cumulative.empty() || m_cumulative.back() <= 0.0) break;
        const double x = random.uniform() * m_cumulative.back();
        auto it = std::upper_bound(m_cumulative.begin(), m_cumulative.end(), x);
        const size_t i = std::min<size_t>(static_cast<size_t>(it - m_cumulative.begin()), m_cumulative.size() - 1);
        ms = m_lower[i] + (m_upper[i] - m_lower[i]) * random.uniform();
        break;
    }
    }
    // Saturated: a service time of 1e300 ms (or an exp() that overflowed) is "never done", not 0.
    if (!(ms * 1e6 < static_cast<double>(kLongestNs))) return ms != ms ? 0 : kLongestNs;
    return std::max<int64_t>(0, roundToInt64(ms * 1e6));
}

} // namespace faultline
