// The Resilience4j circuit breaker state machine of spec/resilience.md section 1, the default flavour (the
// Python package's and Hystrix's are in tst_breakerflavors). Every test drives the breaker with its own
// clock, the way the simulator does.

#include "resilience/circuitbreaker.h"
#include "support/breakertest.h"

#include <QTest>

using namespace faultline;
using namespace faultline::test;

Q_DECLARE_METATYPE(faultline::CallOutcome)
Q_DECLARE_METATYPE(faultline::BreakerFlavor)

class tst_circuitbreaker : public QObject {
    Q_OBJECT

private slots:
    void defaultsAreResilience4jDefaults();

    // Resilience4j: CLOSED
    void opensWhenFailureRateReachesThreshold_data();
    void opensWhenFailureRateReachesThreshold();
    void staysClosedBelowMinimumNumberOfCalls();
    void minimumIsCappedAtWindowSizeForCountBased_data();
    void minimumIsCappedAtWindowSizeForCountBased();
    void slowCallIsStrictlyAboveThreshold_data();
    void slowCallIsStrictlyAboveThreshold();
    void opensOnSlowCallRate_data();
    void opensOnSlowCallRate();
    void ratesAreMinusOneBelowMinimum();
    void timeBasedWindowForgetsOldBuckets();
    void recordsOnlyConfiguredFailureKinds_data();
    void recordsOnlyConfiguredFailureKinds();

    // Resilience4j: OPEN and HALF_OPEN
    void openRejectsAndCountsNotPermitted();
    void callsStartedBeforeTripStillRecord();
    void firstCallStrictlyAfterWaitMovesToHalfOpen();
    void automaticTransitionHappensExactlyAtEndOfWait();
    void halfOpenRejectsBeyondPermittedCalls();
    void releasePermissionGivesBackAHalfOpenPermit();
    void halfOpenClosesUnderThreshold();
    void halfOpenReopensOverThreshold();
    void halfOpenStaysBelowMinimum_data();
    void halfOpenStaysBelowMinimum();
    void maxWaitInHalfOpenReopens();
    void timersChainWhenNobodyCalls();

    // Resilience4j: special and manual states
    void disabledPermitsAllAndRecordsNothing();
    void forcedOpenNeverLeavesOnItsOwn();
    void metricsOnlyNeverTrips();
    void manualCloseStartsFreshWindow_data();
    void manualCloseStartsFreshWindow();
    void transitionsAreReportedInOrder();
};

void tst_circuitbreaker::defaultsAreResilience4jDefaults()
{
    const CircuitBreakerConfig c;
    QVERIFY(c.flavor == BreakerFlavor::Resilience4j);
    QCOMPARE(c.failure_rate_threshold, 50.0);
    QCOMPARE(c.slow_call_rate_threshold, 100.0);
    QCOMPARE(c.slow_call_duration_threshold_ms, 60000.0);
    QVERIFY(c.sliding_window_type == SlidingWindowType::CountBased);
    QCOMPARE(c.sliding_window_size, 100);
    QCOMPARE(c.minimum_number_of_calls, 100);
    QCOMPARE(c.wait_duration_in_open_state_ms, 60000.0);
    QCOMPARE(c.permitted_number_of_calls_in_half_open_state, 10);
    QCOMPARE(c.automatic_transition_from_open_to_half_open, false);
    QCOMPARE(c.max_wait_duration_in_half_open_state_ms, 0.0);
    // Python circuitbreaker and Hystrix defaults.
    QCOMPARE(c.failure_threshold, 5);
    QCOMPARE(c.recovery_timeout_ms, 30000.0);
    QCOMPARE(c.request_volume_threshold, 20);
    QCOMPARE(c.error_threshold_percentage, 50.0);
    QCOMPARE(c.sleep_window_ms, 5000.0);
    QCOMPARE(c.rolling_window_ms, 10000.0);
    QVERIFY(c.record_errors && c.record_timeouts && c.record_rejections);

    // A default breaker starts closed, with no rates and no timer.
    CircuitBreaker b(c);
    COMPARE_STATE(b.state(0), BreakerState::Closed);
    QCOMPARE(b.nextTimedTransition(), int64_t(-1));
    const BreakerMetrics m = b.metrics(0);
    QCOMPARE(m.failure_rate, -1.0);
    QCOMPARE(m.slow_call_rate, -1.0);
    QCOMPARE(m.buffered_calls, 0);
}

void tst_circuitbreaker::opensWhenFailureRateReachesThreshold_data()
{
    QTest::addColumn<double>("threshold");
    QTest::addColumn<int>("failures");
    QTest::addColumn<bool>("opens");
    QTest::addRow("5 of 10 at 50%% opens (rate equal to threshold)") << 50.0 << 5 << true;
    QTest::addRow("4 of 10 at 50%% stays closed") << 50.0 << 4 << false;
    QTest::addRow("3 of 10 at 30%% opens") << 30.0 << 3 << true;
    QTest::addRow("10 of 10 at 100%% opens") << 100.0 << 10 << true;
    QTest::addRow("9 of 10 at 100%% stays closed") << 100.0 << 9 << false;
}

void tst_circuitbreaker::opensWhenFailureRateReachesThreshold()
{
    QFETCH(double, threshold);
    QFETCH(int, failures);
    QFETCH(bool, opens);
    CircuitBreakerConfig c = r4j(10, 10);
    c.failure_rate_threshold = threshold;
    CircuitBreaker b(c);
    // Successes first, so the rate is only judged once the window holds all ten calls.
    calls(b, 0, CallOutcome::Success, 10 - failures);
    calls(b, 0, CallOutcome::Error, failures - 1);
    COMPARE_STATE(b.state(0), BreakerState::Closed);
    call(b, 0, CallOutcome::Error);
    COMPARE_STATE(b.state(0), opens ? BreakerState::Open : BreakerState::Closed);
    QCOMPARE(b.metrics(0).failure_rate, 100.0 * failures / 10);
}

void tst_circuitbreaker::staysClosedBelowMinimumNumberOfCalls()
{
    CircuitBreaker b(r4j(100, 10));
    calls(b, 0, CallOutcome::Error, 9);
    COMPARE_STATE(b.state(0), BreakerState::Closed);
    QCOMPARE(b.metrics(0).failure_rate, -1.0);
    call(b, 0, CallOutcome::Error);
    COMPARE_STATE(b.state(0), BreakerState::Open);
}

void tst_circuitbreaker::minimumIsCappedAtWindowSizeForCountBased_data()
{
    QTest::addColumn<SlidingWindowType>("type");
    QTest::addColumn<bool>("opens");
    QTest::addRow("count based: min(100, 5) = 5") << SlidingWindowType::CountBased << true;
    QTest::addRow("time based: minimum stays 100") << SlidingWindowType::TimeBased << false;
}

void tst_circuitbreaker::minimumIsCappedAtWindowSizeForCountBased()
{
    QFETCH(SlidingWindowType, type);
    QFETCH(bool, opens);
    CircuitBreakerConfig c = r4j(5, 100);
    c.sliding_window_type = type;
    CircuitBreaker b(c);
    calls(b, 0, CallOutcome::Error, 5);
    COMPARE_STATE(b.state(0), opens ? BreakerState::Open : BreakerState::Closed);
    QCOMPARE(b.metrics(0).failure_rate, opens ? 100.0 : -1.0);
}

void tst_circuitbreaker::slowCallIsStrictlyAboveThreshold_data()
{
    QTest::addColumn<int64_t>("duration");
    QTest::addColumn<bool>("slow");
    QTest::addRow("just under the threshold") << int64_t(1000 * kMs - 1) << false;
    QTest::addRow("exactly the threshold") << int64_t(1000 * kMs) << false;
    QTest::addRow("one nanosecond over") << int64_t(1000 * kMs + 1) << true;
}

void tst_circuitbreaker::slowCallIsStrictlyAboveThreshold()
{
    QFETCH(int64_t, duration);
    QFETCH(bool, slow);
    CircuitBreakerConfig c = r4j(10, 1);
    c.slow_call_duration_threshold_ms = 1000.0;
    c.slow_call_rate_threshold = 100.0;
    CircuitBreaker b(c);
    call(b, 0, CallOutcome::Success, duration);
    const BreakerMetrics m = b.metrics(0);
    QCOMPARE(m.slow_calls, slow ? 1 : 0);
    QCOMPARE(m.slow_call_rate, slow ? 100.0 : 0.0);
    COMPARE_STATE(m.state, slow ? BreakerState::Open : BreakerState::Closed);
}

void tst_circuitbreaker::opensOnSlowCallRate_data()
{
    QTest::addColumn<double>("threshold");
    QTest::addColumn<int>("slow");
    QTest::addColumn<bool>("opens");
    QTest::addRow("5 of 10 slow at 50%% opens") << 50.0 << 5 << true;
    QTest::addRow("4 of 10 slow at 50%% stays closed") << 50.0 << 4 << false;
    QTest::addRow("10 of 10 slow at the default 100%% opens") << 100.0 << 10 << true;
    QTest::addRow("9 of 10 slow at the default 100%% stays closed") << 100.0 << 9 << false;
}

void tst_circuitbreaker::opensOnSlowCallRate()
{
    QFETCH(double, threshold);
    QFETCH(int, slow);
    QFETCH(bool, opens);
    CircuitBreakerConfig c = r4j(10, 10);
    c.slow_call_duration_threshold_ms = 100.0;
    c.slow_call_rate_threshold = threshold;
    CircuitBreaker b(c);
    // All calls succeed: only their duration can open the breaker.
    calls(b, 0, CallOutcome::Success, 10 - slow, 100 * kMs);
    calls(b, 0, CallOutcome::Success, slow, 101 * kMs);
    const BreakerMetrics m = b.metrics(0);
    COMPARE_STATE(m.state, opens ? BreakerState::Open : BreakerState::Closed);
    QCOMPARE(m.failure_rate, 0.0);
    QCOMPARE(m.slow_call_rate, 10.0 * slow);
}

void tst_circuitbreaker::ratesAreMinusOneBelowMinimum()
{
    CircuitBreakerConfig c = r4j(10, 5);
    c.slow_call_duration_threshold_ms = 10.0;
    CircuitBreaker b(c);
    call(b, 0, CallOutcome::Error, 20 * kMs);
    calls(b, 0, CallOutcome::Success, 3);
    BreakerMetrics m = b.metrics(0);
    QCOMPARE(m.buffered_calls, 4);
    QCOMPARE(m.failed_calls, 1);
    QCOMPARE(m.slow_calls, 1);
    QCOMPARE(m.failure_rate, -1.0);
    QCOMPARE(m.slow_call_rate, -1.0);
    call(b, 0, CallOutcome::Success);
    m = b.metrics(0);
    QCOMPARE(m.failure_rate, 20.0);
    QCOMPARE(m.slow_call_rate, 20.0);
}

void tst_circuitbreaker::timeBasedWindowForgetsOldBuckets()
{
    CircuitBreakerConfig c = r4j(10, 5);
    c.sliding_window_type = SlidingWindowType::TimeBased;
    CircuitBreaker b(c);
    // Three failures in second 0: below the minimum of 5, so no verdict yet.
    calls(b, 500 * kMs, CallOutcome::Error, 3);
    calls(b, 5200 * kMs, CallOutcome::Success, 1);
    QCOMPARE(b.metrics(10 * kSecond - 1).buffered_calls, 4);
    QCOMPARE(b.metrics(10 * kSecond).buffered_calls, 1); // second 0 has left the 10 s window
    QCOMPARE(b.metrics(15 * kSecond - 1).buffered_calls, 1);
    QCOMPARE(b.metrics(15 * kSecond).buffered_calls, 0); // and second 5 at 15 s
    // The old failures no longer count: 2 of 5 is 40 %, where 5 of 8 would have been 62.5 %.
    calls(b, 16 * kSecond, CallOutcome::Error, 2);
    calls(b, 16 * kSecond, CallOutcome::Success, 3);
    const BreakerMetrics m = b.metrics(16 * kSecond);
    COMPARE_STATE(m.state, BreakerState::Closed);
    QCOMPARE(m.failure_rate, 40.0);
}

void tst_circuitbreaker::recordsOnlyConfiguredFailureKinds_data()
{
    QTest::addColumn<BreakerFlavor>("flavor");
    QTest::addColumn<CallOutcome>("outcome");
    QTest::addColumn<bool>("recorded");
    QTest::addColumn<bool>("failure");
    const auto r4 = BreakerFlavor::Resilience4j;
    QTest::addRow("success") << r4 << CallOutcome::Success << true << false;
    QTest::addRow("error, recorded") << r4 << CallOutcome::Error << true << true;
    QTest::addRow("error, not recorded: a success") << r4 << CallOutcome::Error << false << false;
    QTest::addRow("connect failure, recorded with errors") << r4 << CallOutcome::ConnectFailure << true << true;
    QTest::addRow("connect failure, not recorded with errors: a success")
        << r4 << CallOutcome::ConnectFailure << false << false;
    QTest::addRow("timeout, recorded") << r4 << CallOutcome::Timeout << true << true;
    QTest::addRow("timeout, not recorded: a success") << r4 << CallOutcome::Timeout << false << false;
    QTest::addRow("rejected, recorded") << r4 << CallOutcome::Rejected << true << true;
    QTest::addRow("rejected, not recorded: a success") << r4 << CallOutcome::Rejected << false << false;
    const auto py = BreakerFlavor::ConsecutiveFailures;
    QTest::addRow("consecutive: error, recorded") << py << CallOutcome::Error << true << true;
    QTest::addRow("consecutive: error, not recorded: a success") << py << CallOutcome::Error << false << false;
    const auto hx = BreakerFlavor::Hystrix;
    QTest::addRow("hystrix: timeout, recorded") << hx << CallOutcome::Timeout << true << true;
    QTest::addRow("hystrix: timeout, not recorded: a success") << hx << CallOutcome::Timeout << false << false;
}

void tst_circuitbreaker::recordsOnlyConfiguredFailureKinds()
{
    QFETCH(BreakerFlavor, flavor);
    QFETCH(CallOutcome, outcome);
    QFETCH(bool, recorded);
    QFETCH(bool, failure);
    CircuitBreakerConfig c;
    c.flavor = flavor;
    // Switch off only the flag of the outcome under test.
    const bool isError = outcome == CallOutcome::Error || outcome == CallOutcome::ConnectFailure;
    c.record_errors = !isError || recorded;
    c.record_timeouts = outcome != CallOutcome::Timeout || recorded;
    c.record_rejections = outcome != CallOutcome::Rejected || recorded;
    CircuitBreaker b(c);
    if (flavor == BreakerFlavor::ConsecutiveFailures)
        calls(b, 0, CallOutcome::Error, c.failure_threshold - 1); // a success would clear the streak
    call(b, 0, outcome);
    const BreakerMetrics m = b.metrics(0);
    if (flavor == BreakerFlavor::ConsecutiveFailures) {
        QCOMPARE(m.failed_calls, failure ? c.failure_threshold : 0);
        COMPARE_STATE(m.state, failure ? BreakerState::Open : BreakerState::Closed);
        return;
    }
    QCOMPARE(m.buffered_calls, 1);
    QCOMPARE(m.failed_calls, failure ? 1 : 0);
    QCOMPARE(m.failed_calls_total, failure ? uint64_t(1) : uint64_t(0));
    QCOMPARE(m.successful_calls, failure ? uint64_t(0) : uint64_t(1));
}

void tst_circuitbreaker::openRejectsAndCountsNotPermitted()
{
    CircuitBreaker b(r4j(4, 4));
    trip(b, 0);
    for (int i = 0; i < 3; ++i)
        QVERIFY(!b.tryAcquirePermission(100 * kMs));
    const BreakerMetrics m = b.metrics(100 * kMs);
    COMPARE_STATE(m.state, BreakerState::Open);
    QCOMPARE(m.not_permitted_calls, uint64_t(3));
    // Rejected calls are not recorded: the window is still the one that tripped.
    QCOMPARE(m.buffered_calls, 4);
    QCOMPARE(m.failure_rate, 100.0);
}

void tst_circuitbreaker::callsStartedBeforeTripStillRecord()
{
    CircuitBreaker b(r4j(20, 10));
    // Two calls get permits while closed and are still in flight when the breaker trips.
    QVERIFY(b.tryAcquirePermission(0));
    QVERIFY(b.tryAcquirePermission(0));
    calls(b, 1 * kMs, CallOutcome::Error, 10);
    COMPARE_STATE(b.state(1 * kMs), BreakerState::Open);
    b.takeTransitions();

    b.onResult(2 * kMs, 2 * kMs, CallOutcome::Success);
    b.onResult(2 * kMs, 2 * kMs, CallOutcome::Error);
    const BreakerMetrics m = b.metrics(2 * kMs);
    COMPARE_STATE(m.state, BreakerState::Open); // a success does not close an open breaker
    QCOMPARE(m.buffered_calls, 12);
    QCOMPARE(m.failed_calls, 11);
    QCOMPARE(m.successful_calls, uint64_t(1));
    QCOMPARE(m.failed_calls_total, uint64_t(11));
    QVERIFY(b.takeTransitions().empty());
}

void tst_circuitbreaker::firstCallStrictlyAfterWaitMovesToHalfOpen()
{
    CircuitBreaker b(r4j(4, 4)); // wait 1 s, no automatic transition
    trip(b, 0);
    b.takeTransitions();
    QCOMPARE(b.nextTimedTransition(), int64_t(-1));
    COMPARE_STATE(b.state(100 * kSecond), BreakerState::Open); // time alone changes nothing
    QVERIFY(!b.tryAcquirePermission(kSecond));
    COMPARE_STATE(b.state(kSecond), BreakerState::Open);
    QVERIFY(b.tryAcquirePermission(kSecond + 1));
    COMPARE_STATE(b.state(kSecond + 1), BreakerState::HalfOpen);
    const auto t = b.takeTransitions();
    QCOMPARE(t.size(), size_t(1));
    QCOMPARE(t[0].time_ns, kSecond + 1);
    COMPARE_STATE(t[0].to, BreakerState::HalfOpen);
    QCOMPARE(b.metrics(kSecond + 1).not_permitted_calls, uint64_t(1));
}

void tst_circuitbreaker::automaticTransitionHappensExactlyAtEndOfWait()
{
    CircuitBreakerConfig c = r4j(4, 4);
    c.automatic_transition_from_open_to_half_open = true;
    CircuitBreaker b(c);
    trip(b, 3 * kMs);
    b.takeTransitions();
    QCOMPARE(b.nextTimedTransition(), 3 * kMs + kSecond);
    COMPARE_STATE(b.state(3 * kMs + kSecond - 1), BreakerState::Open);
    COMPARE_STATE(b.state(3 * kMs + kSecond), BreakerState::HalfOpen);
    QCOMPARE(b.nextTimedTransition(), int64_t(-1));
    const auto t = b.takeTransitions();
    QCOMPARE(t.size(), size_t(1));
    QCOMPARE(t[0].time_ns, 3 * kMs + kSecond);

    // A call arriving exactly at the end of the wait gets a permit too, even when nobody asked for the
    // state before.
    CircuitBreaker b2(c);
    trip(b2, 0);
    QVERIFY(b2.tryAcquirePermission(kSecond));
    COMPARE_STATE(b2.state(kSecond), BreakerState::HalfOpen);
}

void tst_circuitbreaker::halfOpenRejectsBeyondPermittedCalls()
{
    CircuitBreakerConfig c = r4j(4, 4);
    c.permitted_number_of_calls_in_half_open_state = 3;
    CircuitBreaker b(c);
    trip(b, 0);
    const int64_t t = 2 * kSecond;
    // The first of the three permits is the one taken by the call that moves to HALF_OPEN.
    QVERIFY(b.tryAcquirePermission(t));
    QVERIFY(b.tryAcquirePermission(t));
    QVERIFY(b.tryAcquirePermission(t));
    // Nothing has been recorded yet, and still the fourth call is turned away.
    QVERIFY(!b.tryAcquirePermission(t));
    QVERIFY(!b.tryAcquirePermission(t + kSecond));
    const BreakerMetrics m = b.metrics(t + kSecond);
    COMPARE_STATE(m.state, BreakerState::HalfOpen);
    QCOMPARE(m.not_permitted_calls, uint64_t(2));
    QCOMPARE(m.buffered_calls, 0);
}

void tst_circuitbreaker::releasePermissionGivesBackAHalfOpenPermit()
{
    CircuitBreakerConfig c = r4j(4, 4);
    c.permitted_number_of_calls_in_half_open_state = 1;
    CircuitBreaker b(c);
    trip(b, 0);
    const int64_t t = 2 * kSecond;
    QVERIFY(b.tryAcquirePermission(t));
    QVERIFY(!b.tryAcquirePermission(t));
    b.releasePermission(t);
    QVERIFY(b.tryAcquirePermission(t));
    QVERIFY(!b.tryAcquirePermission(t));
}

void tst_circuitbreaker::halfOpenClosesUnderThreshold()
{
    CircuitBreakerConfig c = r4j(10, 100);
    c.permitted_number_of_calls_in_half_open_state = 4;
    CircuitBreaker b(c);
    trip(b, 0);
    const int64_t t = 2 * kSecond;
    calls(b, t, CallOutcome::Success, 3);
    COMPARE_STATE(b.state(t), BreakerState::HalfOpen);
    call(b, t, CallOutcome::Error); // 1 of 4 = 25 % < 50 %
    const BreakerMetrics m = b.metrics(t);
    COMPARE_STATE(m.state, BreakerState::Closed);
    QCOMPARE(m.buffered_calls, 0); // CLOSED starts an empty window
    QCOMPARE(m.failure_rate, -1.0);
}

void tst_circuitbreaker::halfOpenReopensOverThreshold()
{
    CircuitBreakerConfig c = r4j(10, 100);
    c.permitted_number_of_calls_in_half_open_state = 4;
    CircuitBreaker b(c);
    trip(b, 0);
    const int64_t t = 2 * kSecond;
    calls(b, t, CallOutcome::Success, 2);
    calls(b, t, CallOutcome::Error, 2); // 2 of 4 = 50 %, at the threshold
    const BreakerMetrics m = b.metrics(t);
    COMPARE_STATE(m.state, BreakerState::Open);
    QCOMPARE(m.buffered_calls, 4); // the half-open window that decided
    QCOMPARE(m.failure_rate, 50.0);
    // A new wait starts at the decision.
    QVERIFY(!b.tryAcquirePermission(t + kSecond));
    QVERIFY(b.tryAcquirePermission(t + kSecond + 1));
}

void tst_circuitbreaker::halfOpenStaysBelowMinimum_data()
{
    QTest::addColumn<int>("minimum");
    QTest::addColumn<int>("decidesAfter");
    QTest::addRow("minimum above permitted: decided after all 4 probes") << 100 << 4;
    QTest::addRow("minimum 2 below permitted 4: decided after 2 probes") << 2 << 2;
}

void tst_circuitbreaker::halfOpenStaysBelowMinimum()
{
    QFETCH(int, minimum);
    QFETCH(int, decidesAfter);
    CircuitBreakerConfig c = r4j(2, minimum);
    c.permitted_number_of_calls_in_half_open_state = 4;
    CircuitBreaker b(c);
    trip(b, 0);
    const int64_t t = 2 * kSecond;
    calls(b, t, CallOutcome::Error, decidesAfter - 1);
    const BreakerMetrics m = b.metrics(t);
    COMPARE_STATE(m.state, BreakerState::HalfOpen);
    QCOMPARE(m.failure_rate, -1.0);
    call(b, t, CallOutcome::Error);
    COMPARE_STATE(b.state(t), BreakerState::Open);
}

void tst_circuitbreaker::maxWaitInHalfOpenReopens()
{
    CircuitBreakerConfig c = r4j(4, 4);
    c.max_wait_duration_in_half_open_state_ms = 5000.0;
    CircuitBreaker b(c);
    trip(b, 0);
    const int64_t t = 2 * kSecond;
    QVERIFY(b.tryAcquirePermission(t)); // to HALF_OPEN; the probe never reports back
    b.takeTransitions();
    QCOMPARE(b.nextTimedTransition(), t + 5 * kSecond);
    COMPARE_STATE(b.state(t + 5 * kSecond - 1), BreakerState::HalfOpen);
    COMPARE_STATE(b.state(t + 5 * kSecond), BreakerState::Open);
    const auto tr = b.takeTransitions();
    QCOMPARE(tr.size(), size_t(1));
    QCOMPARE(tr[0].time_ns, t + 5 * kSecond);
    COMPARE_STATE(tr[0].from, BreakerState::HalfOpen);
    COMPARE_STATE(tr[0].to, BreakerState::Open);
    // The new wait counts from the expiry.
    QVERIFY(!b.tryAcquirePermission(t + 6 * kSecond));
    QVERIFY(b.tryAcquirePermission(t + 6 * kSecond + 1));
}

void tst_circuitbreaker::timersChainWhenNobodyCalls()
{
    // Wait 1 s, max half-open wait 5 s, both timed: OPEN [0, 1), HALF_OPEN [1, 6), OPEN [6, 7), ...
    CircuitBreakerConfig c = r4j(4, 4);
    c.automatic_transition_from_open_to_half_open = true;
    c.max_wait_duration_in_half_open_state_ms = 5000.0;
    CircuitBreaker b(c);
    trip(b, 0);
    b.takeTransitions();
    COMPARE_STATE(b.state(7 * kSecond), BreakerState::HalfOpen);
    const auto t = b.takeTransitions();
    QCOMPARE(t.size(), size_t(3));
    QCOMPARE(t[0].time_ns, 1 * kSecond);
    QCOMPARE(t[1].time_ns, 6 * kSecond);
    QCOMPARE(t[2].time_ns, 7 * kSecond);
    QCOMPARE(b.nextTimedTransition(), 12 * kSecond);
    // Far ahead, the state is still where the cycle puts it: 1000 s is 4 s into the cycle at 996 s.
    COMPARE_STATE(b.state(1000 * kSecond), BreakerState::HalfOpen);
    QCOMPARE(b.nextTimedTransition(), 1002 * kSecond);
}

void tst_circuitbreaker::disabledPermitsAllAndRecordsNothing()
{
    CircuitBreaker b(r4j(4, 4));
    b.disable(0);
    for (int i = 0; i < 50; ++i)
        call(b, i * kMs, CallOutcome::Error);
    const BreakerMetrics m = b.metrics(kSecond);
    COMPARE_STATE(m.state, BreakerState::Disabled);
    QCOMPARE(m.buffered_calls, 0);
    QCOMPARE(m.failed_calls_total, uint64_t(0));
    QCOMPARE(m.successful_calls, uint64_t(0));
    QCOMPARE(m.failure_rate, -1.0);
    QCOMPARE(m.not_permitted_calls, uint64_t(0));
}

void tst_circuitbreaker::forcedOpenNeverLeavesOnItsOwn()
{
    CircuitBreakerConfig c = r4j(4, 4);
    c.automatic_transition_from_open_to_half_open = true;
    c.max_wait_duration_in_half_open_state_ms = 1000.0;
    CircuitBreaker b(c);
    b.forceOpen(0);
    QCOMPARE(b.nextTimedTransition(), int64_t(-1));
    QVERIFY(!b.tryAcquirePermission(kSecond + 1));
    QVERIFY(!b.tryAcquirePermission(3600 * kSecond));
    COMPARE_STATE(b.state(3600 * kSecond), BreakerState::ForcedOpen);
    QCOMPARE(b.metrics(3600 * kSecond).not_permitted_calls, uint64_t(2));
}

void tst_circuitbreaker::metricsOnlyNeverTrips()
{
    CircuitBreaker b(r4j(10, 10));
    b.metricsOnly(0);
    calls(b, 0, CallOutcome::Error, 100);
    const BreakerMetrics m = b.metrics(0);
    COMPARE_STATE(m.state, BreakerState::MetricsOnly);
    QCOMPARE(m.failure_rate, 100.0);
    QCOMPARE(m.buffered_calls, 10);
    QCOMPARE(m.failed_calls_total, uint64_t(100));
}

void tst_circuitbreaker::manualCloseStartsFreshWindow_data()
{
    QTest::addColumn<bool>("viaReset");
    QTest::addRow("close") << false;
    QTest::addRow("reset") << true;
}

void tst_circuitbreaker::manualCloseStartsFreshWindow()
{
    QFETCH(bool, viaReset);
    CircuitBreaker b(r4j(10, 10));
    const auto closeIt = [&](int64_t t) { viaReset ? b.reset(t) : b.close(t); };

    // From CLOSED: the window empties, and no transition is reported.
    calls(b, 0, CallOutcome::Error, 9);
    closeIt(0);
    QCOMPARE(b.metrics(0).buffered_calls, 0);
    call(b, 0, CallOutcome::Error); // would have been the tenth failure
    COMPARE_STATE(b.state(0), BreakerState::Closed);
    QVERIFY(b.takeTransitions().empty());

    // From OPEN.
    calls(b, 0, CallOutcome::Error, 9);
    COMPARE_STATE(b.state(0), BreakerState::Open);
    closeIt(kMs);
    COMPARE_STATE(b.state(kMs), BreakerState::Closed);
    QCOMPARE(b.metrics(kMs).buffered_calls, 0);
    const auto t = b.takeTransitions();
    QCOMPARE(t.size(), size_t(2));
    COMPARE_STATE(t[1].from, BreakerState::Open);
    COMPARE_STATE(t[1].to, BreakerState::Closed);
    QCOMPARE(t[1].time_ns, kMs);
}

void tst_circuitbreaker::transitionsAreReportedInOrder()
{
    CircuitBreakerConfig c = r4j(2, 2);
    c.automatic_transition_from_open_to_half_open = true;
    c.permitted_number_of_calls_in_half_open_state = 1;
    CircuitBreaker b(c);
    calls(b, 10, CallOutcome::Error, 2); // CLOSED -> OPEN at 10
    COMPARE_STATE(b.state(10 + kSecond), BreakerState::HalfOpen); // -> HALF_OPEN at 10 + 1 s
    call(b, 2 * kSecond, CallOutcome::Success); // -> CLOSED
    b.close(3 * kSecond); // already closed: nothing to report
    b.forceOpen(4 * kSecond);
    b.disable(5 * kSecond);
    b.metricsOnly(6 * kSecond);
    b.reset(7 * kSecond);

    using S = BreakerState;
    const std::vector<BreakerTransition> expected {
        { 10, S::Closed, S::Open },
        { 10 + kSecond, S::Open, S::HalfOpen },
        { 2 * kSecond, S::HalfOpen, S::Closed },
        { 4 * kSecond, S::Closed, S::ForcedOpen },
        { 5 * kSecond, S::ForcedOpen, S::Disabled },
        { 6 * kSecond, S::Disabled, S::MetricsOnly },
        { 7 * kSecond, S::MetricsOnly, S::Closed },
    };
    const auto got = b.takeTransitions();
    QCOMPARE(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
        QCOMPARE(got[i].time_ns, expected[i].time_ns);
        COMPARE_STATE(got[i].from, expected[i].from);
        COMPARE_STATE(got[i].to, expected[i].to);
    }
    QVERIFY(b.takeTransitions().empty());
}

QTEST_APPLESS_MAIN(tst_circuitbreaker)
#include "tst_circuitbreaker.moc"
