// The three breaker flavors of spec/resilience.md section 1 as one state machine driven by the caller's
// clock. Each rule follows the library it is named after:
//   Resilience4j 2.x   CircuitBreakerStateMachine (ClosedState, OpenState, HalfOpenState, ...)
//   Python circuitbreaker  CircuitBreaker.__call_succeeded / __call_failed / state
//   Hystrix 1.5        HystrixCircuitBreakerImpl (attemptExecution, markSuccess, markNonSuccess)

#include "resilience/circuitbreaker.h"

#include "resilience/duration.h"
#include "resilience/slidingwindow.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace faultline {

namespace {

double percent(int part, int total)
{
    return total > 0 ? 100.0 * part / total : -1.0;
}

} // namespace

class CircuitBreakerImpl {
public:
    explicit CircuitBreakerImpl(CircuitBreakerConfig c);

    bool tryAcquirePermission(int64_t now);
    void onResult(int64_t now, int64_t duration, CallOutcome outcome);
    void releasePermission(int64_t now);
    BreakerState state(int64_t now);
    int64_t nextTimedTransition() const;
    void transitionManually(int64_t now, BreakerState to);
    BreakerMetrics metrics(int64_t now);

    CircuitBreakerConfig config;
    std::vector<BreakerTransition> transitions;

private:
    bool isFailure(CallOutcome outcome) const;
    void applyTimedTransitions(int64_t now);
    void enter(BreakerState to, int64_t at);
    SlidingWindow freshWindow() const;
    int freshMinimum() const;
    bool acquireInHalfOpen();
    void onResilience4jResult(int64_t now, bool failed, bool slow);
    void onConsecutiveResult(int64_t now, bool failed);
    void onHystrixResult(int64_t now, bool failed);
    bool r4jThresholdsExceeded(const WindowCounts& c) const;
    bool hystrixShouldTrip(const WindowCounts& c) const;
    static int hystrixErrorPercentage(const WindowCounts& c);
    void reject() { ++not_permitted_; }

    // Durations of the configuration, in nanoseconds.
    int64_t wait_ns_ = 0;
    int64_t max_half_open_ns_ = 0;
    int64_t slow_ns_ = 0;
    int64_t recovery_ns_ = 0;
    int64_t sleep_ns_ = 0;

    BreakerState state_ = BreakerState::Closed;
    SlidingWindow window_;
    int minimum_ = 1; ///< effective minimum number of calls of the current window
    int64_t opened_at_ = 0;
    int64_t half_open_at_ = 0;
    int half_open_permits_ = 0; ///< Resilience4j: permits left in HALF_OPEN
    bool probe_in_flight_ = false; ///< Hystrix: the single HALF_OPEN probe is out
    int consecutive_failures_ = 0; ///< Python circuitbreaker's failure_count

    uint64_t not_permitted_ = 0;
    uint64_t successful_ = 0;
    uint64_t failed_ = 0;
};

CircuitBreakerImpl::CircuitBreakerImpl(CircuitBreakerConfig c)
    : config(std::move(c))
    , wait_ns_(policyMsToNs(config.wait_duration_in_open_state_ms))
    , max_half_open_ns_(policyMsToNs(config.max_wait_duration_in_half_open_state_ms))
    , slow_ns_(policyMsToNs(config.slow_call_duration_threshold_ms))
    , recovery_ns_(policyMsToNs(config.recovery_timeout_ms))
    , sleep_ns_(policyMsToNs(config.sleep_window_ms))
    , window_(SlidingWindow::countBased(1))
{
    // The libraries reject these below 1; clamping keeps a bad scenario from dividing by zero.
    config.sliding_window_size = std::max(1, config.sliding_window_size);
    config.minimum_number_of_calls = std::max(1, config.minimum_number_of_calls);
    config.permitted_number_of_calls_in_half_open_state
        = std::max(1, config.permitted_number_of_calls_in_half_open_state);
    config.failure_threshold = std::max(1, config.failure_threshold);
    config.request_volume_threshold = std::max(1, config.request_volume_threshold);
    window_ = freshWindow();
    minimum_ = freshMinimum();
}

bool CircuitBreakerImpl::isFailure(CallOutcome outcome) const
{
    // An outcome of a kind that is not recorded counts as a success. That is Resilience4j's rule for an
    // exception outside recordExceptions (ignoreExceptions is not modelled) and the Python package's rule
    // for an exception that is not an expected_exception (__exit__ calls __call_succeeded); Hystrix is
    // given the same rule for simplicity.
    switch (outcome) {
    case CallOutcome::Success:
        return false;
    case CallOutcome::Error:
    case CallOutcome::ConnectFailure: // an unreachable callee counts like an error status
        return config.record_errors;
    case CallOutcome::Timeout:
        return config.record_timeouts;
    case CallOutcome::Rejected:
        return config.record_rejections;
    }
    return false;
}

SlidingWindow CircuitBreakerImpl::freshWindow() const
{
    switch (config.flavor) {
    case BreakerFlavor::Resilience4j:
        return config.sliding_window_type == SlidingWindowType::TimeBased
            ? SlidingWindow::timeBased(config.sliding_window_size)
            : SlidingWindow::countBased(config.sliding_window_size);
    case BreakerFlavor::Hystrix:
        return SlidingWindow::timeBased(static_cast<int>(std::ceil(std::max(config.rolling_window_ms, 1.0) / 1000.0)));
    case BreakerFlavor::ConsecutiveFailures:
        break;
    }
    return SlidingWindow::countBased(1);
}

int CircuitBreakerImpl::freshMinimum() const
{
    if (config.flavor == BreakerFlavor::Hystrix) return config.request_volume_threshold;
    if (config.sliding_window_type == SlidingWindowType::TimeBased) return config.minimum_number_of_calls;
    return std::min(config.minimum_number_of_calls, config.sliding_window_size);
}

void CircuitBreakerImpl::enter(BreakerState to, int64_t at)
{
    const BreakerState from = state_;
    state_ = to;
    if (from != to) transitions.push_back({ at, from, to });
    switch (to) {
    case BreakerState::Open:
        // Resilience4j's OpenState keeps the metrics of the state it came from, so the window that
        // tripped stays visible (and late results still land in it).
        opened_at_ = at;
        break;
    case BreakerState::HalfOpen:
        half_open_at_ = at;
        probe_in_flight_ = false;
        if (config.flavor == BreakerFlavor::Resilience4j) {
            const int permitted = config.permitted_number_of_calls_in_half_open_state;
            window_ = SlidingWindow::countBased(permitted);
            minimum_ = std::min(config.minimum_number_of_calls, permitted);
            half_open_permits_ = permitted;
        }
        break;
    case BreakerState::Closed:
    case BreakerState::Disabled:
    case BreakerState::ForcedOpen:
    case BreakerState::MetricsOnly:
        window_ = freshWindow();
        minimum_ = freshMinimum();
        consecutive_failures_ = 0;
        break;
    }
}

void CircuitBreakerImpl::applyTimedTransitions(int64_t now)
{
    if (config.flavor == BreakerFlavor::ConsecutiveFailures) {
        // The Python package computes HALF_OPEN from the clock when asked; it becomes true at the end of
        // the timeout, so that is the time the transition is logged with.
        if (state_ == BreakerState::Open && now >= opened_at_ + recovery_ns_)
            enter(BreakerState::HalfOpen, opened_at_ + recovery_ns_);
        return;
    }
    if (config.flavor != BreakerFlavor::Resilience4j) return;
    const bool automatic = config.automatic_transition_from_open_to_half_open;
    for (;;) {
        if (state_ == BreakerState::Open && automatic) {
            // With both timers on and the caller far behind, skip whole open/half-open cycles rather than
            // loop through each; nothing but the same two transitions can happen in them, so they go
            // unlogged.
            if (max_half_open_ns_ > 0) {
                const int64_t cycle = wait_ns_ + max_half_open_ns_;
                const int64_t cycles = (now - opened_at_) / cycle;
                if (cycles > 2) opened_at_ += (cycles - 2) * cycle;
            }
            if (now < opened_at_ + wait_ns_) return;
            enter(BreakerState::HalfOpen, opened_at_ + wait_ns_);
        } else if (state_ == BreakerState::HalfOpen && max_half_open_ns_ > 0
            && now >= half_open_at_ + max_half_open_ns_) {
            enter(BreakerState::Open, half_open_at_ + max_half_open_ns_);
        } else {
            return;
        }
    }
}

int64_t CircuitBreakerImpl::nextTimedTransition() const
{
    if (config.flavor != BreakerFlavor::Resilience4j)
        return -1; // the Python package's recovery is lazy; Hystrix waits for a call
    if (state_ == BreakerState::Open && config.automatic_transition_from_open_to_half_open)
        return opened_at_ + wait_ns_;
    if (state_ == BreakerState::HalfOpen && max_half_open_ns_ > 0) return half_open_at_ + max_half_open_ns_;
    return -1;
}

BreakerState CircuitBreakerImpl::state(int64_t now)
{
    applyTimedTransitions(now);
    return state_;
}

bool CircuitBreakerImpl::acquireInHalfOpen()
{
    switch (config.flavor) {
    case BreakerFlavor::Resilience4j:
        if (half_open_permits_ > 0) {
            --half_open_permits_;
            return true;
        }
        break;
    case BreakerFlavor::Hystrix:
        if (!probe_in_flight_) {
            probe_in_flight_ = true;
            return true;
        }
        break;
    case BreakerFlavor::ConsecutiveFailures:
        return true; // the Python package rejects only while OPEN
    }
    reject();
    return false;
}

bool CircuitBreakerImpl::tryAcquirePermission(int64_t now)
{
    applyTimedTransitions(now);
    switch (state_) {
    case BreakerState::Closed:
    case BreakerState::Disabled:
    case BreakerState::MetricsOnly:
        return true;
    case BreakerState::ForcedOpen:
        reject();
        return false;
    case BreakerState::HalfOpen:
        return acquireInHalfOpen();
    case BreakerState::Open:
        break;
    }
    // Both Resilience4j (Instant.isAfter) and Hystrix (currentTime > openTime + sleepWindow) let the first
    // call strictly after the wait through. The consecutive flavor's recovery was applied above.
    const int64_t wait = config.flavor == BreakerFlavor::Hystrix ? sleep_ns_ : wait_ns_;
    if (config.flavor != BreakerFlavor::ConsecutiveFailures && now > opened_at_ + wait) {
        enter(BreakerState::HalfOpen, now);
        return acquireInHalfOpen();
    }
    reject();
    return false;
}

void CircuitBreakerImpl::releasePermission(int64_t now)
{
    applyTimedTransitions(now);
    if (state_ != BreakerState::HalfOpen) return;
    if (config.flavor == BreakerFlavor::Resilience4j)
        half_open_permits_ = std::min(half_open_permits_ + 1, config.permitted_number_of_calls_in_half_open_state);
    else if (config.flavor == BreakerFlavor::Hystrix)
        probe_in_flight_ = false;
}

void CircuitBreakerImpl::onResult(int64_t now, int64_t duration, CallOutcome outcome)
{
    applyTimedTransitions(now);
    // Resilience4j's DisabledState and ForcedOpenState drop results (and publish no call events).
    if (state_ == BreakerState::Disabled || state_ == BreakerState::ForcedOpen) return;
    const bool failed = isFailure(outcome);
    if (failed)
        ++failed_;
    else
        ++successful_;
    switch (config.flavor) {
    case BreakerFlavor::Resilience4j:
        onResilience4jResult(now, failed, duration > slow_ns_);
        break;
    case BreakerFlavor::ConsecutiveFailures:
        onConsecutiveResult(now, failed);
        break;
    case BreakerFlavor::Hystrix:
        onHystrixResult(now, failed);
        break;
    }
}

bool CircuitBreakerImpl::r4jThresholdsExceeded(const WindowCounts& c) const
{
    if (c.total < minimum_) return false;
    return percent(c.failed, c.total) >= config.failure_rate_threshold
        || percent(c.slow, c.total) >= config.slow_call_rate_threshold;
}

void CircuitBreakerImpl::onResilience4jResult(int64_t now, bool failed, bool slow)
{
    window_.record(now, failed, slow);
    const WindowCounts c = window_.counts(now);
    if (state_ == BreakerState::Closed) {
        if (r4jThresholdsExceeded(c)) enter(BreakerState::Open, now);
    } else if (state_ == BreakerState::HalfOpen && c.total >= minimum_) {
        enter(r4jThresholdsExceeded(c) ? BreakerState::Open : BreakerState::Closed, now);
    }
    // OPEN (a call that started before the trip) and METRICS_ONLY only record.
}

void CircuitBreakerImpl::onConsecutiveResult(int64_t now, bool failed)
{
    // The Python package sets the state on every result, whatever the state was: a success closes even a
    // breaker that is still OPEN (a call that started before the trip), and a failure at or over the
    // threshold restarts the recovery timeout.
    if (!failed) {
        consecutive_failures_ = 0;
        if (state_ != BreakerState::MetricsOnly) enter(BreakerState::Closed, now);
        return;
    }
    ++consecutive_failures_;
    if (state_ != BreakerState::MetricsOnly && consecutive_failures_ >= config.failure_threshold)
        enter(BreakerState::Open, now);
}

int CircuitBreakerImpl::hystrixErrorPercentage(const WindowCounts& c)
{
    // HealthCounts truncates: (int) ((double) errorCount / totalCount * 100).
    return c.total > 0 ? static_cast<int>(static_cast<double>(c.failed) / c.total * 100.0) : 0;
}

bool CircuitBreakerImpl::hystrixShouldTrip(const WindowCounts& c) const
{
    return c.total >= config.request_volume_threshold && hystrixErrorPercentage(c) >= config.error_threshold_percentage;
}

void CircuitBreakerImpl::onHystrixResult(int64_t now, bool failed)
{
    window_.record(now, failed, false);
    if (state_ == BreakerState::Closed) {
        if (hystrixShouldTrip(window_.counts(now))) enter(BreakerState::Open, now);
    } else if (state_ == BreakerState::HalfOpen) {
        // markSuccess closes and resets the rolling stream; markNonSuccess re-opens with a new sleep window.
        enter(failed ? BreakerState::Open : BreakerState::Closed, now);
    }
}

void CircuitBreakerImpl::transitionManually(int64_t now, BreakerState to)
{
    applyTimedTransitions(now);
    enter(to, now);
}

BreakerMetrics CircuitBreakerImpl::metrics(int64_t now)
{
    applyTimedTransitions(now);
    BreakerMetrics m;
    m.state = state_;
    m.not_permitted_calls = not_permitted_;
    m.successful_calls = successful_;
    m.failed_calls_total = failed_;
    if (config.flavor == BreakerFlavor::ConsecutiveFailures) {
        // No window and no rate: the count of consecutive failures is all the package keeps.
        m.buffered_calls = consecutive_failures_;
        m.failed_calls = consecutive_failures_;
        return m;
    }
    const WindowCounts c = window_.counts(now);
    m.buffered_calls = c.total;
    m.failed_calls = c.failed;
    m.slow_calls = c.slow;
    if (c.total >= minimum_) {
        if (config.flavor == BreakerFlavor::Hystrix) {
            m.failure_rate = hystrixErrorPercentage(c);
        } else {
            m.failure_rate = percent(c.failed, c.total);
            m.slow_call_rate = percent(c.slow, c.total);
        }
    }
    return m;
}

// ---------------------------------------------------------------------------------------------------

CircuitBreaker::CircuitBreaker(CircuitBreakerConfig config)
    : d(std::make_unique<CircuitBreakerImpl>(std::move(config)))
{
}

CircuitBreaker::~CircuitBreaker() = default;
CircuitBreaker::CircuitBreaker(CircuitBreaker&&) noexcept = default;
CircuitBreaker& CircuitBreaker::operator=(CircuitBreaker&&) noexcept = default;

bool CircuitBreaker::tryAcquirePermission(int64_t now_ns)
{
    return d->tryAcquirePermission(now_ns);
}

void CircuitBreaker::onResult(int64_t now_ns, int64_t duration_ns, CallOutcome outcome)
{
    d->onResult(now_ns, duration_ns, outcome);
}

void CircuitBreaker::releasePermission(int64_t now_ns)
{
    d->releasePermission(now_ns);
}

BreakerState CircuitBreaker::state(int64_t now_ns)
{
    return d->state(now_ns);
}

int64_t CircuitBreaker::nextTimedTransition() const
{
    return d->nextTimedTransition();
}

void CircuitBreaker::forceOpen(int64_t now_ns)
{
    d->transitionManually(now_ns, BreakerState::ForcedOpen);
}

void CircuitBreaker::close(int64_t now_ns)
{
    d->transitionManually(now_ns, BreakerState::Closed);
}

void CircuitBreaker::disable(int64_t now_ns)
{
    d->transitionManually(now_ns, BreakerState::Disabled);
}

void CircuitBreaker::metricsOnly(int64_t now_ns)
{
    d->transitionManually(now_ns, BreakerState::MetricsOnly);
}

void CircuitBreaker::reset(int64_t now_ns)
{
    d->transitionManually(now_ns, BreakerState::Closed);
}

BreakerMetrics CircuitBreaker::metrics(int64_t now_ns)
{
    return d->metrics(now_ns);
}

const CircuitBreakerConfig& CircuitBreaker::config() const
{
    return d->config;
}

std::vector<BreakerTransition> CircuitBreaker::takeTransitions()
{
    return std::exchange(d->transitions, {});
}

} // namespace faultline
