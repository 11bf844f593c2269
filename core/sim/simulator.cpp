// The request engine: arrivals, worker slots, instance queues, steps, replies. Calls and their
// policies are in simulatorcalls.cpp, faults in simulatorfaults.cpp, queues in simulatormessaging.cpp.

#include "sim/simulator.h"
#include "sim/simulatorimpl.h"

#include <algorithm>
#include <cmath>

namespace faultline {

namespace {
constexpr KeyValue kRejectedAttributes[] = { { "error.type", "rejected" } };
constexpr KeyValue kDeadlineAttributes[] = { { "error.type", "deadline_exceeded" } };
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

uint64_t Simulator::injectFault(const Fault& fault)
{
    return d->injectFault(fault, d->m_nextFaultId++);
}

uint64_t Simulator::injectFault(const Fault& fault, uint64_t id)
{
    return d->injectFault(fault, id);
}

bool Simulator::revertFault(uint64_t id)
{
    return d->revertFault(id);
}

void Simulator::revertAllFaults()
{
    d->revertAllFaults();
}

const std::vector<FaultRecord>& Simulator::faultLog() const
{
    return d->m_faultLog;
}

std::vector<BreakerEvent> Simulator::takeBreakerEvents()
{
    std::vector<BreakerEvent> events;
    events.swap(d->m_breakerEvents);
    return events;
}

std::optional<BreakerState> Simulator::breakerState(const std::string& service, const std::string& name)
{
    const int b = d->findBreaker(service, name);
    if (b < 0) return std::nullopt;
    return d->m_breakers[static_cast<size_t>(b)].breaker.state(d->m_now);
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
        if (first >= 0.0) m_events.push(secondsToNs(first), EventType::Arrival, w);
    }
    for (uint32_t f = 0; f < m_scenario->faults.size(); ++f)
        m_events.push(secondsToNs(m_scenario->faults[f].at_s), EventType::FaultStart, f);
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
    switch (event.type()) {
    case EventType::Arrival:
        onArrival(event.a);
        break;
    case EventType::ServiceDone: {
        Request& r = m_requests[event.a];
        if (r.generation != event.b) break;
        InstanceState& instance = m_services[r.service].instances[r.instance];
        if (instance.paused)
            instance.frozen.push_back(event.a); // a stopped process finishes nothing until resumed
        else
            runSteps(event.a);
        break;
    }
    case EventType::CallTimeout: {
        const Call& c = m_calls[event.a];
        if (c.generation == event.b && c.pending) {
            ++m_stats.calls_timed_out;
            returnCall(event.a, CallOutcome::Timeout);
        }
        break;
    }
    case EventType::MetricsTick:
        for (uint32_t q = 0; q < m_queues.size(); ++q)
            expireHeads(q);
        emitMetrics();
        m_events.push(m_now + kNsPerSecond, EventType::MetricsTick);
        break;
    case EventType::RetryAttempt: {
        const LogicalCall& lc = m_logicals[event.a];
        if (lc.generation == event.b && lc.pending) startAttempt(event.a);
        break;
    }
    case EventType::BulkheadTimeout: {
        // A wait for a bulkhead slot ran out, or a pending request reached the call's deadline.
        LogicalCall& lc = m_logicals[event.a];
        if (lc.generation != event.b || !lc.pending) break;
        SiteState& site = m_sites[lc.site->state];
        if (lc.waiting_for_bulkhead) {
            std::erase(site.bulkhead_waiting, event.a);
            lc.waiting_for_bulkhead = false;
            ++m_stats.policies.bulkhead_rejected;
            failAttemptAtOnce(event.a, CallOutcome::Rejected);
        } else if (lc.waiting_for_connection) {
            std::erase(site.pending_requests, event.a);
            lc.waiting_for_connection = false;
            failAttemptAtOnce(event.a, CallOutcome::Timeout);
        }
        break;
    }
    case EventType::DelayedArrival:
        if (m_requests[event.a].generation == event.b) arrive(event.a, false);
        break;
    case EventType::BreakerTimer:
        onBreakerTimer(event.a);
        break;
    case EventType::FaultStart: {
        const uint64_t id = m_nextFaultId++;
        if (injectFault(m_scenario->faults[event.a].fault, id) == id) m_faultLog.back().scripted = true;
        break;
    }
    case EventType::FaultEnd:
        revertFault(static_cast<uint64_t>(event.a) | static_cast<uint64_t>(event.b) << 32);
        break;
    }
}

void SimulatorImpl::onArrival(uint32_t w)
{
    const WorkloadModel& model = m_workloads[w];
    const double next = model.schedule.nextArrival(static_cast<double>(m_now) / 1e9, model.workload->arrival, m_random);
    if (next >= 0.0) m_events.push(std::max(m_now, secondsToNs(next)), EventType::Arrival, w);
    ++m_stats.workload_requests;
    issueCall(model.site, kNone, newTrace(), 0, kNoDeadline);
}

uint32_t SimulatorImpl::allocRequest()
{
    if (!m_freeRequests.empty()) {
        const uint32_t i = m_freeRequests.back();
        m_freeRequests.pop_back();
        // A reused record starts from the defaults, so no field of its previous life leaks into this one;
        // only the generation carries over, which tells stale events apart.
        const uint32_t generation = m_requests[i].generation;
        m_requests[i] = Request {};
        m_requests[i].generation = generation;
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

uint32_t SimulatorImpl::allocLogical()
{
    if (!m_freeLogicals.empty()) {
        const uint32_t i = m_freeLogicals.back();
        m_freeLogicals.pop_back();
        return i;
    }
    m_logicals.emplace_back();
    return static_cast<uint32_t>(m_logicals.size() - 1);
}

void SimulatorImpl::changeInSystem(ServiceModel& service, int delta)
{
    service.stats.in_system_area
        += static_cast<double>(service.stats.in_system) * static_cast<double>(m_now - service.last_change_ns) / 1e9;
    service.last_change_ns = m_now;
    service.stats.in_system += delta;
}

void SimulatorImpl::arrive(uint32_t ri, bool bypassCapacity)
{
    Request& r = m_requests[ri];
    ServiceModel& service = m_services[r.service];
    InstanceState& instance = service.instances[r.instance];
    ++service.stats.arrivals;
    changeInSystem(service, +1);
    if (r.deadline_ns <= m_now) {
        ++service.stats.deadline_dropped;
        failRequestAtOnce(ri, kDeadlineAttributes);
    } else if (!instance.paused && instance.busy < service.service->concurrency) {
        startService(ri);
    } else if (bypassCapacity || instance.waiting.size() < static_cast<size_t>(service.service->queue_capacity)) {
        instance.waiting.push_back(ri);
    } else {
        // Turned away at the door, like a 503 from a full accept queue: fails at once.
        ++service.stats.rejected;
        r.rejected = true;
        failRequestAtOnce(ri, kRejectedAttributes);
    }
}

void SimulatorImpl::failRequestAtOnce(uint32_t ri, std::span<const KeyValue> attributes)
{
    Request& r = m_requests[ri];
    ServiceModel& service = m_services[r.service];
    changeInSystem(service, -1);
    r.failed = true;
    if (service.emits_server_spans)
        emit(*r.span_template, r.trace, r.span_id, r.parent_span_id, r.arrival_ns, m_now, true,
            m_instanceIds[r.service][r.instance], attributes);
    const uint32_t call = r.caller_call;
    const uint32_t callGeneration = r.caller_generation;
    const CallOutcome outcome = r.rejected ? CallOutcome::Rejected : CallOutcome::Error;
    const Delivery delivery { r.queue, r.subscription, r.endpoint,
        Message { r.trace, r.parent_span_id, r.message_enqueued_ns, r.deliveries, r.poison } };
    ++r.generation;
    m_freeRequests.push_back(ri);
    if (delivery.subscription != kNone) acknowledge(delivery, true);
    if (call != kNone) {
        if (m_calls[call].generation == callGeneration && m_calls[call].pending)
            returnCall(call, outcome);
        else
            ++m_stats.late_replies;
    }
}

void SimulatorImpl::startService(uint32_t ri)
{
    Request& r = m_requests[ri];
    ServiceModel& service = m_services[r.service];
    if (r.deadline_ns <= m_now) {
        // Work whose deadline has passed is dropped, not executed (deadline propagation).
        ++service.stats.deadline_dropped;
        failRequestAtOnce(ri, kDeadlineAttributes);
        return;
    }
    InstanceState& instance = service.instances[r.instance];
    ++instance.busy;
    r.running_slot = static_cast<uint32_t>(instance.running.size());
    instance.running.push_back(ri);
    int64_t duration = service.operations[r.operation].service_time.sampleNs(m_random);
    if (service.faults.slowdown != 1.0) duration = saturatedNs(static_cast<double>(duration) * service.faults.slowdown);
    m_events.push(later(m_now, duration), EventType::ServiceDone, ri, r.generation);
}

void SimulatorImpl::runSteps(uint32_t ri)
{
    const ServiceModel& service = m_services[m_requests[ri].service];
    const OperationModel& op = service.operations[m_requests[ri].operation];
    while (m_requests[ri].step < op.steps.size()) {
        const StepGroup& group = op.steps[m_requests[ri].step];
        const TraceId trace = m_requests[ri].trace;
        const SpanId span = m_requests[ri].span_id;
        const int64_t deadline = m_requests[ri].deadline_ns;
        for (const PublishSite& p : group.publishes)
            if (p.probability >= 1.0 || m_random.bernoulli(p.probability)) publish(p, trace, span);
        // Which calls of the group this request makes, decided once: issuing a call can re-enter runSteps.
        // The loader allows a probability only in groups of at most 64 calls.
        uint64_t skipped = 0;
        uint32_t syncCalls = 0;
        for (size_t i = 0; i < group.calls.size(); ++i) {
            const CallSite& c = group.calls[i];
            if (c.probability < 1.0 && !m_random.bernoulli(c.probability)) {
                skipped |= uint64_t(1) << i;
                continue;
            }
            if (c.sync)
                ++syncCalls;
            else
                issueAsyncCall(c, trace, span);
        }
        m_requests[ri].pending_calls = syncCalls;
        m_requests[ri].step_failed = false;
        if (syncCalls == 0) {
            ++m_requests[ri].step;
            continue;
        }
        // Sync calls last: the last one may complete at once (a rejection) and finish this request.
        for (size_t i = 0; i < group.calls.size(); ++i)
            if (group.calls[i].sync && !(i < 64 && (skipped >> i & 1)))
                issueCall(group.calls[i], ri, trace, span, deadline);
        return; // resumed by stepCallReturned when the last call returns
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
    if (r.poison) r.failed = true;
    if (!r.failed && m_random.bernoulli(op.error_probability)) r.failed = true;
    if (!r.failed && service.faults.error_probability > 0.0 && m_random.bernoulli(service.faults.error_probability))
        r.failed = true;

    InstanceState& instance = service.instances[r.instance];
    --instance.busy;
    const uint32_t slot = r.running_slot;
    instance.running[slot] = instance.running.back();
    m_requests[instance.running[slot]].running_slot = slot;
    instance.running.pop_back();
    r.running_slot = kNone;
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
    const Delivery delivery { r.queue, r.subscription, r.endpoint,
        Message { r.trace, r.parent_span_id, r.message_enqueued_ns, r.deliveries, r.poison } };
    ++r.generation;
    m_freeRequests.push_back(ri);

    while (!instance.paused && !instance.waiting.empty() && instance.busy < service.service->concurrency) {
        const uint32_t next = instance.waiting.front();
        instance.waiting.pop_front();
        startService(next);
    }
    // Acknowledging may deliver the next message, which allocates requests: `r` is not used past here.
    if (delivery.subscription != kNone) acknowledge(delivery, failed);
    if (call != kNone) {
        if (m_calls[call].generation == callGeneration && m_calls[call].pending)
            returnCall(call, failed ? CallOutcome::Error : CallOutcome::Success);
        else
            ++m_stats.late_replies;
    }
}

TraceId SimulatorImpl::newTrace()
{
    // Distinct per seed, so recordings of two runs never share trace ids.
    return TraceId { 0x66617574ULL << 32 ^ m_seed, ++m_lastTrace };
}

} // namespace faultline
