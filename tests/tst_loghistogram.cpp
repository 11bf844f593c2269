// The log-bucketed histogram behind every percentile: bounded relative error, mergeable, subtractable.

#include "graph/loghistogram.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace faultline;

class tst_LogHistogram : public QObject {
    Q_OBJECT

private slots:
    void relativeErrorIsBoundedFromMicrosecondsToDays();
    void quantilesOfUniformDistributionAreWithinBucketError_data();
    void quantilesOfUniformDistributionAreWithinBucketError();
    void quantilesOfLognormalMatchExactQuantiles();
    void meanIsExactNotBucketed();
    void valuesOutsideRangeClampToEdgeBuckets();
    void mergeEqualsAddingEverything();
    void subtractUndoesMerge();
    void emptyHistogramReportsZero();
};

void tst_LogHistogram::relativeErrorIsBoundedFromMicrosecondsToDays()
{
    // 1 µs .. 1 day in nanoseconds, geometrically spaced.
    double worst = 0.0;
    for (double v = 1.1e3; v < 8.64e13; v *= 1.0137) {
        const double reported = LogHistogram::bucketValue(LogHistogram::bucketOf(v));
        worst = std::max(worst, std::fabs(reported - v) / v);
        QVERIFY(LogHistogram::bucketLower(LogHistogram::bucketOf(v)) <= v);
        QVERIFY(v < LogHistogram::bucketUpper(LogHistogram::bucketOf(v)));
    }
    QVERIFY2(worst <= 1.0 / 64 + 1e-12, qPrintable(QString::number(worst)));
    QVERIFY(worst > 0.01); // the bound is tight, not vacuous
}

void tst_LogHistogram::quantilesOfUniformDistributionAreWithinBucketError_data()
{
    QTest::addColumn<double>("q");
    QTest::addRow("p50") << 0.50;
    QTest::addRow("p95") << 0.95;
    QTest::addRow("p99") << 0.99;
    QTest::addRow("p0") << 0.0;
    QTest::addRow("p100") << 1.0;
}

void tst_LogHistogram::quantilesOfUniformDistributionAreWithinBucketError()
{
    QFETCH(double, q);
    // 1..10000 ms, exactly once each: the q quantile is q * 10000 ms (the first value at least).
    LogHistogram h;
    for (int ms = 1; ms <= 10000; ++ms)
        h.add(ms * 1e6);
    QCOMPARE(h.count(), uint64_t(10000));
    const double expected = std::max(1.0, std::ceil(q * 10000)) * 1e6;
    const double got = h.quantile(q);
    QVERIFY2(std::fabs(got - expected) / expected <= 1.0 / 64 + 1e-9,
        qPrintable(QStringLiteral("got %1 expected %2").arg(got).arg(expected)));
}

void tst_LogHistogram::quantilesOfLognormalMatchExactQuantiles()
{
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(std::log(50e6), 0.6); // median 50 ms
    std::vector<double> values;
    LogHistogram h;
    for (int i = 0; i < 200000; ++i) {
        const double v = dist(rng);
        values.push_back(v);
        h.add(v);
    }
    std::sort(values.begin(), values.end());
    const double qs[] = { 0.5, 0.95, 0.99 };
    double out[3];
    h.quantiles(qs, out);
    for (int i = 0; i < 3; ++i) {
        const double exact = values[static_cast<size_t>(std::ceil(qs[i] * values.size())) - 1];
        QVERIFY2(std::fabs(out[i] - exact) / exact <= 1.0 / 64 + 1e-9, qPrintable(QString::number(qs[i])));
        QCOMPARE(h.quantile(qs[i]), out[i]);
    }
}

void tst_LogHistogram::meanIsExactNotBucketed()
{
    LogHistogram h;
    h.add(1000.0 * 1e3);
    h.add(1031.0 * 1e3, 3); // same bucket as 1000 µs, but the mean must not care
    QCOMPARE(h.count(), uint64_t(4));
    QCOMPARE(h.mean(), (1000.0 + 3 * 1031.0) * 1e3 / 4);
}

void tst_LogHistogram::valuesOutsideRangeClampToEdgeBuckets()
{
    QCOMPARE(LogHistogram::bucketOf(0.0), 0);
    QCOMPARE(LogHistogram::bucketOf(-5.0), 0);
    QCOMPARE(LogHistogram::bucketOf(std::nan("")), 0);
    QCOMPARE(LogHistogram::bucketOf(1e20), LogHistogram::kBucketCount - 1);
    LogHistogram h;
    h.add(1.0);
    h.add(1e20);
    QCOMPARE(h.count(), uint64_t(2));
    QCOMPARE(h.bucketCount(0), uint64_t(1));
    QCOMPARE(h.bucketCount(LogHistogram::kBucketCount - 1), uint64_t(1));
}

void tst_LogHistogram::mergeEqualsAddingEverything()
{
    LogHistogram a, b, all;
    for (int i = 1; i <= 1000; ++i) {
        (i % 2 ? a : b).add(i * 1e5);
        all.add(i * 1e5);
    }
    b.add(5e12); // widens b's range beyond a's
    all.add(5e12);
    a.merge(b);
    QCOMPARE(a.count(), all.count());
    QCOMPARE(a.sum(), all.sum());
    for (int bucket = 0; bucket < LogHistogram::kBucketCount; ++bucket)
        QCOMPARE(a.bucketCount(bucket), all.bucketCount(bucket));
    QCOMPARE(a.quantile(0.9), all.quantile(0.9));
}

void tst_LogHistogram::subtractUndoesMerge()
{
    LogHistogram a, b;
    for (int i = 1; i <= 500; ++i)
        a.add(i * 3e5);
    const double p50 = a.quantile(0.5);
    const double mean = a.mean();
    for (int i = 1; i <= 500; ++i)
        b.add(i * 7e7);
    a.merge(b);
    QVERIFY(a.quantile(0.5) != p50);
    a.subtract(b);
    QCOMPARE(a.count(), uint64_t(500));
    QCOMPARE(a.quantile(0.5), p50);
    QVERIFY(std::fabs(a.mean() - mean) / mean < 1e-12);
    a.subtract(a);
    QVERIFY(a.empty());
    QCOMPARE(a.sum(), 0.0);
}

void tst_LogHistogram::emptyHistogramReportsZero()
{
    LogHistogram h;
    QCOMPARE(h.quantile(0.99), 0.0);
    QCOMPARE(h.mean(), 0.0);
}

QTEST_APPLESS_MAIN(tst_LogHistogram)
#include "tst_loghistogram.moc"
