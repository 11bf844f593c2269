#include "scenario/scenarioloader.h"

#include "scenario/faultloader.h"
#include "scenario/jsonchecker.h"
#include "scenario/policyloader.h"
#include "scenario/scenariojson.h"
#include "scenario/textfile.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>

namespace faultline {

namespace {

constexpr std::string_view kFormat = "faultline.scenario/1";
constexpr size_t kMaxFileBytes = 16 * 1024 * 1024;
constexpr int64_t kIntMax = std::numeric_limits<int>::max();

// The names a document declares, gathered before the full walk so that a reference can be checked where it
// is met, whichever order the sections come in. The first declaration of a name wins.
struct Declarations {
    struct DeclaredService {
        ServiceKind kind = ServiceKind::Service;
        std::string pointer;
        std::vector<std::string> operations;
    };
    std::unordered_map<std::string, DeclaredService> services;
    std::unordered_map<std::string, std::string> queues; ///< name -> pointer
    std::unordered_set<std::string> deadLetterQueues;
    std::vector<std::string> serviceNames; ///< in document order, for suggestions
    std::vector<std::string> queueNames;
};

std::vector<std::string_view> views(const std::vector<std::string>& names)
{
    return { names.begin(), names.end() };
}

const std::string* stringAt(const Json& object, const char* key)
{
    auto it = object.find(std::string(key));
    return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

Declarations declarations(const Json& root)
{
    Declarations d;
    if (auto services = root.find("services"); services != root.end() && services->is_array()) {
        for (size_t i = 0; i < services->size(); ++i) {
            const Json& s = (*services)[i];
            const std::string* name = s.is_object() ? stringAt(s, "name") : nullptr;
            if (!name || d.services.count(*name)) continue;
            Declarations::DeclaredService& service = d.services[*name];
            service.pointer = JsonChecker::child("/services", i);
            if (const std::string* kind = stringAt(s, "kind"))
                service.kind = *kind == "database" ? ServiceKind::Database
                    : *kind == "external"          ? ServiceKind::External
                                                   : ServiceKind::Service;
            if (auto ops = s.find("operations"); ops != s.end() && ops->is_array()) {
                for (const Json& op : *ops) {
                    if (const std::string* opName = op.is_object() ? stringAt(op, "name") : nullptr)
                        service.operations.push_back(*opName);
                }
            }
            d.serviceNames.push_back(*name);
        }
    }
    if (auto queues = root.find("queues"); queues != root.end() && queues->is_array()) {
        for (size_t i = 0; i < queues->size(); ++i) {
            const Json& q = (*queues)[i];
            if (!q.is_object()) continue;
            if (const std::string* name = stringAt(q, "name"); name && !d.queues.count(*name)) {
                d.queues[*name] = JsonChecker::child("/queues", i);
                d.queueNames.push_back(*name);
            }
            if (const std::string* dlq = stringAt(q, "dead_letter_queue")) d.deadLetterQueues.insert(*dlq);
        }
    }
    return d;
}

/// Walks a parsed document, building the Scenario and reporting every problem to the checker.
class Loader {
public:
    explicit Loader(JsonChecker& checker)
        : c(checker)
    {
    }

    Scenario load(const Json& root);

private:
    struct Caller {
        const std::string& service;
        const std::string& operation;
    };

    std::optional<Lesson> readLesson(const Json& value, const std::string& at);
    Workload workload(const Json& value, const std::string& at);
    std::vector<RatePoint> schedule(const Json& points, const std::string& at);
    Service service(const Json& value, const std::string& at);
    Operation operation(const Json& value, const std::string& at, const Service& owner);
    Distribution distribution(const Json& owner, const std::string& ownerAt, std::string_view key);
    std::optional<Step> step(const Json& value, const std::string& at, const Caller& caller, bool inParallel);
    CallStep call(const Json& value, const std::string& at, const Caller& caller);
    PublishStep publish(const Json& value, const std::string& at);
    Queue queue(const Json& value, const std::string& at);

    /// Reports an unknown service or operation; returns the service when it is known.
    const Declarations::DeclaredService* checkOperationRef(const std::optional<std::string>& service,
        const std::string& serviceAt, const std::optional<std::string>& operation, const std::string& operationAt);
    void checkQueueRef(const std::optional<std::string>& queue, const std::string& at);
    /// Reports the second and later use of one name in one namespace.
    void checkUnique(std::unordered_map<std::string, std::string>& seen, const std::optional<std::string>& name,
        const std::string& at, std::string_view what);

    JsonChecker& c;
    Declarations d;
    FaultTargets m_targets; ///< filled as services are read
    std::unordered_map<std::string, std::string> m_seenServices;
    std::unordered_map<std::string, std::string> m_seenQueues;
};

Scenario Loader::load(const Json& root)
{
    Scenario s;
    if (!root.is_object()) {
        c.error("", "a scenario must be a JSON object, but the document is " + JsonChecker::describe(root));
        return s;
    }
    // Another format (a snapshot, a later version) would drown its one real problem in unknown keys.
    if (auto format = c.string(root, "", "format", true); format && *format != kFormat) {
        c.error("/format",
            "must be '" + std::string(kFormat) + "', but it is " + JsonChecker::describe(root.at("format"))
                + "; this version of Faultline reads only that format");
        return s;
    }
    c.checkObject(root, "",
        { "format", "name", "description", "seed", "duration_s", "workload", "services", "queues", "faults",
            "lesson" });
    d = declarations(root);

    s.name = c.string(root, "", "name", false).value_or(s.name);
    s.description = c.string(root, "", "description", false).value_or(s.description);
    if (const Json* seed = c.field(root, "", "seed", false); seed && seed->is_number_unsigned())
        s.seed = seed->get<uint64_t>();
    else if (auto signedSeed = c.integer(root, "", "seed", false, 0))
        s.seed = static_cast<uint64_t>(*signedSeed);
    s.duration_s = c.number(root, "", "duration_s", false, Bound { 0, true }).value_or(s.duration_s);

    if (const Json* entries
        = c.array(root, "", "workload", true, "a scenario needs at least one workload entry, or nothing would run")) {
        for (size_t i = 0; i < entries->size(); ++i)
            s.workload.push_back(workload((*entries)[i], JsonChecker::child("/workload", i)));
    }
    if (const Json* services = c.array(root, "", "services", true, "a scenario needs at least one service")) {
        for (size_t i = 0; i < services->size(); ++i)
            s.services.push_back(service((*services)[i], JsonChecker::child("/services", i)));
    }
    if (const Json* queues = c.array(root, "", "queues", false)) {
        for (size_t i = 0; i < queues->size(); ++i)
            s.queues.push_back(queue((*queues)[i], JsonChecker::child("/queues", i)));
    }
    m_targets.queues.insert(d.queueNames.begin(), d.queueNames.end());
    m_targets.queueNames = d.queueNames;
    if (const Json* faults = c.array(root, "", "faults", false))
        s.faults = loadFaults(c, *faults, "/faults", m_targets);
    if (const Json* lesson = c.field(root, "", "lesson", false)) s.lesson = readLesson(*lesson, "/lesson");
    return s;
}

std::optional<Lesson> Loader::readLesson(const Json& value, const std::string& at)
{
    if (!c.checkObject(value, at, { "idea", "explanation", "watch", "steps" })) return std::nullopt;
    Lesson lesson;
    lesson.idea = c.string(value, at, "idea", true).value_or("");
    lesson.explanation = c.string(value, at, "explanation", true).value_or("");
    lesson.watch = c.string(value, at, "watch", false).value_or("");
    if (const Json* steps = c.array(value, at, "steps", true, "a lesson needs at least one step")) {
        const std::string stepsAt = JsonChecker::child(at, "steps");
        for (size_t i = 0; i < steps->size(); ++i) {
            const Json& step = (*steps)[i];
            const std::string stepAt = JsonChecker::child(stepsAt, i);
            if (!c.checkObject(step, stepAt, { "text", "fault" })) continue;
            LessonStep s;
            s.text = c.string(step, stepAt, "text", true).value_or("");
            if (const Json* fault = c.field(step, stepAt, "fault", false))
                s.fault = loadFault(c, *fault, JsonChecker::child(stepAt, "fault"), m_targets);
            lesson.steps.push_back(std::move(s));
        }
    }
    return lesson;
}

Workload Loader::workload(const Json& value, const std::string& at)
{
    Workload w;
    if (!c.checkObject(value, at,
            { "client", "target", "operation", "arrival", "rate_rps", "schedule", "protocol", "timeout_ms" }))
        return w;
    const auto client = c.name(value, at, "client", false);
    w.client = client.value_or(w.client);
    const auto target = c.name(value, at, "target", true);
    const auto operation = c.name(value, at, "operation", true);
    checkOperationRef(target, JsonChecker::child(at, "target"), operation, JsonChecker::child(at, "operation"));
    w.target = target.value_or("");
    w.operation = operation.value_or("");
    if (auto arrival = c.choice(value, at, "arrival", false, { "poisson", "constant" }))
        w.arrival = *arrival == 0 ? Arrival::Poisson : Arrival::Constant;

    const bool hasRate = value.contains("rate_rps");
    const bool hasSchedule = value.contains("schedule");
    if (hasRate && hasSchedule)
        c.error(at, "give either 'rate_rps' or 'schedule', not both");
    else if (!hasRate && !hasSchedule)
        c.error(at, "missing 'rate_rps' or 'schedule': a workload needs a request rate");
    if (auto rate = c.number(value, at, "rate_rps", false, Bound { 0 }))
        w.schedule.push_back(RatePoint { 0.0, *rate, 0.0 });
    if (const Json* points = c.array(value, at, "schedule", false, "a schedule needs at least one point"))
        w.schedule = schedule(*points, JsonChecker::child(at, "schedule"));

    w.protocol = c.name(value, at, "protocol", false).value_or(w.protocol);
    w.timeout_ms = c.number(value, at, "timeout_ms", false, Bound { 0 }).value_or(w.timeout_ms);

    const std::string clientAt = client ? JsonChecker::child(at, "client") : at;
    const std::string defaulted = client ? "" : " (the default)";
    if (auto service = d.services.find(w.client); service != d.services.end())
        c.error(clientAt,
            "the workload client " + JsonChecker::quoted(w.client) + defaulted + " has the same name as the service at "
                + service->second.pointer + "; services, queues and workload clients need distinct names");
    else if (auto queue = d.queues.find(w.client); queue != d.queues.end())
        c.error(clientAt,
            "the workload client " + JsonChecker::quoted(w.client) + defaulted + " has the same name as the queue at "
                + queue->second + "; services, queues and workload clients need distinct names");
    return w;
}

std::vector<RatePoint> Loader::schedule(const Json& points, const std::string& at)
{
    std::vector<RatePoint> schedule;
    std::optional<double> previous;
    for (size_t i = 0; i < points.size(); ++i) {
        const std::string pointAt = JsonChecker::child(at, i);
        if (!c.checkObject(points[i], pointAt, { "at_s", "rate_rps", "ramp_s" })) continue;
        RatePoint point;
        const auto atS = c.number(points[i], pointAt, "at_s", true, Bound { 0 });
        if (atS && i == 0 && *atS != 0.0)
            c.error(JsonChecker::child(pointAt, "at_s"),
                "the first point of a schedule must be at 0 s, but it is at " + JsonChecker::formatNumber(*atS));
        else if (atS && previous && *atS <= *previous)
            c.error(JsonChecker::child(pointAt, "at_s"),
                "must be later than the previous point's at_s (" + JsonChecker::formatNumber(*previous)
                    + "), but it is " + JsonChecker::formatNumber(*atS));
        if (atS) previous = point.at_s = *atS;
        point.rate_rps = c.number(points[i], pointAt, "rate_rps", true, Bound { 0 }).value_or(0.0);
        point.ramp_s = c.number(points[i], pointAt, "ramp_s", false, Bound { 0 }).value_or(0.0);
        schedule.push_back(point);
    }
    return schedule;
}

Service Loader::service(const Json& value, const std::string& at)
{
    Service s;
    if (!c.checkObject(value, at, { "name", "kind", "instances", "concurrency", "queue_capacity", "operations" }))
        return s;
    const auto name = c.name(value, at, "name", true);
    checkUnique(m_seenServices, name, JsonChecker::child(at, "name"), "service");
    s.name = name.value_or("");
    if (auto kind = c.choice(value, at, "kind", false, { "service", "database", "external" }))
        s.kind = static_cast<ServiceKind>(*kind);
    const auto instances = c.integer(value, at, "instances", false, 1, kIntMax);
    s.instances = static_cast<int>(instances.value_or(s.instances));
    s.concurrency = static_cast<int>(c.integer(value, at, "concurrency", false, 1, kIntMax).value_or(s.concurrency));
    s.queue_capacity
        = static_cast<int>(c.integer(value, at, "queue_capacity", false, 0, kIntMax).value_or(s.queue_capacity));
    if (const Json* ops = c.array(value, at, "operations", true, "a service needs at least one operation")) {
        std::unordered_map<std::string, std::string> seen;
        const std::string opsAt = JsonChecker::child(at, "operations");
        for (size_t i = 0; i < ops->size(); ++i) {
            const std::string opAt = JsonChecker::child(opsAt, i);
            s.operations.push_back(operation((*ops)[i], opAt, s));
            if ((*ops)[i].is_object() && stringAt((*ops)[i], "name"))
                checkUnique(seen, s.operations.back().name, JsonChecker::child(opAt, "name"), "operation");
        }
    }
    m_targets.addService(s, instances || !value.contains("instances"));
    return s;
}

Operation Loader::operation(const Json& value, const std::string& at, const Service& owner)
{
    Operation op;
    if (!c.checkObject(value, at, { "name", "service_time_ms", "error_probability", "steps" })) return op;
    op.name = c.name(value, at, "name", true).value_or("");
    op.service_time = distribution(value, at, "service_time_ms");
    op.error_probability
        = c.number(value, at, "error_probability", false, Bound { 0 }, Bound { 1 }).value_or(op.error_probability);
    if (const Json* steps = c.array(value, at, "steps", false)) {
        const std::string stepsAt = JsonChecker::child(at, "steps");
        if (owner.kind == ServiceKind::Database && !steps->empty())
            c.error(stepsAt, "a database calls nothing, so its operations may not have steps");
        const Caller caller { owner.name, op.name };
        for (size_t i = 0; i < steps->size(); ++i) {
            if (auto s = step((*steps)[i], JsonChecker::child(stepsAt, i), caller, false))
                op.steps.push_back(std::move(*s));
        }
    }
    return op;
}

Distribution Loader::distribution(const Json& owner, const std::string& ownerAt, std::string_view key)
{
    Distribution d;
    const Json* value = c.field(owner, ownerAt, key, true);
    if (!value) return d;
    const std::string at = JsonChecker::child(ownerAt, key);
    if (value->is_number()) {
        if (c.checkNumber(*value, at, Bound { 0 }, std::nullopt)) d = Distribution::constant(value->get<double>());
        return d;
    }
    if (!value->is_object()) {
        c.error(at,
            "must be a number of milliseconds or a distribution object, but it is " + JsonChecker::describe(*value));
        return d;
    }
    const auto kind
        = c.choice(*value, at, "dist", true, { "constant", "exponential", "uniform", "lognormal", "empirical" });
    if (!kind) {
        c.checkObject(*value, at, { "dist", "value", "mean", "min", "max", "median", "p99", "buckets" });
        return d;
    }
    d.kind = static_cast<Distribution::Kind>(*kind);
    switch (d.kind) {
    case Distribution::Kind::Constant:
        c.checkObject(*value, at, { "dist", "value" });
        d.value_ms = c.number(*value, at, "value", true, Bound { 0 }).value_or(0.0);
        break;
    case Distribution::Kind::Exponential:
        c.checkObject(*value, at, { "dist", "mean" });
        d.mean_ms = c.number(*value, at, "mean", true, Bound { 0, true }).value_or(0.0);
        break;
    case Distribution::Kind::Uniform: {
        c.checkObject(*value, at, { "dist", "min", "max" });
        const auto min = c.number(*value, at, "min", true, Bound { 0 });
        const auto max = c.number(*value, at, "max", true, Bound { 0 });
        if (min && max && *max < *min)
            c.error(JsonChecker::child(at, "max"),
                "must be at least min (" + JsonChecker::formatNumber(*min) + "), but it is "
                    + JsonChecker::formatNumber(*max));
        d.min_ms = min.value_or(0.0);
        d.max_ms = max.value_or(0.0);
        break;
    }
    case Distribution::Kind::Lognormal: {
        c.checkObject(*value, at, { "dist", "median", "p99" });
        const auto median = c.number(*value, at, "median", true, Bound { 0, true });
        const auto p99 = c.number(*value, at, "p99", true, Bound { 0, true });
        if (median && p99 && *p99 <= *median)
            c.error(JsonChecker::child(at, "p99"),
                "must be greater than the median (" + JsonChecker::formatNumber(*median) + "), but it is "
                    + JsonChecker::formatNumber(*p99));
        d.median_ms = median.value_or(0.0);
        d.p99_ms = p99.value_or(0.0);
        break;
    }
    case Distribution::Kind::Empirical: {
        c.checkObject(*value, at, { "dist", "buckets", "min" });
        d.min_ms = c.number(*value, at, "min", false, Bound { 0 }).value_or(0.0);
        const Json* buckets
            = c.array(*value, at, "buckets", true, "an empirical distribution needs at least one bucket");
        if (!buckets) break;
        const std::string bucketsAt = JsonChecker::child(at, "buckets");
        double lower = d.min_ms;
        double total = 0.0;
        bool weightsValid = true;
        for (size_t i = 0; i < buckets->size(); ++i) {
            const std::string bucketAt = JsonChecker::child(bucketsAt, i);
            if (!c.checkObject((*buckets)[i], bucketAt, { "upper_ms", "weight" })) {
                weightsValid = false;
                continue;
            }
            EmpiricalBucket bucket;
            if (auto upper = c.number((*buckets)[i], bucketAt, "upper_ms", true)) {
                if (*upper <= lower)
                    c.error(JsonChecker::child(bucketAt, "upper_ms"),
                        std::string(
                            i == 0 ? "must be greater than min (" : "must be greater than the previous upper_ms (")
                            + JsonChecker::formatNumber(lower) + "), but it is " + JsonChecker::formatNumber(*upper));
                bucket.upper_ms = *upper;
                lower = std::max(lower, *upper);
            }
            if (auto weight = c.number((*buckets)[i], bucketAt, "weight", true, Bound { 0 }))
                total += bucket.weight = *weight;
            else
                weightsValid = false;
            d.buckets.push_back(bucket);
        }
        if (weightsValid && !buckets->empty() && total <= 0.0)
            c.error(bucketsAt, "the bucket weights must not all be zero");
        break;
    }
    }
    return d;
}

std::optional<Step> Loader::step(const Json& value, const std::string& at, const Caller& caller, bool inParallel)
{
    if (!value.is_object()) {
        c.error(at, "must be an object, but it is " + JsonChecker::describe(value));
        return std::nullopt;
    }
    const int kinds = int(value.contains("call")) + int(value.contains("publish")) + int(value.contains("parallel"));
    if (kinds != 1) {
        std::vector<std::string_view> known { "call", "operation", "kind", "protocol", "timeout_ms", "on_error",
            "probability", "publish", "message", "parallel" };
        known.insert(known.end(), callPolicyKeys().begin(), callPolicyKeys().end());
        c.checkObject(value, at, known);
        c.error(at,
            kinds == 0 ? "a step needs one of the keys 'call', 'publish' or 'parallel'"
                       : "a step is one of 'call', 'publish' or 'parallel', but this one has more than one");
        return std::nullopt;
    }
    if (value.contains("call")) return call(value, at, caller);
    if (value.contains("publish")) return publish(value, at);
    if (inParallel) {
        c.error(at, "a parallel group may only hold calls and publishes, not another parallel group");
        return std::nullopt;
    }
    c.checkObject(value, at, { "parallel" });
    ParallelStep group;
    if (const Json* steps = c.array(value, at, "parallel", true, "a parallel group needs at least one step")) {
        const std::string stepsAt = JsonChecker::child(at, "parallel");
        for (size_t i = 0; i < steps->size(); ++i) {
            if (auto s = step((*steps)[i], JsonChecker::child(stepsAt, i), caller, true))
                group.steps.push_back(std::move(*s));
        }
        const auto conditional = std::count_if(group.steps.begin(), group.steps.end(), [](const Step& s) {
            const auto* call = std::get_if<CallStep>(&s);
            return call && call->probability < 1.0;
        });
        if (conditional > 0 && group.steps.size() > 64)
            c.error(JsonChecker::child(at, "parallel"),
                "a parallel group with a call 'probability' may hold at most 64 steps, but this one has "
                    + std::to_string(group.steps.size()));
    }
    return group;
}

CallStep Loader::call(const Json& value, const std::string& at, const Caller& caller)
{
    CallStep call;
    std::vector<std::string_view> known { "call", "operation", "kind", "protocol", "timeout_ms", "on_error",
        "probability" };
    known.insert(known.end(), callPolicyKeys().begin(), callPolicyKeys().end());
    c.checkObject(value, at, known);
    const auto service = c.name(value, at, "call", true);
    const auto operation = c.name(value, at, "operation", true);
    const std::string serviceAt = JsonChecker::child(at, "call");
    const auto* callee = checkOperationRef(service, serviceAt, operation, JsonChecker::child(at, "operation"));
    if (service && operation && *service == caller.service && *operation == caller.operation)
        c.error(serviceAt,
            "operation " + JsonChecker::quoted(caller.operation) + " of " + JsonChecker::quoted(caller.service)
                + " calls itself; an operation may not call itself");
    call.service = service.value_or("");
    call.operation = operation.value_or("");
    if (auto kind = c.choice(value, at, "kind", false, { "sync", "async" }))
        call.kind = *kind == 0 ? CallKind::Sync : CallKind::Async;
    if (callee && callee->kind == ServiceKind::Database) call.protocol = "postgresql";
    call.protocol = c.name(value, at, "protocol", false).value_or(call.protocol);
    call.timeout_ms = c.number(value, at, "timeout_ms", false, Bound { 0 }).value_or(call.timeout_ms);
    if (call.kind == CallKind::Async && value.contains("timeout_ms"))
        c.error(JsonChecker::child(at, "timeout_ms"),
            "a timeout only applies to sync calls; an async call does not wait for a reply");
    if (auto onError = c.choice(value, at, "on_error", false, { "fail", "continue" }))
        call.continue_on_error = *onError == 1;
    call.probability = c.number(value, at, "probability", false, Bound { 0 }, Bound { 1 }).value_or(call.probability);
    if (call.kind == CallKind::Sync) {
        loadCallPolicies(c, value, at, call);
    } else {
        for (std::string_view key : callPolicyKeys()) {
            if (value.contains(key))
                c.error(JsonChecker::child(at, key),
                    JsonChecker::quoted(key) + " only applies to sync calls; an async call does not wait for a reply");
        }
    }
    return call;
}

PublishStep Loader::publish(const Json& value, const std::string& at)
{
    PublishStep publish;
    // The messages outlive the check, which keeps views of them.
    std::vector<std::string> messages;
    for (std::string_view key : callPolicyKeys())
        messages.push_back(
            JsonChecker::quoted(key) + " only applies to sync calls; a publish does not wait for a reply");
    std::vector<UnsupportedKey> syncOnly;
    for (size_t i = 0; i < messages.size(); ++i)
        syncOnly.push_back(UnsupportedKey { callPolicyKeys()[i], messages[i] });
    c.checkObject(value, at, { "publish", "message", "poison_probability", "probability" }, syncOnly);
    const auto queue = c.name(value, at, "publish", true);
    checkQueueRef(queue, JsonChecker::child(at, "publish"));
    publish.queue = queue.value_or("");
    publish.message = c.name(value, at, "message", true).value_or("");
    publish.poison_probability = c.number(value, at, "poison_probability", false, Bound { 0 }, Bound { 1 })
                                     .value_or(publish.poison_probability);
    publish.probability
        = c.number(value, at, "probability", false, Bound { 0 }, Bound { 1 }).value_or(publish.probability);
    return publish;
}

Queue Loader::queue(const Json& value, const std::string& at)
{
    Queue q;
    if (!c.checkObject(value, at,
            { "name", "system", "capacity", "overflow", "dead_letter_queue", "delivery_limit", "message_ttl_ms",
                "requeue_on_failure", "consumers" }))
        return q;
    const auto name = c.name(value, at, "name", true);
    const std::string nameAt = JsonChecker::child(at, "name");
    checkUnique(m_seenQueues, name, nameAt, "queue");
    if (auto service = name ? d.services.find(*name) : d.services.end(); service != d.services.end())
        c.error(nameAt,
            "the queue " + JsonChecker::quoted(*name) + " has the same name as the service at "
                + service->second.pointer + "; services, queues and workload clients need distinct names");
    q.name = name.value_or("");
    if (auto system = c.choice(value, at, "system", false, { "rabbitmq", "kafka" }))
        q.system = *system == 0 ? "rabbitmq" : "kafka";
    q.capacity = c.integer(value, at, "capacity", false, 1).value_or(q.capacity);
    if (auto overflow = c.choice(value, at, "overflow", false, { "drop-head", "reject-publish", "reject-publish-dlx" }))
        q.overflow = static_cast<QueueOverflow>(*overflow);
    const auto deadLetters = c.name(value, at, "dead_letter_queue", false);
    checkQueueRef(deadLetters, JsonChecker::child(at, "dead_letter_queue"));
    q.dead_letter_queue = deadLetters.value_or("");
    q.delivery_limit = static_cast<int>(c.integer(value, at, "delivery_limit", false, 0, kIntMax).value_or(0));
    q.message_ttl_ms = c.number(value, at, "message_ttl_ms", false, Bound { 0 }).value_or(q.message_ttl_ms);
    q.requeue_on_failure = c.boolean(value, at, "requeue_on_failure", false).value_or(q.requeue_on_failure);

    const Json* consumers = c.array(value, at, "consumers", false);
    const bool consumersMalformed = value.contains("consumers") && !consumers; // already reported
    // A dead-letter queue is a parking place that may well have no reader; any other queue needs one.
    const bool deadLetterQueue = name && d.deadLetterQueues.count(*name);
    if ((!consumers || consumers->empty()) && !consumersMalformed && !deadLetterQueue)
        c.error(consumers ? JsonChecker::child(at, "consumers") : at,
            "the queue " + JsonChecker::quoted(q.name)
                + " has no consumers, so nothing would ever take a message from it");
    if (!consumers) return q;
    const std::string consumersAt = JsonChecker::child(at, "consumers");
    for (size_t i = 0; i < consumers->size(); ++i) {
        const std::string consumerAt = JsonChecker::child(consumersAt, i);
        const Json& entry = (*consumers)[i];
        if (!c.checkObject(entry, consumerAt, { "service", "operation", "prefetch" })) continue;
        Consumer consumer;
        const auto service = c.name(entry, consumerAt, "service", true);
        const auto operation = c.name(entry, consumerAt, "operation", true);
        checkOperationRef(
            service, JsonChecker::child(consumerAt, "service"), operation, JsonChecker::child(consumerAt, "operation"));
        consumer.service = service.value_or("");
        consumer.operation = operation.value_or("");
        consumer.prefetch
            = static_cast<int>(c.integer(entry, consumerAt, "prefetch", false, 1, kIntMax).value_or(consumer.prefetch));
        q.consumers.push_back(std::move(consumer));
    }
    return q;
}

const Declarations::DeclaredService* Loader::checkOperationRef(const std::optional<std::string>& service,
    const std::string& serviceAt, const std::optional<std::string>& operation, const std::string& operationAt)
{
    if (!service) return nullptr;
    auto it = d.services.find(*service);
    if (it == d.services.end()) {
        c.error(serviceAt,
            "unknown service " + JsonChecker::quoted(*service)
                + JsonChecker::suggestion(*service, views(d.serviceNames)));
        return nullptr;
    }
    const auto& ops = it->second.operations;
    if (operation && std::find(ops.begin(), ops.end(), *operation) == ops.end())
        c.error(operationAt,
            "the service " + JsonChecker::quoted(*service) + " has no operation " + JsonChecker::quoted(*operation)
                + JsonChecker::suggestion(*operation, views(ops)));
    return &it->second;
}

void Loader::checkQueueRef(const std::optional<std::string>& queue, const std::string& at)
{
    if (queue && !d.queues.count(*queue))
        c.error(
            at, "unknown queue " + JsonChecker::quoted(*queue) + JsonChecker::suggestion(*queue, views(d.queueNames)));
}

void Loader::checkUnique(std::unordered_map<std::string, std::string>& seen, const std::optional<std::string>& name,
    const std::string& at, std::string_view what)
{
    if (!name) return;
    auto [first, inserted] = seen.emplace(*name, at);
    if (!inserted)
        c.error(at,
            "another " + std::string(what) + " is already named " + JsonChecker::quoted(*name) + " (at " + first->second
                + ")");
}

} // namespace

std::string ScenarioError::toString() const
{
    return (pointer.empty() ? std::string("(document)") : pointer) + ": " + message;
}

Scenario loadScenarioJson(JsonChecker& checker, const Json& value, const std::string& at, bool& valid)
{
    JsonChecker embedded = checker.subtree(at);
    Scenario scenario = Loader(embedded).load(value);
    const std::vector<ScenarioError> errors = embedded.takeErrors(value);
    for (const ScenarioError& e : errors)
        checker.error(at + e.pointer, e.message);
    valid = errors.empty();
    return scenario;
}

ScenarioLoadResult ScenarioLoader::fromString(std::string_view json)
{
    ScenarioLoadResult result;
    JsonChecker checker;
    const std::optional<Json> root = checker.parse(json);
    if (!root) {
        result.errors = checker.takeErrors(Json());
        return result;
    }
    Scenario scenario = Loader(checker).load(*root);
    result.errors = checker.takeErrors(*root);
    if (result.errors.empty()) result.scenario = std::move(scenario);
    return result;
}

ScenarioLoadResult ScenarioLoader::fromFile(const std::string& path)
{
    std::string why;
    const std::optional<std::string> text = readTextFile(path, kMaxFileBytes, "a scenario file", why);
    if (!text) {
        ScenarioLoadResult result;
        result.errors.push_back(ScenarioError { "", "cannot read " + path + ": " + why });
        return result;
    }
    return fromString(*text);
}

} // namespace faultline
