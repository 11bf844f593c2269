#pragma once
// Retry rules of Resilience4j, urllib3, gRPC and Envoy (spec/resilience.md section 2), as pure functions
// and small trackers the simulator (and later the live agent) drives.

#include "resilience/circuitbreaker.h"
#include "resilience/policies.h"
#include "sim/random.h"

#include <cstdint>
#include <deque>
#include <string_view>

namespace faultline {

/// The defaults each library ships with: Resilience4j 3 attempts, 500 ms fixed wait; urllib3 total 3,
/// backoff_factor 0 (0.5 s in our exponential form only when set), backoff_max 120 s; gRPC has no
/// defaults for backoff (the scenario must give them) and retries nothing unless told; Envoy 1 retry,
/// 25 ms base, 250 ms cap, full jitter, retry_on 5xx; Istio 2 retries, 25 ms base.
RetryConfig defaultRetryConfig(RetryFlavor flavor);

/// Total attempts, first call included, by the flavor's counting rule.
int totalAttempts(const RetryConfig& config);

/// Whether an attempt that ended with `outcome` may be retried under this config (urllib3: only
/// idempotent methods; gRPC and Envoy: only what retry_on lists).
bool isRetryable(const RetryConfig& config, CallOutcome outcome);

/// urllib3's idempotent methods: HEAD GET PUT DELETE OPTIONS TRACE.
bool isIdempotentMethod(std::string_view method);

/// Wait before retry number `retry` (1 = the first retry), in nanoseconds, with the flavor's jitter.
/// urllib3 sleeps 0 before the first retry, then backoff_factor * 2^(n-1).
int64_t backoffDelayNs(const RetryConfig& config, int retry, Random& random);

/// Retry amplification (SRE book): with `attemptsPerLayer` attempts at each of `layers` nested layers the
/// bottom layer sees up to attemptsPerLayer^layers attempts per user action (4^3 = 64). Saturates.
uint64_t worstCaseAttempts(int attemptsPerLayer, int layers);

/// Envoy retry budget: a retry may start while active retries < max(min_retry_concurrency,
/// budget_percent % of active requests).
bool retryBudgetAllows(const RetryBudget& budget, int activeRequests, int activeRetries);

/// gRPC retry throttling: tokens start at max_tokens; a failed attempt takes 1, a success gives back
/// token_ratio; retries (and hedges) are allowed only while tokens > max_tokens / 2.
class RetryThrottle {
public:
    explicit RetryThrottle(RetryThrottling config);
    void onSuccess();
    void onFailure();
    bool allowsRetry() const;
    double tokens() const { return m_tokens; }

private:
    RetryThrottling m_config;
    double m_tokens;
};

/// SRE book ch. 21 client-side adaptive throttling over a sliding window: rejects a new request locally
/// with probability max(0, (requests - K * accepts) / (requests + 1)).
class AdaptiveThrottle {
public:
    explicit AdaptiveThrottle(AdaptiveThrottlingConfig config);
    double rejectProbability(int64_t now_ns);
    /// Records a request the client attempted (sent or rejected locally) at now_ns.
    void onRequest(int64_t now_ns);
    /// Records that the backend accepted (answered without overload) a request at now_ns.
    void onAccept(int64_t now_ns);

private:
    void expire(int64_t now_ns);
    AdaptiveThrottlingConfig m_config;
    std::deque<int64_t> m_requests;
    std::deque<int64_t> m_accepts;
};

} // namespace faultline
