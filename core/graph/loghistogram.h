#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <vector>

namespace faultline {

/// Log-bucketed histogram of positive values (sized for durations in nanoseconds): 32 sub-buckets per
/// power of two, from 2^10 (~1 µs) to 2^47 (~1.6 days); values outside clamp to the edge buckets. A value
/// is reported as its bucket's midpoint, so the relative error is at most 1/64 (~1.6 %). Mergeable and
/// subtractable (for sliding windows); the counts array only spans the buckets in use, never more than
/// kBucketCount entries. The sum is kept exactly (as a double) beside the buckets, for the mean.
class LogHistogram {
public:
    static constexpr int kSubBucketBits = 5;
    static constexpr int kSubBuckets = 1 << kSubBucketBits;
    static constexpr int kMinExponent = 10;
    static constexpr int kMaxExponent = 47;
    static constexpr int kBucketCount = (kMaxExponent - kMinExponent) * kSubBuckets;

    /// The bucket a value falls in, clamped to [0, kBucketCount).
    static int bucketOf(double value)
    {
        constexpr double lowest = static_cast<double>(uint64_t(1) << kMinExponent);
        constexpr double highest = static_cast<double>(uint64_t(1) << kMaxExponent);
        if (!(value >= lowest)) // also NaN and negatives
            return 0;
        if (value >= highest) return kBucketCount - 1;
        const auto bits = std::bit_cast<uint64_t>(value);
        const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
        const int sub = static_cast<int>((bits >> (52 - kSubBucketBits)) & (kSubBuckets - 1));
        return (exponent - kMinExponent) * kSubBuckets + sub;
    }
    static double bucketLower(int bucket);
    static double bucketUpper(int bucket);
    /// The value reported for the bucket: its midpoint.
    static double bucketValue(int bucket);

    void add(double value, uint64_t count = 1) { addToBucket(bucketOf(value), value, count); }
    /// add() for a caller that already knows the value's bucket (`bucket` must be bucketOf(value)).
    void addToBucket(int bucket, double value, uint64_t count = 1)
    {
        const int i = bucket - m_first;
        if (i < 0 || i >= static_cast<int>(m_counts.size())) {
            ensureRange(bucket, bucket);
            m_counts[static_cast<size_t>(bucket - m_first)] += count;
        } else {
            m_counts[static_cast<size_t>(i)] += count;
        }
        m_count += count;
        m_sum += value * static_cast<double>(count);
    }
    void merge(const LogHistogram& other);
    /// Removes what `other` added; `other` must be a part of this histogram.
    void subtract(const LogHistogram& other);
    /// Low-level removal for sliding windows: take `count` observations out of one bucket (clamped at 0),
    /// and their exact sum out of the sum.
    void subtractBucket(int bucket, uint64_t count);
    void subtractSum(double sum);
    void clear();

    uint64_t count() const { return m_count; }
    bool empty() const { return m_count == 0; }
    double sum() const { return m_sum; }
    /// Exact mean of the values added (0 when empty).
    double mean() const;
    /// The value at quantile q in [0, 1]: the midpoint of the bucket holding the ceil(q * count)-th smallest
    /// value (0 when empty).
    double quantile(double q) const;
    /// Several quantiles in one pass; `qs` ascending, `out` the same size.
    void quantiles(std::span<const double> qs, std::span<double> out) const;
    /// Observations in one bucket.
    uint64_t bucketCount(int bucket) const;
    /// The buckets that may hold observations are [firstBucket(), endBucket()); empty when both are equal.
    int firstBucket() const { return m_first; }
    int endBucket() const { return m_first + static_cast<int>(m_counts.size()); }

private:
    void ensureRange(int lo, int hi);

    std::vector<uint64_t> m_counts; ///< m_counts[i] is bucket m_first + i
    int m_first = 0;
    uint64_t m_count = 0;
    double m_sum = 0.0;
};

} // namespace faultline
