#pragma once

#include <cmath>
#include <cstdint>

namespace faultline {

/// xoshiro256** seeded by splitmix64: fast, and the same sequence on every platform and standard
/// library, which std::*_distribution does not promise. Determinism of a run rests on it.
class Random {
public:
    explicit Random(uint64_t seed)
    {
        uint64_t x = seed;
        for (auto& s : m_state) {
            x += 0x9e3779b97f4a7c15ULL;
            uint64_t z = x;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            s = z ^ (z >> 31);
        }
    }

    uint64_t next()
    {
        const uint64_t result = rotl(m_state[1] * 5, 7) * 9;
        const uint64_t t = m_state[1] << 17;
        m_state[2] ^= m_state[0];
        m_state[3] ^= m_state[1];
        m_state[1] ^= m_state[2];
        m_state[0] ^= m_state[3];
        m_state[2] ^= t;
        m_state[3] = rotl(m_state[3], 45);
        return result;
    }

    /// Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in (0, 1], safe for log().
    double uniformPositive() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }
    bool bernoulli(double p) { return p > 0.0 && uniform() < p; }
    double exponential(double mean) { return -mean * std::log(uniformPositive()); }
    /// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias below 2^-32 for our n).
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32); }

    /// Standard normal by Box-Muller, caching the second value.
    double normal()
    {
        if (m_hasSpare) {
            m_hasSpare = false;
            return m_spare;
        }
        const double r = std::sqrt(-2.0 * std::log(uniformPositive()));
        const double theta = 2.0 * M_PI * uniform();
        m_spare = r * std::sin(theta);
        m_hasSpare = true;
        return r * std::cos(theta);
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t m_state[4] {};
    double m_spare = 0.0;
    bool m_hasSpare = false;
};

/// std::llround (half away from zero), inline: the libm call was 1.4 % of a headless run, twice per
/// customer (arrival time, service time). Exact: x - trunc(x) is representable. Out of range and NaN go to
/// std::llround, so they behave as before.
inline int64_t roundToInt64(double x)
{
    if (!(x > -9.2e18 && x < 9.2e18)) return std::llround(x);
    const auto i = static_cast<int64_t>(x); // toward zero
    const double fraction = x - static_cast<double>(i);
    return fraction >= 0.5 ? i + 1 : fraction <= -0.5 ? i - 1 : i;
}

} // namespace faultline
