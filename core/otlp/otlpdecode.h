#pragma once
// OTLP/protobuf payloads (ExportTraceServiceRequest, ExportMetricsServiceRequest) to normalised telemetry.
// Works on raw bytes, so a malformed payload is told apart from a transport failure.

#include "telemetry/metric.h"
#include "telemetry/span.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

struct DecodedTraces {
    SpanBatch batch; ///< spans whose views point into one buffer of their strings, which batch.keepalive holds
    uint64_t rejected_spans = 0; ///< spans unusable as telemetry (no trace or span id), for partial_success
    std::string warning; ///< partial_success.error_message when rejected_spans > 0
    /// What holding the batch costs in memory: its strings and the span, link and attribute arrays (the
    /// parsed message is gone by then).
    size_t memory_bytes = 0;
};

struct DecodedMetrics {
    std::vector<MetricPoint> points;
    uint64_t rejected_data_points = 0;
    std::string warning;
};

/// Parses an ExportTraceServiceRequest. Returns false (with `error` set) when the bytes are not one.
bool decodeTraceRequest(std::string_view bytes, DecodedTraces& out, std::string& error);

/// Parses an ExportMetricsServiceRequest. Returns false (with `error` set) when the bytes are not one.
bool decodeMetricsRequest(std::string_view bytes, DecodedMetrics& out, std::string& error);

} // namespace faultline
