#include "resilience/retry.h"

#include "resilience/duration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace faultline {

namespace {

/// Envoy: full jitter over [0, (2^N - 1) * base), drawn in whole milliseconds as Envoy's
/// `random() % backoff` does, then capped at max_interval (default 10 x base).
double envoyBackoffMs(const BackoffConfig& backoff, int retry, Random& random)
{
    const double base = std::max(0.0, backoff.initial_ms);
    const double cap = backoff.max_ms > 0.0 ? backoff.max_ms : 10.0 * base;
    const double range = (std::exp2(std::min(retry, 62)) - 1.0) * base;
    return std::min(std::floor(random.uniform() * range), cap);
}

/// The un-jittered wait before retry number `retry` (>= 1).
double baseBackoffMs(const BackoffConfig& backoff, int retry)
{
    if (backoff.kind == BackoffKind::Fixed) return backoff.initial_ms;
    const double delay = backoff.initial_ms * std::pow(backoff.multiplier, retry - 1);
    return backoff.max_ms > 0.0 ? std::min(delay, backoff.max_ms) : delay;
}

double applyJitter(const BackoffConfig& backoff, double delayMs, Random& random)
{
    switch (backoff.jitter) {
    case Jitter::None:
        return delayMs;
    case Jitter::Full:
        return random.uniform() * delayMs;
    case Jitter::Proportional: // grpc-core BackOff, jitter 0.2
        return delayMs * (0.8 + 0.4 * random.uniform());
    case Jitter::Randomized: {
        // Resilience4j IntervalFunction.randomize(): min + rand * (max - min + 1), in milliseconds, then
        // cast to long. The +1 and the truncation together make every whole millisecond of
        // [v(1-f), v(1+f)] equally likely.
        const double delta = backoff.randomization_factor * delayMs;
        return std::floor(delayMs - delta + random.uniform() * (2.0 * delta + 1.0));
    }
    }
    return delayMs;
}

} // namespace

RetryConfig defaultRetryConfig(RetryFlavor flavor)
{
    RetryConfig config;
    config.flavor = flavor;
    switch (flavor) {
    case RetryFlavor::Resilience4j:
        // maxAttempts 3, waitDuration 500 ms, every exception retried. The struct defaults are these.
        config.count = 3;
        config.backoff = BackoffConfig {};
        config.retry_on = RetryOn {};
        break;
    case RetryFlavor::Urllib3:
        // Retry.DEFAULT = Retry(3): total 3, backoff_factor 0 (so every sleep is 0 until a scenario sets
        // initial_ms = backoff_factor in ms), DEFAULT_BACKOFF_MAX 120 s. Connect and read errors are
        // retried; statuses only when listed in status_forcelist, which is empty by default. urllib3 also
        // retries 413/429/503 when the response carries Retry-After; the simulator's rejections carry
        // none, so `rejected` stays off unless a scenario turns it on.
        config.count = 3;
        config.backoff = BackoffConfig { .kind = BackoffKind::Exponential,
            .initial_ms = 0.0,
            .multiplier = 2.0,
            .max_ms = 120000.0,
            .jitter = Jitter::None,
            .randomization_factor = 0.0 };
        config.retry_on = RetryOn { .timeout = true, .rejected = false, .error = false, .connect_failure = true };
        break;
    case RetryFlavor::Grpc:
        // gRPC has no defaults: maxAttempts and the backoff are required in a retryPolicy, and nothing is
        // retried without retryableStatusCodes. The numbers are those of grpc's own retry example.
        config.count = 5;
        config.backoff = BackoffConfig { .kind = BackoffKind::Exponential,
            .initial_ms = 100.0,
            .multiplier = 2.0,
            .max_ms = 1000.0,
            .jitter = Jitter::Proportional,
            .randomization_factor = 0.2 };
        config.retry_on = RetryOn { .timeout = false, .rejected = false, .error = false, .connect_failure = false };
        break;
    case RetryFlavor::Envoy:
        // num_retries 1, base 25 ms, max 250 ms, retry_on 5xx (which includes connect-failure,
        // refused-stream and the per-try timeout). The Istio mesh default is this with 2 retries and
        // retry_on connect-failure,refused-stream,unavailable,cancelled,503: a scenario sets count = 2.
        config.count = 1;
        config.backoff = BackoffConfig { .kind = BackoffKind::Exponential,
            .initial_ms = 25.0,
            .multiplier = 2.0,
            .max_ms = 250.0,
            .jitter = Jitter::Full,
            .randomization_factor = 0.0 };
        config.retry_on = RetryOn {};
        break;
    }
    return config;
}

int totalAttempts(const RetryConfig& config)
{
    switch (config.flavor) {
    case RetryFlavor::Resilience4j:
        return std::max(1, config.count);
    case RetryFlavor::Urllib3:
    case RetryFlavor::Envoy:
        return std::max(0, config.count) + 1;
    case RetryFlavor::Grpc:
        return std::clamp(config.count, 2, 5);
    }
    return 1;
}

bool isIdempotentMethod(std::string_view method)
{
    static constexpr std::array<std::string_view, 6> idempotent { "HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE" };
    const auto sameIgnoringCase = [method](std::string_view m) {
        return std::equal(method.begin(), method.end(), m.begin(), m.end(),
            [](char a, char b) { return (a >= 'a' && a <= 'z' ? static_cast<char>(a - 'a' + 'A') : a) == b; });
    };
    return std::any_of(idempotent.begin(), idempotent.end(), sameIgnoringCase);
}

bool isRetryable(const RetryConfig& config, CallOutcome outcome)
{
    // urllib3 itself retries a connect error even for POST (the request never left); the spec keeps the
    // simpler rule that a non-idempotent method is never retried.
    if (config.flavor == RetryFlavor::Urllib3 && !isIdempotentMethod(config.method)) return false;
    switch (outcome) {
    case CallOutcome::Success:
        return false;
    case CallOutcome::Error:
        return config.retry_on.error;
    case CallOutcome::Timeout:
        return config.retry_on.timeout;
    case CallOutcome::Rejected:
        return config.retry_on.rejected;
    case CallOutcome::ConnectFailure:
        return config.retry_on.connect_failure;
    }
    return false;
}

int64_t backoffDelayNs(const RetryConfig& config, int retry, Random& random)
{
    if (retry < 1) return 0;
    const BackoffConfig& backoff = config.backoff;
    double delayMs = 0.0;
    switch (config.flavor) {
    case RetryFlavor::Envoy:
        delayMs = envoyBackoffMs(backoff, retry, random);
        break;
    case RetryFlavor::Urllib3:
        // Retry.get_backoff_time(): 0 while there is at most one error in the history, jitter included.
        if (retry == 1) return 0;
        delayMs = applyJitter(backoff, baseBackoffMs(backoff, retry), random);
        if (backoff.max_ms > 0.0) delayMs = std::min(delayMs, backoff.max_ms);
        break;
    case RetryFlavor::Resilience4j:
        // ofExponentialRandomBackoff caps again after randomizing.
        delayMs = applyJitter(backoff, baseBackoffMs(backoff, retry), random);
        if (backoff.max_ms > 0.0) delayMs = std::min(delayMs, backoff.max_ms);
        break;
    case RetryFlavor::Grpc:
        // grpc-core caps before the jitter, so a wait may exceed maxBackoff by 20 %.
        delayMs = applyJitter(backoff, baseBackoffMs(backoff, retry), random);
        break;
    }
    return policyMsToNs(delayMs);
}

uint64_t worstCaseAttempts(int attemptsPerLayer, int layers)
{
    if (layers <= 0) return 1;
    if (attemptsPerLayer <= 0) return 0;
    const auto base = static_cast<uint64_t>(attemptsPerLayer);
    uint64_t attempts = 1;
    for (int i = 0; i < layers; ++i) {
        if (attempts > std::numeric_limits<uint64_t>::max() / base) return std::numeric_limits<uint64_t>::max();
        attempts *= base;
    }
    return attempts;
}

bool retryBudgetAllows(const RetryBudget& budget, int activeRequests, int activeRetries)
{
    // Envoy's RetryBudgetImpl::max() converts the share to an integer (truncating) before comparing.
    const auto share = static_cast<int64_t>(budget.budget_percent / 100.0 * std::max(0, activeRequests));
    const int64_t maxRetries = std::max<int64_t>(share, budget.min_retry_concurrency);
    return activeRetries < maxRetries;
}

// ---------------------------------------------------------------------------------------------------

namespace {
// grpc-core keeps tokens in thousandths; rounding to them keeps repeated token_ratio additions exact.
double toMilliTokens(double tokens)
{
    return std::round(tokens * 1000.0) / 1000.0;
}
} // namespace

RetryThrottle::RetryThrottle(RetryThrottling config)
    : m_config(config)
    , m_tokens(toMilliTokens(config.max_tokens))
{
}

void RetryThrottle::onSuccess()
{
    m_tokens = std::min(toMilliTokens(m_config.max_tokens), toMilliTokens(m_tokens + m_config.token_ratio));
}

void RetryThrottle::onFailure()
{
    m_tokens = std::max(0.0, toMilliTokens(m_tokens - 1.0));
}

bool RetryThrottle::allowsRetry() const
{
    return m_tokens > toMilliTokens(m_config.max_tokens) / 2.0;
}

// ---------------------------------------------------------------------------------------------------

AdaptiveThrottle::AdaptiveThrottle(AdaptiveThrottlingConfig config)
    : m_config(config)
{
}

double AdaptiveThrottle::rejectProbability(int64_t now_ns)
{
    expire(now_ns);
    const auto requests = static_cast<double>(m_requests.size());
    const auto accepts = static_cast<double>(m_accepts.size());
    return std::max(0.0, (requests - m_config.k * accepts) / (requests + 1.0));
}

void AdaptiveThrottle::onRequest(int64_t now_ns)
{
    expire(now_ns);
    m_requests.push_back(now_ns);
}

void AdaptiveThrottle::onAccept(int64_t now_ns)
{
    expire(now_ns);
    m_accepts.push_back(now_ns);
}

void AdaptiveThrottle::expire(int64_t now_ns)
{
    // Only the last window_ms count: an entry exactly window_ms old has left the window.
    const int64_t oldest = now_ns - policyMsToNs(m_config.window_ms);
    while (!m_requests.empty() && m_requests.front() <= oldest)
        m_requests.pop_front();
    while (!m_accepts.empty() && m_accepts.front() <= oldest)
        m_accepts.pop_front();
}

} // namespace faultline
