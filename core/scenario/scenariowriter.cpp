#include "scenario/scenariowriter.h"

#include "scenario/jsonchecker.h"
#include "scenario/scenariojson.h"
#include "scenario/textfile.h"

#include <cmath>

namespace faultline {

namespace {

/// Whole numbers as JSON integers ("5", not "5.0"), everything else as the shortest round-tripping double.
Json number(double value)
{
    constexpr double kExact = 9007199254740992.0; // 2^53: every integer below is exact in a double
    if (std::isfinite(value) && value == std::floor(value) && std::abs(value) < kExact)
        return static_cast<int64_t>(value);
    return value;
}

Json distribution(const Distribution& d)
{
    switch (d.kind) {
    case Distribution::Kind::Constant:
        return number(d.value_ms); // the bare-number shorthand
    case Distribution::Kind::Exponential:
        return Json { { "dist", "exponential" }, { "mean", number(d.mean_ms) } };
    case Distribution::Kind::Uniform:
        return Json { { "dist", "uniform" }, { "min", number(d.min_ms) }, { "max", number(d.max_ms) } };
    case Distribution::Kind::Lognormal:
        return Json { { "dist", "lognormal" }, { "median", number(d.median_ms) }, { "p99", number(d.p99_ms) } };
    case Distribution::Kind::Empirical: {
        Json buckets = Json::array();
        for (const EmpiricalBucket& b : d.buckets)
            buckets.push_back(Json { { "upper_ms", number(b.upper_ms) }, { "weight", number(b.weight) } });
        return Json { { "dist", "empirical" }, { "min", number(d.min_ms) }, { "buckets", std::move(buckets) } };
    }
    }
    return number(d.value_ms);
}

const char* retryFlavor(RetryFlavor flavor)
{
    switch (flavor) {
    case RetryFlavor::Resilience4j:
        return "resilience4j";
    case RetryFlavor::Urllib3:
        return "urllib3";
    case RetryFlavor::Grpc:
        return "grpc";
    case RetryFlavor::Envoy:
        return "envoy";
    }
    return "resilience4j";
}

/// The key each flavor counts with (docs/scenario-format.md, Retry).
const char* retryCountKey(RetryFlavor flavor)
{
    switch (flavor) {
    case RetryFlavor::Urllib3:
        return "total";
    case RetryFlavor::Envoy:
        return "num_retries";
    case RetryFlavor::Resilience4j:
    case RetryFlavor::Grpc:
        return "max_attempts";
    }
    return "max_attempts";
}

const char* jitterName(Jitter jitter)
{
    switch (jitter) {
    case Jitter::None:
        return "none";
    case Jitter::Full:
        return "full";
    case Jitter::Proportional:
        return "proportional";
    case Jitter::Randomized:
        return "randomized";
    }
    return "none";
}

Json backoff(const BackoffConfig& b)
{
    Json out;
    const bool exponential = b.kind == BackoffKind::Exponential;
    out["type"] = exponential ? "exponential" : "fixed";
    out["initial_ms"] = number(b.initial_ms);
    if (exponential) out["multiplier"] = number(b.multiplier); // an error on a fixed backoff
    out["max_ms"] = number(b.max_ms);
    out["jitter"] = jitterName(b.jitter);
    if (b.jitter == Jitter::Randomized) out["randomization_factor"] = number(b.randomization_factor);
    return out;
}

Json retry(const RetryConfig& r)
{
    Json out;
    out["flavor"] = retryFlavor(r.flavor);
    out[retryCountKey(r.flavor)] = r.count;
    out["backoff"] = backoff(r.backoff);
    Json on = Json::array();
    if (r.retry_on.timeout) on.push_back("timeout");
    if (r.retry_on.rejected) on.push_back("rejected");
    if (r.retry_on.error) on.push_back("error");
    if (r.retry_on.connect_failure) on.push_back("connect_failure");
    out["retry_on"] = std::move(on);
    out["method"] = r.method;
    out["per_try_timeout_ms"] = number(r.per_try_timeout_ms);
    if (r.budget)
        out["budget"] = Json { { "budget_percent", number(r.budget->budget_percent) },
            { "min_retry_concurrency", r.budget->min_retry_concurrency } };
    if (r.throttling)
        out["throttling"] = Json { { "max_tokens", number(r.throttling->max_tokens) },
            { "token_ratio", number(r.throttling->token_ratio) } };
    return out;
}

Json circuitBreaker(const CircuitBreakerConfig& b)
{
    Json out;
    switch (b.flavor) {
    case BreakerFlavor::Resilience4j:
        out["flavor"] = "resilience4j";
        if (!b.name.empty()) out["name"] = b.name;
        out["failure_rate_threshold"] = number(b.failure_rate_threshold);
        out["slow_call_rate_threshold"] = number(b.slow_call_rate_threshold);
        out["slow_call_duration_threshold_ms"] = number(b.slow_call_duration_threshold_ms);
        out["sliding_window_type"]
            = b.sliding_window_type == SlidingWindowType::CountBased ? "count_based" : "time_based";
        out["sliding_window_size"] = b.sliding_window_size;
        out["minimum_number_of_calls"] = b.minimum_number_of_calls;
        out["wait_duration_in_open_state_ms"] = number(b.wait_duration_in_open_state_ms);
        out["permitted_number_of_calls_in_half_open_state"] = b.permitted_number_of_calls_in_half_open_state;
        out["automatic_transition_from_open_to_half_open"] = b.automatic_transition_from_open_to_half_open;
        out["max_wait_duration_in_half_open_state_ms"] = number(b.max_wait_duration_in_half_open_state_ms);
        break;
    case BreakerFlavor::ConsecutiveFailures:
        out["flavor"] = "consecutive";
        if (!b.name.empty()) out["name"] = b.name;
        out["failure_threshold"] = b.failure_threshold;
        out["recovery_timeout_ms"] = number(b.recovery_timeout_ms);
        break;
    case BreakerFlavor::Hystrix:
        out["flavor"] = "hystrix";
        if (!b.name.empty()) out["name"] = b.name;
        out["request_volume_threshold"] = b.request_volume_threshold;
        out["error_threshold_percentage"] = number(b.error_threshold_percentage);
        out["sleep_window_ms"] = number(b.sleep_window_ms);
        out["rolling_window_ms"] = number(b.rolling_window_ms);
        break;
    }
    out["record_timeouts"] = b.record_timeouts;
    out["record_rejections"] = b.record_rejections;
    out["record_errors"] = b.record_errors;
    return out;
}

const char* loadBalancing(LoadBalancing lb)
{
    switch (lb) {
    case LoadBalancing::RoundRobin:
        return "round_robin";
    case LoadBalancing::Random:
        return "random";
    case LoadBalancing::LeastRequest:
        return "least_request";
    }
    return "round_robin";
}

Json call(const CallStep& c)
{
    Json out;
    out["call"] = c.service;
    out["operation"] = c.operation;
    out["kind"] = c.kind == CallKind::Sync ? "sync" : "async";
    out["protocol"] = c.protocol;
    out["probability"] = number(c.probability);
    if (c.kind == CallKind::Async) return out; // timeouts, on_error and policies are sync-only keys
    out["timeout_ms"] = number(c.timeout_ms);
    out["on_error"] = c.continue_on_error ? "continue" : "fail";
    if (c.retry) out["retry"] = retry(*c.retry);
    if (c.circuit_breaker) out["circuit_breaker"] = circuitBreaker(*c.circuit_breaker);
    if (c.bulkhead)
        out["bulkhead"] = Json { { "max_concurrent_calls", c.bulkhead->max_concurrent_calls },
            { "max_wait_ms", number(c.bulkhead->max_wait_ms) } };
    if (c.limits)
        out["limits"] = Json { { "max_connections", c.limits->max_connections },
            { "max_pending_requests", c.limits->max_pending_requests }, { "max_requests", c.limits->max_requests },
            { "max_retries", c.limits->max_retries } };
    if (c.outlier_detection) {
        const OutlierDetectionConfig& o = *c.outlier_detection;
        out["outlier_detection"] = Json { { "consecutive_5xx", o.consecutive_5xx },
            { "interval_ms", number(o.interval_ms) }, { "base_ejection_time_ms", number(o.base_ejection_time_ms) },
            { "max_ejection_time_ms", number(o.max_ejection_time_ms) },
            { "max_ejection_percent", number(o.max_ejection_percent) } };
    }
    if (c.hedging)
        out["hedging"] = Json { { "max_attempts", c.hedging->max_attempts },
            { "hedging_delay_ms", number(c.hedging->hedging_delay_ms) } };
    if (c.adaptive_throttling)
        out["adaptive_throttling"] = Json { { "k", number(c.adaptive_throttling->k) },
            { "window_ms", number(c.adaptive_throttling->window_ms) } };
    out["load_balancing"] = loadBalancing(c.load_balancing);
    out["propagate_deadline"] = c.propagate_deadline;
    return out;
}

Json step(const Step& s)
{
    if (const auto* c = std::get_if<CallStep>(&s)) return call(*c);
    if (const auto* p = std::get_if<PublishStep>(&s))
        return Json { { "publish", p->queue }, { "message", p->message },
            { "poison_probability", number(p->poison_probability) }, { "probability", number(p->probability) } };
    Json group = Json::array();
    for (const Step& sub : std::get<ParallelStep>(s).steps)
        group.push_back(step(sub));
    return Json { { "parallel", std::move(group) } };
}

Json workload(const Workload& w)
{
    Json out;
    out["client"] = w.client;
    out["target"] = w.target;
    out["operation"] = w.operation;
    out["arrival"] = w.arrival == Arrival::Poisson ? "poisson" : "constant";
    Json schedule = Json::array();
    for (const RatePoint& p : w.schedule)
        schedule.push_back(
            Json { { "at_s", number(p.at_s) }, { "rate_rps", number(p.rate_rps) }, { "ramp_s", number(p.ramp_s) } });
    out["schedule"] = std::move(schedule);
    out["protocol"] = w.protocol;
    out["timeout_ms"] = number(w.timeout_ms);
    return out;
}

Json service(const Service& s)
{
    Json out;
    out["name"] = s.name;
    out["kind"] = s.kind == ServiceKind::Database ? "database"
        : s.kind == ServiceKind::External         ? "external"
                                                  : "service";
    out["instances"] = s.instances;
    out["concurrency"] = s.concurrency;
    out["queue_capacity"] = s.queue_capacity;
    Json operations = Json::array();
    for (const Operation& op : s.operations) {
        Json o;
        o["name"] = op.name;
        o["service_time_ms"] = distribution(op.service_time);
        o["error_probability"] = number(op.error_probability);
        if (!op.steps.empty()) { // left out when empty: a database operation may not have the key at all
            Json steps = Json::array();
            for (const Step& st : op.steps)
                steps.push_back(step(st));
            o["steps"] = std::move(steps);
        }
        operations.push_back(std::move(o));
    }
    out["operations"] = std::move(operations);
    return out;
}

const char* overflow(QueueOverflow o)
{
    switch (o) {
    case QueueOverflow::DropHead:
        return "drop-head";
    case QueueOverflow::RejectPublish:
        return "reject-publish";
    case QueueOverflow::RejectPublishDlx:
        return "reject-publish-dlx";
    }
    return "drop-head";
}

Json queue(const Queue& q)
{
    Json out;
    out["name"] = q.name;
    out["system"] = q.system;
    out["capacity"] = q.capacity;
    out["overflow"] = overflow(q.overflow);
    if (!q.dead_letter_queue.empty()) out["dead_letter_queue"] = q.dead_letter_queue;
    out["delivery_limit"] = q.delivery_limit;
    out["message_ttl_ms"] = number(q.message_ttl_ms);
    out["requeue_on_failure"] = q.requeue_on_failure;
    if (!q.consumers.empty()) { // only a dead-letter queue may have none, and then the key is left out
        Json consumers = Json::array();
        for (const Consumer& c : q.consumers)
            consumers.push_back(
                Json { { "service", c.service }, { "operation", c.operation }, { "prefetch", c.prefetch } });
        out["consumers"] = std::move(consumers);
    }
    return out;
}

Json fault(const ScheduledFault& scheduled)
{
    Json out;
    out["at_s"] = number(scheduled.at_s);
    const Json body = faultJson(scheduled.fault);
    for (auto it = body.begin(); it != body.end(); ++it)
        out[it.key()] = *it;
    return out;
}

} // namespace

Json faultJson(const Fault& f)
{
    Json out;
    out["duration_s"] = number(f.duration_s);
    out["type"] = std::string(toString(f.type));
    out["target"] = f.target;
    switch (f.type) {
    case FaultType::Delay:
        out["delay_ms"] = number(f.delay_ms);
        out["percentage"] = number(f.percentage);
        break;
    case FaultType::Abort:
        out["status"] = f.status;
        out["percentage"] = number(f.percentage);
        break;
    case FaultType::ErrorRate:
    case FaultType::PacketLoss:
        out["percentage"] = number(f.percentage);
        break;
    case FaultType::Slowdown:
        out["factor"] = number(f.factor);
        break;
    case FaultType::Crash:
    case FaultType::Pause:
        if (f.instance >= 0) out["instance"] = f.instance; // left out: every instance
        break;
    case FaultType::Partition:
        out["peer"] = f.peer;
        break;
    case FaultType::ConsumerPause:
    case FaultType::BrokerDown:
        break;
    case FaultType::BreakerOverride:
        out["breaker"] = f.peer;
        out["state"] = std::string(toString(f.verb));
        break;
    }
    return out;
}

Json scenarioJson(const Scenario& scenario)
{
    Json root;
    root["format"] = "faultline.scenario/1";
    root["name"] = scenario.name;
    root["description"] = scenario.description;
    root["seed"] = scenario.seed;
    root["duration_s"] = number(scenario.duration_s);
    root["workload"] = Json::array();
    for (const Workload& w : scenario.workload)
        root["workload"].push_back(workload(w));
    root["services"] = Json::array();
    for (const Service& s : scenario.services)
        root["services"].push_back(service(s));
    root["queues"] = Json::array();
    for (const Queue& q : scenario.queues)
        root["queues"].push_back(queue(q));
    root["faults"] = Json::array();
    for (const ScheduledFault& f : scenario.faults)
        root["faults"].push_back(fault(f));
    if (scenario.lesson) {
        const Lesson& l = *scenario.lesson;
        Json steps = Json::array();
        for (const LessonStep& s : l.steps) {
            Json step { { "text", s.text } };
            if (s.fault) step["fault"] = fault(*s.fault);
            steps.push_back(std::move(step));
        }
        root["lesson"] = Json { { "idea", l.idea }, { "explanation", l.explanation }, { "watch", l.watch },
            { "steps", std::move(steps) } };
    }
    return root;
}

std::string ScenarioWriter::toJson(const Scenario& scenario)
{
    const Json root = scenarioJson(scenario);
    // Replace, not throw, on text that is not UTF-8: names are checked on load, free text may not be.
    return root.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + '\n';
}

bool ScenarioWriter::toFile(const Scenario& scenario, const std::string& path, std::string* error)
{
    return writeTextFile(path, toJson(scenario), error);
}

} // namespace faultline
