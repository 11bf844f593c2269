// libFuzzer target: an OTLP ExportMetricsServiceRequest from arbitrary bytes, decoded and mapped onto a
// small service graph (built from spans first, so breaker, queue and Envoy metrics have edges to attach
// to), then snapshots and their JSON.

#include "fuzz_otlp_common.h"
#include "otlp/otlpdecode.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace faultline;

namespace {

Span span(uint64_t id, uint64_t parent, SpanKind kind, std::string_view service)
{
    Span s;
    s.trace_id = { 1, 2 };
    s.span_id = id;
    s.parent_span_id = parent;
    s.kind = kind;
    s.start_ns = 1'000'000'000;
    s.end_ns = 1'050'000'000;
    s.service = service;
    s.service_instance = service;
    s.name = "call";
    s.rpc_system = "grpc";
    return s;
}

/// gateway -> orders (sync, paired), orders -> order-events (a queue), orders -> orders-db (a database).
SpanBatch graphSpans()
{
    SpanBatch batch;
    batch.spans.push_back(span(1, 0, SpanKind::Server, "gateway"));
    batch.spans.push_back(span(2, 1, SpanKind::Client, "gateway"));
    batch.spans.push_back(span(3, 2, SpanKind::Server, "orders"));
    Span publish = span(4, 3, SpanKind::Producer, "orders");
    publish.rpc_system = {};
    publish.messaging_system = "kafka";
    publish.messaging_destination = "order-events";
    batch.spans.push_back(publish);
    Span db = span(5, 3, SpanKind::Client, "orders");
    db.rpc_system = {};
    db.db_system = "postgresql";
    db.db_name = "orders-db";
    batch.spans.push_back(db);
    return batch;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    DecodedMetrics decoded;
    std::string error;
    if (!decodeMetricsRequest(bytes, decoded, error)) {
        if (error.empty()) std::abort(); // a refusal must say why
        return 0;
    }
    if ((decoded.rejected_data_points > 0) == decoded.warning.empty()) std::abort();

    int64_t clock = 2'000'000'000;
    for (const MetricPoint& point : decoded.points)
        clock = std::max(clock, point.time_ns);

    GraphAggregator aggregator(fuzz::fuzzAggregatorConfig());
    aggregator.onSpans(graphSpans());
    aggregator.onClock(2'000'000'000);
    aggregator.onMetrics(std::move(decoded.points));
    aggregator.onClock(clock);
    fuzz::snapshotAndCheck(aggregator);
    aggregator.onClock(fuzz::saturatingAdd(clock, 20'000'000'000)); // past the window
    fuzz::snapshotAndCheck(aggregator);
    return 0;
}
