#pragma once

#include "telemetry/metric.h"
#include "telemetry/span.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace faultline {

struct ReceiverConfig {
    std::string address = "127.0.0.1:4317"; ///< the OTLP/gRPC port, loopback unless the user says otherwise
    int max_receive_bytes = 4 * 1024 * 1024; ///< gRPC's default
    size_t queue_capacity_spans = 200000; ///< hand-off to the aggregator; beyond it, RESOURCE_EXHAUSTED
    /// The same hand-off's memory budget (decoded requests, as DecodedTraces::memory_bytes counts them): spans
    /// vary from a few hundred bytes to tens of kilobytes decoded, so a count alone does not bound memory.
    size_t queue_capacity_bytes = size_t(64) << 20;
    /// A sender that opens an Export call and never finishes its message would hold the call (and the
    /// part of the message received) for ever. Connections are therefore told to go away (HTTP/2 GOAWAY)
    /// after this long, which exporters answer by reconnecting; calls still open `max_connection_age_grace_ms`
    /// later are cut off with the connection. gRPC adds a random 10 % to the age, so senders do not all
    /// reconnect at once.
    int max_connection_age_ms = 5 * 60 * 1000;
    int max_connection_age_grace_ms = 30 * 1000;
    /// Concurrent calls one connection may have open; a sender's further calls wait (HTTP/2 flow control).
    int max_concurrent_streams = 100;
};

/// What the receiver hands to its consumer.
using ReceivedItem = std::variant<SpanBatch, std::vector<MetricPoint>>;

struct ReceiverStats {
    uint64_t requests = 0;
    uint64_t spans_received = 0; ///< accepted into the hand-off queue
    uint64_t spans_rejected = 0; ///< refused for overload (RESOURCE_EXHAUSTED) or unusable (partial_success)
    uint64_t spans_refused = 0; ///< the part of spans_rejected in requests refused whole (overload, shutting down)
    uint64_t spans_unusable = 0; ///< the part in accepted requests, reported as partial_success.rejected_spans
    uint64_t metric_points_received = 0;
    uint64_t metric_points_rejected = 0;
    uint64_t malformed_requests = 0; ///< answered INVALID_ARGUMENT
    uint64_t senders_seen = 0; ///< distinct peers (host part of the gRPC peer string)
    std::string listening_on; ///< the address actually bound (port resolved), empty until started
    /// Calls that ended before their message could be read: larger than max_receive_bytes (gRPC refuses
    /// those with RESOURCE_EXHAUSTED before the receiver sees a byte, so their spans cannot be counted),
    /// or cancelled by the client.
    uint64_t unreadable_requests = 0;
    /// Export calls being served right now (read, decoded, answered); back to 0 once every call has ended,
    /// however its sender left.
    uint64_t calls_in_progress = 0;
    uint64_t queued_spans = 0; ///< in the hand-off queue right now
    uint64_t queued_bytes = 0; ///< their memory, as counted against queue_capacity_bytes
};

class OtlpReceiverImpl;

/// An OTLP/gRPC receiver for TraceService/Export and MetricsService/Export. gRPC threads decode requests
/// and put them in a queue bounded in spans and in bytes; one consumer takes them out. When the queue is full
/// the request is answered RESOURCE_EXHAUSTED (OTLP exporters retry it with backoff) and counted, never buffered.
class OtlpReceiver {
public:
    explicit OtlpReceiver(ReceiverConfig config);
    ~OtlpReceiver(); ///< stops serving
    OtlpReceiver(const OtlpReceiver&) = delete;
    OtlpReceiver& operator=(const OtlpReceiver&) = delete;

    /// Binds and starts serving. False with `error` set when the address cannot be bound or parsed.
    bool start(std::string& error);
    void stop();

    /// Takes the next item, waiting up to `timeout`; nothing when none arrived in time or after stop().
    std::optional<ReceivedItem> pop(std::chrono::milliseconds timeout);

    ReceiverStats stats() const;

private:
    std::unique_ptr<OtlpReceiverImpl> d;
};

} // namespace faultline
