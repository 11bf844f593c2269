// Rolling statistics of one node or edge: the sliding window, totals, late observations and history.

#include "graph/rollingstats.h"

#include <QTest>

#include <cmath>

using namespace faultline;

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;

int64_t at(double seconds)
{
    return static_cast<int64_t>(std::llround(seconds * 1e9));
}

} // namespace

class tst_RollingStats : public QObject {
    Q_OBJECT

private slots:
    void rpsIsRightInTheFirstSeconds_data();
    void rpsIsRightInTheFirstSeconds();
    void rpsIsRightWhenNowIsMidSecond();
    void windowSlidesOldSecondsOut();
    void windowEmptiesWhenTrafficStops();
    void errorRateCoversTheWindowOnly();
    void lateObservationsCountInTotalsOnly();
    void outOfOrderObservationsInsideTheWindowCount();
    void percentilesFollowTheWindow();
    void secondsOfExtremeTimesStayApart();
    void windowSubtractsEveryBucketOfALeavingSecond();
    void historyKeepsPerSecondCountsErrorsAndMean();
    void historyIsBoundedAndZeroFilled();
};

void tst_RollingStats::rpsIsRightInTheFirstSeconds_data()
{
    QTest::addColumn<double>("now_s");
    QTest::addRow("after half a second") << 0.5;
    QTest::addRow("after one second") << 1.0;
    QTest::addRow("after three and a half seconds") << 3.5;
    QTest::addRow("after a full window") << 10.0;
    QTest::addRow("long after the start") << 57.25;
}

void tst_RollingStats::rpsIsRightInTheFirstSeconds()
{
    QFETCH(double, now_s);
    // 100 rps from t = 0, evenly spaced.
    RollingStats stats(10.0, 60);
    for (int64_t t = 0; t <= at(now_s); t += 10 * kMs)
        stats.add(t, 5 * kMs, false);
    const WindowStats w = stats.window(at(now_s));
    QVERIFY2(std::fabs(w.rps - 100.0) < 2.5, qPrintable(QString::number(w.rps)));
    QVERIFY(w.duration_s <= 10.0 + 1e-9);
}

void tst_RollingStats::rpsIsRightWhenNowIsMidSecond()
{
    RollingStats stats(10.0, 60);
    for (int64_t t = 0; t <= at(30.6); t += 20 * kMs) // 50 rps
        stats.add(t, kMs, false);
    const WindowStats w = stats.window(at(30.6));
    // The window holds seconds 21..30, the last one partly: 9.6 s.
    QVERIFY(std::fabs(w.duration_s - 9.6) < 1e-9);
    QVERIFY2(std::fabs(w.rps - 50.0) < 0.5, qPrintable(QString::number(w.rps)));
}

void tst_RollingStats::windowSlidesOldSecondsOut()
{
    RollingStats stats(10.0, 60);
    for (int s = 0; s < 5; ++s) // 10 per second for 5 s, then 1 per second
        for (int i = 0; i < 10; ++i)
            stats.add(s * kSecond + i * 100 * kMs, kMs, false);
    for (int s = 5; s < 20; ++s)
        stats.add(s * kSecond, kMs, false);
    const WindowStats w = stats.window(20 * kSecond);
    QCOMPARE(w.count, uint64_t(9)); // seconds 11..19, second 20 just begun
    QCOMPARE(stats.totals().requests, uint64_t(65));
}

void tst_RollingStats::windowEmptiesWhenTrafficStops()
{
    RollingStats stats(10.0, 60);
    stats.add(at(1.5), 3 * kMs, true);
    QCOMPARE(stats.window(at(2.0)).count, uint64_t(1));
    const WindowStats w = stats.window(at(30.0));
    QCOMPARE(w.count, uint64_t(0));
    QCOMPARE(w.rps, 0.0);
    QVERIFY(!w.latency.valid);
    QCOMPARE(stats.totals().requests, uint64_t(1));
    QCOMPARE(stats.totals().errors, uint64_t(1));
}

void tst_RollingStats::errorRateCoversTheWindowOnly()
{
    RollingStats stats(10.0, 60);
    for (int i = 0; i < 100; ++i) // all failing in the first seconds
        stats.add(i * 10 * kMs, kMs, true);
    for (int i = 0; i < 1000; ++i) // then 1 in 100 failing
        stats.add(20 * kSecond + i * 10 * kMs, kMs, i % 100 == 0);
    const WindowStats w = stats.window(at(29.995)); // seconds 20..29
    QCOMPARE(w.count, uint64_t(1000));
    QCOMPARE(w.error_rate, 0.01);
    QCOMPARE(stats.totals().errors, uint64_t(110));
}

void tst_RollingStats::lateObservationsCountInTotalsOnly()
{
    RollingStats stats(10.0, 60);
    stats.add(at(50.2), 10 * kMs, false);
    QVERIFY(!stats.add(at(12.0), 1000 * kMs, true));
    QCOMPARE(stats.lateObservations(), uint64_t(1));
    const WindowStats w = stats.window(at(50.5));
    QCOMPARE(w.count, uint64_t(1));
    QCOMPARE(w.errors, uint64_t(0));
    QVERIFY(std::fabs(w.latency.mean_ms - 10.0) < 1e-9);
    const Totals t = stats.totals();
    QCOMPARE(t.requests, uint64_t(2));
    QCOMPARE(t.errors, uint64_t(1));
    QVERIFY(std::fabs(t.mean_ms - 505.0) < 1e-9);
}

void tst_RollingStats::outOfOrderObservationsInsideTheWindowCount()
{
    RollingStats stats(10.0, 60);
    stats.add(at(20.5), kMs, false);
    QVERIFY(stats.add(at(12.5), kMs, false)); // 8 s old: still in the window
    QCOMPARE(stats.window(at(20.9)).count, uint64_t(2));
    QCOMPARE(stats.window(at(21.9)).count, uint64_t(2));
    QCOMPARE(stats.window(at(22.0)).count, uint64_t(1)); // second 12 left the window
}

void tst_RollingStats::secondsOfExtremeTimesStayApart()
{
    // Near INT64_MAX the newest second's end cannot be represented; near 0 and below, seconds round down.
    RollingStats high(10.0, 0);
    QVERIFY(high.add(INT64_MAX - 2 * kSecond, kMs, false));
    QVERIFY(high.add(INT64_MAX, kMs, false));
    QVERIFY(high.add(INT64_MAX - 1, kMs, true));
    QCOMPARE(high.window(INT64_MAX).count, uint64_t(3));
    QCOMPARE(high.window(INT64_MAX).errors, uint64_t(1));

    RollingStats low(2.0, 0);
    QVERIFY(low.add(-1, kMs, false)); // second -1
    QVERIFY(low.add(0, kMs, false)); // second 0
    QVERIFY(low.add(kSecond - 1, kMs, false));
    QCOMPARE(low.window(kSecond - 1).count, uint64_t(3));
    QCOMPARE(low.window(kSecond).count, uint64_t(2)); // second -1 left the 2 s window
    QVERIFY(!low.add(-1, kMs, false));
    QCOMPARE(low.lateObservations(), uint64_t(1));
}

void tst_RollingStats::windowSubtractsEveryBucketOfALeavingSecond()
{
    // Latencies from 1 us to a day in one second, then a second of a single value: once the first second
    // leaves, only that value remains in every quantile.
    RollingStats stats(1.0, 0);
    for (double ns = 1e3; ns < 1e14; ns *= 1.01)
        stats.add(at(3.5), static_cast<int64_t>(ns), false);
    stats.add(at(4.5), 7 * kMs, false);
    const WindowStats w = stats.window(at(4.6));
    QCOMPARE(w.count, uint64_t(1));
    QVERIFY(std::fabs(w.latency.p50_ms - 7.0) / 7.0 <= 1.0 / 64);
    QVERIFY(std::fabs(w.latency.p99_ms - 7.0) / 7.0 <= 1.0 / 64);
    QCOMPARE(stats.windowHistogram().quantile(0.0), stats.windowHistogram().quantile(1.0));
}

void tst_RollingStats::percentilesFollowTheWindow()
{
    RollingStats stats(5.0, 0);
    for (int i = 0; i < 1000; ++i)
        stats.add(at(1.0) + i * kMs, 100 * kMs, false);
    for (int i = 0; i < 1000; ++i)
        stats.add(at(10.0) + i * kMs, 10 * kMs, false);
    const WindowStats w = stats.window(at(11.0));
    QVERIFY(w.latency.valid);
    QVERIFY(std::fabs(w.latency.p50_ms - 10.0) / 10.0 <= 1.0 / 64);
    QVERIFY(std::fabs(w.latency.p99_ms - 10.0) / 10.0 <= 1.0 / 64);
    QVERIFY(std::fabs(w.latency.mean_ms - 10.0) < 1e-9);
    QVERIFY(std::fabs(stats.totals().mean_ms - 55.0) < 1e-9);
    QVERIFY(stats.history(at(11.0)).points.empty()); // history_s = 0 keeps none
}

void tst_RollingStats::historyKeepsPerSecondCountsErrorsAndMean()
{
    RollingStats stats(10.0, 30);
    // Second s gets s observations of s ms, one of them failed; seconds 1..25.
    for (int s = 1; s <= 25; ++s)
        for (int i = 0; i < s; ++i)
            stats.add(s * kSecond + i * kMs, s * kMs, i == 0);
    const History h = stats.history(at(25.5));
    QCOMPARE(h.points.size(), size_t(30));
    QCOMPARE(h.first_second, int64_t(-4));
    for (int64_t s = h.first_second; s <= 25; ++s) {
        const HistoryPoint& p = h.points[static_cast<size_t>(s - h.first_second)];
        if (s < 1) {
            QCOMPARE(p.count, 0u);
            continue;
        }
        QCOMPARE(p.count, static_cast<uint32_t>(s)); // both retired seconds (ring) and window seconds (slots)
        QCOMPARE(p.errors, 1u);
        QCOMPARE(p.mean_ms, static_cast<float>(s));
    }
}

void tst_RollingStats::historyIsBoundedAndZeroFilled()
{
    RollingStats stats(10.0, 20);
    stats.add(at(5.5), 2 * kMs, false);
    stats.add(at(100.5), 4 * kMs, false); // a long quiet gap
    stats.add(at(130.5), 8 * kMs, false);
    const History h = stats.history(at(130.5));
    QCOMPARE(h.points.size(), size_t(20));
    QCOMPARE(h.first_second, int64_t(111));
    uint32_t total = 0;
    for (const HistoryPoint& p : h.points)
        total += p.count;
    QCOMPARE(total, 1u); // seconds 5 and 100 fell out of the 20 s history
    QCOMPARE(h.points.back().count, 1u);
    QCOMPARE(h.points.back().mean_ms, 8.0f);
}

QTEST_APPLESS_MAIN(tst_RollingStats)
#include "tst_rollingstats.moc"
