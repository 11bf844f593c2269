#include "scenario/policyloader.h"

#include "resilience/retry.h"

#include <array>
#include <limits>

namespace faultline {

namespace {

constexpr int64_t kIntMax = std::numeric_limits<int>::max();

constexpr std::array<std::string_view, 4> kRetryFlavors { "resilience4j", "urllib3", "grpc", "envoy" };
constexpr std::array<std::string_view, 3> kBreakerFlavors { "resilience4j", "consecutive", "hystrix" };

int intOr(std::optional<int64_t> value, int fallback)
{
    return value ? static_cast<int>(*value) : fallback;
}

/// Reports `value` when it is not an object, as checkObject() would, for objects whose keys are checked later.
bool isObject(JsonChecker& c, const Json& value, const std::string& at)
{
    if (value.is_object()) return true;
    c.error(at, "must be an object, but it is " + JsonChecker::describe(value));
    return false;
}

/// Where an alias and the `backoff` key it stands for are both given, the alias is the error.
void reportAliasConflict(JsonChecker& c, const Json& retry, const std::string& at, std::string_view alias,
    const Json* backoff, std::string_view backoffKey)
{
    if (retry.contains(std::string(alias)) && backoff && backoff->is_object() && backoff->contains(backoffKey))
        c.error(JsonChecker::child(at, alias),
            JsonChecker::quoted(alias) + " and 'backoff/" + std::string(backoffKey)
                + "' set the same thing; give only one of them");
}

class PolicyReader {
public:
    explicit PolicyReader(JsonChecker& checker)
        : c(checker)
    {
    }

    std::optional<RetryConfig> retry(const Json& value, const std::string& at);
    std::optional<CircuitBreakerConfig> circuitBreaker(const Json& value, const std::string& at);
    std::optional<BulkheadConfig> bulkhead(const Json& value, const std::string& at);
    std::optional<ConnectionLimitsConfig> limits(const Json& value, const std::string& at);
    std::optional<OutlierDetectionConfig> outlierDetection(const Json& value, const std::string& at);
    std::optional<HedgingConfig> hedging(const Json& value, const std::string& at);
    std::optional<AdaptiveThrottlingConfig> adaptiveThrottling(const Json& value, const std::string& at);

private:
    void backoff(const Json& value, const std::string& at, BackoffConfig& backoff);
    void retryOn(const Json& values, const std::string& at, RetryOn& retryOn);

    JsonChecker& c;
};

std::optional<RetryConfig> PolicyReader::retry(const Json& value, const std::string& at)
{
    if (!isObject(c, value, at)) return std::nullopt;
    const auto flavorIndex = c.choice(
        value, at, "flavor", false, { kRetryFlavors[0], kRetryFlavors[1], kRetryFlavors[2], kRetryFlavors[3] });
    const bool flavorKnown = flavorIndex || !value.contains("flavor");
    const auto flavor = static_cast<RetryFlavor>(flavorIndex.value_or(0));
    const std::string_view variant = flavorKnown ? kRetryFlavors[static_cast<size_t>(flavor)] : std::string_view();

    // Each library counts in its own way and under its own name; a count key of another library is
    // answered with the right one for this flavor.
    std::string countHint;
    switch (flavor) {
    case RetryFlavor::Resilience4j:
        countHint = "the resilience4j flavor counts attempts, the first call included, with 'max_attempts'";
        break;
    case RetryFlavor::Urllib3:
        countHint = "the urllib3 flavor counts retries after the first call with 'total'";
        break;
    case RetryFlavor::Grpc:
        countHint = "the grpc flavor counts attempts, the first call included, with 'max_attempts'";
        break;
    case RetryFlavor::Envoy:
        countHint = "the envoy flavor counts retries after the first call with 'num_retries'";
        break;
    }
    c.checkVariantObject(value, at,
        { "flavor", "backoff", "retry_on", "method", "per_try_timeout_ms", "budget", "throttling" },
        { { "max_attempts", { "resilience4j", "grpc" }, countHint }, { "total", { "urllib3" }, countHint },
            { "num_retries", { "envoy" }, countHint }, { "backoff_factor", { "urllib3" } },
            { "initial_backoff_ms", { "grpc" } }, { "max_backoff_ms", { "grpc" } },
            { "backoff_multiplier", { "grpc" } } },
        variant, "flavor");

    RetryConfig retry = defaultRetryConfig(flavor);
    switch (flavor) {
    case RetryFlavor::Resilience4j:
        retry.count = intOr(c.integer(value, at, "max_attempts", false, 1, kIntMax), retry.count);
        break;
    case RetryFlavor::Urllib3:
        retry.count = intOr(c.integer(value, at, "total", false, 0, kIntMax), retry.count);
        break;
    case RetryFlavor::Grpc:
        // gRPC A6 rejects maxAttempts below 2 and treats anything above 5 as 5.
        retry.count = intOr(c.integer(value, at, "max_attempts", false, 2, 100), retry.count);
        break;
    case RetryFlavor::Envoy:
        retry.count = intOr(c.integer(value, at, "num_retries", false, 0, kIntMax), retry.count);
        break;
    }

    const Json* backoffValue = c.field(value, at, "backoff", false);
    if (backoffValue) backoff(*backoffValue, JsonChecker::child(at, "backoff"), retry.backoff);
    if (flavor == RetryFlavor::Urllib3) {
        // urllib3 spells the backoff as backoff_factor, in seconds: sleep backoff_factor * 2^(n-1).
        if (auto factor = c.number(value, at, "backoff_factor", false, Bound { 0 }))
            retry.backoff.initial_ms = *factor * 1000.0;
        reportAliasConflict(c, value, at, "backoff_factor", backoffValue, "initial_ms");
    } else if (flavor == RetryFlavor::Grpc) {
        if (auto initial = c.number(value, at, "initial_backoff_ms", false, Bound { 0, true }))
            retry.backoff.initial_ms = *initial;
        if (auto max = c.number(value, at, "max_backoff_ms", false, Bound { 0, true })) retry.backoff.max_ms = *max;
        if (auto multiplier = c.number(value, at, "backoff_multiplier", false, Bound { 1 }))
            retry.backoff.multiplier = *multiplier;
        reportAliasConflict(c, value, at, "initial_backoff_ms", backoffValue, "initial_ms");
        reportAliasConflict(c, value, at, "max_backoff_ms", backoffValue, "max_ms");
        reportAliasConflict(c, value, at, "backoff_multiplier", backoffValue, "multiplier");
    }

    if (const Json* on = c.array(value, at, "retry_on", false))
        retryOn(*on, JsonChecker::child(at, "retry_on"), retry.retry_on);
    if (auto method
        = c.choice(value, at, "method", false, { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH" }))
        retry.method = value.at("method").get<std::string>();
    retry.per_try_timeout_ms
        = c.number(value, at, "per_try_timeout_ms", false, Bound { 0 }).value_or(retry.per_try_timeout_ms);

    if (const Json* budget = c.field(value, at, "budget", false)) {
        const std::string budgetAt = JsonChecker::child(at, "budget");
        if (c.checkObject(*budget, budgetAt, { "budget_percent", "min_retry_concurrency" })) {
            RetryBudget b;
            b.budget_percent = c.number(*budget, budgetAt, "budget_percent", false, Bound { 0 }, Bound { 100 })
                                   .value_or(b.budget_percent);
            b.min_retry_concurrency = intOr(
                c.integer(*budget, budgetAt, "min_retry_concurrency", false, 0, kIntMax), b.min_retry_concurrency);
            retry.budget = b;
        }
    }
    if (const Json* throttling = c.field(value, at, "throttling", false)) {
        const std::string throttlingAt = JsonChecker::child(at, "throttling");
        if (c.checkObject(*throttling, throttlingAt, { "max_tokens", "token_ratio" })) {
            RetryThrottling t;
            t.max_tokens = c.number(*throttling, throttlingAt, "max_tokens", false, Bound { 0, true }, Bound { 1000 })
                               .value_or(t.max_tokens);
            t.token_ratio
                = c.number(*throttling, throttlingAt, "token_ratio", false, Bound { 0, true }).value_or(t.token_ratio);
            retry.throttling = t;
        }
    }
    return retry;
}

void PolicyReader::backoff(const Json& value, const std::string& at, BackoffConfig& backoff)
{
    if (!c.checkObject(value, at, { "type", "initial_ms", "multiplier", "max_ms", "jitter", "randomization_factor" }))
        return;
    const auto type = c.choice(value, at, "type", false, { "fixed", "exponential" });
    if (type)
        backoff.kind = *type == 0 ? BackoffKind::Fixed : BackoffKind::Exponential;
    else if (!value.contains("type") && value.contains("multiplier"))
        backoff.kind = BackoffKind::Exponential; // a multiplier means nothing to a fixed wait
    backoff.initial_ms = c.number(value, at, "initial_ms", false, Bound { 0 }).value_or(backoff.initial_ms);
    backoff.multiplier = c.number(value, at, "multiplier", false, Bound { 1 }).value_or(backoff.multiplier);
    if (type && *type == 0 && value.contains("multiplier"))
        c.error(JsonChecker::child(at, "multiplier"), "only applies to exponential backoff, but 'type' is 'fixed'");
    backoff.max_ms = c.number(value, at, "max_ms", false, Bound { 0 }).value_or(backoff.max_ms);

    const auto jitter = c.choice(value, at, "jitter", false, { "none", "full", "proportional", "randomized" });
    if (jitter) {
        backoff.jitter = static_cast<Jitter>(*jitter);
        // A flavor whose own jitter is not randomized may carry a factor of 0; "randomized" alone means
        // Resilience4j's default factor.
        if (backoff.jitter == Jitter::Randomized) backoff.randomization_factor = BackoffConfig {}.randomization_factor;
    }
    const auto factor = c.number(value, at, "randomization_factor", false, Bound { 0 }, Bound { 1 });
    if (factor) backoff.randomization_factor = *factor;
    if (factor && backoff.jitter != Jitter::Randomized && (jitter || !value.contains("jitter")))
        c.error(JsonChecker::child(at, "randomization_factor"),
            "only applies with \"jitter\": \"randomized\" (Resilience4j's randomized wait)");
}

void PolicyReader::retryOn(const Json& values, const std::string& at, RetryOn& retryOn)
{
    std::array<bool, 4> set {};
    for (size_t i = 0; i < values.size(); ++i) {
        const std::string itemAt = JsonChecker::child(at, i);
        const auto index = c.oneOf(values[i], itemAt, { "timeout", "rejected", "error", "connect_failure" });
        if (!index) continue;
        if (set[*index])
            c.error(itemAt, JsonChecker::quoted(values[i].get<std::string>()) + " appears more than once in retry_on");
        set[*index] = true;
    }
    retryOn = RetryOn { set[0], set[1], set[2], set[3] };
}

std::optional<CircuitBreakerConfig> PolicyReader::circuitBreaker(const Json& value, const std::string& at)
{
    if (!isObject(c, value, at)) return std::nullopt;
    const auto flavorIndex
        = c.choice(value, at, "flavor", false, { kBreakerFlavors[0], kBreakerFlavors[1], kBreakerFlavors[2] });
    const bool flavorKnown = flavorIndex || !value.contains("flavor");
    CircuitBreakerConfig b;
    b.flavor = static_cast<BreakerFlavor>(flavorIndex.value_or(0));
    const std::string_view variant = flavorKnown ? kBreakerFlavors[static_cast<size_t>(b.flavor)] : std::string_view();
    const std::vector<std::string_view> r4j { "resilience4j" };
    const std::vector<std::string_view> consecutive { "consecutive" };
    const std::vector<std::string_view> hystrix { "hystrix" };
    c.checkVariantObject(value, at, { "flavor", "name", "record_timeouts", "record_rejections", "record_errors" },
        { { "failure_rate_threshold", r4j }, { "slow_call_rate_threshold", r4j },
            { "slow_call_duration_threshold_ms", r4j }, { "sliding_window_type", r4j }, { "sliding_window_size", r4j },
            { "minimum_number_of_calls", r4j }, { "wait_duration_in_open_state_ms", r4j },
            { "permitted_number_of_calls_in_half_open_state", r4j },
            { "automatic_transition_from_open_to_half_open", r4j }, { "max_wait_duration_in_half_open_state_ms", r4j },
            { "failure_threshold", consecutive }, { "recovery_timeout_ms", consecutive },
            { "request_volume_threshold", hystrix }, { "error_threshold_percentage", hystrix },
            { "sleep_window_ms", hystrix }, { "rolling_window_ms", hystrix } },
        variant, "flavor");

    b.name = c.name(value, at, "name", false).value_or(b.name);
    switch (b.flavor) {
    case BreakerFlavor::Resilience4j: {
        const Bound positive { 0, true };
        b.failure_rate_threshold = c.number(value, at, "failure_rate_threshold", false, positive, Bound { 100 })
                                       .value_or(b.failure_rate_threshold);
        b.slow_call_rate_threshold = c.number(value, at, "slow_call_rate_threshold", false, positive, Bound { 100 })
                                         .value_or(b.slow_call_rate_threshold);
        b.slow_call_duration_threshold_ms = c.number(value, at, "slow_call_duration_threshold_ms", false, positive)
                                                .value_or(b.slow_call_duration_threshold_ms);
        if (auto type = c.choice(value, at, "sliding_window_type", false, { "count_based", "time_based" }))
            b.sliding_window_type = *type == 0 ? SlidingWindowType::CountBased : SlidingWindowType::TimeBased;
        b.sliding_window_size
            = intOr(c.integer(value, at, "sliding_window_size", false, 1, kIntMax), b.sliding_window_size);
        b.minimum_number_of_calls
            = intOr(c.integer(value, at, "minimum_number_of_calls", false, 1, kIntMax), b.minimum_number_of_calls);
        b.wait_duration_in_open_state_ms = c.number(value, at, "wait_duration_in_open_state_ms", false, Bound { 0 })
                                               .value_or(b.wait_duration_in_open_state_ms);
        b.permitted_number_of_calls_in_half_open_state
            = intOr(c.integer(value, at, "permitted_number_of_calls_in_half_open_state", false, 1, kIntMax),
                b.permitted_number_of_calls_in_half_open_state);
        b.automatic_transition_from_open_to_half_open
            = c.boolean(value, at, "automatic_transition_from_open_to_half_open", false)
                  .value_or(b.automatic_transition_from_open_to_half_open);
        b.max_wait_duration_in_half_open_state_ms
            = c.number(value, at, "max_wait_duration_in_half_open_state_ms", false, Bound { 0 })
                  .value_or(b.max_wait_duration_in_half_open_state_ms);
        break;
    }
    case BreakerFlavor::ConsecutiveFailures:
        b.failure_threshold = intOr(c.integer(value, at, "failure_threshold", false, 1, kIntMax), b.failure_threshold);
        b.recovery_timeout_ms
            = c.number(value, at, "recovery_timeout_ms", false, Bound { 0 }).value_or(b.recovery_timeout_ms);
        break;
    case BreakerFlavor::Hystrix:
        b.request_volume_threshold
            = intOr(c.integer(value, at, "request_volume_threshold", false, 1, kIntMax), b.request_volume_threshold);
        b.error_threshold_percentage
            = c.number(value, at, "error_threshold_percentage", false, Bound { 0 }, Bound { 100 })
                  .value_or(b.error_threshold_percentage);
        b.sleep_window_ms = c.number(value, at, "sleep_window_ms", false, Bound { 0 }).value_or(b.sleep_window_ms);
        b.rolling_window_ms
            = c.number(value, at, "rolling_window_ms", false, Bound { 1000 }).value_or(b.rolling_window_ms);
        break;
    }
    b.record_timeouts = c.boolean(value, at, "record_timeouts", false).value_or(b.record_timeouts);
    b.record_rejections = c.boolean(value, at, "record_rejections", false).value_or(b.record_rejections);
    b.record_errors = c.boolean(value, at, "record_errors", false).value_or(b.record_errors);
    return b;
}

std::optional<BulkheadConfig> PolicyReader::bulkhead(const Json& value, const std::string& at)
{
    if (!c.checkObject(value, at, { "max_concurrent_calls", "max_wait_ms" })) return std::nullopt;
    BulkheadConfig b;
    b.max_concurrent_calls
        = intOr(c.integer(value, at, "max_concurrent_calls", false, 1, kIntMax), b.max_concurrent_calls);
    b.max_wait_ms = c.number(value, at, "max_wait_ms", false, Bound { 0 }).value_or(b.max_wait_ms);
    return b;
}

std::optional<ConnectionLimitsConfig> PolicyReader::limits(const Json& value, const std::string& at)
{
    if (!c.checkObject(value, at, { "max_connections", "max_pending_requests", "max_requests", "max_retries" }))
        return std::nullopt;
    ConnectionLimitsConfig l;
    l.max_connections = intOr(c.integer(value, at, "max_connections", false, 1, kIntMax), l.max_connections);
    l.max_pending_requests
        = intOr(c.integer(value, at, "max_pending_requests", false, 1, kIntMax), l.max_pending_requests);
    l.max_requests = intOr(c.integer(value, at, "max_requests", false, 1, kIntMax), l.max_requests);
    l.max_retries = intOr(c.integer(value, at, "max_retries", false, 0, kIntMax), l.max_retries);
    return l;
}

std::optional<OutlierDetectionConfig> PolicyReader::outlierDetection(const Json& value, const std::string& at)
{
    if (!c.checkObject(value, at,
            { "consecutive_5xx", "interval_ms", "base_ejection_time_ms", "max_ejection_time_ms",
                "max_ejection_percent" }))
        return std::nullopt;
    OutlierDetectionConfig o;
    o.consecutive_5xx = intOr(c.integer(value, at, "consecutive_5xx", false, 1, kIntMax), o.consecutive_5xx);
    o.interval_ms = c.number(value, at, "interval_ms", false, Bound { 0, true }).value_or(o.interval_ms);
    const auto base = c.number(value, at, "base_ejection_time_ms", false, Bound { 0, true });
    o.base_ejection_time_ms = base.value_or(o.base_ejection_time_ms);
    const bool baseValid = base || !value.contains("base_ejection_time_ms");
    const auto max = c.number(value, at, "max_ejection_time_ms", false, Bound { 0, true });
    if (max && baseValid && *max < o.base_ejection_time_ms)
        c.error(JsonChecker::child(at, "max_ejection_time_ms"),
            "must be at least base_ejection_time_ms (" + JsonChecker::formatNumber(o.base_ejection_time_ms)
                + (base ? "" : ", the default") + "), but it is " + JsonChecker::formatNumber(*max));
    o.max_ejection_time_ms = max.value_or(o.max_ejection_time_ms);
    o.max_ejection_percent = c.number(value, at, "max_ejection_percent", false, Bound { 0 }, Bound { 100 })
                                 .value_or(o.max_ejection_percent);
    return o;
}

std::optional<HedgingConfig> PolicyReader::hedging(const Json& value, const std::string& at)
{
    if (!c.checkObject(value, at, { "max_attempts", "hedging_delay_ms" })) return std::nullopt;
    HedgingConfig h;
    h.max_attempts = intOr(c.integer(value, at, "max_attempts", false, 2, 5), h.max_attempts);
    h.hedging_delay_ms = c.number(value, at, "hedging_delay_ms", false, Bound { 0 }).value_or(h.hedging_delay_ms);
    return h;
}

std::optional<AdaptiveThrottlingConfig> PolicyReader::adaptiveThrottling(const Json& value, const std::string& at)
{
    if (!c.checkObject(value, at, { "k", "window_ms" })) return std::nullopt;
    AdaptiveThrottlingConfig a;
    a.k = c.number(value, at, "k", false, Bound { 1 }).value_or(a.k);
    a.window_ms = c.number(value, at, "window_ms", false, Bound { 0, true }).value_or(a.window_ms);
    return a;
}

} // namespace

const std::vector<std::string_view>& callPolicyKeys()
{
    static const std::vector<std::string_view> keys { "retry", "circuit_breaker", "bulkhead", "limits",
        "outlier_detection", "hedging", "adaptive_throttling", "load_balancing", "propagate_deadline" };
    return keys;
}

void loadCallPolicies(JsonChecker& checker, const Json& step, const std::string& at, CallStep& call)
{
    PolicyReader read(checker);
    auto policy = [&](std::string_view key, auto reader) {
        const Json* value = checker.field(step, at, key, false);
        return value ? (read.*reader)(*value, JsonChecker::child(at, key)) : std::nullopt;
    };
    call.retry = policy("retry", &PolicyReader::retry);
    call.circuit_breaker = policy("circuit_breaker", &PolicyReader::circuitBreaker);
    call.bulkhead = policy("bulkhead", &PolicyReader::bulkhead);
    call.limits = policy("limits", &PolicyReader::limits);
    call.outlier_detection = policy("outlier_detection", &PolicyReader::outlierDetection);
    call.hedging = policy("hedging", &PolicyReader::hedging);
    call.adaptive_throttling = policy("adaptive_throttling", &PolicyReader::adaptiveThrottling);
    if (step.contains("retry") && step.contains("hedging"))
        checker.error(JsonChecker::child(at, "hedging"),
            "a call has either 'retry' or 'hedging', not both (gRPC: a method has either a retryPolicy or a "
            "hedgingPolicy)");
    if (auto balancing
        = checker.choice(step, at, "load_balancing", false, { "round_robin", "random", "least_request" }))
        call.load_balancing = static_cast<LoadBalancing>(*balancing);
    call.propagate_deadline = checker.boolean(step, at, "propagate_deadline", false).value_or(call.propagate_deadline);
}

} // namespace faultline
