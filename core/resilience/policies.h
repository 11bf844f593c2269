#pragma once
// Configuration of the resilience policies a call can carry (shared/spec/resilience.md). Defaults are the
// libraries' own, so a scenario that names a flavor and nothing else behaves like that library out of
// the box. Durations are in milliseconds, rates in percent, as the libraries spell them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace faultline {

// ---------------------------------------------------------------------------------------------------
// Circuit breakers (spec section 1)

enum class BreakerFlavor {
    Resilience4j, ///< default: sliding window of failure and slow-call rates
    ConsecutiveFailures, ///< the Python `circuitbreaker` package
    Hystrix, ///< Netflix Hystrix: rolling 10 s window, volume threshold, one probe
};

enum class SlidingWindowType { CountBased, TimeBased };

struct CircuitBreakerConfig {
    BreakerFlavor flavor = BreakerFlavor::Resilience4j;
    std::string name; ///< as reported in metrics; empty = the callee's service name

    // Resilience4j 2.x
    double failure_rate_threshold = 50.0;
    double slow_call_rate_threshold = 100.0;
    double slow_call_duration_threshold_ms = 60000.0;
    SlidingWindowType sliding_window_type = SlidingWindowType::CountBased;
    int sliding_window_size = 100; ///< calls, or seconds when time based
    int minimum_number_of_calls = 100;
    double wait_duration_in_open_state_ms = 60000.0;
    int permitted_number_of_calls_in_half_open_state = 10;
    bool automatic_transition_from_open_to_half_open = false;
    double max_wait_duration_in_half_open_state_ms = 0.0; ///< 0 = stay half-open until decided

    // Python `circuitbreaker`
    int failure_threshold = 5;
    double recovery_timeout_ms = 30000.0;

    // Hystrix
    int request_volume_threshold = 20;
    double error_threshold_percentage = 50.0;
    double sleep_window_ms = 5000.0;
    double rolling_window_ms = 10000.0;

    // Which outcomes count as failures (Resilience4j's recordExceptions, simplified to the kinds the
    // simulator produces). A call rejected by the breaker itself is never recorded.
    bool record_timeouts = true;
    bool record_rejections = true; ///< 503-like: a full queue, a bulkhead or a limit turned the call away
    bool record_errors = true; ///< error status from the callee
};

// ---------------------------------------------------------------------------------------------------
// Retries (spec section 2)

enum class RetryFlavor {
    Resilience4j, ///< default; max_attempts counts the first call
    Urllib3, ///< `total` retries after the first call; idempotent methods only
    Grpc, ///< retryPolicy: maxAttempts 2..5 including the first; only listed status codes
    Envoy, ///< router retry policy: num_retries after the first; per retry_on
};

enum class BackoffKind {
    Fixed, ///< always initial_ms
    Exponential, ///< initial * multiplier^(k-1), capped at max_ms
};

enum class Jitter {
    None,
    Full, ///< uniform in [0, delay) (Envoy, AWS "full jitter")
    Proportional, ///< gRPC: delay * U(0.8, 1.2)
    Randomized, ///< Resilience4j: v(1 - f) + U(0,1) * (2fv + 1), f = randomization_factor, in whole ms
};

struct BackoffConfig {
    BackoffKind kind = BackoffKind::Fixed;
    double initial_ms = 500.0;
    double multiplier = 1.5;
    double max_ms = 0.0; ///< 0 = no cap
    Jitter jitter = Jitter::None;
    double randomization_factor = 0.5;
};

/// Outcome classes a retry can be allowed on.
struct RetryOn {
    bool timeout = true; ///< the per-try timeout expired (gRPC DEADLINE_EXCEEDED on the attempt)
    bool rejected = true; ///< 503 / UNAVAILABLE: full queue, overload, breaker open downstream
    bool error = true; ///< 5xx / INTERNAL from the callee
    bool connect_failure = true; ///< the callee could not be reached (crashed, partitioned)
};

struct RetryBudget {
    double budget_percent = 20.0; ///< retries in flight at most this share of active requests (Envoy)
    int min_retry_concurrency = 3;
};

struct RetryThrottling {
    double max_tokens = 10.0; ///< gRPC retryThrottling.maxTokens
    double token_ratio = 0.1;
};

struct RetryConfig {
    RetryFlavor flavor = RetryFlavor::Resilience4j;
    /// The flavor's own setting, counted its own way: Resilience4j maxAttempts (includes the first call),
    /// urllib3 total (retries after the first), gRPC maxAttempts (includes the first, clamped to 2..5),
    /// Envoy num_retries (after the first). totalAttempts() turns it into attempts.
    int count = 3;
    BackoffConfig backoff;
    RetryOn retry_on;
    std::string method = "GET"; ///< HTTP method of the call; urllib3 retries only idempotent methods
    double per_try_timeout_ms = 0.0; ///< 0 = the call's timeout_ms bounds each attempt
    std::optional<RetryBudget> budget;
    std::optional<RetryThrottling> throttling;
};

/// SRE book ch. 21: reject locally with probability max(0, (requests - K * accepts) / (requests + 1)).
struct AdaptiveThrottlingConfig {
    double k = 2.0;
    double window_ms = 120000.0;
};

// ---------------------------------------------------------------------------------------------------
// Bulkheads, connection limits, outlier detection, load balancing, hedging (sections 4-7)

struct BulkheadConfig {
    int max_concurrent_calls = 25; ///< Resilience4j semaphore bulkhead
    double max_wait_ms = 0.0; ///< 0 = reject at once when full
};

/// Envoy cluster circuit breakers: overflow fails fast (503, x-envoy-overloaded).
struct ConnectionLimitsConfig {
    int max_connections = 1024;
    int max_pending_requests = 1024;
    int max_requests = 1024;
    int max_retries = 3;
};

struct OutlierDetectionConfig {
    int consecutive_5xx = 5;
    double interval_ms = 10000.0;
    double base_ejection_time_ms = 30000.0;
    double max_ejection_time_ms = 300000.0;
    double max_ejection_percent = 10.0;
};

enum class LoadBalancing { RoundRobin, Random, LeastRequest };

struct HedgingConfig {
    int max_attempts = 2; ///< 2..5
    double hedging_delay_ms = 0.0;
};

} // namespace faultline
