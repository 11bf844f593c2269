#include "sim/simulator.h"
#include "sim/simulatorimpl.h"

#include <cmath>

namespace faultline {

namespace {
constexpr KeyValue kRejectedAttributes[] = { { "error.type", "rejected" } };
constexpr KeyValue kTimeoutAttributes[] = { { "error.type", "timeout" } };
constexpr int64_t kNsPerSecond = 1'000'000'000;
} // namespace

Simulator::Simulator(std::shared_ptr<const Scenario> scenario, uint64_t seed, TelemetrySink* sink)
    : d(std::make_unique<SimulatorImpl>(std::move(scenario), seed, sink))
{
}

Simulator::~Simulator() = default;

int64_t Simulator::now() const
{
    return d->m_now;
}

bool Simulator::runUntil(int64_t until_ns, uint64_t max_events)
{
    return d->runUntil(until_ns, max_events);
}

const Scenario& Simulator::scenario() const
{
    return *d->m_scenario;
}

SimulationStats Simulator::stats() const
{
    SimulationStats stats = d->m_stats;
    stats.services.clear();
    for (const auto& s : d->m_services) {
        ServiceRunStats copy = s.stats;
        copy.in_system_area
            += static_cast<double>(copy.in_system) * static_cast<double>(d->m_now - s.last_change_ns) / 1e9;
        stats.services.push_back(std::move(copy));
    }
    stats.queues.clear();
    for (const auto& q : d->m_queues)
        stats.queues.push_back(q.stats);
    return stats;
}

SimulatorImpl::SimulatorImpl(std::shared_ptr<const Scenario> scenario, uint64_t seed, TelemetrySink* sink)
    : m_scenario(std::move(scenario))
    , m_sink(sink)
    , m_random(seed)
    , m_seed(seed)
    , m_strings(std::make_shared<std::deque<std::string>>())
{
    buildModel();
    for (uint32_t w = 0; w < m_workloads.size(); ++w) {
        const WorkloadModel& model = m_workloads[w];
        const double first = model.schedule.nextArrival(0.0, model.workload->arrival, m_random);
        if (first >= 0.0) m_events.push(std::llround(first * 1e9), EventType::Arrival, w);
    }
    m_events.push(0, EventType::MetricsTick);
}

bool SimulatorImpl::runUntil(int64_t until_ns, uint64_t max_events)
{
    uint64_t processed = 0;
    while (!m_events.empty() && m_events.top().time <= until_ns) {
        if (processed == max_events) {
            m_stats.events += processed;
            flush();
            return false;
        }
        const Event event = m_events.pop();
        m_now = event.time;
        ++processed;
        dispatch(event);
    }
    m_stats.events += processed;
    if (until_ns > m_now) m_now = until_ns;
    flush();
    if (m_sink) m_sink->onClock(m_now);
    return true;
}

void SimulatorImpl::dispatch(const Event& event)
{
    switch (event.type) {
    case EventType::Arrival:
        onArrival(event.a);
        break;
    case EventType::ServiceDone: {
        Request& r = m_requests[event.a];
        if (r.generation == event.b) runSteps(event.a);
        break;
    }
    case EventType::CallTimeout: {
        const Call& c = m_calls[event.a];
        if (c.generation == event.b && c.pending) {
            ++m_stats.calls_timed_out;
            returnCall(event.a, true, true);
        }
        break;
    }
    case EventType::MetricsTick:
        emitMetrics();
        m_events.push(m_now + kNsPerSecond, EventType::MetricsTick);
        break;
    }
}

void SimulatorImpl::onArrival(uint32_t w)
{
    const WorkloadModel& model = m_workloads[w];
    const double next = model.schedule.nextArrival(static_cast<double>(m_now) / 1e9, model.workload->arrival, m_random);
    if (next >= 0.0)
        m_events.push(std::max(m_now, static_cast<int64_t>(std::llround(next * 1e9))), EventType::Arrival, w);
    ++m_stats.workload_requests;
    issueCall(model.site, kNone, newTrace(), 0);
}

uint32_t SimulatorImpl::allocRequest()
{
    if (!m_freeRequests.empty()) {
        const uint32_t i = m_freeRequests.back();
        m_freeRequests.pop_back();
        return i;
    }
    m_requests.emplace_back();
    return static_cast<uint32_t>(m_requests.size() - 1);
}

uint32_t SimulatorImpl::allocCall()
{
    if (!m_freeCalls.empty()) {
        const uint32_t i = m_freeCalls.back();
        m_freeCalls.pop_back();
        return i;
    }
    m_calls.emplace_back();
    return static_cast<uint32_t>(m_calls.size() - 1);
}

uint32_t SimulatorImpl::pickInstance(ServiceModel& service)
{
    const uint32_t n = static_cast<uint32_t>(service.instances.size());
    const uint32_t i = service.next_instance;
    service.next_instance = (i + 1 == n) ? 0 : i + 1;
    return i;
}

void SimulatorImpl::changeInSystem(ServiceModel& service, int delta)
{
    service.stats.in_system_area
        += static_cast<double>(service.stats.in_system) * static_cast<double>(m_now - service.last_change_ns) / 1e9;
    service.last_change_ns = m_now;
    service.stats.in_system += delta;
}

void SimulatorImpl::issueCall(const CallSite& site, uint32_t callerRequest, const TraceId& trace, SpanId parent)
{
    const SpanId clientSpan = newSpanId();
    const uint32_t ri = allocRequest();
    Request& r = m_requests[ri];
    r.service = site.service;
    r.operation = site.operation;
    r.instance = pickInstance(m_services[site.service]);
    r.span_template = &site.server;
    r.trace = trace;
    r.span_id = newSpanId();
    r.parent_span_id = clientSpan;
    r.arrival_ns = m_now;
    r.step = 0;
    r.pending_calls = 0;
    r.step_failed = r.failed = r.rejected = false;
    r.subscription = r.queue = r.endpoint = kNone;
    r.caller_call = kNone;

    if (site.sync) {
        const uint32_t ci = allocCall();
        Call& c = m_calls[ci];
        c.caller_request = callerRequest;
        c.caller_generation = callerRequest == kNone ? 0 : m_requests[callerRequest].generation;
        c.pending = true;
        c.continue_on_error = site.continue_on_error;
        c.span_template = &site.client;
        c.trace = trace;
        c.span_id = clientSpan;
        c.parent_span_id = parent;
        c.start_ns = m_now;
        r.caller_call = ci;
        r.caller_generation = c.generation;
        if (site.timeout_ns > 0) m_events.push(m_now + site.timeout_ns, EventType::CallTimeout, ci, c.generation);
    } else {
        // Fire and forget: the producer span is over as soon as the message is handed off.
        emit(site.client, trace, clientSpan, parent, m_now, m_now, false);
    }
    arrive(ri, false);
}

void SimulatorImpl::arrive(uint32_t ri, bool bypassCapacity)
{
    Request& r = m_requests[ri];
    ServiceModel& service = m_services[r.service];
    InstanceState& instance = service.instances[r.instance];
    ++service.stats.arrivals;
    changeInSystem(service, +1);
    if (instance.busy < service.service->concurrency) {
        startService(ri);
    } else if (bypassCapacity || instance.waiting.size() < static_cast<size_t>(service.service->queue_capacity)) {
        instance.waiting.push_back(ri);
    } else {
        // Turned away at the door, like a 503 from a full accept queue: fails at once.
        ++service.stats.rejected;
        changeInSystem(service, -1);
        r.failed = r.rejected = true;
        if (service.emits_server_spans)
            emit(*r.span_template, r.trace, r.span_id, r.parent_span_id, m_now, m_now, true,
                m_instanceIds[r.service][r.instance], kRejectedAttributes);
        const uint32_t call = r.caller_call;
        const uint32_t callGeneration = r.caller_generation;
        const Delivery delivery { r.queue, r.subscription, r.endpoint };
        ++r.generation;
        m_freeRequests.push_back(ri);
        if (delivery.subscription != kNone) acknowledge(delivery, true);
        if (call != kNone && m_calls[call].generation == callGeneration && m_calls[call].pending)
            returnCall(call, true, false);
    }
}

void SimulatorImpl::startService(uint32_t ri)
{
    Request& r = m_requests[ri];
    ServiceModel& service = m_services[r.service];
    ++service.instances[r.instance].busy;
    const int64_t duration = service.operations[r.operation].service_time.sampleNs(m_random);
    m_events.push(m_now + duration, EventType::ServiceDone, ri, r.generation);
}

void SimulatorImpl::runSteps(uint32_t ri)
{
    const ServiceModel& service = m_services[m_requests[ri].service];
    const OperationModel& op = service.operations[m_requests[ri].operation];
    while (m_requests[ri].step < op.steps.size()) {
        const StepGroup& group = op.steps[m_requests[ri].step];
        for (const PublishSite& p : group.publishes)
            publish(p, m_requests[ri].trace, m_requests[ri].span_id);
        uint32_t syncCalls = 0;
        for (const CallSite& c : group.calls)
            syncCalls += c.sync ? 1 : 0;
        m_requests[ri].pending_calls = syncCalls;
        m_requests[ri].step_failed = false;
        for (const CallSite& c : group.calls) {
            // issueCall may reply synchronously (a rejection), and may grow m_requests: re-read by index.
            const TraceId trace = m_requests[ri].trace;
            issueCall(c, c.sync ? ri : kNone, trace, m_requests[ri].span_id);
        }
        if (syncCalls > 0) return; // resumed by stepCallReturned when the last call returns
        ++m_requests[ri].step;
    }
    finishRequest(ri);
}

void SimulatorImpl::stepCallReturned(uint32_t ri, bool failed)
{
    Request& r = m_requests[ri];
    r.step_failed = r.step_failed || failed;
    if (--r.pending_calls > 0) return;
    if (r.step_failed) {
        r.failed = true;
        finishRequest(ri);
        return;
    }
    ++r.step;
    runSteps(ri);
}

void SimulatorImpl::finishRequest(uint32_t ri)
{
    Request& r = m_requests[ri];
    ServiceModel& service = m_services[r.service];
    const OperationModel& op = service.operations[r.operation];
    if (!r.failed && m_random.bernoulli(op.error_probability)) r.failed = true;

    InstanceState& instance = service.instances[r.instance];
    --instance.busy;
    changeInSystem(service, -1);
    ++service.stats.completed;
    service.stats.failed += r.failed ? 1 : 0;
    service.stats.response_time_sum_s += static_cast<double>(m_now - r.arrival_ns) / 1e9;
    if (service.emits_server_spans)
        emit(*r.span_template, r.trace, r.span_id, r.parent_span_id, r.arrival_ns, m_now, r.failed,
            m_instanceIds[r.service][r.instance]);

    const uint32_t call = r.caller_call;
    const uint32_t callGeneration = r.caller_generation;
    const bool failed = r.failed;
    const Delivery delivery { r.queue, r.subscription, r.endpoint };
    ++r.generation;
    m_freeRequests.push_back(ri);

    if (!instance.waiting.empty()) {
        const uint32_t next = instance.waiting.front();
        instance.waiting.pop_front();
        startService(next);
    }
    // Acknowledging may deliver the next message, which allocates requests: `r` is not used past here.
    if (delivery.subscription != kNone) acknowledge(delivery, failed);
    if (call != kNone) {
        if (m_calls[call].generation == callGeneration && m_calls[call].pending)
            returnCall(call, failed, false);
        else
            ++m_stats.late_replies;
    }
}

void SimulatorImpl::returnCall(uint32_t ci, bool failed, bool timedOut)
{
    Call& c = m_calls[ci];
    c.pending = false;
    if (timedOut)
        emit(*c.span_template, c.trace, c.span_id, c.parent_span_id, c.start_ns, m_now, true, {}, kTimeoutAttributes);
    else
        emit(*c.span_template, c.trace, c.span_id, c.parent_span_id, c.start_ns, m_now, failed);
    const uint32_t caller = c.caller_request;
    const uint32_t callerGeneration = c.caller_generation;
    const bool countsAsFailure = failed && !c.continue_on_error;
    ++c.generation;
    m_freeCalls.push_back(ci);
    if (caller != kNone && m_requests[caller].generation == callerGeneration) stepCallReturned(caller, countsAsFailure);
}

TraceId SimulatorImpl::newTrace()
{
    // Distinct per seed, so recordings of two runs never share trace ids.
    return TraceId { 0x66617574ULL << 32 ^ m_seed, ++m_lastTrace };
}

} // namespace faultline
