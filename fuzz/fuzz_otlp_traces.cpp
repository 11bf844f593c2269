// libFuzzer target: an OTLP ExportTraceServiceRequest from arbitrary bytes, decoded and mapped into the
// service graph as the live receiver does (twice, as a retrying exporter would send it), with the clock
// taken from the spans, then snapshots and their JSON.

#include "fuzz_otlp_common.h"
#include "otlp/otlpdecode.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace faultline;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    DecodedTraces decoded;
    std::string error;
    if (!decodeTraceRequest(bytes, decoded, error)) {
        if (error.empty()) std::abort(); // a refusal must say why
        return 0;
    }
    if ((decoded.rejected_spans > 0) == decoded.warning.empty()) std::abort(); // partial_success says why

    int64_t clock = INT64_MIN;
    for (const Span& span : decoded.batch.spans)
        clock = std::max({ clock, span.start_ns, span.end_ns });
    if (decoded.batch.spans.empty()) clock = 0;

    GraphAggregator aggregator(fuzz::fuzzAggregatorConfig());
    SpanBatch again = decoded.batch; // shares the decoded message through keepalive
    aggregator.onSpans(std::move(decoded.batch));
    aggregator.onClock(clock);
    aggregator.addDroppedSpans(decoded.rejected_spans);
    fuzz::snapshotAndCheck(aggregator);

    aggregator.onSpans(std::move(again));
    aggregator.onClock(fuzz::saturatingAdd(clock, 3'000'000'000)); // pairings expire, windows roll
    fuzz::snapshotAndCheck(aggregator);
    return 0;
}
