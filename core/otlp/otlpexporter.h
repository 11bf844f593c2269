#pragma once

#include "telemetry/telemetrysink.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace faultline {

struct ExporterStats {
    uint64_t spans_sent = 0; ///< accepted by the receiver (minus any it reported rejected)
    uint64_t spans_dropped = 0; ///< never delivered: queue full, send failed, or rejected by the receiver
    uint64_t metric_points_sent = 0;
    uint64_t metric_points_dropped = 0;
    uint64_t requests_failed = 0; ///< requests given up on after their retries
    std::string last_error; ///< the most recent failure, empty if none
};

class OtlpExporterImpl;

/// Sends telemetry to an OTLP/gRPC receiver (TraceService/Export, MetricsService/Export): the reverse of
/// decodeTraceRequest/decodeMetricsRequest. onSpans/onMetrics encode on the caller's thread and hand the
/// request to a bounded queue; the exporter's own thread sends it (insecure channel, 10 s deadline,
/// UNAVAILABLE and RESOURCE_EXHAUSTED retried a few times with backoff). When the queue is full the new
/// request is dropped and counted: the source is never blocked.
class OtlpExporter final : public TelemetrySink {
public:
    static constexpr size_t kDefaultQueueCapacity = 64; ///< requests
    static constexpr size_t kMaxSpansPerRequest = 1000; ///< keeps requests well under gRPC's 4 MiB

    explicit OtlpExporter(std::string target, size_t queue_capacity = kDefaultQueueCapacity);
    ~OtlpExporter() override; ///< stops without waiting for the queue (call flush() first to deliver it)
    OtlpExporter(const OtlpExporter&) = delete;
    OtlpExporter& operator=(const OtlpExporter&) = delete;

    /// Added to every timestamp sent (span start/end, metric point time). 0 by default: the simulator's
    /// virtual clock as it is. The command line sets the Unix time at the start of the run, so a receiver
    /// that windows on the wall clock sees current telemetry. Set it before the first onSpans/onMetrics.
    void setTimeOffset(int64_t offset_ns);

    /// Checks the HOST:PORT target and starts the sending thread. Connecting happens lazily: an unreachable
    /// receiver shows up as failed requests, not here.
    bool start(std::string& error);

    void onSpans(SpanBatch&& batch) override;
    void onMetrics(std::vector<MetricPoint>&& points) override;
    void onClock(int64_t) override { }

    /// Blocks until every queued request was sent or given up on.
    void flush();
    /// As flush(), waiting at most `timeout`; true when the queue is empty and nothing is in flight.
    bool flushFor(std::chrono::milliseconds timeout);

    ExporterStats stats() const;

private:
    std::unique_ptr<OtlpExporterImpl> d;
};

} // namespace faultline
