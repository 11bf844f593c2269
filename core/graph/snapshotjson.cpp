#include "graph/snapshotjson.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

namespace faultline {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kFormat = "faultline.snapshot/1";

/// Rounds for stable, readable output: 4 decimals, or 4 significant digits for magnitudes below 0.01
/// (error rates near the 0.1 % threshold keep their meaning). Idempotent, so files round-trip exactly.
double tidy(double v)
{
    if (!std::isfinite(v)) return 0.0;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, std::fabs(v) < 0.01 ? "%.4g" : "%.4f", v);
    const double r = std::strtod(buffer, nullptr);
    return r == 0.0 ? 0.0 : r; // no "-0.0"
}

Json number(double v)
{
    return Json(tidy(v));
}

void writeLatency(Json& j, const LatencyStats& l, std::string_view prefix)
{
    const auto key = [&](const char* name) { return std::string(prefix) + name; };
    j[key("mean_ms")] = l.valid ? number(l.mean_ms) : Json(nullptr);
    j[key("p50_ms")] = l.valid ? number(l.p50_ms) : Json(nullptr);
    j[key("p95_ms")] = l.valid ? number(l.p95_ms) : Json(nullptr);
    j[key("p99_ms")] = l.valid ? number(l.p99_ms) : Json(nullptr);
}

Json totalsJson(const Totals& t)
{
    Json j = Json::object();
    j["requests"] = t.requests;
    j["errors"] = t.errors;
    j["mean_ms"] = t.requests > 0 ? number(t.mean_ms) : Json(nullptr);
    return j;
}

Json breakerJson(const BreakerInfo& b)
{
    Json j = Json::object();
    j["state"] = std::string(toString(b.state));
    j["failure_rate"] = b.failure_rate >= 0.0 ? number(b.failure_rate) : Json(nullptr);
    j["slow_call_rate"] = b.slow_call_rate >= 0.0 ? number(b.slow_call_rate) : Json(nullptr);
    j["not_permitted_calls"] = b.not_permitted_calls;
    j["name"] = b.name;
    return j;
}

// ---- reading ----

struct ReadError {
    std::string message;
};

const Json& field(const Json& j, const char* key, const std::string& where)
{
    if (!j.is_object() || !j.contains(key)) throw ReadError { where + ": missing \"" + key + "\"" };
    return j.at(key);
}

double readNumber(const Json& j, const char* key, const std::string& where, double ifNull = 0.0)
{
    if (!j.contains(key)) return ifNull;
    const Json& v = j.at(key);
    if (v.is_null()) return ifNull;
    if (!v.is_number()) throw ReadError { where + "/" + key + ": expected a number" };
    return v.get<double>();
}

uint64_t readCount(const Json& j, const char* key, const std::string& where)
{
    if (!j.contains(key) || j.at(key).is_null()) return 0;
    const Json& v = j.at(key);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        throw ReadError { where + "/" + key + ": expected a non-negative integer" };
    return v.get<uint64_t>();
}

std::string readString(const Json& j, const char* key, const std::string& where)
{
    const Json& v = field(j, key, where);
    if (!v.is_string()) throw ReadError { where + "/" + key + ": expected a string" };
    return v.get<std::string>();
}

LatencyStats readLatency(const Json& j, std::string_view prefix)
{
    LatencyStats l;
    const std::string mean = std::string(prefix) + "mean_ms";
    if (!j.contains(mean) || !j.at(mean).is_number()) return l;
    l.valid = true;
    l.mean_ms = j.at(mean).get<double>();
    const auto get = [&](const char* name) {
        const std::string key = std::string(prefix) + name;
        return j.contains(key) && j.at(key).is_number() ? j.at(key).get<double>() : 0.0;
    };
    l.p50_ms = get("p50_ms");
    l.p95_ms = get("p95_ms");
    l.p99_ms = get("p99_ms");
    return l;
}

Totals readTotals(const Json& j, const std::string& where)
{
    Totals t;
    if (!j.contains("totals")) return t;
    const Json& o = j.at("totals");
    t.requests = readCount(o, "requests", where + "/totals");
    t.errors = readCount(o, "errors", where + "/totals");
    t.mean_ms = readNumber(o, "mean_ms", where + "/totals");
    return t;
}

BreakerInfo readBreaker(const Json& j, const std::string& where)
{
    BreakerInfo b;
    b.name = j.contains("name") && j.at("name").is_string() ? j.at("name").get<std::string>() : std::string();
    const auto state = breakerStateFromString(readString(j, "state", where));
    if (!state) throw ReadError { where + "/state: unknown breaker state" };
    b.state = *state;
    b.failure_rate = readNumber(j, "failure_rate", where, -1.0);
    b.slow_call_rate = readNumber(j, "slow_call_rate", where, -1.0);
    b.not_permitted_calls = readCount(j, "not_permitted_calls", where);
    return b;
}

Health readHealth(const Json& j, const std::string& where)
{
    if (!j.contains("health")) return Health::Idle;
    const std::string h = readString(j, "health", where);
    for (Health candidate : { Health::Healthy, Health::Degraded, Health::Failing, Health::Idle })
        if (toString(candidate) == h) return candidate;
    throw ReadError { where + "/health: unknown health \"" + h + "\"" };
}

TrafficStats readTraffic(const Json& j, const std::string& where)
{
    TrafficStats t;
    t.rps = readNumber(j, "rps", where);
    t.error_rate = readNumber(j, "error_rate", where);
    t.latency = readLatency(j, "");
    t.totals = readTotals(j, where);
    return t;
}

GraphSnapshot read(const Json& root)
{
    GraphSnapshot s;
    if (readString(root, "format", "") != kFormat)
        throw ReadError { "/format: expected \"" + std::string(kFormat) + "\"" };
    s.source = readString(root, "source", "");
    s.sequence = readCount(root, "sequence", "");
    s.time_s = readNumber(root, "time_s", "");
    s.window_s = readNumber(root, "window_s", "", 10.0);

    std::unordered_map<std::string, uint32_t> indexOf;
    const Json& nodes = field(root, "nodes", "");
    if (!nodes.is_array()) throw ReadError { "/nodes: expected an array" };
    for (size_t i = 0; i < nodes.size(); ++i) {
        const Json& n = nodes[i];
        const std::string where = "/nodes/" + std::to_string(i);
        NodeSnapshot& node = s.nodes.emplace_back();
        node.id = readString(n, "id", where);
        const auto kind = nodeKindFromString(readString(n, "kind", where));
        if (!kind) throw ReadError { where + "/kind: unknown node kind" };
        node.kind = *kind;
        node.virtual_node = n.contains("virtual") && n.at("virtual").is_boolean() && n.at("virtual").get<bool>();
        node.instances = static_cast<int>(readCount(n, "instances", where));
        node.in_flight = readNumber(n, "in_flight", where);
        node.health = readHealth(n, where);
        node.traffic = readTraffic(n, where);
        if (n.contains("depth")) {
            QueueInfo q;
            q.depth = readNumber(n, "depth", where);
            q.ready = readNumber(n, "ready", where);
            q.unacked = readNumber(n, "unacked", where);
            q.dead_lettered = readCount(n, "dead_lettered", where);
            q.dropped = readCount(n, "dropped", where);
            if (!n.at("depth").is_null()) node.queue = q;
        }
        if (n.contains("breakers")) {
            const Json& breakers = n.at("breakers");
            for (size_t b = 0; b < breakers.size(); ++b)
                node.breakers.push_back(readBreaker(breakers[b], where + "/breakers/" + std::to_string(b)));
        }
        if (n.contains("ejections_active") && !n.at("ejections_active").is_null())
            node.ejections_active = readNumber(n, "ejections_active", where);
        if (!indexOf.emplace(node.id, static_cast<uint32_t>(i)).second)
            throw ReadError { where + "/id: duplicate node id \"" + node.id + "\"" };
    }

    const Json& edges = field(root, "edges", "");
    if (!edges.is_array()) throw ReadError { "/edges: expected an array" };
    for (size_t i = 0; i < edges.size(); ++i) {
        const Json& e = edges[i];
        const std::string where = "/edges/" + std::to_string(i);
        EdgeSnapshot& edge = s.edges.emplace_back();
        for (const char* end : { "source", "target" }) {
            const std::string id = readString(e, end, where);
            auto it = indexOf.find(id);
            if (it == indexOf.end()) throw ReadError { where + "/" + end + ": no node \"" + id + "\"" };
            (end[0] == 's' ? edge.source : edge.target) = it->second;
        }
        const std::string kind = readString(e, "kind", where);
        if (kind != "sync" && kind != "async") throw ReadError { where + "/kind: expected sync or async" };
        edge.kind = kind == "sync" ? EdgeKind::Sync : EdgeKind::Async;
        edge.protocol = e.contains("protocol") && e.at("protocol").is_string() ? e.at("protocol").get<std::string>()
                                                                               : std::string();
        edge.health = readHealth(e, where);
        edge.traffic = readTraffic(e, where);
        edge.server_latency = readLatency(e, "server_");
        if (e.contains("breaker") && !e.at("breaker").is_null())
            edge.breaker = readBreaker(e.at("breaker"), where + "/breaker");
        if (e.contains("ejections_active") && !e.at("ejections_active").is_null())
            edge.ejections_active = readNumber(e, "ejections_active", where);
    }

    if (root.contains("pipeline")) {
        const Json& p = root.at("pipeline");
        PipelineCounters& c = s.counters;
        c.spans_received = readCount(p, "spans_received", "/pipeline");
        c.metric_points_received = readCount(p, "metric_points_received", "/pipeline");
        c.edges_observed = readCount(p, "edges_observed", "/pipeline");
        c.unpaired_expired = readCount(p, "unpaired_expired", "/pipeline");
        c.pairing_evicted = readCount(p, "pairing_evicted", "/pipeline");
        c.pairing_pending = readCount(p, "pairing_pending", "/pipeline");
        c.spans_dropped = readCount(p, "spans_dropped", "/pipeline");
        c.late_observations = readCount(p, "late_observations", "/pipeline");
        c.cardinality_rejected = readCount(p, "cardinality_rejected", "/pipeline");
    }
    return s;
}

} // namespace

std::string snapshotToJson(const GraphSnapshot& snapshot, int indent)
{
    Json root = Json::object();
    root["format"] = kFormat;
    root["source"] = snapshot.source;
    root["sequence"] = snapshot.sequence;
    root["time_s"] = number(snapshot.time_s);
    root["window_s"] = number(snapshot.window_s);

    Json nodes = Json::array();
    for (const NodeSnapshot& n : snapshot.nodes) {
        Json j = Json::object();
        j["id"] = n.id;
        j["kind"] = std::string(toString(n.kind));
        j["virtual"] = n.virtual_node;
        j["instances"] = n.instances;
        j["rps"] = number(n.traffic.rps);
        j["error_rate"] = number(n.traffic.error_rate);
        writeLatency(j, n.traffic.latency, "");
        j["in_flight"] = number(n.in_flight);
        j["health"] = std::string(toString(n.health));
        j["totals"] = totalsJson(n.traffic.totals);
        if (n.kind == NodeKind::Queue || n.queue) {
            // Queue figures come from metrics; null until the broker (or simulator) reported them.
            const bool known = n.queue.has_value();
            const QueueInfo q = n.queue.value_or(QueueInfo {});
            j["depth"] = known ? number(q.depth) : Json(nullptr);
            j["ready"] = known ? number(q.ready) : Json(nullptr);
            j["unacked"] = known ? number(q.unacked) : Json(nullptr);
            j["dead_lettered"] = known ? Json(q.dead_lettered) : Json(nullptr);
            j["dropped"] = known ? Json(q.dropped) : Json(nullptr);
        }
        Json breakers = Json::array();
        for (const BreakerInfo& b : n.breakers)
            breakers.push_back(breakerJson(b));
        j["breakers"] = std::move(breakers);
        if (n.ejections_active) j["ejections_active"] = number(*n.ejections_active);
        nodes.push_back(std::move(j));
    }
    root["nodes"] = std::move(nodes);

    Json edges = Json::array();
    for (const EdgeSnapshot& e : snapshot.edges) {
        Json j = Json::object();
        const auto idOf
            = [&](uint32_t index) { return index < snapshot.nodes.size() ? snapshot.nodes[index].id : std::string(); };
        j["source"] = idOf(e.source);
        j["target"] = idOf(e.target);
        j["kind"] = std::string(toString(e.kind));
        j["protocol"] = e.protocol;
        j["rps"] = number(e.traffic.rps);
        j["error_rate"] = number(e.traffic.error_rate);
        writeLatency(j, e.traffic.latency, "");
        writeLatency(j, e.server_latency, "server_");
        j["health"] = std::string(toString(e.health));
        j["breaker"] = e.breaker ? breakerJson(*e.breaker) : Json(nullptr);
        j["totals"] = totalsJson(e.traffic.totals);
        if (e.ejections_active) j["ejections_active"] = number(*e.ejections_active);
        edges.push_back(std::move(j));
    }
    root["edges"] = std::move(edges);

    const PipelineCounters& c = snapshot.counters;
    Json pipeline = Json::object();
    pipeline["spans_received"] = c.spans_received;
    pipeline["metric_points_received"] = c.metric_points_received;
    pipeline["edges_observed"] = c.edges_observed;
    pipeline["unpaired_expired"] = c.unpaired_expired;
    pipeline["pairing_evicted"] = c.pairing_evicted;
    pipeline["pairing_pending"] = c.pairing_pending;
    pipeline["spans_dropped"] = c.spans_dropped;
    pipeline["late_observations"] = c.late_observations;
    pipeline["cardinality_rejected"] = c.cardinality_rejected;
    root["pipeline"] = std::move(pipeline);

    return root.dump(indent < 0 ? -1 : indent); // no trailing newline: callers writing files add their own
}

std::optional<GraphSnapshot> snapshotFromJson(std::string_view json, std::string* error)
{
    try {
        return read(Json::parse(json.begin(), json.end()));
    } catch (const ReadError& e) {
        if (error) *error = e.message.empty() ? std::string("invalid snapshot") : e.message;
    } catch (const nlohmann::json::exception& e) {
        if (error) *error = e.what();
    }
    return std::nullopt;
}

} // namespace faultline
