// The retry rules of spec/resilience.md section 2, one test per rule.
#include "resilience/retry.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace faultline;

Q_DECLARE_METATYPE(faultline::CallOutcome)

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int kDraws = 20000;
constexpr uint64_t kSeed = 0x5eed;

struct Draws {
    double minMs = std::numeric_limits<double>::max();
    double maxMs = std::numeric_limits<double>::lowest();
    double meanMs = 0.0;
};

Draws drawBackoff(const RetryConfig& config, int retry)
{
    Random random(kSeed);
    Draws d;
    double sum = 0.0;
    for (int i = 0; i < kDraws; ++i) {
        const double ms = static_cast<double>(backoffDelayNs(config, retry, random)) / kMs;
        d.minMs = std::min(d.minMs, ms);
        d.maxMs = std::max(d.maxMs, ms);
        sum += ms;
    }
    d.meanMs = sum / kDraws;
    return d;
}

RetryConfig grpcConfig(int count, double initialMs, double multiplier, double maxMs)
{
    RetryConfig config = defaultRetryConfig(RetryFlavor::Grpc);
    config.count = count;
    config.backoff.initial_ms = initialMs;
    config.backoff.multiplier = multiplier;
    config.backoff.max_ms = maxMs;
    return config;
}

} // namespace

class tst_retry : public QObject {
    Q_OBJECT

private slots:
    // Counting attempts
    void resilience4jMaxAttemptsIncludesFirstCall_data();
    void resilience4jMaxAttemptsIncludesFirstCall();
    void urllib3TotalThreeAllowsFourAttempts_data();
    void urllib3TotalThreeAllowsFourAttempts();
    void grpcMaxAttemptsClampedToFive();
    void grpcMaxAttemptsAtLeastTwo_data();
    void grpcMaxAttemptsAtLeastTwo();
    void envoyNumRetriesAfterFirst_data();
    void envoyNumRetriesAfterFirst();

    // What is retried
    void urllib3NeverRetriesPost_data();
    void urllib3NeverRetriesPost();
    void grpcRetriesNothingByDefault_data();
    void grpcRetriesNothingByDefault();
    void envoyRetriesOn5xxByDefault_data();
    void envoyRetriesOn5xxByDefault();

    // Backoff
    void resilience4jFixedWaitIs500ms_data();
    void resilience4jFixedWaitIs500ms();
    void resilience4jExponentialUsesMultiplier_data();
    void resilience4jExponentialUsesMultiplier();
    void resilience4jRandomizedStaysInBand_data();
    void resilience4jRandomizedStaysInBand();
    void urllib3SleepsZeroBeforeFirstRetry();
    void urllib3BackoffDoublesAndCaps_data();
    void urllib3BackoffDoublesAndCaps();
    void grpcJitterWithinPointEightToOnePointTwo_data();
    void grpcJitterWithinPointEightToOnePointTwo();
    void grpcBackoffCappedAtMax();
    void envoyFullJitterBelowCap_data();
    void envoyFullJitterBelowCap();

    // Budgets and throttling
    void envoyRetryBudgetTwentyPercentMinThree_data();
    void envoyRetryBudgetTwentyPercentMinThree();
    void grpcThrottlingStopsRetriesAtHalfTokens();
    void grpcThrottlingRecoversWithSuccesses();
    void adaptiveThrottlingRejectsAtKTimesAccepts_data();
    void adaptiveThrottlingRejectsAtKTimesAccepts();
    void adaptiveThrottlingForgetsAfterWindow();

    // Amplification
    void threeRetriesAtThreeLayersGive64Attempts_data();
    void threeRetriesAtThreeLayersGive64Attempts();
};

// ---------------------------------------------------------------------------------------------------
// Counting attempts

void tst_retry::resilience4jMaxAttemptsIncludesFirstCall_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("attempts");
    QTest::addRow("default maxAttempts 3 is 3 calls") << -1 << 3;
    QTest::addRow("maxAttempts 1 is the first call only") << 1 << 1;
    QTest::addRow("maxAttempts 5") << 5 << 5;
    QTest::addRow("maxAttempts 0 still makes the first call") << 0 << 1;
}

void tst_retry::resilience4jMaxAttemptsIncludesFirstCall()
{
    QFETCH(int, count);
    QFETCH(int, attempts);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Resilience4j);
    QCOMPARE(config.count, 3);
    if (count >= 0) config.count = count;
    QCOMPARE(totalAttempts(config), attempts);
}

void tst_retry::urllib3TotalThreeAllowsFourAttempts_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("attempts");
    QTest::addRow("default total 3 is 4 attempts") << -1 << 4;
    QTest::addRow("total 0 is the first attempt only") << 0 << 1;
    QTest::addRow("total 1") << 1 << 2;
}

void tst_retry::urllib3TotalThreeAllowsFourAttempts()
{
    QFETCH(int, count);
    QFETCH(int, attempts);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Urllib3);
    QCOMPARE(config.count, 3);
    if (count >= 0) config.count = count;
    QCOMPARE(totalAttempts(config), attempts);
}

void tst_retry::grpcMaxAttemptsClampedToFive()
{
    RetryConfig config = defaultRetryConfig(RetryFlavor::Grpc);
    for (int count : { 5, 6, 10, 1000 }) {
        config.count = count;
        QCOMPARE(totalAttempts(config), 5);
    }
    config.count = 4;
    QCOMPARE(totalAttempts(config), 4);
}

void tst_retry::grpcMaxAttemptsAtLeastTwo_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("attempts");
    QTest::addRow("maxAttempts 0") << 0 << 2;
    QTest::addRow("maxAttempts 1") << 1 << 2;
    QTest::addRow("maxAttempts 2") << 2 << 2;
    QTest::addRow("maxAttempts 3") << 3 << 3;
}

void tst_retry::grpcMaxAttemptsAtLeastTwo()
{
    QFETCH(int, count);
    QFETCH(int, attempts);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Grpc);
    config.count = count;
    QCOMPARE(totalAttempts(config), attempts);
}

void tst_retry::envoyNumRetriesAfterFirst_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("attempts");
    QTest::addRow("default num_retries 1 is 2 attempts") << -1 << 2;
    QTest::addRow("Istio's 2 retries are 3 attempts") << 2 << 3;
    QTest::addRow("num_retries 0") << 0 << 1;
}

void tst_retry::envoyNumRetriesAfterFirst()
{
    QFETCH(int, count);
    QFETCH(int, attempts);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Envoy);
    QCOMPARE(config.count, 1);
    if (count >= 0) config.count = count;
    QCOMPARE(totalAttempts(config), attempts);
}

// ---------------------------------------------------------------------------------------------------
// What is retried

void tst_retry::urllib3NeverRetriesPost_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<bool>("retried");
    for (const char* m : { "HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE" })
        QTest::addRow("%s", m) << QString::fromLatin1(m) << true;
    QTest::addRow("lower-case get") << QStringLiteral("get") << true;
    QTest::addRow("POST") << QStringLiteral("POST") << false;
    QTest::addRow("PATCH") << QStringLiteral("PATCH") << false;
    QTest::addRow("CONNECT") << QStringLiteral("CONNECT") << false;
}

void tst_retry::urllib3NeverRetriesPost()
{
    QFETCH(QString, method);
    QFETCH(bool, retried);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Urllib3);
    config.method = method.toStdString();
    QCOMPARE(isIdempotentMethod(config.method), retried);
    QCOMPARE(isRetryable(config, CallOutcome::Timeout), retried);
    QCOMPARE(isRetryable(config, CallOutcome::ConnectFailure), retried);
    // Statuses are retried only when listed in status_forcelist, which is empty by default.
    QVERIFY(!isRetryable(config, CallOutcome::Error));
    QVERIFY(!isRetryable(config, CallOutcome::Rejected));
    QVERIFY(!isRetryable(config, CallOutcome::Success));
    // Even when a status is listed, a non-idempotent method is not retried.
    config.retry_on.error = true;
    QCOMPARE(isRetryable(config, CallOutcome::Error), retried);
}

void tst_retry::grpcRetriesNothingByDefault_data()
{
    QTest::addColumn<CallOutcome>("outcome");
    QTest::addRow("success") << CallOutcome::Success;
    QTest::addRow("error") << CallOutcome::Error;
    QTest::addRow("timeout") << CallOutcome::Timeout;
    QTest::addRow("rejected") << CallOutcome::Rejected;
    QTest::addRow("connect failure") << CallOutcome::ConnectFailure;
}

void tst_retry::grpcRetriesNothingByDefault()
{
    QFETCH(CallOutcome, outcome);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Grpc);
    QVERIFY(!isRetryable(config, outcome));
    // Listing UNAVAILABLE (our `rejected`) makes exactly that retryable.
    config.retry_on.rejected = true;
    QCOMPARE(isRetryable(config, outcome), outcome == CallOutcome::Rejected);
}

void tst_retry::envoyRetriesOn5xxByDefault_data()
{
    QTest::addColumn<CallOutcome>("outcome");
    QTest::addColumn<bool>("retried");
    QTest::addRow("success") << CallOutcome::Success << false;
    QTest::addRow("5xx error") << CallOutcome::Error << true;
    QTest::addRow("503 rejected") << CallOutcome::Rejected << true;
    QTest::addRow("per-try timeout") << CallOutcome::Timeout << true;
    QTest::addRow("connect failure") << CallOutcome::ConnectFailure << true;
}

void tst_retry::envoyRetriesOn5xxByDefault()
{
    QFETCH(CallOutcome, outcome);
    QFETCH(bool, retried);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Envoy);
    config.method = "POST"; // Envoy does not look at the method
    QCOMPARE(isRetryable(config, outcome), retried);
}

// ---------------------------------------------------------------------------------------------------
// Backoff

void tst_retry::resilience4jFixedWaitIs500ms_data()
{
    QTest::addColumn<int>("retry");
    QTest::addRow("first retry") << 1;
    QTest::addRow("second retry") << 2;
    QTest::addRow("tenth retry") << 10;
}

void tst_retry::resilience4jFixedWaitIs500ms()
{
    QFETCH(int, retry);
    const RetryConfig config = defaultRetryConfig(RetryFlavor::Resilience4j);
    QCOMPARE(config.backoff.kind, BackoffKind::Fixed);
    QCOMPARE(config.backoff.jitter, Jitter::None);
    Random random(kSeed);
    QCOMPARE(backoffDelayNs(config, retry, random), 500 * kMs);
}

void tst_retry::resilience4jExponentialUsesMultiplier_data()
{
    QTest::addColumn<int>("retry");
    QTest::addColumn<double>("maxMs");
    QTest::addColumn<double>("expectedMs");
    QTest::addRow("retry 1: initial") << 1 << 0.0 << 500.0;
    QTest::addRow("retry 2: x1.5") << 2 << 0.0 << 750.0;
    QTest::addRow("retry 3: x1.5^2") << 3 << 0.0 << 1125.0;
    QTest::addRow("retry 4: x1.5^3") << 4 << 0.0 << 1687.5;
    QTest::addRow("retry 4 capped at 1 s") << 4 << 1000.0 << 1000.0;
}

void tst_retry::resilience4jExponentialUsesMultiplier()
{
    QFETCH(int, retry);
    QFETCH(double, maxMs);
    QFETCH(double, expectedMs);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Resilience4j);
    QCOMPARE(config.backoff.multiplier, 1.5);
    config.backoff.kind = BackoffKind::Exponential;
    config.backoff.max_ms = maxMs;
    Random random(kSeed);
    QCOMPARE(backoffDelayNs(config, retry, random), static_cast<int64_t>(expectedMs * kMs));
}

void tst_retry::resilience4jRandomizedStaysInBand_data()
{
    QTest::addColumn<int>("retry");
    QTest::addColumn<bool>("exponential");
    QTest::addColumn<double>("centreMs");
    QTest::addRow("fixed 500 ms") << 1 << false << 500.0;
    QTest::addRow("exponential retry 2") << 2 << true << 750.0;
}

void tst_retry::resilience4jRandomizedStaysInBand()
{
    QFETCH(int, retry);
    QFETCH(bool, exponential);
    QFETCH(double, centreMs);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Resilience4j);
    config.backoff.kind = exponential ? BackoffKind::Exponential : BackoffKind::Fixed;
    config.backoff.jitter = Jitter::Randomized;
    const double f = config.backoff.randomization_factor;
    QCOMPARE(f, 0.5);
    const Draws d = drawBackoff(config, retry);
    // randomize(): v(1-f) + rand * (2fv + 1), truncated to whole ms, so both ends of the band occur.
    QVERIFY2(d.minMs >= centreMs * (1 - f), qPrintable(QString::number(d.minMs)));
    QVERIFY2(d.maxMs <= centreMs * (1 + f), qPrintable(QString::number(d.maxMs)));
    QVERIFY(d.minMs < centreMs * (1 - f) + 0.02 * centreMs);
    QVERIFY(d.maxMs > centreMs * (1 + f) - 0.02 * centreMs);
    QVERIFY(std::floor(d.minMs) == d.minMs && std::floor(d.maxMs) == d.maxMs);
    QVERIFY2(std::abs(d.meanMs - centreMs) < 0.01 * centreMs, qPrintable(QString::number(d.meanMs)));
}

void tst_retry::urllib3SleepsZeroBeforeFirstRetry()
{
    RetryConfig config = defaultRetryConfig(RetryFlavor::Urllib3);
    Random random(kSeed);
    // Default backoff_factor 0: no sleep at all.
    for (int retry = 1; retry <= 3; ++retry)
        QCOMPARE(backoffDelayNs(config, retry, random), 0);
    // With backoff_factor 0.5 s, still nothing before the first retry, even with jitter.
    config.backoff.initial_ms = 500.0;
    config.backoff.jitter = Jitter::Full;
    QCOMPARE(backoffDelayNs(config, 1, random), 0);
    QVERIFY(backoffDelayNs(config, 2, random) > 0);
}

void tst_retry::urllib3BackoffDoublesAndCaps_data()
{
    QTest::addColumn<int>("retry");
    QTest::addColumn<double>("expectedMs");
    // backoff_factor 0.5 s: [0, 1, 2, 4, ...] s, at most backoff_max 120 s.
    QTest::addRow("retry 1") << 1 << 0.0;
    QTest::addRow("retry 2") << 2 << 1000.0;
    QTest::addRow("retry 3") << 3 << 2000.0;
    QTest::addRow("retry 4") << 4 << 4000.0;
    QTest::addRow("retry 8") << 8 << 64000.0;
    QTest::addRow("retry 9 capped") << 9 << 120000.0;
    QTest::addRow("retry 40 capped") << 40 << 120000.0;
}

void tst_retry::urllib3BackoffDoublesAndCaps()
{
    QFETCH(int, retry);
    QFETCH(double, expectedMs);
    RetryConfig config = defaultRetryConfig(RetryFlavor::Urllib3);
    QCOMPARE(config.backoff.max_ms, 120000.0);
    config.backoff.initial_ms = 500.0;
    Random random(kSeed);
    QCOMPARE(backoffDelayNs(config, retry, random), static_cast<int64_t>(expectedMs * kMs));
}

void tst_retry::grpcJitterWithinPointEightToOnePointTwo_data()
{
    QTest::addColumn<int>("retry");
    QTest::addColumn<double>("centreMs");
    // initialBackoff 100 ms, multiplier 2, maxBackoff 10 s
    QTest::addRow("retry 1") << 1 << 100.0;
    QTest::addRow("retry 2") << 2 << 200.0;
    QTest::addRow("retry 4") << 4 << 800.0;
}

void tst_retry::grpcJitterWithinPointEightToOnePointTwo()
{
    QFETCH(int, retry);
    QFETCH(double, centreMs);
    const RetryConfig config = grpcConfig(5, 100.0, 2.0, 10000.0);
    QCOMPARE(config.backoff.jitter, Jitter::Proportional);
    const Draws d = drawBackoff(config, retry);
    QVERIFY(d.minMs >= 0.8 * centreMs);
    QVERIFY(d.maxMs <= 1.2 * centreMs);
    QVERIFY(d.minMs < 0.81 * centreMs);
    QVERIFY(d.maxMs > 1.19 * centreMs);
    QVERIFY2(std::abs(d.meanMs - centreMs) < 0.01 * centreMs, qPrintable(QString::number(d.meanMs)));
}

void tst_retry::grpcBackoffCappedAtMax()
{
    // 100 ms * 2^(n-1) passes 1 s at the fifth retry; grpc-core jitters after capping.
    const RetryConfig config = grpcConfig(5, 100.0, 2.0, 1000.0);
    for (int retry : { 5, 6, 30 }) {
        const Draws d = drawBackoff(config, retry);
        QVERIFY(d.minMs >= 800.0);
        QVERIFY(d.maxMs <= 1200.0);
        QVERIFY2(std::abs(d.meanMs - 1000.0) < 10.0, qPrintable(QString::number(d.meanMs)));
    }
}

void tst_retry::envoyFullJitterBelowCap_data()
{
    QTest::addColumn<int>("retry");
    QTest::addColumn<double>("rangeMs");
    // [0, (2^N - 1) * 25 ms), in whole ms, capped at 250 ms
    QTest::addRow("retry 1: [0, 25)") << 1 << 25.0;
    QTest::addRow("retry 2: [0, 75)") << 2 << 75.0;
    QTest::addRow("retry 3: [0, 175)") << 3 << 175.0;
    QTest::addRow("retry 4: [0, 375) capped at 250") << 4 << 375.0;
    QTest::addRow("retry 10: capped at 250") << 10 << 25575.0;
}

void tst_retry::envoyFullJitterBelowCap()
{
    QFETCH(int, retry);
    QFETCH(double, rangeMs);
    const RetryConfig config = defaultRetryConfig(RetryFlavor::Envoy);
    QCOMPARE(config.backoff.initial_ms, 25.0);
    QCOMPARE(config.backoff.max_ms, 250.0);
    const Draws d = drawBackoff(config, retry);
    QVERIFY(d.minMs >= 0.0);
    QVERIFY(d.minMs < std::max(1.0, 0.001 * rangeMs)); // 0 itself for the short ranges
    QVERIFY(d.maxMs <= 250.0);
    QVERIFY(d.maxMs < rangeMs);
    QVERIFY(d.maxMs >= std::min(rangeMs - 1, 250.0));
    // Mean of min(floor(U * range), 250).
    const double cap = 250.0;
    const double expectedMean = rangeMs <= cap ? (rangeMs - 1) / 2 : (cap * cap / 2 + cap * (rangeMs - cap)) / rangeMs;
    QVERIFY2(std::abs(d.meanMs - expectedMean) < 0.02 * expectedMean + 0.5,
        qPrintable(QStringLiteral("%1 vs %2").arg(d.meanMs).arg(expectedMean)));
}

// ---------------------------------------------------------------------------------------------------
// Budgets and throttling

void tst_retry::envoyRetryBudgetTwentyPercentMinThree_data()
{
    QTest::addColumn<int>("activeRequests");
    QTest::addColumn<int>("activeRetries");
    QTest::addColumn<bool>("allowed");
    QTest::addRow("idle: min concurrency 3 allows a retry") << 0 << 0 << true;
    QTest::addRow("10 requests: 3rd retry allowed") << 10 << 2 << true;
    QTest::addRow("10 requests: 4th retry refused") << 10 << 3 << false;
    QTest::addRow("100 requests: 20th retry allowed") << 100 << 19 << true;
    QTest::addRow("100 requests: 21st retry refused") << 100 << 20 << false;
    QTest::addRow("24 requests: 20%% truncates to 4") << 24 << 4 << false;
    QTest::addRow("24 requests: 4th retry allowed") << 24 << 3 << true;
}

void tst_retry::envoyRetryBudgetTwentyPercentMinThree()
{
    QFETCH(int, activeRequests);
    QFETCH(int, activeRetries);
    QFETCH(bool, allowed);
    const RetryBudget budget;
    QCOMPARE(budget.budget_percent, 20.0);
    QCOMPARE(budget.min_retry_concurrency, 3);
    QCOMPARE(retryBudgetAllows(budget, activeRequests, activeRetries), allowed);
}

void tst_retry::grpcThrottlingStopsRetriesAtHalfTokens()
{
    RetryThrottle throttle(RetryThrottling { .max_tokens = 10.0, .token_ratio = 0.1 });
    QCOMPARE(throttle.tokens(), 10.0);
    QVERIFY(throttle.allowsRetry());
    for (int i = 0; i < 4; ++i)
        throttle.onFailure();
    QCOMPARE(throttle.tokens(), 6.0);
    QVERIFY(throttle.allowsRetry());
    throttle.onFailure();
    QCOMPARE(throttle.tokens(), 5.0);
    QVERIFY2(!throttle.allowsRetry(), "retries stop once tokens are no longer above max_tokens / 2");
    for (int i = 0; i < 20; ++i)
        throttle.onFailure();
    QCOMPARE(throttle.tokens(), 0.0);
}

void tst_retry::grpcThrottlingRecoversWithSuccesses()
{
    RetryThrottle throttle(RetryThrottling { .max_tokens = 10.0, .token_ratio = 0.1 });
    for (int i = 0; i < 10; ++i)
        throttle.onFailure();
    QCOMPARE(throttle.tokens(), 0.0);
    for (int i = 0; i < 50; ++i)
        throttle.onSuccess();
    QCOMPARE(throttle.tokens(), 5.0); // fifty tenths, exactly: no drift
    QVERIFY(!throttle.allowsRetry());
    throttle.onSuccess();
    QCOMPARE(throttle.tokens(), 5.1);
    QVERIFY(throttle.allowsRetry());
    for (int i = 0; i < 100; ++i)
        throttle.onSuccess();
    QCOMPARE(throttle.tokens(), 10.0);
}

void tst_retry::adaptiveThrottlingRejectsAtKTimesAccepts_data()
{
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("accepts");
    QTest::addColumn<double>("probability");
    QTest::addRow("100 requests, 10 accepts") << 100 << 10 << (100.0 - 20.0) / 101.0;
    QTest::addRow("healthy: requests = accepts") << 100 << 100 << 0.0;
    QTest::addRow("exactly K x accepts") << 100 << 50 << 0.0;
    QTest::addRow("nothing accepted") << 100 << 0 << 100.0 / 101.0;
    QTest::addRow("no traffic") << 0 << 0 << 0.0;
}

void tst_retry::adaptiveThrottlingRejectsAtKTimesAccepts()
{
    QFETCH(int, requests);
    QFETCH(int, accepts);
    QFETCH(double, probability);
    const AdaptiveThrottlingConfig config;
    QCOMPARE(config.k, 2.0);
    QCOMPARE(config.window_ms, 120000.0);
    AdaptiveThrottle throttle(config);
    for (int i = 0; i < requests; ++i)
        throttle.onRequest(i * kMs);
    for (int i = 0; i < accepts; ++i)
        throttle.onAccept(i * kMs);
    QCOMPARE(throttle.rejectProbability(1000 * kMs), probability);
}

void tst_retry::adaptiveThrottlingForgetsAfterWindow()
{
    AdaptiveThrottle throttle(AdaptiveThrottlingConfig {});
    const int64_t window = 120000 * kMs;
    for (int i = 0; i < 100; ++i)
        throttle.onRequest(0);
    QCOMPARE(throttle.rejectProbability(window - 1), 100.0 / 101.0);
    QCOMPARE(throttle.rejectProbability(window), 0.0);
    // Only the last two minutes count: 10 requests and 4 accepts, 1 minute later.
    for (int i = 0; i < 10; ++i)
        throttle.onRequest(window + i);
    for (int i = 0; i < 4; ++i)
        throttle.onAccept(window + i);
    QCOMPARE(throttle.rejectProbability(window + 60000 * kMs), 2.0 / 11.0);
    QCOMPARE(throttle.rejectProbability(2 * window + 20), 0.0);
}

// ---------------------------------------------------------------------------------------------------
// Amplification

void tst_retry::threeRetriesAtThreeLayersGive64Attempts_data()
{
    QTest::addColumn<int>("attemptsPerLayer");
    QTest::addColumn<int>("layers");
    QTest::addColumn<quint64>("attempts");
    QTest::addRow("3 retries (4 attempts) at 3 layers") << 4 << 3 << quint64(64);
    QTest::addRow("urllib3 default at 3 layers")
        << totalAttempts(defaultRetryConfig(RetryFlavor::Urllib3)) << 3 << quint64(64);
    QTest::addRow("Resilience4j default at 2 layers")
        << totalAttempts(defaultRetryConfig(RetryFlavor::Resilience4j)) << 2 << quint64(9);
    QTest::addRow("no retries") << 1 << 5 << quint64(1);
    QTest::addRow("no layers") << 4 << 0 << quint64(1);
    QTest::addRow("saturates") << 1000 << 10 << std::numeric_limits<quint64>::max();
}

void tst_retry::threeRetriesAtThreeLayersGive64Attempts()
{
    QFETCH(int, attemptsPerLayer);
    QFETCH(int, layers);
    QFETCH(quint64, attempts);
    QCOMPARE(worstCaseAttempts(attemptsPerLayer, layers), attempts);
}

QTEST_APPLESS_MAIN(tst_retry)

#include "tst_retry.moc"
