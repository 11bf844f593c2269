#include "fleetgen.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <tuple>

namespace faultline::fleetgen {

namespace {

const char* const kDomains[] = { "orders", "payments", "catalog", "cart", "search", "users", "inventory", "shipping",
    "pricing", "reviews", "recommendations", "notifications", "billing", "ledger", "fraud", "accounts", "profile",
    "media", "checkout", "returns", "loyalty", "coupons", "tax", "invoices", "warehouse", "delivery", "tracking",
    "ratings", "wishlist", "sessions", "audit", "reports", "analytics", "subscriptions", "messaging", "support", "geo",
    "content", "ads", "partners" };
const char* const kRoles[] = { "api", "svc", "worker", "reader", "writer", "indexer", "resolver", "engine", "sync",
    "projector", "aggregator", "validator" };
const char* const kHubs[]
    = { "auth", "config", "feature-flags", "session-store", "rate-limiter", "identity", "secrets", "service-registry" };
const char* const kEntries[] = { "web-gateway", "mobile-bff", "partner-gateway", "admin-api", "graphql", "edge-proxy" };
const char* const kExternals[] = { "bank", "sms-provider", "email-provider", "maps-api", "tax-provider", "carrier-api",
    "kyc-provider", "currency-rates" };
const char* const kClients[] = { "web", "mobile", "partners" };

class Random {
public:
    explicit Random(uint64_t seed)
        : m_engine(seed)
    {
    }
    double uniform(double lo = 0.0, double hi = 1.0) { return lo + (hi - lo) * unit(); }
    int below(int n) { return n <= 1 ? 0 : static_cast<int>(m_engine() % static_cast<uint64_t>(n)); }
    bool chance(double p) { return unit() < p; }
    double logUniform(double lo, double hi) { return std::exp(uniform(std::log(lo), std::log(hi))); }

private:
    double unit() { return static_cast<double>(m_engine() >> 11) * 0x1.0p-53; }
    std::mt19937_64 m_engine;
};

std::string uniqueName(std::set<std::string>& used, std::string base)
{
    std::string name = base;
    for (int n = 2; used.count(name); ++n)
        name = base + "-" + std::to_string(n);
    used.insert(name);
    return name;
}

struct Builder {
    Random rng;
    Fleet fleet;
    std::set<std::string> names;
    std::set<std::pair<int, int>> edgeSet;
    std::vector<std::vector<int>> byTier;

    explicit Builder(uint64_t seed)
        : rng(seed)
    {
    }

    int addNode(std::string base, NodeKind kind, int tier, bool shared = false)
    {
        FleetNode n;
        n.name = uniqueName(names, std::move(base));
        n.kind = kind;
        n.tier = tier;
        n.shared = shared;
        fleet.nodes.push_back(n);
        const int id = static_cast<int>(fleet.nodes.size()) - 1;
        if (static_cast<int>(byTier.size()) <= tier) byTier.resize(tier + 1);
        byTier[tier].push_back(id);
        return id;
    }

    bool addEdge(int s, int t)
    {
        if (s == t || edgeSet.count({ s, t })) return false;
        const FleetNode& src = fleet.nodes[s];
        const FleetNode& dst = fleet.nodes[t];
        if (dst.tier <= src.tier || dst.kind == NodeKind::User) return false;
        if (src.kind == NodeKind::Database || src.kind == NodeKind::External) return false;
        edgeSet.insert({ s, t });
        FleetEdge e;
        e.source = s;
        e.target = t;
        e.kind = src.kind == NodeKind::Queue || dst.kind == NodeKind::Queue ? EdgeKind::Async : EdgeKind::Sync;
        if (src.kind == NodeKind::Queue)
            e.protocol = "rabbitmq";
        else if (dst.kind == NodeKind::Queue)
            e.protocol = "rabbitmq";
        else if (dst.kind == NodeKind::Database)
            e.protocol = dst.name.find("cache") != std::string::npos ? "redis" : "postgresql";
        else
            e.protocol = rng.chance(0.5) ? "grpc" : "http";
        if (e.kind == EdgeKind::Sync && src.kind != NodeKind::User && dst.kind != NodeKind::Database
            && rng.chance(0.4)) {
            e.breaker = true;
            const double r = rng.uniform();
            e.breakerState = r < 0.85 ? BreakerState::Closed
                : r < 0.91            ? BreakerState::Open
                : r < 0.96            ? BreakerState::HalfOpen
                : r < 0.98            ? BreakerState::ForcedOpen
                                      : BreakerState::Disabled;
        }
        fleet.edges.push_back(e);
        return true;
    }

    // A node in a deeper tier than `tier`, of a kind a caller there would call; hubs and shared databases
    // are picked far more often, and so are nodes that already have many callers (preferential attachment).
    int pickTarget(int tier, int maxTier)
    {
        for (int attempt = 0; attempt < 16; ++attempt) {
            if (!fleet.edges.empty() && rng.chance(0.45)) {
                const int t = fleet.edges[rng.below(static_cast<int>(fleet.edges.size()))].target;
                if (fleet.nodes[t].tier > tier && fleet.nodes[t].kind != NodeKind::Queue) return t;
                continue;
            }
            const int t = tier + 1 + rng.below(std::min(2, maxTier - tier));
            if (t > maxTier || byTier[t].empty()) continue;
            return byTier[t][rng.below(static_cast<int>(byTier[t].size()))];
        }
        return -1;
    }
};

double healthErrorRate(Health h, Random& rng)
{
    switch (h) {
    case Health::Healthy:
        return rng.uniform(0.0, 0.004);
    case Health::Degraded:
        return rng.uniform(0.01, 0.05);
    case Health::Failing:
        return rng.uniform(0.1, 0.6);
    case Health::Idle:
        return 0.0;
    }
    return 0.0;
}

LatencyStats latencyFor(double p50, Random& rng)
{
    LatencyStats l;
    l.valid = true;
    l.p50_ms = p50;
    l.p95_ms = p50 * rng.uniform(2.0, 3.0);
    l.p99_ms = l.p95_ms * rng.uniform(1.5, 2.5);
    l.mean_ms = p50 * 1.3;
    return l;
}

} // namespace

Fleet generate(const Options& options)
{
    Builder b(options.seed);
    const int n = std::max(options.services, 8);
    const int queues = std::max(1, static_cast<int>(std::lround(n * 0.05)));
    const int databases = std::max(1, static_cast<int>(std::lround(n * 0.08)));
    const int externals = std::max(1, static_cast<int>(std::lround(n * 0.02)));
    const int hubs = std::clamp(n / 40, 1, 8);
    const int entries = std::max(2, static_cast<int>(std::lround(std::sqrt(n) / 3.0)));
    const int mid = std::max(1, n - queues - databases - externals - hubs - entries);
    const int midTiers = std::clamp(static_cast<int>(std::lround(std::log10(n) * 1.5)), 2, 7);
    const int hubTier = midTiers + 2;
    const int bottomTier = hubTier + 1;
    const int clients = n < 20 ? 1 : 3;
    constexpr int kDomainCount = static_cast<int>(std::size(kDomains));
    constexpr int kRoleCount = static_cast<int>(std::size(kRoles));

    for (int i = 0; i < clients; ++i)
        b.addNode(kClients[i], NodeKind::User, 0);
    for (int i = 0; i < entries; ++i)
        b.addNode(kEntries[i % std::size(kEntries)], NodeKind::Service, 1);
    for (int i = 0; i < mid; ++i) {
        // More services in the middle tiers than at the top or bottom.
        const double u = (b.rng.uniform() + b.rng.uniform()) / 2.0;
        const int tier = 2 + std::min(midTiers - 1, static_cast<int>(u * midTiers));
        b.addNode(std::string(kDomains[b.rng.below(kDomainCount)]) + "-" + kRoles[b.rng.below(kRoleCount)],
            NodeKind::Service, tier);
    }
    for (int i = 0; i < hubs; ++i)
        b.addNode(kHubs[i], NodeKind::Service, hubTier, true);
    for (int i = 0; i < databases; ++i) {
        const bool shared = i < std::max(1, databases / 10);
        const std::string base = shared
            ? (i == 0 ? "main-db" : "shared-db")
            : std::string(kDomains[b.rng.below(kDomainCount)]) + (b.rng.chance(0.25) ? "-cache" : "-db");
        b.addNode(base, NodeKind::Database, bottomTier, shared);
    }
    for (int i = 0; i < externals; ++i)
        b.addNode(kExternals[i % std::size(kExternals)], NodeKind::External, bottomTier);
    for (int i = 0; i < queues; ++i) {
        const int tier = 2 + b.rng.below(std::max(1, midTiers - 1));
        const char* suffix[] = { "-events", "-jobs", "-commands" };
        b.addNode(std::string(kDomains[b.rng.below(kDomainCount)]) + suffix[b.rng.below(3)], NodeKind::Queue, tier);
    }
    auto& nodes = b.fleet.nodes;
    const int total = static_cast<int>(nodes.size());

    // Every client reaches some entry points, and every entry point has a client.
    for (int i = 0; i < entries; ++i)
        b.addEdge(b.byTier[0][i % clients], b.byTier[1][i]);
    if (clients > 1)
        for (int i = 0; i < entries; i += 2)
            b.addEdge(b.byTier[0][0], b.byTier[1][i]);

    // Every other node gets at least one caller from a shallower tier: a queue its producer, a consumer its
    // queue (a service whose only caller is a queue is what "collapse consumers" folds away).
    auto callerIn = [&](int lo, int hi) {
        for (int attempt = 0; attempt < 32; ++attempt) {
            const int t = lo + b.rng.below(hi - lo + 1);
            if (t >= static_cast<int>(b.byTier.size()) || b.byTier[t].empty()) continue;
            const int c = b.byTier[t][b.rng.below(static_cast<int>(b.byTier[t].size()))];
            if (nodes[c].kind == NodeKind::Service) return c;
        }
        return b.byTier[1][0];
    };
    for (int v = 0; v < total; ++v) {
        const FleetNode& node = nodes[v];
        if (node.tier <= 1) continue;
        if (node.kind == NodeKind::Queue) {
            b.addEdge(callerIn(1, node.tier - 1), v);
            // Consumers: one to three services below the queue.
            const int consumers = 1 + b.rng.below(3);
            for (int c = 0; c < consumers; ++c) {
                const int tier = node.tier + 1 + b.rng.below(std::max(1, midTiers + 1 - node.tier));
                if (tier > midTiers + 1 || b.byTier[tier].empty()) continue;
                const int consumer = b.byTier[tier][b.rng.below(static_cast<int>(b.byTier[tier].size()))];
                if (nodes[consumer].kind == NodeKind::Service) b.addEdge(v, consumer);
            }
        }
    }
    std::vector<int> inDegree(total, 0);
    for (const auto& e : b.fleet.edges)
        ++inDegree[e.target];
    for (int v = 0; v < total; ++v)
        if (nodes[v].tier > 1 && inDegree[v] == 0)
            b.addEdge(callerIn(std::max(1, nodes[v].tier - (nodes[v].tier >= hubTier ? 3 : 1)), nodes[v].tier - 1), v);

    // The rest of the calls: every service calls downwards until the fleet has its share of edges. Hubs
    // (auth, config...) are called from every tier; services also reach databases and third parties.
    const auto wanted = static_cast<size_t>(options.edgesPerService * n);
    std::vector<int> callers;
    for (int v = 0; v < total; ++v)
        if (nodes[v].kind == NodeKind::Service && nodes[v].tier >= 1 && nodes[v].tier <= hubTier) callers.push_back(v);
    for (int guard = 0; b.fleet.edges.size() < wanted && guard < static_cast<int>(wanted) * 20; ++guard) {
        const int s = callers[b.rng.below(static_cast<int>(callers.size()))];
        const int tier = nodes[s].tier;
        int t = -1;
        const double r = b.rng.uniform();
        if (tier < hubTier && r < 0.22) {
            t = b.byTier[hubTier][std::min(b.rng.below(hubs), b.rng.below(hubs))]; // auth most of all
        } else if (r < 0.40) {
            const auto& bottom = b.byTier[bottomTier];
            t = b.rng.chance(0.35) ? bottom[b.rng.below(std::max(1, databases / 10))]
                                   : bottom[b.rng.below(static_cast<int>(bottom.size()))];
        } else if (tier >= 1 && tier < midTiers && r < 0.45) {
            for (int q : b.byTier[std::min(tier + 1, midTiers + 1)])
                if (nodes[q].kind == NodeKind::Queue) {
                    t = q;
                    break;
                }
        } else if (tier < hubTier) {
            t = b.pickTarget(tier, midTiers + 1);
        }
        if (t >= 0) b.addEdge(s, t);
    }

    // Health: mostly healthy, a few degraded or failing, the odd idle one.
    for (auto& node : nodes) {
        if (node.kind == NodeKind::User) continue;
        const double r = b.rng.uniform();
        node.health = r < 0.90 ? Health::Healthy
            : r < 0.96         ? Health::Degraded
            : r < 0.99         ? Health::Failing
                               : (node.tier <= 1 ? Health::Healthy : Health::Idle);
    }

    // Rates flow downwards tier by tier: each call carries a share of its caller's rate.
    b.fleet.rps.assign(total, 0.0);
    std::vector<std::vector<int>> out(total);
    for (int e = 0; e < static_cast<int>(b.fleet.edges.size()); ++e)
        out[b.fleet.edges[e].source].push_back(e);
    std::vector<int> order(total);
    for (int v = 0; v < total; ++v)
        order[v] = v;
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return nodes[x].tier < nodes[y].tier; });
    for (int v : order) {
        if (nodes[v].kind == NodeKind::User) b.fleet.rps[v] = b.rng.logUniform(50, 400);
        if (nodes[v].health == Health::Idle) b.fleet.rps[v] = 0.0;
        for (int e : out[v]) {
            const double share
                = nodes[v].kind == NodeKind::Queue ? 1.0 / static_cast<double>(out[v].size()) : b.rng.uniform(0.2, 1.0);
            b.fleet.rps[b.fleet.edges[e].target] += b.fleet.rps[v] * share;
        }
    }
    for (int v = 0; v < total; ++v)
        nodes[v].instances = nodes[v].kind == NodeKind::User || nodes[v].kind == NodeKind::Queue
            ? 0
            : std::clamp(static_cast<int>(std::ceil(b.fleet.rps[v] / 400.0)), 1, 64);
    return b.fleet;
}

std::shared_ptr<GraphSnapshot> toSnapshot(const Fleet& fleet)
{
    Random rng(0x5eed);
    auto s = std::make_shared<GraphSnapshot>();
    s->source = "simulation";
    s->sequence = 1;
    s->time_s = 60.0;
    const int total = static_cast<int>(fleet.nodes.size());
    std::vector<int> order(total);
    for (int v = 0; v < total; ++v)
        order[v] = v;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return fleet.nodes[a].name < fleet.nodes[b].name; });
    std::vector<uint32_t> index(total);
    for (int i = 0; i < total; ++i)
        index[order[i]] = static_cast<uint32_t>(i);

    std::vector<double> p50(total, 0.0);
    std::vector<double> errors(total, 0.0);
    for (int i = 0; i < total; ++i) {
        const int v = order[i];
        const FleetNode& f = fleet.nodes[v];
        NodeSnapshot n;
        n.id = f.name;
        n.kind = f.kind;
        n.instances = f.instances;
        n.health = f.kind == NodeKind::User ? Health::Healthy : f.health;
        const double rps = fleet.rps[v];
        if (rps <= 0.0 && f.kind != NodeKind::User) n.health = Health::Idle;
        p50[v] = f.kind == NodeKind::Database ? rng.logUniform(0.5, 5)
            : f.kind == NodeKind::External    ? rng.logUniform(40, 300)
            : f.kind == NodeKind::Queue       ? rng.logUniform(1, 20)
                                              : rng.logUniform(2, 40);
        if (n.health == Health::Degraded) p50[v] *= 3.0;
        errors[v] = healthErrorRate(n.health, rng);
        if (f.kind != NodeKind::User && rps > 0.0) {
            n.traffic.rps = rps;
            n.traffic.error_rate = errors[v];
            n.traffic.latency = latencyFor(p50[v], rng);
            n.traffic.totals.requests = static_cast<uint64_t>(rps * 60.0);
            n.traffic.totals.errors = static_cast<uint64_t>(rps * 60.0 * errors[v]);
            n.in_flight = rps * p50[v] / 1000.0;
        }
        if (f.kind == NodeKind::Queue) {
            QueueInfo q;
            q.ready = n.health == Health::Healthy ? rng.uniform(0, 40) : rng.logUniform(500, 50000);
            q.unacked = rng.uniform(0, 20);
            q.depth = q.ready + q.unacked;
            n.queue = q;
        }
        s->nodes.push_back(std::move(n));
    }
    for (const FleetEdge& f : fleet.edges) {
        EdgeSnapshot e;
        e.source = index[f.source];
        e.target = index[f.target];
        e.kind = f.kind;
        e.protocol = f.protocol;
        const NodeSnapshot& target = s->nodes[e.target];
        const double rps = std::min(fleet.rps[f.source], fleet.rps[f.target]) * rng.uniform(0.3, 1.0);
        e.health = rps > 0.0 ? (target.health == Health::Idle ? Health::Healthy : target.health) : Health::Idle;
        if (rps > 0.0) {
            e.traffic.rps = rps;
            e.traffic.error_rate = std::min(1.0, errors[f.target] * rng.uniform(0.8, 1.2));
            e.traffic.latency = latencyFor(p50[f.target] + rng.uniform(0.3, 2.0), rng);
            e.server_latency = latencyFor(p50[f.target], rng);
        }
        if (f.breaker) {
            BreakerInfo br;
            br.name = fleet.nodes[f.target].name;
            br.state = f.breakerState;
            br.failure_rate = e.traffic.error_rate * 100.0;
            br.slow_call_rate = 0.0;
            if (br.state == BreakerState::Open || br.state == BreakerState::ForcedOpen) {
                br.not_permitted_calls = static_cast<uint64_t>(rps * 30.0);
                e.health = Health::Failing;
                e.traffic.error_rate = 1.0;
            } else if (br.state == BreakerState::HalfOpen) {
                e.health = Health::Degraded;
            }
            e.breaker = br;
        }
        s->edges.push_back(std::move(e));
    }
    std::sort(s->edges.begin(), s->edges.end(), [&](const EdgeSnapshot& a, const EdgeSnapshot& b) {
        return std::tie(a.source, a.target, a.kind) < std::tie(b.source, b.target, b.kind);
    });
    return s;
}

std::string toScenarioJson(const Fleet& fleet, const std::string& name)
{
    using json = nlohmann::ordered_json;
    Random rng(0x5cea);
    const int total = static_cast<int>(fleet.nodes.size());
    std::vector<std::vector<int>> out(total);
    for (int e = 0; e < static_cast<int>(fleet.edges.size()); ++e)
        out[fleet.edges[e].source].push_back(e);

    // Each service has one operation per two outgoing calls; each call goes to one operation of its callee.
    // Incoming calls are spread over the callee's operations so that every operation has a caller.
    std::vector<int> inDegree(total, 0);
    for (const auto& e : fleet.edges)
        ++inDegree[e.target];
    std::vector<int> ops(total, 1);
    for (int v = 0; v < total; ++v)
        if (fleet.nodes[v].kind == NodeKind::Service || fleet.nodes[v].kind == NodeKind::External)
            ops[v] = std::clamp(static_cast<int>((out[v].size() + 1) / 2), 1, std::max(1, inDegree[v]));
    auto opName = [&](int v, int i) {
        return fleet.nodes[v].kind == NodeKind::Database ? std::string("query") : "op" + std::to_string(i);
    };
    std::vector<int> calleeOp(fleet.edges.size(), 0);
    std::vector<int> seen(total, 0);
    for (size_t e = 0; e < fleet.edges.size(); ++e)
        calleeOp[e] = seen[fleet.edges[e].target]++ % ops[fleet.edges[e].target];
    std::vector<double> median(total);
    for (int v = 0; v < total; ++v) {
        const FleetNode& f = fleet.nodes[v];
        median[v] = f.kind == NodeKind::Database ? rng.uniform(0.5, 3)
            : f.kind == NodeKind::External       ? rng.uniform(30, 120)
                                                 : rng.uniform(1, 6);
        if (f.health == Health::Degraded || f.health == Health::Failing) median[v] *= 3.0;
    }

    // Rates per operation, and a rough latency per operation (own time plus its sequential sync calls), to
    // size instances so that the fleet runs without collapsing on its own.
    std::vector<int> order(total);
    for (int v = 0; v < total; ++v)
        order[v] = v;
    std::stable_sort(
        order.begin(), order.end(), [&](int a, int b) { return fleet.nodes[a].tier < fleet.nodes[b].tier; });
    std::vector<std::vector<double>> opLatency(total);
    for (int v = 0; v < total; ++v)
        opLatency[v].assign(ops[v], median[v] * 1.4);
    for (auto it = order.rbegin(); it != order.rend(); ++it)
        for (size_t k = 0; k < out[*it].size(); ++k) {
            const int e = out[*it][k];
            const FleetEdge& f = fleet.edges[e];
            if (f.kind == EdgeKind::Sync && fleet.nodes[*it].kind != NodeKind::User)
                opLatency[*it][k % ops[*it]] += opLatency[f.target][calleeOp[e]];
        }
    std::vector<std::vector<double>> opRate(total);
    for (int v = 0; v < total; ++v)
        opRate[v].assign(ops[v], 0.0);
    json workload = json::array();
    const int entryCount = static_cast<int>(std::count_if(
        fleet.edges.begin(), fleet.edges.end(), [&](const FleetEdge& e) { return fleet.nodes[e.source].tier == 0; }));
    const double entryRate = std::max(1.0, std::max(200.0, 1.0 * total) / std::max(1, entryCount));
    for (int v : order) {
        const FleetNode& f = fleet.nodes[v];
        for (size_t k = 0; k < out[v].size(); ++k) {
            const int e = out[v][k];
            const FleetEdge& edge = fleet.edges[e];
            if (f.kind == NodeKind::User) {
                workload.push_back({ { "client", f.name }, { "target", fleet.nodes[edge.target].name },
                    { "operation", opName(edge.target, calleeOp[e]) },
                    { "rate_rps", std::round(entryRate * 10) / 10 } });
                opRate[edge.target][calleeOp[e]] += entryRate;
            } else if (f.kind == NodeKind::Queue) {
                opRate[edge.target][calleeOp[e]] += opRate[v][0];
            } else {
                opRate[edge.target][calleeOp[e]] += opRate[v][k % ops[v]];
            }
        }
    }

    json services = json::array();
    json queues = json::array();
    for (int v = 0; v < total; ++v) {
        const FleetNode& f = fleet.nodes[v];
        if (f.kind == NodeKind::User) continue;
        if (f.kind == NodeKind::Queue) {
            json consumers = json::array();
            for (int e : out[v])
                consumers.push_back({ { "service", fleet.nodes[fleet.edges[e].target].name },
                    { "operation", opName(fleet.edges[e].target, calleeOp[e]) }, { "prefetch", 20 } });
            queues.push_back({ { "name", f.name }, { "system", "rabbitmq" }, { "consumers", consumers } });
            continue;
        }
        double busy = 0.0;
        json operations = json::array();
        for (int i = 0; i < ops[v]; ++i) {
            busy += opRate[v][i] * opLatency[v][i] / 1000.0;
            json op = { { "name", opName(v, i) },
                { "service_time_ms",
                    { { "dist", "lognormal" }, { "median", std::round(median[v] * 100) / 100 },
                        { "p99", std::round(median[v] * 800) / 100 } } } };
            if (f.health == Health::Degraded) op["error_probability"] = 0.03;
            if (f.health == Health::Failing) op["error_probability"] = 0.25;
            json steps = json::array();
            for (size_t k = 0; k < out[v].size(); ++k) {
                if (static_cast<int>(k % ops[v]) != i) continue;
                const int e = out[v][k];
                const FleetEdge& edge = fleet.edges[e];
                const FleetNode& t = fleet.nodes[edge.target];
                if (t.kind == NodeKind::Queue) {
                    steps.push_back({ { "publish", t.name }, { "message", "Event" } });
                    continue;
                }
                json call = { { "call", t.name }, { "operation", opName(edge.target, calleeOp[e]) },
                    { "protocol", edge.protocol },
                    { "timeout_ms", std::ceil(opLatency[edge.target][calleeOp[e]] * 6.0 + 100.0) } };
                if (edge.breaker)
                    call["circuit_breaker"] = { { "flavor", "resilience4j" }, { "sliding_window_size", 50 },
                        { "minimum_number_of_calls", 20 }, { "wait_duration_in_open_state_ms", 10000 } };
                steps.push_back(call);
            }
            if (!steps.empty()) op["steps"] = steps;
            operations.push_back(op);
        }
        const int concurrency = 32;
        const int instances = std::clamp(static_cast<int>(std::ceil(busy * 2.0 / concurrency)), 1, 64);
        json service = { { "name", f.name } };
        if (f.kind == NodeKind::Database) service["kind"] = "database";
        if (f.kind == NodeKind::External) service["kind"] = "external";
        service["instances"] = instances;
        service["concurrency"] = concurrency;
        service["queue_capacity"] = 256;
        service["operations"] = operations;
        services.push_back(service);
    }
    json doc = { { "format", "faultline.scenario/1" }, { "name", name },
        { "description",
            "A synthetic fleet from bench/fleetgen: tiers of services with hubs, queues, databases and third "
            "parties, breakers on a share of the calls, a few degraded or failing services." },
        { "seed", 1 }, { "duration_s", 300 }, { "workload", workload }, { "services", services },
        { "queues", queues } };
    return doc.dump(1);
}

} // namespace faultline::fleetgen
