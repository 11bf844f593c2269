// Sync calls under their resilience policies: a logical call is what the caller asked for; each of its
// attempts is one client span. Around each attempt: adaptive throttling, the breaker's permission, the
// bulkhead, Envoy's limits, load balancing with outlier ejection, and the faults on the way to the callee.
// After each attempt: the breaker and outlier detector record it, and the retry policy decides.

#include "sim/simulatorimpl.h"

#include <algorithm>

namespace faultline {

namespace {
constexpr KeyValue kTimeoutAttributes[] = { { "error.type", "timeout" } };
constexpr KeyValue kConnectAttributes[] = { { "error.type", "connect_failure" } };
constexpr KeyValue kOverloadedAttributes[] = { { "error.type", "overloaded" } };
constexpr KeyValue kAbortAttributes[] = { { "error.type", "fault_abort" } };
constexpr KeyValue kCancelledAttributes[] = { { "faultline.cancelled", "hedge" } };

/// gRPC configurations usually list UNAVAILABLE as non-fatal for hedging: overload and unreachable.
bool nonFatalForHedging(CallOutcome outcome)
{
    return outcome == CallOutcome::Rejected || outcome == CallOutcome::ConnectFailure;
}
} // namespace

void SimulatorImpl::issueAsyncCall(const CallSite& site, const TraceId& trace, SpanId parent)
{
    const SpanId producer = newSpanId();
    emit(site.client, trace, producer, parent, m_now, m_now, false);
    const uint32_t instance = chooseInstance(site);
    const ServiceModel& callee = m_services[site.service];
    const bool partitioned = site.caller != kNone
        && std::find(callee.faults.partitioned_from.begin(), callee.faults.partitioned_from.end(), site.caller)
            != callee.faults.partitioned_from.end();
    if (callee.instances[instance].crashed || partitioned) {
        ++m_stats.policies.connect_failures; // fire and forget: the message is simply lost
        return;
    }
    const uint32_t ri = allocRequest();
    Request& r = m_requests[ri];
    r.service = site.service;
    r.operation = site.operation;
    r.instance = instance;
    r.span_template = &site.server;
    r.trace = trace;
    r.span_id = newSpanId();
    r.parent_span_id = producer;
    r.arrival_ns = m_now;
    arrive(ri, false);
}

void SimulatorImpl::issueCall(
    const CallSite& site, uint32_t callerRequest, const TraceId& trace, SpanId parent, int64_t inheritedDeadline)
{
    const uint32_t li = allocLogical();
    LogicalCall& lc = m_logicals[li];
    lc.caller_request = callerRequest;
    lc.caller_generation = callerRequest == kNone ? 0 : m_requests[callerRequest].generation;
    lc.site = &site;
    lc.trace = trace;
    lc.parent_span_id = parent;
    lc.attempts = 0;
    lc.pending = true;
    lc.waiting_for_bulkhead = false;
    lc.waiting_for_connection = false;
    lc.hedge_count = 0;
    int64_t deadline = site.timeout_ns > 0 ? m_now + site.timeout_ns : kNoDeadline;
    if (site.propagate_deadline) deadline = std::min(deadline, inheritedDeadline);
    lc.deadline_ns = deadline;
    lc.propagated_deadline_ns = site.propagate_deadline ? deadline : kNoDeadline;
    startAttempt(li);
}

void SimulatorImpl::startAttempt(uint32_t li)
{
    // Anything below may complete calls and grow m_logicals: `lc` is re-read by index after such calls.
    LogicalCall& lc = m_logicals[li];
    const CallSite& site = *lc.site;
    SiteState& st = m_sites[site.state];
    const CallStep* step = site.step;
    const bool hedging = step && step->hedging;
    const bool isRetry = lc.attempts > 0 && !hedging;
    ++lc.attempts;
    ++m_stats.policies.attempts;
    if (isRetry) ++m_stats.policies.retries;
    if (hedging && lc.attempts > 1) ++m_stats.policies.hedges;

    if (st.adaptive) {
        const double p = st.adaptive->rejectProbability(m_now);
        st.adaptive->onRequest(m_now);
        if (m_random.bernoulli(p)) {
            ++m_stats.policies.throttled;
            failAttemptAtOnce(li, CallOutcome::Rejected);
            return;
        }
    }

    bool permit = false;
    if (site.breaker != kNone) {
        BreakerSlot& slot = m_breakers[site.breaker];
        const bool allowed = slot.breaker.tryAcquirePermission(m_now);
        noteBreakerState(site.breaker);
        if (!allowed) {
            // CallNotPermitted: the call is never made, so no client span exists for it.
            ++m_stats.policies.not_permitted;
            failAttemptAtOnce(li, CallOutcome::Rejected);
            return;
        }
        permit = true;
    }

    // A call that has to wait for a slot is counted as an attempt only when it really starts.
    auto undoAttempt = [&] {
        if (permit) m_breakers[site.breaker].breaker.releasePermission(m_now);
        --lc.attempts;
        --m_stats.policies.attempts;
        if (isRetry) --m_stats.policies.retries;
        if (hedging && lc.attempts > 0) --m_stats.policies.hedges;
    };
    if (step && step->bulkhead && st.active >= step->bulkhead->max_concurrent_calls) {
        if (step->bulkhead->max_wait_ms > 0.0) {
            undoAttempt();
            lc.waiting_for_bulkhead = true;
            st.bulkhead_waiting.push_back(li);
            m_events.push(
                later(m_now, msToNs(step->bulkhead->max_wait_ms)), EventType::BulkheadTimeout, li, lc.generation);
            return;
        }
        if (permit) m_breakers[site.breaker].breaker.releasePermission(m_now);
        ++m_stats.policies.bulkhead_rejected;
        failAttemptAtOnce(li, CallOutcome::Rejected);
        return;
    }

    // Envoy's cluster circuit breakers: over HTTP/1.1 each request in flight holds a connection, and one that
    // finds them all busy waits as pending; over HTTP/2 streams share a connection, bounded by max_requests.
    bool overflow = false;
    if (step && step->limits && st.active >= connectionCapacity(site)) {
        if (static_cast<int>(st.pending_requests.size()) < step->limits->max_pending_requests) {
            undoAttempt();
            lc.waiting_for_connection = true;
            st.pending_requests.push_back(li);
            if (lc.deadline_ns != kNoDeadline)
                m_events.push(lc.deadline_ns, EventType::BulkheadTimeout, li, lc.generation);
            return;
        }
        overflow = true; // fails fast with 503 (x-envoy-overloaded), below, as a span
    }

    const uint32_t instance = chooseInstance(site);
    const uint32_t ci = allocCall();
    Call& c = m_calls[ci];
    c.site = &site;
    c.logical = li;
    c.logical_generation = lc.generation;
    c.instance = instance;
    c.pending = true;
    c.retry = isRetry;
    c.holds_breaker_permit = permit;
    c.span_template = &site.client;
    c.trace = lc.trace;
    c.span_id = newSpanId();
    c.parent_span_id = lc.parent_span_id;
    c.start_ns = m_now;
    const uint32_t callGeneration = c.generation;
    ++st.active;
    if (isRetry) ++st.active_retries;
    if (hedging) {
        LogicalCall& l = m_logicals[li];
        l.hedges[l.hedge_count++] = ci;
        // The next copy goes out after the hedging delay unless an answer comes first.
        if (l.attempts < step->hedging->max_attempts)
            m_events.push(
                later(m_now, msToNs(step->hedging->hedging_delay_ms)), EventType::RetryAttempt, li, l.generation);
    }

    if (overflow) {
        ++m_stats.policies.limit_overflows;
        returnCall(ci, CallOutcome::Rejected);
        return;
    }

    int64_t attemptTimeout = site.timeout_ns;
    if (step && step->retry && step->retry->per_try_timeout_ms > 0.0)
        attemptTimeout = msToNs(step->retry->per_try_timeout_ms);
    int64_t attemptDeadline = attemptTimeout > 0 ? later(m_now, attemptTimeout) : kNoDeadline;
    attemptDeadline = std::min(attemptDeadline, m_logicals[li].deadline_ns);
    if (attemptDeadline != kNoDeadline)
        m_events.push(std::max(attemptDeadline, m_now), EventType::CallTimeout, ci, callGeneration);

    ServiceModel& callee = m_services[site.service];
    const ServiceFaults& faults = callee.faults;
    const bool partitioned = site.caller != kNone
        && std::find(faults.partitioned_from.begin(), faults.partitioned_from.end(), site.caller)
            != faults.partitioned_from.end();
    if (partitioned || callee.instances[instance].crashed) {
        ++m_stats.policies.connect_failures;
        returnCall(ci, CallOutcome::ConnectFailure);
        return;
    }
    for (const ServiceFaults::Chance& abort : faults.aborts) {
        if (m_random.bernoulli(abort.probability)) {
            ++m_stats.policies.aborted;
            // 503 and gRPC UNAVAILABLE (14) read as overload to retry policies; anything else as an error.
            returnCall(ci, abort.status == 503 || abort.status == 14 ? CallOutcome::Rejected : CallOutcome::Error,
                kAbortAttributes);
            return;
        }
    }
    if (faults.loss_probability > 0.0 && m_random.bernoulli(faults.loss_probability)) {
        ++m_stats.policies.lost; // nothing comes back: the caller waits for its timeout, or for ever
        return;
    }
    double delayMs = 0.0;
    for (const ServiceFaults::Chance& delay : faults.delays)
        if (m_random.bernoulli(delay.probability)) delayMs += delay.delay_ms;

    const uint32_t ri = allocRequest();
    Request& r = m_requests[ri];
    r.service = site.service;
    r.operation = site.operation;
    r.instance = instance;
    r.span_template = &site.server;
    r.trace = m_logicals[li].trace;
    r.span_id = newSpanId();
    r.parent_span_id = m_calls[ci].span_id;
    r.deadline_ns = m_logicals[li].propagated_deadline_ns;
    r.caller_call = ci;
    r.caller_generation = callGeneration;
    if (delayMs > 0.0) {
        const int64_t at = later(m_now, msToNs(delayMs));
        r.arrival_ns = at;
        m_events.push(at, EventType::DelayedArrival, ri, r.generation);
    } else {
        r.arrival_ns = m_now;
        arrive(ri, false);
    }
}

void SimulatorImpl::returnCall(uint32_t ci, CallOutcome outcome, std::span<const KeyValue> attributes)
{
    Call& c = m_calls[ci];
    c.pending = false;
    if (attributes.empty()) {
        switch (outcome) {
        case CallOutcome::Timeout:
            attributes = kTimeoutAttributes;
            break;
        case CallOutcome::ConnectFailure:
            attributes = kConnectAttributes;
            break;
        case CallOutcome::Rejected:
            attributes = kOverloadedAttributes;
            break;
        case CallOutcome::Error:
        case CallOutcome::Success:
            break;
        }
    }
    emit(*c.span_template, c.trace, c.span_id, c.parent_span_id, c.start_ns, m_now, outcome != CallOutcome::Success, {},
        attributes);
    const Call attempt = c;
    ++c.generation;
    m_freeCalls.push_back(ci);
    accountAttempt(attempt, m_now - attempt.start_ns, outcome, false);
    const LogicalCall& lc = m_logicals[attempt.logical];
    if (lc.generation == attempt.logical_generation && lc.pending) decideAfterAttempt(attempt.logical, ci, outcome);
}

void SimulatorImpl::cancelHedges(uint32_t li)
{
    LogicalCall& lc = m_logicals[li];
    const uint8_t count = lc.hedge_count;
    lc.hedge_count = 0;
    for (uint8_t k = 0; k < count; ++k) {
        const uint32_t ci = lc.hedges[k];
        Call& c = m_calls[ci];
        if (!c.pending || c.logical != li || c.logical_generation != lc.generation) continue;
        // Cancelled by the client: not an error of the callee, which may well work on (as in gRPC).
        c.pending = false;
        emit(
            *c.span_template, c.trace, c.span_id, c.parent_span_id, c.start_ns, m_now, false, {}, kCancelledAttributes);
        const Call attempt = c;
        ++c.generation;
        m_freeCalls.push_back(ci);
        ++m_stats.policies.hedges_cancelled;
        accountAttempt(attempt, m_now - attempt.start_ns, CallOutcome::Success, true);
    }
}

void SimulatorImpl::failAttemptAtOnce(uint32_t li, CallOutcome outcome)
{
    // Refused before anything was sent (breaker, bulkhead, local throttling): no attempt to record.
    decideAfterAttempt(li, kNone, outcome);
}

void SimulatorImpl::accountAttempt(const Call& attempt, int64_t duration, CallOutcome outcome, bool cancelled)
{
    const CallSite& site = *attempt.site;
    SiteState& st = m_sites[site.state];
    --st.active;
    if (attempt.retry) --st.active_retries;
    if (attempt.holds_breaker_permit) {
        if (cancelled)
            m_breakers[site.breaker].breaker.releasePermission(m_now);
        else
            m_breakers[site.breaker].breaker.onResult(m_now, duration, outcome);
        noteBreakerState(site.breaker);
    }
    if (!cancelled) {
        noteOutlier(site, attempt.instance, outcome);
        if (st.throttle) {
            if (outcome == CallOutcome::Success)
                st.throttle->onSuccess();
            else
                st.throttle->onFailure();
        }
        if (st.adaptive && outcome != CallOutcome::Rejected) st.adaptive->onAccept(m_now);
    }
    releaseSlots(site);
}

void SimulatorImpl::decideAfterAttempt(uint32_t li, uint32_t ci, CallOutcome outcome)
{
    const CallSite& site = *m_logicals[li].site;
    SiteState& st = m_sites[site.state];
    const CallStep* step = site.step;
    LogicalCall& lc = m_logicals[li];
    if (step && step->hedging) {
        for (uint8_t k = 0; k < lc.hedge_count; ++k) {
            if (lc.hedges[k] == ci) {
                lc.hedges[k] = lc.hedges[--lc.hedge_count];
                break;
            }
        }
        if (outcome == CallOutcome::Success) {
            cancelHedges(li); // the first answer wins
            finishLogical(li, false);
        } else if (nonFatalForHedging(outcome) && lc.attempts < step->hedging->max_attempts) {
            m_events.push(m_now, EventType::RetryAttempt, li, lc.generation); // the next copy at once
        } else if (nonFatalForHedging(outcome) && lc.hedge_count > 0) {
            // Wait for the copies still out.
        } else {
            cancelHedges(li); // a fatal status ends them all
            finishLogical(li, true);
        }
        return;
    }
    if (outcome == CallOutcome::Success) {
        finishLogical(li, false);
        return;
    }
    if (step && step->retry && lc.attempts < totalAttempts(*step->retry) && isRetryable(*step->retry, outcome)) {
        const int64_t delay = backoffDelayNs(*step->retry, lc.attempts, m_random);
        bool allowed = lc.deadline_ns == kNoDeadline || m_now + delay < lc.deadline_ns;
        if (allowed && st.throttle && !st.throttle->allowsRetry()) allowed = false;
        if (allowed && step->retry->budget && !retryBudgetAllows(*step->retry->budget, st.active, st.active_retries))
            allowed = false;
        if (allowed && step->limits && st.active_retries >= step->limits->max_retries) allowed = false;
        if (allowed) {
            m_events.push(m_now + delay, EventType::RetryAttempt, li, lc.generation);
            return;
        }
        ++m_stats.policies.retries_denied;
    }
    finishLogical(li, true);
}

void SimulatorImpl::finishLogical(uint32_t li, bool failed)
{
    LogicalCall& lc = m_logicals[li];
    lc.pending = false;
    const uint32_t caller = lc.caller_request;
    const uint32_t callerGeneration = lc.caller_generation;
    const bool countsAsFailure = failed && !lc.site->continue_on_error;
    ++lc.generation;
    m_freeLogicals.push_back(li);
    if (caller != kNone && m_requests[caller].generation == callerGeneration) stepCallReturned(caller, countsAsFailure);
}

int SimulatorImpl::connectionCapacity(const CallSite& site) const
{
    const ConnectionLimitsConfig& limits = *site.step->limits;
    return site.step->protocol == "http" ? std::min(limits.max_connections, limits.max_requests) : limits.max_requests;
}

void SimulatorImpl::releaseSlots(const CallSite& site)
{
    if (!site.step) return;
    SiteState& st = m_sites[site.state];
    if (site.step->limits) {
        while (!st.pending_requests.empty() && st.active < connectionCapacity(site)) {
            const uint32_t li = st.pending_requests.front();
            st.pending_requests.pop_front();
            LogicalCall& lc = m_logicals[li];
            if (!lc.pending || !lc.waiting_for_connection) continue;
            lc.waiting_for_connection = false;
            m_events.push(m_now, EventType::RetryAttempt, li, lc.generation);
            break;
        }
    }
    if (!site.step->bulkhead) return;
    while (!st.bulkhead_waiting.empty() && st.active < site.step->bulkhead->max_concurrent_calls) {
        const uint32_t li = st.bulkhead_waiting.front();
        st.bulkhead_waiting.pop_front();
        LogicalCall& lc = m_logicals[li];
        if (!lc.pending || !lc.waiting_for_bulkhead) continue;
        lc.waiting_for_bulkhead = false;
        // Started from the event loop, not from inside another call's completion. Should another call take
        // the slot first, the attempt finds the bulkhead full and waits again.
        m_events.push(m_now, EventType::RetryAttempt, li, lc.generation);
        break;
    }
}

uint32_t SimulatorImpl::chooseInstance(const CallSite& site)
{
    ServiceModel& callee = m_services[site.service];
    SiteState& st = m_sites[site.state];
    const uint32_t n = static_cast<uint32_t>(callee.instances.size());
    if (n == 1) return 0;
    auto healthy = [&](uint32_t i) {
        return !callee.instances[i].crashed && (i >= st.outliers.size() || st.outliers[i].ejected_until <= m_now);
    };
    const LoadBalancing policy = site.step ? site.step->load_balancing : LoadBalancing::RoundRobin;
    if (policy == LoadBalancing::RoundRobin) {
        uint32_t& next = m_roundRobin[site.balancer];
        for (uint32_t k = 0; k < n; ++k) {
            const uint32_t i = (next + k) % n;
            if (healthy(i)) {
                next = (i + 1) % n;
                return i;
            }
        }
        const uint32_t i = next % n;
        next = (i + 1) % n;
        return i;
    }
    // Random and least-request choose among healthy instances; with none healthy, among all.
    uint32_t healthyCount = 0;
    for (uint32_t i = 0; i < n; ++i)
        healthyCount += healthy(i) ? 1 : 0;
    const bool restrict = healthyCount > 0;
    const uint32_t pool = restrict ? healthyCount : n;
    auto nth = [&](uint32_t k) {
        for (uint32_t i = 0; i < n; ++i)
            if (!restrict || healthy(i)) {
                if (k == 0) return i;
                --k;
            }
        return 0u;
    };
    const uint32_t first = nth(m_random.below(pool));
    if (policy == LoadBalancing::Random || pool == 1) return first;
    // Least request with the power of two choices: the less loaded of two random instances.
    uint32_t second = nth(m_random.below(pool - 1));
    if (second >= first) second = nth(std::min(pool - 1, m_random.below(pool)));
    auto load
        = [&](uint32_t i) { return callee.instances[i].busy + static_cast<int>(callee.instances[i].waiting.size()); };
    return load(second) < load(first) ? second : first;
}

void SimulatorImpl::noteOutlier(const CallSite& site, uint32_t instance, CallOutcome outcome)
{
    if (!site.step || !site.step->outlier_detection) return;
    const OutlierDetectionConfig& config = *site.step->outlier_detection;
    SiteState& st = m_sites[site.state];
    const size_t n = m_services[site.service].instances.size();
    if (st.outliers.size() < n) st.outliers.resize(n);
    OutlierState& o = st.outliers[instance];
    // Local-origin failures (timeouts, resets, refused connections) count as 5xx, as in Envoy.
    if (outcome == CallOutcome::Success) {
        o.consecutive_failures = 0;
        return;
    }
    if (++o.consecutive_failures < config.consecutive_5xx || o.ejected_until > m_now) return;
    size_t ejected = 0;
    for (const OutlierState& other : st.outliers)
        ejected += other.ejected_until > m_now ? 1 : 0;
    const size_t allowed
        = std::max<size_t>(1, static_cast<size_t>(config.max_ejection_percent / 100.0 * static_cast<double>(n)));
    if (ejected >= allowed) return;
    ++o.ejections;
    const double ms = std::min(config.base_ejection_time_ms * o.ejections, config.max_ejection_time_ms);
    o.ejected_until = later(m_now, msToNs(ms));
    o.consecutive_failures = 0;
    ++m_stats.policies.ejections;
}

void SimulatorImpl::noteBreakerState(uint32_t b)
{
    BreakerSlot& slot = m_breakers[b];
    slot.breaker.state(m_now);
    const auto transitions = slot.breaker.takeTransitions();
    if (transitions.empty()) return;
    for (const BreakerTransition& t : transitions)
        m_breakerEvents.push_back({ t.time_ns, m_services[slot.service].service->name, slot.name, t.from, t.to });
    slot.last_state = transitions.back().to;
    emitBreakerMetrics(b);
    scheduleBreakerTimer(b);
}

void SimulatorImpl::scheduleBreakerTimer(uint32_t b)
{
    const int64_t at = m_breakers[b].breaker.nextTimedTransition();
    if (at >= m_now) m_events.push(at, EventType::BreakerTimer, b);
}

void SimulatorImpl::onBreakerTimer(uint32_t b)
{
    noteBreakerState(b);
}

} // namespace faultline
