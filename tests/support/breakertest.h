#pragma once
// What the breaker tests share (tst_circuitbreaker, tst_breakerflavors): nanosecond constants, a state
// comparison that prints names, configurations of each flavour, and calls made through a permit.

#include "resilience/circuitbreaker.h"

#include <QTest>

namespace faultline::test {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

inline QByteArray spell(BreakerState s)
{
    const std::string_view v = toString(s);
    return QByteArray(v.data(), static_cast<qsizetype>(v.size()));
}

#define COMPARE_STATE(actual, expected) QCOMPARE(faultline::test::spell(actual), faultline::test::spell(expected))
/// Resilience4j, count based, with a small window so tests stay short.
inline CircuitBreakerConfig r4j(int window, int minimum)
{
    CircuitBreakerConfig c;
    c.sliding_window_size = window;
    c.minimum_number_of_calls = minimum;
    c.wait_duration_in_open_state_ms = 1000.0;
    return c;
}

inline CircuitBreakerConfig consecutive()
{
    CircuitBreakerConfig c;
    c.flavor = BreakerFlavor::ConsecutiveFailures;
    return c;
}

inline CircuitBreakerConfig hystrix()
{
    CircuitBreakerConfig c;
    c.flavor = BreakerFlavor::Hystrix;
    return c;
}

/// Acquires a permit at `now` and records the outcome of a call that took `duration`; fails the test if
/// the breaker refused.
inline void call(CircuitBreaker& b, int64_t now, CallOutcome outcome, int64_t duration = kMs)
{
    QVERIFY(b.tryAcquirePermission(now));
    b.onResult(now, duration, outcome);
}

inline void calls(CircuitBreaker& b, int64_t now, CallOutcome outcome, int n, int64_t duration = kMs)
{
    for (int i = 0; i < n; ++i)
        call(b, now, outcome, duration);
}

/// Trips a Resilience4j breaker with `window` failures at `now`.
inline void trip(CircuitBreaker& b, int64_t now)
{
    calls(b, now, CallOutcome::Error, b.config().sliding_window_size);
    COMPARE_STATE(b.state(now), BreakerState::Open);
}

} // namespace faultline::test
