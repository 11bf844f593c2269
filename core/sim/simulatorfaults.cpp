// Faults at run time: applied at an event boundary, reverted when their time to live ends (or on
// request). What the active faults do to each service is recomputed whenever the set changes, so the hot
// path only reads a few numbers.

#include "sim/simulatorimpl.h"

#include <algorithm>

namespace faultline {

namespace {

int findIndex(const auto& models, const std::string& name, auto nameOf)
{
    for (size_t i = 0; i < models.size(); ++i)
        if (nameOf(models[i]) == name) return static_cast<int>(i);
    return -1;
}

/// When a fault applied at `now` runs out: a time to live as long as 1e300 s (the formats allow any positive
/// number) saturates at the end of time instead of overflowing.
int64_t faultEnd(int64_t now, double duration_s)
{
    constexpr double kFar = 9e18; // below INT64_MAX: the conversion is defined
    const double ttl = duration_s * 1e9;
    if (!(ttl < kFar)) return INT64_MAX;
    const auto ns = static_cast<int64_t>(ttl);
    return ns > INT64_MAX - now ? INT64_MAX : now + ns;
}

bool coversInstance(const Fault& f, uint32_t instance)
{
    return f.instance < 0 || static_cast<uint32_t>(f.instance) == instance;
}

} // namespace

int SimulatorImpl::findBreaker(const std::string& service, const std::string& name) const
{
    for (size_t b = 0; b < m_breakers.size(); ++b)
        if (m_breakers[b].name == name && m_services[m_breakers[b].service].service->name == service)
            return static_cast<int>(b);
    return -1;
}

uint64_t SimulatorImpl::injectFault(const Fault& fault, uint64_t id)
{
    auto serviceName = [](const ServiceModel& s) -> const std::string& { return s.service->name; };
    auto queueName = [](const QueueModel& q) -> const std::string& { return q.queue->name; };
    const bool onQueue = fault.type == FaultType::ConsumerPause || fault.type == FaultType::BrokerDown;
    const int target
        = onQueue ? findIndex(m_queues, fault.target, queueName) : findIndex(m_services, fault.target, serviceName);
    if (target < 0 || fault.duration_s <= 0.0) return 0;
    if (fault.type == FaultType::Partition && findIndex(m_services, fault.peer, serviceName) < 0) return 0;
    if (fault.type == FaultType::BreakerOverride && findBreaker(fault.target, fault.peer) < 0) return 0;

    const int64_t end = faultEnd(m_now, fault.duration_s);
    m_activeFaults.push_back({ id, fault, m_now, end });
    m_faultLog.push_back({ id, fault, m_now, end, -1 });
    m_events.push(end, EventType::FaultEnd, static_cast<uint32_t>(id & 0xffffffffu), static_cast<uint32_t>(id >> 32));

    switch (fault.type) {
    case FaultType::Crash: {
        ServiceModel& s = m_services[static_cast<size_t>(target)];
        for (uint32_t i = 0; i < s.instances.size(); ++i)
            if (coversInstance(fault, i) && !s.instances[i].crashed) crashInstance(static_cast<uint32_t>(target), i);
        break;
    }
    case FaultType::Pause: {
        ServiceModel& s = m_services[static_cast<size_t>(target)];
        for (uint32_t i = 0; i < s.instances.size(); ++i)
            if (coversInstance(fault, i)) s.instances[i].paused = true;
        break;
    }
    case FaultType::BreakerOverride:
        applyBreakerOverride(fault, true);
        break;
    default:
        break;
    }
    recomputeFaults();
    return id;
}

bool SimulatorImpl::revertFault(uint64_t id)
{
    auto it
        = std::find_if(m_activeFaults.begin(), m_activeFaults.end(), [id](const ActiveFault& f) { return f.id == id; });
    if (it == m_activeFaults.end()) return false;
    const Fault fault = it->fault;
    m_activeFaults.erase(it);
    for (FaultRecord& record : m_faultLog)
        if (record.id == id) record.reverted_ns = m_now;

    // An instance comes back only when no other active fault of the same kind still holds it.
    auto stillHeld = [&](FaultType type, const std::string& target, uint32_t instance) {
        return std::any_of(m_activeFaults.begin(), m_activeFaults.end(), [&](const ActiveFault& f) {
            return f.fault.type == type && f.fault.target == target && coversInstance(f.fault, instance);
        });
    };
    recomputeFaults();
    switch (fault.type) {
    case FaultType::Crash:
    case FaultType::Pause:
        for (uint32_t s = 0; s < m_services.size(); ++s) {
            if (m_services[s].service->name != fault.target) continue;
            for (uint32_t i = 0; i < m_services[s].instances.size(); ++i) {
                if (!coversInstance(fault, i) || stillHeld(fault.type, fault.target, i)) continue;
                if (fault.type == FaultType::Crash)
                    m_services[s].instances[i].crashed = false; // restarted, empty
                else
                    resumeInstance(s, i);
            }
        }
        // Consumers on restarted or resumed instances take deliveries again.
        for (uint32_t q = 0; q < m_queues.size(); ++q)
            for (uint32_t sub = 0; sub < m_queues[q].subscriptions.size(); ++sub)
                dispatchMessages(q, sub);
        break;
    case FaultType::ConsumerPause:
    case FaultType::BrokerDown:
        for (uint32_t q = 0; q < m_queues.size(); ++q)
            if (m_queues[q].queue->name == fault.target)
                for (uint32_t sub = 0; sub < m_queues[q].subscriptions.size(); ++sub)
                    dispatchMessages(q, sub);
        break;
    case FaultType::BreakerOverride:
        applyBreakerOverride(fault, false);
        break;
    default:
        break;
    }
    return true;
}

void SimulatorImpl::revertAllFaults()
{
    while (!m_activeFaults.empty())
        revertFault(m_activeFaults.back().id);
}

void SimulatorImpl::recomputeFaults()
{
    for (ServiceModel& s : m_services)
        s.faults = ServiceFaults {};
    for (QueueModel& q : m_queues) {
        q.broker_down = false;
        for (Subscription& sub : q.subscriptions)
            sub.paused = false;
    }
    for (const ActiveFault& active : m_activeFaults) {
        const Fault& f = active.fault;
        const double p = std::clamp(f.percentage / 100.0, 0.0, 1.0);
        for (ServiceModel& s : m_services) {
            if (s.service->name != f.target && !(f.type == FaultType::Partition && s.service->name == f.peer)) continue;
            switch (f.type) {
            case FaultType::Delay:
                s.faults.delays.push_back({ p, f.delay_ms, 0 });
                break;
            case FaultType::Abort:
                s.faults.aborts.push_back({ p, 0.0, f.status });
                break;
            case FaultType::ErrorRate:
                s.faults.error_probability = 1.0 - (1.0 - s.faults.error_probability) * (1.0 - p);
                break;
            case FaultType::Slowdown:
                s.faults.slowdown *= f.factor;
                break;
            case FaultType::PacketLoss:
                s.faults.loss_probability = 1.0 - (1.0 - s.faults.loss_probability) * (1.0 - p);
                break;
            case FaultType::Partition: {
                const std::string& other = s.service->name == f.target ? f.peer : f.target;
                for (uint32_t o = 0; o < m_services.size(); ++o)
                    if (m_services[o].service->name == other) s.faults.partitioned_from.push_back(o);
                break;
            }
            default:
                break;
            }
        }
        if (f.type == FaultType::ConsumerPause || f.type == FaultType::BrokerDown) {
            for (QueueModel& q : m_queues) {
                if (q.queue->name != f.target) continue;
                if (f.type == FaultType::BrokerDown) q.broker_down = true;
                for (Subscription& sub : q.subscriptions)
                    sub.paused = true;
            }
        }
    }
}

void SimulatorImpl::crashInstance(uint32_t s, uint32_t i)
{
    InstanceState& instance = m_services[s].instances[i];
    instance.crashed = true; // first, so anything the victims' callers do next cannot reach it
    instance.paused = false;
    std::vector<uint32_t> victims = instance.running;
    victims.insert(victims.end(), instance.waiting.begin(), instance.waiting.end());
    instance.running.clear();
    instance.waiting.clear();
    instance.frozen.clear();
    instance.busy = 0;
    for (uint32_t ri : victims)
        killRequest(ri);
}

void SimulatorImpl::killRequest(uint32_t ri)
{
    Request& r = m_requests[ri];
    ServiceModel& service = m_services[r.service];
    changeInSystem(service, -1);
    ++service.stats.lost;
    // The process is gone: its spans die with it. Callers see the connection reset at once.
    const uint32_t call = r.caller_call;
    const uint32_t callGeneration = r.caller_generation;
    const Delivery delivery { r.queue, r.subscription, r.endpoint,
        Message { r.trace, r.parent_span_id, r.message_enqueued_ns, r.deliveries, r.poison } };
    r.running_slot = kNone;
    ++r.generation;
    m_freeRequests.push_back(ri);
    if (delivery.subscription != kNone) requeueLost(delivery);
    if (call != kNone && m_calls[call].generation == callGeneration && m_calls[call].pending)
        returnCall(call, CallOutcome::ConnectFailure);
}

void SimulatorImpl::resumeInstance(uint32_t s, uint32_t i)
{
    ServiceModel& service = m_services[s];
    InstanceState& instance = service.instances[i];
    if (!instance.paused) return;
    instance.paused = false;
    std::vector<uint32_t> frozen;
    frozen.swap(instance.frozen);
    for (uint32_t ri : frozen)
        runSteps(ri);
    while (!instance.paused && !instance.crashed && !instance.waiting.empty()
        && instance.busy < service.service->concurrency) {
        const uint32_t next = instance.waiting.front();
        instance.waiting.pop_front();
        startService(next);
    }
}

void SimulatorImpl::applyBreakerOverride(const Fault& fault, bool starting)
{
    const int b = findBreaker(fault.target, fault.peer);
    if (b < 0) return;
    CircuitBreaker& breaker = m_breakers[static_cast<size_t>(b)].breaker;
    if (!starting) {
        // The override's time is up: back to the breaker's own state machine.
        if (fault.verb != BreakerOverrideVerb::Automatic) breaker.reset(m_now);
    } else {
        switch (fault.verb) {
        case BreakerOverrideVerb::ForceOpen:
            breaker.forceOpen(m_now);
            break;
        case BreakerOverrideVerb::Close:
            breaker.close(m_now);
            break;
        case BreakerOverrideVerb::Disable:
            breaker.disable(m_now);
            break;
        case BreakerOverrideVerb::Automatic:
            breaker.reset(m_now);
            break;
        }
    }
    noteBreakerState(static_cast<uint32_t>(b));
}

} // namespace faultline
