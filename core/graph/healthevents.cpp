#include "graph/healthevents.h"

#include <cmath>
#include <tuple>

namespace faultline {

std::string_view toString(HealthEventKind kind)
{
    switch (kind) {
    case HealthEventKind::NodeHealth:
        return "node_health";
    case HealthEventKind::EdgeHealth:
        return "edge_health";
    case HealthEventKind::DeadLettering:
        return "dead_lettering";
    case HealthEventKind::Ejection:
        return "ejection";
    case HealthEventKind::EjectionEnded:
        return "ejection_ended";
    }
    return "unknown";
}

std::string HealthEvent::describe() const
{
    const std::string subject = isEdge() ? node + " -> " + target : node;
    switch (kind) {
    case HealthEventKind::NodeHealth:
    case HealthEventKind::EdgeHealth:
        return subject + ": " + std::string(toString(from)) + " -> " + std::string(toString(to));
    case HealthEventKind::DeadLettering:
        return subject + " dead-lettered " + std::to_string(count) + (count == 1 ? " message" : " messages");
    case HealthEventKind::Ejection: {
        const auto now = static_cast<long long>(std::llround(now_ejected));
        return (isEdge() ? node + " ejected " + std::to_string(count) + " of " + target + "'s instances"
                         : node + " ejected " + std::to_string(count) + (count == 1 ? " instance" : " instances"))
            + " (" + std::to_string(now) + " out now)";
    }
    case HealthEventKind::EjectionEnded:
        return isEdge() ? node + " took every instance of " + target + " back"
                        : node + " took every ejected instance back";
    }
    return subject;
}

namespace {

bool alarming(Health health)
{
    return health == Health::Degraded || health == Health::Failing;
}

using EdgeKey = std::tuple<std::string_view, std::string_view, EdgeKind>;

EdgeKey keyOf(const GraphSnapshot& s, const EdgeSnapshot& e)
{
    return { s.nodes[e.source].id, s.nodes[e.target].id, e.kind };
}

bool validEdge(const GraphSnapshot& s, const EdgeSnapshot& e)
{
    return e.source < s.nodes.size() && e.target < s.nodes.size();
}

void healthChange(std::vector<HealthEvent>& out, HealthEvent base, Health from, Health to)
{
    if (from == to) return;
    base.from = from;
    base.to = to;
    out.push_back(std::move(base));
}

void ejectionChange(std::vector<HealthEvent>& out, HealthEvent base, const std::optional<double>& before,
    const std::optional<double>& after)
{
    const double was = before.value_or(0.0);
    const double now = after.value_or(0.0);
    if (now > was + 0.5) {
        base.kind = HealthEventKind::Ejection;
        base.count = static_cast<uint64_t>(std::llround(now - was));
        base.now_ejected = now;
        out.push_back(std::move(base));
    } else if (was >= 0.5 && now < 0.5) {
        base.kind = HealthEventKind::EjectionEnded;
        out.push_back(std::move(base));
    }
}

} // namespace

std::vector<HealthEvent> healthEvents(const GraphSnapshot& before, const GraphSnapshot& after)
{
    std::vector<HealthEvent> out;
    if (after.time_s <= before.time_s || after.source != before.source) return out;

    for (const NodeSnapshot& node : after.nodes) {
        HealthEvent base;
        base.time_s = after.time_s;
        base.node = node.id;
        const int was = before.findNode(node.id);
        if (was < 0) {
            // Newly seen: only worth a line when it arrives already in trouble.
            if (alarming(node.health)) {
                base.kind = HealthEventKind::NodeHealth;
                healthChange(out, base, Health::Idle, node.health);
            }
            continue;
        }
        const NodeSnapshot& old = before.nodes[static_cast<size_t>(was)];
        base.kind = HealthEventKind::NodeHealth;
        healthChange(out, base, old.health, node.health);
        if (node.queue && old.queue && node.queue->dead_lettered > old.queue->dead_lettered) {
            HealthEvent dead = base;
            dead.kind = HealthEventKind::DeadLettering;
            dead.count = node.queue->dead_lettered - old.queue->dead_lettered;
            out.push_back(std::move(dead));
        }
        ejectionChange(out, base, old.ejections_active, node.ejections_active);
    }

    std::map<EdgeKey, const EdgeSnapshot*> previous;
    for (const EdgeSnapshot& e : before.edges)
        if (validEdge(before, e)) previous.emplace(keyOf(before, e), &e);
    for (const EdgeSnapshot& edge : after.edges) {
        if (!validEdge(after, edge)) continue;
        HealthEvent base;
        base.time_s = after.time_s;
        base.kind = HealthEventKind::EdgeHealth;
        base.node = after.nodes[edge.source].id;
        base.target = after.nodes[edge.target].id;
        const auto it = previous.find(keyOf(after, edge));
        if (it == previous.end()) {
            if (alarming(edge.health)) healthChange(out, base, Health::Idle, edge.health);
            continue;
        }
        healthChange(out, base, it->second->health, edge.health);
        ejectionChange(out, base, it->second->ejections_active, edge.ejections_active);
    }
    return out;
}

std::vector<HealthEvent> HealthEventTracker::feed(std::shared_ptr<const GraphSnapshot> snapshot)
{
    std::vector<HealthEvent> out;
    if (!snapshot) return out;
    if (m_previous && (snapshot->time_s < m_previous->time_s || snapshot->source != m_previous->source))
        clear(); // a reset or a new source: a new timeline
    if (m_previous) {
        for (HealthEvent& e : healthEvents(*m_previous, *snapshot)) {
            if (e.kind == HealthEventKind::DeadLettering) {
                const auto last = m_lastDeadLetterS.find(e.node);
                const bool started = last == m_lastDeadLetterS.end() || e.time_s - last->second >= m_quietS;
                m_lastDeadLetterS[e.node] = e.time_s;
                if (!started) continue;
            }
            out.push_back(std::move(e));
        }
    }
    m_previous = std::move(snapshot);
    return out;
}

void HealthEventTracker::clear()
{
    m_previous.reset();
    m_lastDeadLetterS.clear();
}

} // namespace faultline
