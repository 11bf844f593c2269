#include "scenario/scenariofork.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace faultline {

namespace {

constexpr double kMinServiceMs = 0.001; ///< a bucket must have some width; 1 µs is below any real span

/// Below this share of requests a call is treated as noise, above 1 - it as always made.
constexpr double kRatioEpsilon = 0.02;

std::string fixed(double v, int digits)
{
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(digits);
    s << v;
    return s.str();
}

ServiceKind serviceKindOf(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Database:
        return ServiceKind::Database;
    case NodeKind::External:
        return ServiceKind::External;
    default:
        return ServiceKind::Service;
    }
}

const EdgeSnapshot* findEdge(const GraphSnapshot& snapshot, const std::string& from, const std::string& to)
{
    const int e = snapshot.findEdge(from, to);
    return e < 0 ? nullptr : &snapshot.edges[static_cast<size_t>(e)];
}

} // namespace

Distribution empiricalFromSamples(std::vector<double> samples, int maxBuckets)
{
    samples.erase(std::remove_if(samples.begin(), samples.end(), [](double v) { return !std::isfinite(v) || v < 0; }),
        samples.end());
    if (samples.empty()) return Distribution::constant(kMinServiceMs);
    std::sort(samples.begin(), samples.end());
    if (samples.front() == samples.back()) return Distribution::constant(samples.front());
    Distribution d;
    d.kind = Distribution::Kind::Empirical;
    d.min_ms = samples.front();
    const size_t n = samples.size();
    // Even quantile steps for the body, finer ones in the tail, where a few samples spread widely.
    std::vector<double> levels;
    const int body = std::max(1, maxBuckets);
    for (int k = 1; k <= body && static_cast<double>(k) / body <= 0.9 + 1e-9; ++k)
        levels.push_back(static_cast<double>(k) / body);
    for (double tail : { 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 1.0 })
        if (levels.empty() || tail > levels.back()) levels.push_back(tail);
    size_t taken = 0;
    for (double level : levels) {
        const size_t end
            = level >= 1.0 ? n : std::min(n, static_cast<size_t>(std::ceil(level * static_cast<double>(n))));
        if (end <= taken) continue;
        // The samples of this quantile range: [first, last] with mean m. A bucket draws uniformly, so the
        // bucket [first, 2m - first] has exactly their mean; a zero-weight bucket bridges any gap before it.
        const double first = samples[taken];
        const double last = samples[end - 1];
        double sum = 0.0;
        for (size_t i = taken; i < end; ++i)
            sum += samples[i];
        const auto count = static_cast<double>(end - taken);
        const double mean = sum / count;
        taken = end;
        const double previous = d.buckets.empty() ? d.min_ms : d.buckets.back().upper_ms;
        const double lower = std::max(first, previous);
        double upper = 2.0 * mean - lower;
        if (first == last && first - kMinServiceMs / 2 > previous) {
            // Equal samples: a sliver of a bucket centred on their value.
            d.buckets.push_back(EmpiricalBucket { first - kMinServiceMs / 2, 0.0 });
            d.buckets.push_back(EmpiricalBucket { first + kMinServiceMs / 2, count });
            continue;
        }
        if (upper <= lower || mean < lower) {
            // The previous bucket already reaches past this one's mean: plain bounds instead.
            upper = std::max(last, previous + kMinServiceMs);
        } else if (lower > previous) {
            d.buckets.push_back(EmpiricalBucket { lower, 0.0 });
        }
        d.buckets.push_back(EmpiricalBucket { upper, count });
    }
    return d;
}

ForkResult forkScenario(
    const GraphSnapshot& snapshot, const std::vector<OperationProfile>& profile, const ForkOptions& options)
{
    ForkResult result;
    Scenario& s = result.scenario;
    s.name = options.name;
    s.seed = options.seed;
    s.duration_s = options.duration_s;
    s.description = "Forked from the " + (snapshot.source.empty() ? std::string("live") : snapshot.source)
        + " graph at t = " + fixed(snapshot.time_s, 1) + " s: services, calls and rates as observed, "
        + "service times fitted to the traces' self times. Concurrency, queue sizes and timeouts are guesses.";

    std::map<std::string, const NodeSnapshot*> nodes;
    for (const NodeSnapshot& n : snapshot.nodes)
        nodes.emplace(n.id, &n);
    auto kindOf = [&](const std::string& id, NodeKind fallback) {
        auto it = nodes.find(id);
        return it == nodes.end() ? fallback : it->second->kind;
    };

    // Services: every profiled operation's service that the graph does not show as a queue or a user.
    std::map<std::string, Service> services;
    std::set<std::string> queueNames;
    for (const NodeSnapshot& n : snapshot.nodes)
        if (n.kind == NodeKind::Queue) queueNames.insert(n.id);
    for (const OperationProfile& p : profile) {
        const NodeKind kind = kindOf(p.service, NodeKind::Service);
        if (kind == NodeKind::User || kind == NodeKind::Queue || p.requests == 0) continue;
        Service& svc = services[p.service];
        svc.name = p.service;
        svc.kind = serviceKindOf(kind);
        Operation op;
        op.name = p.operation;
        op.service_time = empiricalFromSamples(p.self_ms, options.max_buckets);
        const double own = static_cast<double>(p.own_errors) / static_cast<double>(p.requests);
        op.error_probability = own < kRatioEpsilon / 10 ? 0.0 : std::min(1.0, own);
        for (const CallProfile& c : p.calls) {
            double ratio = static_cast<double>(c.count) / static_cast<double>(p.requests);
            int always = static_cast<int>(std::floor(ratio));
            double rest = ratio - always;
            if (rest > 1.0 - kRatioEpsilon) {
                ++always;
                rest = 0.0;
            }
            if (rest < kRatioEpsilon) rest = 0.0;
            auto makeStep = [&](double probability) -> Step {
                if (c.publish) {
                    PublishStep pub;
                    pub.queue = c.callee;
                    pub.message = c.operation;
                    pub.probability = probability;
                    return pub;
                }
                CallStep call;
                call.service = c.callee;
                call.operation = c.operation;
                call.kind = c.kind == SpanKind::Producer ? CallKind::Async : CallKind::Sync;
                call.probability = probability;
                const EdgeSnapshot* edge = findEdge(snapshot, p.service, c.callee);
                if (edge && !edge->protocol.empty())
                    call.protocol = edge->protocol;
                else if (kindOf(c.callee, NodeKind::Service) == NodeKind::Database)
                    call.protocol = "postgresql";
                if (call.kind == CallKind::Sync && edge && edge->breaker) {
                    CircuitBreakerConfig breaker;
                    if (edge->breaker->name != c.callee) breaker.name = edge->breaker->name;
                    call.circuit_breaker = breaker;
                }
                return call;
            };
            if (c.publish && !queueNames.contains(c.callee)) {
                result.notes.push_back(
                    p.service + " publishes to " + c.callee + ", which the graph does not show as a queue; left out");
                continue;
            }
            for (int i = 0; i < always; ++i)
                op.steps.push_back(makeStep(1.0));
            if (rest > 0.0) op.steps.push_back(makeStep(rest));
        }
        svc.operations.push_back(std::move(op));
    }

    // A call to an operation no trace showed served (its server spans were not kept) still needs a target.
    for (auto& [name, svc] : services)
        for (Operation& op : svc.operations)
            for (Step& step : op.steps) {
                auto* call = std::get_if<CallStep>(&step);
                if (!call) continue;
                Service& callee = services[call->service];
                if (callee.name.empty()) {
                    callee.name = call->service;
                    callee.kind = serviceKindOf(kindOf(call->service, NodeKind::External));
                }
                const bool known = std::any_of(callee.operations.begin(), callee.operations.end(),
                    [&](const Operation& o) { return o.name == call->operation; });
                if (!known) {
                    Operation stub;
                    stub.name = call->operation;
                    stub.service_time = Distribution::constant(kMinServiceMs);
                    callee.operations.push_back(stub);
                    result.notes.push_back("no trace showed " + call->service + " serving " + call->operation
                        + "; it answers at once in the fork");
                }
            }
    // A database serves what its callers ask; its operations have no steps.
    for (auto& [name, svc] : services)
        if (svc.kind == ServiceKind::Database)
            for (Operation& op : svc.operations)
                op.steps.clear();

    // Capacity: not observable, so generous enough for four times the observed load.
    for (auto& [name, svc] : services) {
        auto node = nodes.find(name);
        int instances = 1;
        double load = 0.0;
        if (node != nodes.end()) {
            instances = std::max(1, node->second->instances);
            const TrafficStats& t = node->second->traffic;
            if (t.latency.valid) load = t.rps * t.latency.mean_ms / 1000.0;
        }
        svc.instances = instances;
        svc.concurrency = std::max(
            options.min_concurrency, static_cast<int>(std::ceil(4.0 * load / static_cast<double>(instances))));
        svc.queue_capacity = 8 * svc.concurrency;
        result.notes.push_back(name + ": " + std::to_string(instances) + " instance(s) with "
            + std::to_string(svc.concurrency) + " workers and " + std::to_string(svc.queue_capacity)
            + " queue places each (worker pools are not observable)");
    }

    // Queues and their consumers.
    for (const std::string& q : queueNames) {
        Queue queue;
        queue.name = q;
        for (const EdgeSnapshot& e : snapshot.edges) {
            const std::string& from = snapshot.nodes[e.source].id;
            const std::string& to = snapshot.nodes[e.target].id;
            if ((from == q || to == q) && (e.protocol == "kafka" || e.protocol == "rabbitmq"))
                queue.system = e.protocol;
        }
        for (const OperationProfile& p : profile)
            if (p.kind == SpanKind::Consumer && p.queue == q && services.contains(p.service))
                queue.consumers.push_back(Consumer { p.service, p.operation, 10 });
        s.queues.push_back(std::move(queue));
    }

    // Workload: each user node's rate into a service, shared among the operations it entered by.
    for (const EdgeSnapshot& e : snapshot.edges) {
        const NodeSnapshot& from = snapshot.nodes[e.source];
        const NodeSnapshot& to = snapshot.nodes[e.target];
        if (from.kind != NodeKind::User || !services.contains(to.id)) continue;
        if (e.traffic.rps <= 0.0) {
            result.notes.push_back(from.id + " sent nothing to " + to.id + " in the window; left out of the workload");
            continue;
        }
        uint64_t total = 0;
        for (const OperationProfile& p : profile)
            if (p.service == to.id && (p.entry_client == from.id || p.entry_client.empty())) total += p.entry_requests;
        for (const OperationProfile& p : profile) {
            if (p.service != to.id || p.entry_requests == 0 || total == 0) continue;
            if (!(p.entry_client == from.id || p.entry_client.empty())) continue;
            Workload w;
            w.client = from.id;
            w.target = to.id;
            w.operation = p.operation;
            w.protocol = e.protocol.empty() ? "http" : e.protocol;
            w.schedule = { RatePoint {
                0.0, e.traffic.rps * static_cast<double>(p.entry_requests) / static_cast<double>(total), 0.0 } };
            s.workload.push_back(std::move(w));
        }
    }
    if (s.workload.empty()) result.notes.push_back("no traffic from outside was seen: the fork has no workload");

    for (auto& [name, svc] : services)
        s.services.push_back(std::move(svc));
    return result;
}

} // namespace faultline
