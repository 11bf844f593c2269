// The other circuit breaker flavours of spec/resilience.md section 1: the Python `circuitbreaker` package's
// consecutive failures, and Hystrix's error percentage over a request volume. Driven by their own clock,
// like the Resilience4j tests in tst_circuitbreaker.

#include "resilience/circuitbreaker.h"
#include "support/breakertest.h"

#include <QTest>

using namespace faultline;
using namespace faultline::test;

Q_DECLARE_METATYPE(faultline::CallOutcome)

class tst_breakerflavors : public QObject {
    Q_OBJECT

private slots:
    // Python circuitbreaker
    void consecutiveFailuresOpenAtThreshold_data();
    void consecutiveFailuresOpenAtThreshold();
    void successResetsConsecutiveCount();
    void consecutiveHalfOpenIsLazyAndUnlimited();
    void consecutiveHalfOpenSuccessCloses();
    void consecutiveHalfOpenFailureReopensForFullTimeout();
    void consecutiveLateResultsSetTheStateAsInThePythonPackage();

    // Hystrix
    void hystrixNeedsRequestVolume();
    void hystrixOpensAtErrorPercentage_data();
    void hystrixOpensAtErrorPercentage();
    void hystrixAllowsOneProbeAfterSleepWindow_data();
    void hystrixAllowsOneProbeAfterSleepWindow();
};

void tst_breakerflavors::consecutiveFailuresOpenAtThreshold_data()
{
    QTest::addColumn<int>("threshold");
    QTest::addRow("default threshold 5") << 5;
    QTest::addRow("threshold 1") << 1;
    QTest::addRow("threshold 3") << 3;
}

void tst_breakerflavors::consecutiveFailuresOpenAtThreshold()
{
    QFETCH(int, threshold);
    CircuitBreakerConfig c = consecutive();
    c.failure_threshold = threshold;
    CircuitBreaker b(c);
    calls(b, 0, CallOutcome::Error, threshold - 1);
    COMPARE_STATE(b.state(0), BreakerState::Closed);
    QCOMPARE(b.metrics(0).failed_calls, threshold - 1);
    call(b, 0, CallOutcome::Error);
    COMPARE_STATE(b.state(0), BreakerState::Open);
    QVERIFY(!b.tryAcquirePermission(kSecond));
    const BreakerMetrics m = b.metrics(kSecond);
    QCOMPARE(m.not_permitted_calls, uint64_t(1));
    QCOMPARE(m.failure_rate, -1.0); // the package keeps a count, not a rate
}

void tst_breakerflavors::successResetsConsecutiveCount()
{
    CircuitBreaker b(consecutive());
    calls(b, 0, CallOutcome::Error, 4);
    call(b, 0, CallOutcome::Success);
    QCOMPARE(b.metrics(0).failed_calls, 0);
    calls(b, 0, CallOutcome::Error, 4);
    COMPARE_STATE(b.state(0), BreakerState::Closed);
    call(b, 0, CallOutcome::Error);
    COMPARE_STATE(b.state(0), BreakerState::Open);
}

void tst_breakerflavors::consecutiveHalfOpenIsLazyAndUnlimited()
{
    CircuitBreaker b(consecutive());
    calls(b, kSecond, CallOutcome::Error, 5);
    b.takeTransitions();
    const int64_t recovered = kSecond + 30 * kSecond;
    QCOMPARE(b.nextTimedTransition(), int64_t(-1)); // no timer
    QVERIFY(!b.tryAcquirePermission(recovered - 1));
    COMPARE_STATE(b.state(recovered - 1), BreakerState::Open);
    COMPARE_STATE(b.state(recovered), BreakerState::HalfOpen);
    for (int i = 0; i < 50; ++i) // any number of concurrent probes
        QVERIFY(b.tryAcquirePermission(recovered + i));
    const auto t = b.takeTransitions();
    QCOMPARE(t.size(), size_t(1));
    QCOMPARE(t[0].time_ns, recovered);
    COMPARE_STATE(t[0].to, BreakerState::HalfOpen);
}

void tst_breakerflavors::consecutiveHalfOpenSuccessCloses()
{
    CircuitBreaker b(consecutive());
    calls(b, 0, CallOutcome::Error, 5);
    const int64_t t = 31 * kSecond;
    QVERIFY(b.tryAcquirePermission(t));
    QVERIFY(b.tryAcquirePermission(t));
    b.onResult(t, kMs, CallOutcome::Success);
    COMPARE_STATE(b.state(t), BreakerState::Closed);
    QCOMPARE(b.metrics(t).failed_calls, 0);
    // The count starts again from zero.
    calls(b, t, CallOutcome::Error, 4);
    COMPARE_STATE(b.state(t), BreakerState::Closed);
}

void tst_breakerflavors::consecutiveHalfOpenFailureReopensForFullTimeout()
{
    CircuitBreaker b(consecutive());
    calls(b, 0, CallOutcome::Error, 5);
    const int64_t t = 40 * kSecond; // half-open since 30 s
    call(b, t, CallOutcome::Error); // a single failure is enough
    COMPARE_STATE(b.state(t), BreakerState::Open);
    COMPARE_STATE(b.state(t + 30 * kSecond - 1), BreakerState::Open);
    COMPARE_STATE(b.state(t + 30 * kSecond), BreakerState::HalfOpen);
}

void tst_breakerflavors::consecutiveLateResultsSetTheStateAsInThePythonPackage()
{
    // __call_succeeded and __call_failed set the state whatever it is, so results of calls that were let
    // through before the trip still act while OPEN.
    CircuitBreaker b(consecutive());
    QVERIFY(b.tryAcquirePermission(0));
    QVERIFY(b.tryAcquirePermission(0));
    calls(b, 0, CallOutcome::Error, 5);
    b.onResult(10 * kSecond, kMs, CallOutcome::Error); // restarts the recovery timeout
    COMPARE_STATE(b.state(30 * kSecond), BreakerState::Open);
    COMPARE_STATE(b.state(40 * kSecond - 1), BreakerState::Open);
    b.onResult(40 * kSecond - 1, kMs, CallOutcome::Success); // closes
    COMPARE_STATE(b.state(40 * kSecond - 1), BreakerState::Closed);
}

void tst_breakerflavors::hystrixNeedsRequestVolume()
{
    CircuitBreaker b(hystrix());
    calls(b, 0, CallOutcome::Error, 19); // 100 % errors, but only 19 requests
    BreakerMetrics m = b.metrics(0);
    COMPARE_STATE(m.state, BreakerState::Closed);
    QCOMPARE(m.failure_rate, -1.0);
    call(b, 0, CallOutcome::Error);
    m = b.metrics(0);
    COMPARE_STATE(m.state, BreakerState::Open);
    QCOMPARE(m.failure_rate, 100.0);

    // Requests older than the 10 s rolling window do not count towards the volume.
    CircuitBreaker late(hystrix());
    calls(late, 0, CallOutcome::Error, 10);
    calls(late, 10 * kSecond, CallOutcome::Error, 10);
    COMPARE_STATE(late.state(10 * kSecond), BreakerState::Closed);
    QCOMPARE(late.metrics(10 * kSecond).buffered_calls, 10);
}

void tst_breakerflavors::hystrixOpensAtErrorPercentage_data()
{
    QTest::addColumn<double>("threshold");
    QTest::addColumn<int>("successes");
    QTest::addColumn<int>("errors");
    QTest::addColumn<bool>("opens");
    QTest::addRow("10 of 20 at 50%% opens") << 50.0 << 10 << 10 << true;
    QTest::addRow("9 of 20 at 50%% stays closed") << 50.0 << 11 << 9 << false;
    QTest::addRow("99 of 199 (49.7%%) is 49 after truncation, under 49.5") << 49.5 << 100 << 99 << false;
    QTest::addRow("100 of 200 at 49.5%% opens") << 49.5 << 100 << 100 << true;
}

void tst_breakerflavors::hystrixOpensAtErrorPercentage()
{
    QFETCH(double, threshold);
    QFETCH(int, successes);
    QFETCH(int, errors);
    QFETCH(bool, opens);
    CircuitBreakerConfig c = hystrix();
    c.error_threshold_percentage = threshold;
    CircuitBreaker b(c);
    calls(b, 0, CallOutcome::Success, successes);
    calls(b, 0, CallOutcome::Timeout, errors);
    COMPARE_STATE(b.state(0), opens ? BreakerState::Open : BreakerState::Closed);
}

void tst_breakerflavors::hystrixAllowsOneProbeAfterSleepWindow_data()
{
    QTest::addColumn<CallOutcome>("probe");
    QTest::addRow("probe succeeds: closed with a fresh window") << CallOutcome::Success;
    QTest::addRow("probe fails: open for another sleep window") << CallOutcome::Error;
}

void tst_breakerflavors::hystrixAllowsOneProbeAfterSleepWindow()
{
    QFETCH(CallOutcome, probe);
    CircuitBreaker b(hystrix());
    calls(b, 0, CallOutcome::Error, 20);
    QCOMPARE(b.nextTimedTransition(), int64_t(-1));
    const int64_t sleep = 5 * kSecond;
    QVERIFY(!b.tryAcquirePermission(sleep));
    QVERIFY(b.tryAcquirePermission(sleep + 1));
    COMPARE_STATE(b.state(sleep + 1), BreakerState::HalfOpen);
    QVERIFY(!b.tryAcquirePermission(sleep + 2)); // the probe is in flight
    const int64_t t = 6 * kSecond;
    b.onResult(t, kSecond, probe);
    if (probe == CallOutcome::Success) {
        const BreakerMetrics m = b.metrics(t);
        COMPARE_STATE(m.state, BreakerState::Closed);
        QCOMPARE(m.buffered_calls, 0);
        QVERIFY(b.tryAcquirePermission(t));
    } else {
        COMPARE_STATE(b.state(t), BreakerState::Open);
        QVERIFY(!b.tryAcquirePermission(t + sleep));
        QVERIFY(b.tryAcquirePermission(t + sleep + 1));
    }
}

QTEST_APPLESS_MAIN(tst_breakerflavors)
#include "tst_breakerflavors.moc"
