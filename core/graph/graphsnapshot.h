#pragma once
// The immutable picture of the fleet that the aggregator publishes and every consumer (UI, snapshot JSON,
// tests) reads. Shared across threads as std::shared_ptr<const GraphSnapshot>; never modified once published.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

enum class NodeKind : uint8_t { Service, Queue, Database, External, User };
enum class EdgeKind : uint8_t { Sync, Async };
enum class Health : uint8_t { Healthy, Degraded, Failing, Idle };
/// Resilience4j's states; the gauge values of `resilience4j.circuitbreaker.state` are in this order too.
enum class BreakerState : uint8_t { Closed, Open, HalfOpen, Disabled, ForcedOpen, MetricsOnly };

std::string_view toString(NodeKind);
std::string_view toString(EdgeKind);
std::string_view toString(Health);
std::string_view toString(BreakerState); ///< snapshot spelling: closed, open, half_open, ...
std::optional<NodeKind> nodeKindFromString(std::string_view);
std::optional<BreakerState> breakerStateFromString(std::string_view);

/// Latency summary in milliseconds; `valid` is false when no observation fell in the window.
struct LatencyStats {
    bool valid = false;
    double mean_ms = 0.0;
    double p50_ms = 0.0;
    double p95_ms = 0.0;
    double p99_ms = 0.0;
};

/// Whole-run figures, for comparison with theory.
struct Totals {
    uint64_t requests = 0;
    uint64_t errors = 0;
    double mean_ms = 0.0;
};

/// Windowed traffic figures plus totals.
struct TrafficStats {
    double rps = 0.0;
    double error_rate = 0.0; ///< fraction 0..1
    LatencyStats latency;
    Totals totals;
};

struct BreakerInfo {
    std::string name; ///< the breaker's own name as reported
    BreakerState state = BreakerState::Closed;
    double failure_rate = -1.0; ///< percent; -1 below the minimum number of calls
    double slow_call_rate = -1.0;
    uint64_t not_permitted_calls = 0;
    /// The downstream it guards, when the reporter says so (`faultline.breaker.target`); else empty and
    /// the name is taken to name the downstream, as Resilience4j users usually do.
    std::string target;
};

struct QueueInfo {
    double depth = 0.0; ///< ready + unacked
    double ready = 0.0;
    double unacked = 0.0;
    uint64_t dead_lettered = 0;
    uint64_t dropped = 0;
};

struct NodeSnapshot {
    std::string id;
    NodeKind kind = NodeKind::Service;
    bool virtual_node = false; ///< inferred from an unpaired span, never seen reporting itself
    int instances = 0; ///< 0 when unknown
    double in_flight = 0.0;
    Health health = Health::Idle;
    TrafficStats traffic; ///< what the node spent serving (server/consumer spans)
    std::optional<QueueInfo> queue;
    std::vector<BreakerInfo> breakers; ///< reported by this node but matching none of its edges
    /// Envoy outlier-detection ejections (envoy_cluster_outlier_detection_ejections_active) summed over the
    /// clusters this node reported that match none of its edges; unset when there are none.
    std::optional<double> ejections_active;
};

struct EdgeSnapshot {
    uint32_t source = 0; ///< index into GraphSnapshot::nodes
    uint32_t target = 0;
    EdgeKind kind = EdgeKind::Sync;
    std::string protocol; ///< http, grpc, rabbitmq, kafka, postgresql, ... or empty
    Health health = Health::Idle;
    TrafficStats traffic; ///< what the caller felt (client/producer span)
    LatencyStats server_latency; ///< what the callee spent, where a server span was paired
    std::optional<BreakerInfo> breaker;
    /// Hosts of the target that the source's Envoy has ejected right now
    /// (envoy_cluster_outlier_detection_ejections_active of the cluster naming the target); unset when not reported.
    std::optional<double> ejections_active;
};

/// How the pipeline itself is doing: nothing dropped goes unseen.
struct PipelineCounters {
    uint64_t spans_received = 0;
    uint64_t metric_points_received = 0;
    uint64_t edges_observed = 0; ///< edge observations, paired or from a single span
    uint64_t unpaired_expired = 0; ///< spans whose partner never came within the pairing TTL
    uint64_t pairing_evicted = 0; ///< spans pushed out of a full pairing store
    uint64_t pairing_pending = 0; ///< spans waiting for a partner right now
    uint64_t spans_dropped = 0; ///< dropped before the aggregator (by a source under backpressure)
    uint64_t late_observations = 0; ///< older than the window: counted in totals only
    uint64_t cardinality_rejected = 0; ///< spans not graphed because the node or edge cap was reached
};

struct GraphSnapshot {
    uint64_t sequence = 0; ///< increases with every snapshot the aggregator publishes
    std::string source; ///< "simulation", "live", "recording"
    double time_s = 0.0; ///< telemetry clock at publication, in seconds
    double window_s = 10.0;
    std::vector<NodeSnapshot> nodes; ///< sorted by id
    std::vector<EdgeSnapshot> edges; ///< sorted by (source id, target id, kind)
    PipelineCounters counters;

    /// Index of the node with this id, or -1.
    int findNode(std::string_view id) const;
    /// Index of the edge source -> target (any kind), or -1.
    int findEdge(std::string_view source, std::string_view target) const;
};

} // namespace faultline
