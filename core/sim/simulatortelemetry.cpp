// The simulator's model of the scenario, with every span's constant fields filled in once, and the
// emission of spans and metrics as an instrumented fleet would send them.

#include "sim/simulatorimpl.h"

#include <variant>

namespace faultline {

namespace {

std::string_view nodeKindOf(ServiceKind kind)
{
    switch (kind) {
    case ServiceKind::External:
        return "external";
    case ServiceKind::Database:
        return "database";
    case ServiceKind::Service:
        break;
    }
    return {};
}

uint32_t serviceIndex(const Scenario& scenario, const std::string& name)
{
    for (uint32_t i = 0; i < scenario.services.size(); ++i)
        if (scenario.services[i].name == name) return i;
    return kNone;
}

uint32_t operationIndex(const Service& service, const std::string& name)
{
    for (uint32_t i = 0; i < service.operations.size(); ++i)
        if (service.operations[i].name == name) return i;
    return kNone;
}

/// Sets the protocol attributes an instrumentation library would put on both sides of a call.
void setProtocol(Span& span, std::string_view protocol, bool sync, const Service& callee)
{
    if (callee.kind == ServiceKind::Database) {
        span.db_system = protocol;
        span.db_name = callee.name;
    } else if (!sync) {
        span.messaging_system = protocol;
    } else if (protocol == "http") {
        span.http_method = "POST";
    } else {
        span.rpc_system = protocol;
    }
}

CallSite makeCallSite(const Scenario& scenario, std::string_view caller, std::string_view callerKind,
    const std::string& calleeName, const std::string& operation, bool sync, std::string_view protocol,
    double timeout_ms, bool continueOnError)
{
    CallSite site;
    site.service = serviceIndex(scenario, calleeName);
    const Service& callee = scenario.services[site.service];
    site.operation = operationIndex(callee, operation);
    site.sync = sync;
    site.continue_on_error = continueOnError;
    site.timeout_ns = msToNs(timeout_ms);

    const std::string_view opName = callee.operations[site.operation].name;
    site.client.kind = sync ? SpanKind::Client : SpanKind::Producer;
    site.client.service = caller;
    site.client.node_kind = callerKind;
    site.client.name = opName;
    site.client.peer_service = callee.name;
    setProtocol(site.client, protocol, sync, callee);

    site.server.kind = sync ? SpanKind::Server : SpanKind::Consumer;
    site.server.service = callee.name;
    site.server.node_kind = nodeKindOf(callee.kind);
    site.server.name = opName;
    if (callee.kind != ServiceKind::Database) setProtocol(site.server, protocol, sync, callee);
    return site;
}

} // namespace

void SimulatorImpl::buildModel()
{
    const Scenario& scenario = *m_scenario;
    m_services.resize(scenario.services.size());
    m_instanceIds.resize(scenario.services.size());
    for (uint32_t si = 0; si < scenario.services.size(); ++si) {
        const Service& s = scenario.services[si];
        ServiceModel& model = m_services[si];
        model.service = &s;
        model.emits_server_spans = s.kind != ServiceKind::Database;
        model.node_kind = nodeKindOf(s.kind);
        model.instances.resize(static_cast<size_t>(s.instances));
        model.stats.name = s.name;
        for (int i = 0; i < s.instances; ++i) {
            m_strings->push_back(s.name + "-" + std::to_string(i));
            m_instanceIds[si].push_back(m_strings->back());
        }
    }

    for (uint32_t si = 0; si < scenario.services.size(); ++si) {
        const Service& s = scenario.services[si];
        for (const Operation& op : s.operations) {
            OperationModel model { Sampler(op.service_time), op.error_probability, {} };
            for (const Step& step : op.steps) {
                StepGroup group;
                auto add = [&](const Step& st, auto&& self) -> void {
                    if (const auto* call = std::get_if<CallStep>(&st)) {
                        CallSite site = makeCallSite(scenario, s.name, m_services[si].node_kind, call->service,
                            call->operation, call->kind == CallKind::Sync, call->protocol, call->timeout_ms,
                            call->continue_on_error);
                        site.probability = call->probability;
                        attachPolicies(site, si, *call);
                        group.calls.push_back(std::move(site));
                    } else if (const auto* pub = std::get_if<PublishStep>(&st)) {
                        PublishSite site;
                        site.poison_probability = pub->poison_probability;
                        site.probability = pub->probability;
                        for (uint32_t qi = 0; qi < scenario.queues.size(); ++qi)
                            if (scenario.queues[qi].name == pub->queue) site.queue = qi;
                        const Queue& q = scenario.queues[site.queue];
                        site.producer.kind = SpanKind::Producer;
                        site.producer.service = s.name;
                        site.producer.node_kind = m_services[si].node_kind;
                        site.producer.name = pub->message.empty() ? std::string_view(q.name) : pub->message;
                        site.producer.messaging_system = q.system;
                        site.producer.messaging_destination = q.name;
                        group.publishes.push_back(site);
                    } else if (const auto* par = std::get_if<ParallelStep>(&st)) {
                        for (const Step& inner : par->steps)
                            self(inner, self);
                    }
                };
                add(step, add);
                model.steps.push_back(std::move(group));
            }
            m_services[si].operations.push_back(std::move(model));
        }
    }

    for (const Workload& w : scenario.workload) {
        WorkloadModel model { &w, RateSchedule(w.schedule),
            makeCallSite(scenario, w.client, "user", w.target, w.operation, true, w.protocol, w.timeout_ms, false) };
        model.site.state = static_cast<uint32_t>(m_sites.size());
        model.site.balancer = balancerFor(kNone, model.site.service);
        m_sites.emplace_back();
        m_workloads.push_back(std::move(model));
    }

    m_queues.resize(scenario.queues.size());
    for (uint32_t qi = 0; qi < scenario.queues.size(); ++qi) {
        const Queue& q = scenario.queues[qi];
        QueueModel& model = m_queues[qi];
        model.queue = &q;
        model.stats.name = q.name;
        for (uint32_t other = 0; other < scenario.queues.size(); ++other)
            if (!q.dead_letter_queue.empty() && scenario.queues[other].name == q.dead_letter_queue)
                model.dead_letter = other;
        if (model.dead_letter != kNone) {
            Span& p = model.dead_letter_producer;
            p.kind = SpanKind::Producer;
            p.service = q.name;
            p.node_kind = "queue";
            p.name = "dead-letter";
            p.messaging_system = q.system;
            p.messaging_destination = q.dead_letter_queue;
        }
        // A rabbitmq queue's consumers compete for one stream; each kafka consumer group reads them all.
        const bool groups = q.system == "kafka";
        model.subscriptions.resize(groups ? q.consumers.size() : 1);
        for (size_t c = 0; c < q.consumers.size(); ++c) {
            const Consumer& consumer = q.consumers[c];
            Subscription& sub = model.subscriptions[groups ? c : 0];
            const uint32_t si = serviceIndex(scenario, consumer.service);
            const Service& s = scenario.services[si];
            for (int i = 0; i < s.instances; ++i) {
                ConsumerEndpoint endpoint;
                endpoint.service = si;
                endpoint.operation = operationIndex(s, consumer.operation);
                endpoint.instance = static_cast<uint32_t>(i);
                endpoint.prefetch = consumer.prefetch;
                endpoint.consumer.kind = SpanKind::Consumer;
                endpoint.consumer.service = s.name;
                endpoint.consumer.node_kind = m_services[si].node_kind;
                endpoint.consumer.name = s.operations[endpoint.operation].name;
                endpoint.consumer.messaging_system = q.system;
                endpoint.consumer.messaging_destination = q.name;
                sub.endpoints.push_back(endpoint);
            }
        }
    }
    m_batch.spans.reserve(kBatchSize);
}

uint32_t SimulatorImpl::balancerFor(uint32_t caller, uint32_t callee)
{
    const auto [it, added] = m_balancerOf.try_emplace({ caller, callee }, static_cast<uint32_t>(m_roundRobin.size()));
    if (added) m_roundRobin.push_back(0);
    return it->second;
}

void SimulatorImpl::attachPolicies(CallSite& site, uint32_t caller, const CallStep& step)
{
    site.caller = caller;
    site.step = &step;
    site.propagate_deadline = step.propagate_deadline;
    site.state = static_cast<uint32_t>(m_sites.size());
    site.balancer = balancerFor(caller, site.service);
    SiteState& state = m_sites.emplace_back();
    if (step.retry && step.retry->throttling) state.throttle = std::make_unique<RetryThrottle>(*step.retry->throttling);
    if (step.adaptive_throttling) state.adaptive = std::make_unique<AdaptiveThrottle>(*step.adaptive_throttling);
    if (!step.circuit_breaker) return;
    // One breaker per calling service and breaker name, shared by the service's instances and call sites.
    const std::string name = step.circuit_breaker->name.empty() ? step.service : step.circuit_breaker->name;
    for (uint32_t b = 0; b < m_breakers.size(); ++b) {
        if (m_breakers[b].service == caller && m_breakers[b].name == name) {
            site.breaker = b;
            return;
        }
    }
    site.breaker = static_cast<uint32_t>(m_breakers.size());
    m_breakers.push_back(
        BreakerSlot { caller, site.service, name, CircuitBreaker(*step.circuit_breaker), BreakerState::Closed });
}

void SimulatorImpl::appendBreakerMetrics(uint32_t b, std::vector<MetricPoint>& points)
{
    BreakerSlot& slot = m_breakers[b];
    const BreakerMetrics metrics = slot.breaker.metrics(m_now);
    const std::string& service = m_services[slot.service].service->name;
    auto point = [&](const char* name, std::vector<std::pair<std::string, std::string>> attributes, double value,
                     MetricType type) {
        MetricPoint p;
        p.name = name;
        p.service = service;
        p.attributes = std::move(attributes);
        p.type = type;
        p.value = value;
        p.time_ns = m_now;
        points.push_back(std::move(p));
    };
    // Resilience4j's Micrometer names: one state series per state, 1 for the current one. The target
    // attribute is Faultline's own, so a breaker with a custom name still lands on its edge.
    const std::string& target = m_services[slot.callee].service->name;
    for (BreakerState state : { BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen,
             BreakerState::Disabled, BreakerState::ForcedOpen, BreakerState::MetricsOnly })
        point("resilience4j.circuitbreaker.state",
            { { "name", slot.name }, { "state", std::string(toString(state)) },
                { "faultline.breaker.target", target } },
            state == metrics.state ? 1.0 : 0.0, MetricType::Gauge);
    point(
        "resilience4j.circuitbreaker.failure.rate", { { "name", slot.name } }, metrics.failure_rate, MetricType::Gauge);
    point("resilience4j.circuitbreaker.slow.call.rate", { { "name", slot.name } }, metrics.slow_call_rate,
        MetricType::Gauge);
    point("resilience4j.circuitbreaker.not.permitted.calls", { { "name", slot.name } },
        static_cast<double>(metrics.not_permitted_calls), MetricType::CumulativeSum);
}

void SimulatorImpl::emitBreakerMetrics(uint32_t b)
{
    if (!m_sink) return;
    flush(); // keep spans and metrics in time order
    std::vector<MetricPoint> points;
    appendBreakerMetrics(b, points);
    m_sink->onMetrics(std::move(points));
}

void SimulatorImpl::flush()
{
    if (!m_sink || m_batch.spans.empty()) return;
    m_batch.keepalive.push_back(m_scenario);
    m_batch.keepalive.push_back(m_strings);
    m_sink->onSpans(std::move(m_batch));
    m_batch = SpanBatch {};
    m_batch.spans.reserve(kBatchSize);
}

void SimulatorImpl::emitMetrics()
{
    if (!m_sink) return;
    flush(); // keep spans and metrics in time order
    std::vector<MetricPoint> points;
    auto gauge = [&](std::string name, std::string_view service, std::vector<std::pair<std::string, std::string>> attrs,
                     double value, MetricType type = MetricType::Gauge) {
        MetricPoint p;
        p.name = std::move(name);
        p.service = service;
        p.attributes = std::move(attrs);
        p.type = type;
        p.value = value;
        p.time_ns = m_now;
        points.push_back(std::move(p));
    };
    for (const ServiceModel& s : m_services) {
        if (!s.emits_server_spans) continue;
        gauge("faultline.service.instances", s.service->name, {}, static_cast<double>(s.instances.size()));
        gauge("faultline.service.in_flight", s.service->name, {}, static_cast<double>(s.stats.in_system));
    }
    for (uint32_t b = 0; b < m_breakers.size(); ++b)
        appendBreakerMetrics(b, points);
    for (const QueueModel& q : m_queues) {
        const std::string& name = q.queue->name;
        int64_t ready = 0;
        int64_t unacked = 0;
        for (const Subscription& sub : q.subscriptions) {
            ready += static_cast<int64_t>(sub.ready.size());
            unacked += sub.unacked;
        }
        if (q.queue->system != "kafka") {
            gauge("rabbitmq_queue_messages_ready", q.queue->system, { { "queue", name } }, static_cast<double>(ready));
            gauge("rabbitmq_queue_messages_unacked", q.queue->system, { { "queue", name } },
                static_cast<double>(unacked));
        }
        gauge("faultline.queue.dead_lettered", q.queue->system, { { "queue", name } },
            static_cast<double>(q.stats.dead_lettered), MetricType::CumulativeSum);
        gauge("faultline.queue.dropped", q.queue->system, { { "queue", name } }, static_cast<double>(q.stats.dropped),
            MetricType::CumulativeSum);
        if (q.queue->system == "kafka") {
            for (size_t c = 0; c < q.subscriptions.size() && c < q.queue->consumers.size(); ++c) {
                const Subscription& sub = q.subscriptions[c];
                gauge("kafka_consumergroup_lag", q.queue->system,
                    { { "topic", name }, { "consumergroup", q.queue->consumers[c].service } },
                    static_cast<double>(static_cast<int64_t>(sub.ready.size()) + sub.unacked));
            }
        }
    }
    m_sink->onMetrics(std::move(points));
}

} // namespace faultline
