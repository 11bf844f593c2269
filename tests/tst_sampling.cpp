// Service-time distributions and workload rate schedules: the random inputs every run is built from.

#include "sim/random.h"
#include "sim/rateschedule.h"
#include "sim/sampler.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace faultline;

namespace {

std::vector<double> drawMs(const Distribution& d, int n, uint64_t seed = 3)
{
    Sampler sampler(d);
    Random random(seed);
    std::vector<double> out;
    out.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        out.push_back(static_cast<double>(sampler.sampleNs(random)) / 1e6);
    return out;
}

double mean(const std::vector<double>& v)
{
    double sum = 0.0;
    for (double x : v)
        sum += x;
    return sum / static_cast<double>(v.size());
}

double quantile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

Distribution lognormal(double median, double p99)
{
    Distribution d;
    d.kind = Distribution::Kind::Lognormal;
    d.median_ms = median;
    d.p99_ms = p99;
    return d;
}

} // namespace

class tst_sampling : public QObject {
    Q_OBJECT
private slots:
    void sameSeedSameSequence()
    {
        Random a(42);
        Random b(42);
        Random c(43);
        bool differs = false;
        for (int i = 0; i < 1000; ++i) {
            const uint64_t x = a.next();
            QCOMPARE(x, b.next());
            differs = differs || x != c.next();
        }
        QVERIFY(differs);
    }

    void uniformStaysInItsInterval()
    {
        Random r(1);
        for (int i = 0; i < 100000; ++i) {
            const double u = r.uniform();
            QVERIFY(u >= 0.0 && u < 1.0);
            const double p = r.uniformPositive();
            QVERIFY(p > 0.0 && p <= 1.0);
            QVERIFY(r.below(7) < 7);
        }
    }

    void constantIsExact()
    {
        for (double x : drawMs(Distribution::constant(12.5), 100))
            QCOMPARE(x, 12.5);
    }

    void exponentialHasItsMean()
    {
        const auto v = drawMs(Distribution::exponential(20), 400000);
        // Standard error of the mean is 20 / sqrt(400000) = 0.032 ms.
        QVERIFY(std::abs(mean(v) - 20.0) < 0.15);
        QVERIFY(std::abs(quantile(v, 0.5) - 20.0 * std::log(2.0)) < 0.2);
    }

    void uniformCoversMinToMax()
    {
        Distribution d;
        d.kind = Distribution::Kind::Uniform;
        d.min_ms = 20;
        d.max_ms = 120;
        const auto v = drawMs(d, 200000);
        QVERIFY(*std::min_element(v.begin(), v.end()) >= 20.0);
        QVERIFY(*std::max_element(v.begin(), v.end()) <= 120.0);
        QVERIFY(std::abs(mean(v) - 70.0) < 0.3);
    }

    void lognormalHitsItsMedianAndP99()
    {
        const auto v = drawMs(lognormal(80, 400), 400000);
        QVERIFY(std::abs(quantile(v, 0.5) / 80.0 - 1.0) < 0.01);
        QVERIFY(std::abs(quantile(v, 0.99) / 400.0 - 1.0) < 0.03);
    }

    void empiricalFollowsBucketWeights()
    {
        Distribution d;
        d.kind = Distribution::Kind::Empirical;
        d.min_ms = 0;
        d.buckets = { { 10, 3 }, { 20, 1 } };
        const auto v = drawMs(d, 200000);
        const double below10 = static_cast<double>(std::count_if(v.begin(), v.end(), [](double x) { return x <= 10; }));
        QVERIFY(std::abs(below10 / 200000.0 - 0.75) < 0.005);
        QVERIFY(*std::max_element(v.begin(), v.end()) <= 20.0);
    }

    void rateScheduleStepsAndRamps()
    {
        // 10 rps, a step to 50 at 60 s, then a ramp down to 0 over 20 s from 120 s.
        const RateSchedule s({ { 0, 10, 0 }, { 60, 50, 0 }, { 120, 0, 20 } });
        QCOMPARE(s.rateAt(0), 10.0);
        QCOMPARE(s.rateAt(59.9), 10.0);
        QCOMPARE(s.rateAt(60), 50.0);
        QCOMPARE(s.rateAt(130), 25.0);
        QCOMPARE(s.rateAt(140), 0.0);
        QCOMPARE(s.rateAt(1e6), 0.0);
    }

    void constantArrivalsAreEvenlySpaced()
    {
        const RateSchedule s({ { 0, 4, 0 } });
        Random r(1);
        double t = 0;
        for (int i = 1; i <= 8; ++i) {
            t = s.nextArrival(t, Arrival::Constant, r);
            QCOMPARE(t, 0.25 * i);
        }
    }

    void poissonArrivalsFollowAChangingRate()
    {
        const RateSchedule s({ { 0, 100, 0 }, { 100, 0, 0 }, { 200, 300, 0 } });
        Random r(9);
        int before = 0;
        int during = 0;
        int after = 0;
        for (double t = s.nextArrival(0, Arrival::Poisson, r); t >= 0 && t < 300;
             t = s.nextArrival(t, Arrival::Poisson, r))
            (t < 100 ? before : t < 200 ? during : after)++;
        // Expected 10,000 and 30,000; three standard deviations are 300 and 520.
        QVERIFY2(std::abs(before - 10000) < 300, qPrintable(QString::number(before)));
        QCOMPARE(during, 0);
        QVERIFY2(std::abs(after - 30000) < 520, qPrintable(QString::number(after)));
    }

    void zeroRateForeverMeansNoMoreArrivals()
    {
        const RateSchedule s({ { 0, 5, 0 }, { 10, 0, 0 } });
        Random r(1);
        QVERIFY(s.nextArrival(10.5, Arrival::Poisson, r) < 0);
        QVERIFY(s.nextArrival(10.5, Arrival::Constant, r) < 0);
    }
};

QTEST_APPLESS_MAIN(tst_sampling)
#include "tst_sampling.moc"
