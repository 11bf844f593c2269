#pragma once
// Normalised telemetry: spans with OpenTelemetry semantics, as every source (simulator, OTLP receiver,
// recording player) delivers them to the graph aggregator.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace faultline {

/// 128-bit trace id; all zero means invalid, as in OTLP.
struct TraceId {
    uint64_t hi = 0;
    uint64_t lo = 0;
    bool valid() const { return hi != 0 || lo != 0; }
    friend bool operator==(const TraceId&, const TraceId&) = default;
};

/// 64-bit span id; 0 means "none" (a root span has parent 0).
using SpanId = uint64_t;

/// Values are the OTLP `Span.SpanKind` enum numbers.
enum class SpanKind : uint8_t { Unspecified = 0, Internal = 1, Server = 2, Client = 3, Producer = 4, Consumer = 5 };

/// Values are the OTLP `Status.StatusCode` enum numbers.
enum class StatusCode : uint8_t { Unset = 0, Ok = 1, Error = 2 };

struct SpanLink {
    TraceId trace_id;
    SpanId span_id = 0;
};

struct KeyValue {
    std::string_view key;
    std::string_view value;
};

/// One finished span. Plain data: every string is a view into storage that the owning SpanBatch keeps
/// alive (the simulator's model, a decoded protobuf message, ...), so spans move at the cost of a memcpy.
/// The attributes the graph needs are lifted into named fields by the source; empty means absent.
struct Span {
    TraceId trace_id;
    SpanId span_id = 0;
    SpanId parent_span_id = 0;
    SpanKind kind = SpanKind::Unspecified;
    StatusCode status = StatusCode::Unset;
    int64_t start_ns = 0; ///< telemetry clock: virtual time in simulation, Unix time live
    int64_t end_ns = 0;

    // Resource attributes.
    std::string_view service; ///< `service.name`; sources substitute "unknown_service" when absent
    std::string_view service_instance; ///< `service.instance.id`
    std::string_view node_kind; ///< `faultline.node.kind` (e.g. "user" for a workload client), usually empty

    std::string_view name;

    // Span attributes the graph derivation reads (spec/telemetry.md section 2).
    std::string_view rpc_system; ///< `rpc.system`
    std::string_view http_method; ///< `http.request.method`, or the older `http.method`
    std::string_view messaging_system; ///< `messaging.system`
    std::string_view messaging_destination; ///< `messaging.destination.name`, or the older `messaging.destination`
    std::string_view db_system; ///< `db.system`
    std::string_view db_name; ///< `db.name`
    std::string_view peer_service; ///< `peer.service`
    std::string_view server_address; ///< `server.address`

    std::span<const SpanLink> links;
    std::span<const KeyValue> attributes; ///< the remaining attributes, for the inspector and traces

    int64_t durationNs() const { return end_ns - start_ns; }
};

/// A batch of spans plus whatever keeps their string views (and link/attribute arrays) alive.
struct SpanBatch {
    std::vector<Span> spans;
    std::vector<std::shared_ptr<const void>> keepalive;
};

} // namespace faultline
