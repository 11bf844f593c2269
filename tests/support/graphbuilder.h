#pragma once
// Hand-built GraphSnapshots for the canvas tests, sorted the way the aggregator publishes them: nodes by id,
// edges by (source id, target id, kind).

#include "graph/graphsnapshot.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace faultline::testing {

struct NodeSpec {
    std::string id;
    NodeKind kind = NodeKind::Service;
    Health health = Health::Healthy;
};

struct EdgeSpec {
    std::string source;
    std::string target;
    EdgeKind kind = EdgeKind::Sync;
    double rps = 10.0;
};

inline std::shared_ptr<GraphSnapshot> buildSnapshot(std::vector<NodeSpec> nodes, const std::vector<EdgeSpec>& edges)
{
    auto s = std::make_shared<GraphSnapshot>();
    s->source = "simulation";
    std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    std::map<std::string, uint32_t> index;
    for (const auto& spec : nodes) {
        NodeSnapshot n;
        n.id = spec.id;
        n.kind = spec.kind;
        n.health = spec.health;
        n.instances = spec.kind == NodeKind::User ? 0 : 1;
        n.traffic.rps = spec.health == Health::Idle ? 0.0 : 10.0;
        if (spec.kind == NodeKind::Queue) n.queue = QueueInfo { 3.0, 2.0, 1.0, 0, 0 };
        index[spec.id] = static_cast<uint32_t>(s->nodes.size());
        s->nodes.push_back(n);
    }
    for (const auto& spec : edges) {
        EdgeSnapshot e;
        e.source = index.at(spec.source);
        e.target = index.at(spec.target);
        e.kind = spec.kind;
        e.health = Health::Healthy;
        e.traffic.rps = spec.rps;
        e.traffic.latency = { true, 20.0, 18.0, 40.0, 60.0 };
        s->edges.push_back(e);
    }
    std::sort(s->edges.begin(), s->edges.end(), [](const EdgeSnapshot& a, const EdgeSnapshot& b) {
        return std::tie(a.source, a.target, a.kind) < std::tie(b.source, b.target, b.kind);
    });
    return s;
}

/// A layered fleet of `n` nodes: one user, `n / 20` entry services, then layers of services each calling a
/// few in the next layers (hubs get more callers), and one back edge to exercise cycles.
inline std::shared_ptr<GraphSnapshot> layeredFleet(int n, uint32_t seed = 7)
{
    std::vector<NodeSpec> nodes;
    std::vector<EdgeSpec> edges;
    auto name = [](int i) {
        std::string digits = std::to_string(i);
        return "svc-" + std::string(5 - std::min<size_t>(5, digits.size()), '0') + digits;
    };
    nodes.push_back({ "user", NodeKind::User });
    const int layers = 8;
    const int perLayer = std::max(1, (n - 1) / layers);
    uint32_t state = seed;
    auto next = [&state] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    for (int i = 0; i < n - 1; ++i)
        nodes.push_back({ name(i) });
    for (int i = 0; i < std::min(perLayer, n - 1); ++i)
        edges.push_back({ "user", name(i) });
    std::map<std::pair<int, int>, bool> seen;
    for (int i = 0; i < n - 1; ++i) {
        const int layer = i / perLayer;
        if (layer >= layers - 1) continue;
        for (int k = 0; k < 3; ++k) {
            const int nextLayer = layer + 1 + static_cast<int>(next() % 2);
            int j = nextLayer * perLayer + static_cast<int>(next() % static_cast<uint32_t>(perLayer));
            if (k == 2) j = nextLayer * perLayer; // a hub at the top of each layer
            if (j >= n - 1 || seen[{ i, j }]) continue;
            seen[{ i, j }] = true;
            edges.push_back({ name(i), name(j) });
        }
    }
    if (n > 10) edges.push_back({ name(n - 2), name(0) }); // a back edge
    return buildSnapshot(std::move(nodes), edges);
}

} // namespace faultline::testing
