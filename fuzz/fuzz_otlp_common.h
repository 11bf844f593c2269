#pragma once
// Shared by the OTLP fuzz targets: feed decoded telemetry through the graph the way the live runner does,
// then build a snapshot and its JSON, and check that the JSON reads back.

#include "graph/graphaggregator.h"
#include "graph/snapshotjson.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace faultline::fuzz {

/// Small caps, so that hostile cardinality is exercised without the fuzzer spending its time allocating.
inline AggregatorConfig fuzzAggregatorConfig()
{
    AggregatorConfig config;
    config.history_s = 30;
    config.pairing_capacity = 64;
    config.max_nodes = 16;
    config.max_edges = 32;
    return config;
}

/// a + b without overflow, for clocks taken from hostile timestamps.
inline int64_t saturatingAdd(int64_t a, int64_t b)
{
    int64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? INT64_MAX : INT64_MIN;
    return sum;
}

inline void snapshotAndCheck(const GraphAggregator& aggregator)
{
    const auto snapshot = aggregator.snapshot("fuzz");
    for (const auto& node : snapshot->nodes)
        (void)aggregator.nodeHistory(node.id);
    for (const auto& edge : snapshot->edges) {
        if (edge.source >= snapshot->nodes.size() || edge.target >= snapshot->nodes.size()) std::abort();
        (void)aggregator.edgeHistory(snapshot->nodes[edge.source].id, snapshot->nodes[edge.target].id, edge.kind);
    }
    const std::string json = snapshotToJson(*snapshot);
    (void)snapshotToJson(*snapshot, -1);
    std::string error;
    if (!snapshotFromJson(json, &error)) {
        std::fprintf(stderr, "snapshot JSON does not read back: %s\n%s\n", error.c_str(), json.c_str());
        std::abort();
    }
}

} // namespace faultline::fuzz
