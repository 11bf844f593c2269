#include "scenario/faultloader.h"

#include <algorithm>
#include <array>
#include <limits>
#include <variant>

namespace faultline {

namespace {

// In FaultType's order.
constexpr std::array<std::string_view, 11> kTypes { "delay", "abort", "error_rate", "slowdown", "crash", "pause",
    "partition", "packet_loss", "consumer_pause", "broker_down", "breaker" };

bool targetsQueue(FaultType type)
{
    return type == FaultType::ConsumerPause || type == FaultType::BrokerDown;
}

std::vector<std::string_view> views(const std::vector<std::string>& names)
{
    return { names.begin(), names.end() };
}

void collectBreakers(const std::vector<Step>& steps, std::vector<std::string>& breakers)
{
    for (const Step& step : steps) {
        if (const auto* group = std::get_if<ParallelStep>(&step)) {
            collectBreakers(group->steps, breakers);
        } else if (const auto* call = std::get_if<CallStep>(&step); call && call->circuit_breaker) {
            const std::string& name = call->circuit_breaker->name.empty() ? call->service : call->circuit_breaker->name;
            if (!name.empty() && std::find(breakers.begin(), breakers.end(), name) == breakers.end())
                breakers.push_back(name);
        }
    }
}

class FaultReader {
public:
    FaultReader(JsonChecker& checker, const FaultTargets& targets)
        : c(checker)
        , t(targets)
    {
    }

    /// `scheduled`: the fault has its own `at_s` (a scenario's faults), else its time comes from elsewhere.
    std::optional<ScheduledFault> fault(const Json& value, const std::string& at, bool scheduled = true);

private:
    /// Checks that `name` (at `nameAt`) is a service, or a queue when `wantQueue`; `type` names the fault.
    bool checkTarget(const std::string& name, const std::string& nameAt, bool wantQueue, std::string_view type);
    void percentage(const Json& value, const std::string& at, std::string_view type, Fault& fault);

    JsonChecker& c;
    const FaultTargets& t;
};

std::optional<ScheduledFault> FaultReader::fault(const Json& value, const std::string& at, bool scheduled)
{
    if (!value.is_object()) {
        c.error(at, "must be an object, but it is " + JsonChecker::describe(value));
        return std::nullopt;
    }
    const auto typeIndex = c.choice(value, at, "type", true,
        { kTypes[0], kTypes[1], kTypes[2], kTypes[3], kTypes[4], kTypes[5], kTypes[6], kTypes[7], kTypes[8], kTypes[9],
            kTypes[10] });
    const std::string_view typeName = typeIndex ? kTypes[*typeIndex] : std::string_view();
    const std::vector<std::string_view> percentOwners { "delay", "abort", "error_rate", "packet_loss" };
    const std::vector<VariantKey> variantKeys { { "delay_ms", { "delay" } }, { "percentage", percentOwners },
        { "status", { "abort" } }, { "factor", { "slowdown" } }, { "instance", { "crash", "pause" } },
        { "peer", { "partition" } }, { "breaker", { "breaker" } }, { "state", { "breaker" } } };
    if (scheduled)
        c.checkVariantObject(
            value, at, { "at_s", "duration_s", "type", "target" }, variantKeys, typeName, "fault type");
    else
        c.checkVariantObject(value, at, { "duration_s", "type", "target" }, variantKeys, typeName, "fault type");

    ScheduledFault result;
    Fault& f = result.fault;
    if (scheduled) result.at_s = c.number(value, at, "at_s", true, Bound { 0 }).value_or(0.0);
    f.duration_s = c.number(value, at, "duration_s", false, Bound { 0, true }).value_or(f.duration_s);
    if (typeIndex) f.type = static_cast<FaultType>(*typeIndex);
    const auto target = c.name(value, at, "target", true);
    const std::string targetAt = JsonChecker::child(at, "target");
    const bool targetKnown = target && typeIndex && checkTarget(*target, targetAt, targetsQueue(f.type), typeName);
    f.target = target.value_or("");
    if (!typeIndex) return result;

    switch (f.type) {
    case FaultType::Delay:
        f.delay_ms = c.number(value, at, "delay_ms", true, Bound { 0, true }).value_or(0.0);
        percentage(value, at, typeName, f);
        break;
    case FaultType::Abort:
        // An HTTP status (100-599), or a gRPC status code (1-16) on gRPC calls.
        f.status = static_cast<int>(c.integer(value, at, "status", false, 1, 599).value_or(f.status));
        percentage(value, at, typeName, f);
        break;
    case FaultType::ErrorRate:
    case FaultType::PacketLoss:
        percentage(value, at, typeName, f);
        break;
    case FaultType::Slowdown:
        f.factor = c.number(value, at, "factor", true, Bound { 0, true }).value_or(f.factor);
        break;
    case FaultType::Crash:
    case FaultType::Pause: {
        const auto instance = c.integer(value, at, "instance", false, 0, std::numeric_limits<int>::max());
        if (!instance) break;
        f.instance = static_cast<int>(*instance);
        if (!targetKnown) break;
        const auto& instances = t.services.at(f.target).instances;
        if (instances && f.instance >= *instances)
            c.error(JsonChecker::child(at, "instance"),
                "must be less than the number of instances of " + JsonChecker::quoted(f.target) + " ("
                    + std::to_string(*instances) + "), but it is " + std::to_string(f.instance)
                    + "; instances count from 0");
        break;
    }
    case FaultType::Partition: {
        const auto peer = c.name(value, at, "peer", true);
        if (!peer) break;
        f.peer = *peer;
        const std::string peerAt = JsonChecker::child(at, "peer");
        if (target && *peer == *target)
            c.error(peerAt, "a service cannot be partitioned from itself; name another service");
        else
            checkTarget(*peer, peerAt, false, typeName);
        break;
    }
    case FaultType::ConsumerPause:
    case FaultType::BrokerDown:
        break;
    case FaultType::BreakerOverride: {
        const auto breaker = c.name(value, at, "breaker", true);
        if (auto verb = c.choice(value, at, "state", true, { "force_open", "close", "disable", "automatic" }))
            f.verb = static_cast<BreakerOverrideVerb>(*verb);
        if (!breaker) break;
        f.peer = *breaker;
        if (!targetKnown) break;
        const auto& breakers = t.services.at(f.target).breakers;
        if (breakers.empty())
            c.error(JsonChecker::child(at, "breaker"),
                "the service " + JsonChecker::quoted(f.target)
                    + " has no circuit breaker: none of its calls has a 'circuit_breaker'");
        else if (std::find(breakers.begin(), breakers.end(), f.peer) == breakers.end()) {
            std::string known;
            for (size_t i = 0; i < breakers.size(); ++i)
                known += (i > 0 ? ", " : "") + JsonChecker::quoted(breakers[i]);
            c.error(JsonChecker::child(at, "breaker"),
                "the service " + JsonChecker::quoted(f.target) + " has no breaker named " + JsonChecker::quoted(f.peer)
                    + " (its breakers: " + known + ")" + JsonChecker::suggestion(f.peer, views(breakers)));
        }
        break;
    }
    }
    return result;
}

bool FaultReader::checkTarget(const std::string& name, const std::string& nameAt, bool wantQueue, std::string_view type)
{
    const bool isService = t.services.count(name) > 0;
    const bool isQueue = t.queues.count(name) > 0;
    if (wantQueue ? isQueue : isService) return true;
    const std::string fault = "a " + std::string(type) + " fault";
    if (wantQueue && isService)
        c.error(nameAt, JsonChecker::quoted(name) + " is a service, but " + fault + " applies to a queue");
    else if (!wantQueue && isQueue)
        c.error(nameAt, JsonChecker::quoted(name) + " is a queue, but " + fault + " applies to a service");
    else if (wantQueue)
        c.error(
            nameAt, "unknown queue " + JsonChecker::quoted(name) + JsonChecker::suggestion(name, views(t.queueNames)));
    else
        c.error(nameAt,
            "unknown service " + JsonChecker::quoted(name) + JsonChecker::suggestion(name, views(t.serviceNames)));
    return false;
}

void FaultReader::percentage(const Json& value, const std::string& at, std::string_view type, Fault& fault)
{
    if (!value.contains("percentage")) {
        // Istio's rule: a fault without a percentage applies to no request. Requiring it avoids a fault
        // that silently does nothing (or, defaulted the other way, silently does everything).
        c.error(at,
            "missing required key 'percentage': a " + std::string(type)
                + " fault needs the share of calls it affects (100 for all); Istio applies a fault without a "
                  "percentage to no requests");
        return;
    }
    fault.percentage = c.number(value, at, "percentage", true, Bound { 0 }, Bound { 100 }).value_or(fault.percentage);
}

} // namespace

void FaultTargets::addService(const Service& service, bool instancesKnown)
{
    if (service.name.empty() || services.count(service.name)) return;
    TargetService& target = services[service.name];
    if (instancesKnown) target.instances = service.instances;
    for (const Operation& op : service.operations)
        collectBreakers(op.steps, target.breakers);
    serviceNames.push_back(service.name);
}

FaultTargets FaultTargets::of(const Scenario& scenario)
{
    FaultTargets targets;
    for (const Service& service : scenario.services)
        targets.addService(service, true);
    for (const Queue& queue : scenario.queues) {
        if (targets.queues.insert(queue.name).second) targets.queueNames.push_back(queue.name);
    }
    return targets;
}

std::optional<ScheduledFault> loadFault(
    JsonChecker& checker, const Json& fault, const std::string& at, const FaultTargets& targets)
{
    FaultReader read(checker, targets);
    return read.fault(fault, at);
}

std::optional<Fault> loadUnscheduledFault(
    JsonChecker& checker, const Json& fault, const std::string& at, const FaultTargets& targets)
{
    FaultReader read(checker, targets);
    auto result = read.fault(fault, at, false);
    if (!result) return std::nullopt;
    return std::move(result->fault);
}

std::vector<ScheduledFault> loadFaults(
    JsonChecker& checker, const Json& faults, const std::string& at, const FaultTargets& targets)
{
    FaultReader read(checker, targets);
    std::vector<ScheduledFault> scheduled;
    for (size_t i = 0; i < faults.size(); ++i) {
        if (auto fault = read.fault(faults[i], JsonChecker::child(at, i))) scheduled.push_back(std::move(*fault));
    }
    return scheduled;
}

} // namespace faultline
