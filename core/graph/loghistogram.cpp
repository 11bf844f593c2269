#include "graph/loghistogram.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace faultline {

double LogHistogram::bucketLower(int bucket)
{
    const int exponent = kMinExponent + bucket / kSubBuckets;
    const int sub = bucket % kSubBuckets;
    return std::ldexp(1.0 + static_cast<double>(sub) / kSubBuckets, exponent);
}

double LogHistogram::bucketUpper(int bucket)
{
    const int exponent = kMinExponent + bucket / kSubBuckets;
    const int sub = bucket % kSubBuckets;
    return std::ldexp(1.0 + static_cast<double>(sub + 1) / kSubBuckets, exponent);
}

double LogHistogram::bucketValue(int bucket)
{
    return 0.5 * (bucketLower(bucket) + bucketUpper(bucket));
}

void LogHistogram::ensureRange(int lo, int hi)
{
    if (m_counts.empty()) {
        m_first = lo;
        m_counts.assign(static_cast<size_t>(hi - lo + 1), 0);
        return;
    }
    const int last = m_first + static_cast<int>(m_counts.size()) - 1;
    if (lo < m_first) {
        m_counts.insert(m_counts.begin(), static_cast<size_t>(m_first - lo), 0);
        m_first = lo;
    }
    if (hi > last) m_counts.resize(m_counts.size() + static_cast<size_t>(hi - last), 0);
}

void LogHistogram::merge(const LogHistogram& other)
{
    if (other.m_counts.empty()) return;
    ensureRange(other.m_first, other.m_first + static_cast<int>(other.m_counts.size()) - 1);
    for (size_t i = 0; i < other.m_counts.size(); ++i)
        m_counts[static_cast<size_t>(other.m_first - m_first) + i] += other.m_counts[i];
    m_count += other.m_count;
    m_sum += other.m_sum;
}

void LogHistogram::subtract(const LogHistogram& other)
{
    for (size_t i = 0; i < other.m_counts.size(); ++i)
        if (other.m_counts[i] != 0) subtractBucket(other.m_first + static_cast<int>(i), other.m_counts[i]);
    subtractSum(other.m_sum);
}

void LogHistogram::subtractBucket(int bucket, uint64_t count)
{
    const int i = bucket - m_first;
    if (i < 0 || i >= static_cast<int>(m_counts.size())) {
        assert(!"subtracting from a bucket never added to");
        return;
    }
    uint64_t& c = m_counts[static_cast<size_t>(i)];
    assert(c >= count);
    const uint64_t removed = std::min(c, count);
    c -= removed;
    m_count -= removed;
}

void LogHistogram::subtractSum(double sum)
{
    m_sum -= sum;
    // Rounding drift must not outlive the data: an empty histogram has an exact zero sum.
    if (m_count == 0 || m_sum < 0.0) m_sum = 0.0;
}

void LogHistogram::clear()
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_count = 0;
    m_sum = 0.0;
}

double LogHistogram::mean() const
{
    return m_count == 0 ? 0.0 : m_sum / static_cast<double>(m_count);
}

double LogHistogram::quantile(double q) const
{
    double out = 0.0;
    quantiles(std::span<const double>(&q, 1), std::span<double>(&out, 1));
    return out;
}

void LogHistogram::quantiles(std::span<const double> qs, std::span<double> out) const
{
    assert(qs.size() == out.size());
    std::fill(out.begin(), out.end(), 0.0);
    if (m_count == 0) return;
    size_t qi = 0;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < m_counts.size() && qi < qs.size(); ++i) {
        cumulative += m_counts[i];
        while (qi < qs.size()) {
            const double q = std::clamp(qs[qi], 0.0, 1.0);
            const auto rank
                = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(m_count) - 1e-9)));
            if (cumulative < rank) break;
            out[qi++] = bucketValue(m_first + static_cast<int>(i));
        }
    }
}

uint64_t LogHistogram::bucketCount(int bucket) const
{
    const int i = bucket - m_first;
    if (i < 0 || i >= static_cast<int>(m_counts.size())) return 0;
    return m_counts[static_cast<size_t>(i)];
}

} // namespace faultline
