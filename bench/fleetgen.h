#pragma once
// Synthetic fleets shaped like real call graphs, for the canvas and layout benchmarks and for big
// simulator runs: a few entry points, tiers of services calling downwards with heavy-tailed fan-in to
// shared services (auth, config, ...), async edges through queues, databases and third parties at the
// bottom, circuit breakers on a share of the sync calls, and a few degraded or failing services.
// Deterministic for a given seed.

#include "graph/graphsnapshot.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace faultline::fleetgen {

struct Options {
    int services = 100; ///< nodes other than the workload's clients (services, queues, databases, externals)
    double edgesPerService = 3.0; ///< calls and publishes per node, on average
    uint64_t seed = 1;
};

struct FleetNode {
    std::string name;
    NodeKind kind = NodeKind::Service;
    int tier = 0; ///< 0: clients, 1: entry services, then downwards
    int instances = 1;
    Health health = Health::Healthy;
    bool shared = false; ///< a hub every tier may call (auth, config, a shared database)
};

struct FleetEdge {
    int source = 0; ///< index into Fleet::nodes
    int target = 0;
    EdgeKind kind = EdgeKind::Sync; ///< async: a publish to a queue, or a queue's delivery to a consumer
    std::string protocol;
    bool breaker = false; ///< the caller guards the call with a circuit breaker
    BreakerState breakerState = BreakerState::Closed; ///< the state the snapshot shows
};

struct Fleet {
    std::vector<FleetNode> nodes;
    std::vector<FleetEdge> edges; ///< no duplicates of (source, target)
    std::vector<double> rps; ///< per node: requests (or messages) per second it serves
};

Fleet generate(const Options& options);

/// A snapshot as the aggregator would publish one for this fleet: nodes sorted by id, edges by
/// (source id, target id, kind), plausible rates, latencies, error rates, health, breakers and queue depths.
std::shared_ptr<GraphSnapshot> toSnapshot(const Fleet& fleet);

/// The fleet as a `faultline.scenario/1` document (docs/scenario-format.md) that the simulator can run.
std::string toScenarioJson(const Fleet& fleet, const std::string& name);

} // namespace faultline::fleetgen
