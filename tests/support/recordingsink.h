#pragma once
// A TelemetrySink for tests: keeps owned copies of everything it is given.

#include "telemetry/telemetrysink.h"

#include <string>
#include <vector>

namespace faultline::test {

struct RecordedSpan {
    TraceId trace_id;
    SpanId span_id = 0;
    SpanId parent_span_id = 0;
    SpanKind kind = SpanKind::Unspecified;
    StatusCode status = StatusCode::Unset;
    int64_t start_ns = 0;
    int64_t end_ns = 0;
    std::string service;
    std::string instance;
    std::string name;
    std::string peer_service;
    std::string messaging_destination;
    std::string error_type;
    double durationMs() const { return static_cast<double>(end_ns - start_ns) / 1e6; }
    bool failed() const { return status == StatusCode::Error; }
};

class RecordingSink final : public TelemetrySink {
public:
    void onSpans(SpanBatch&& batch) override
    {
        for (const Span& s : batch.spans) {
            RecordedSpan r { s.trace_id, s.span_id, s.parent_span_id, s.kind, s.status, s.start_ns, s.end_ns,
                std::string(s.service), std::string(s.service_instance), std::string(s.name),
                std::string(s.peer_service), std::string(s.messaging_destination), {} };
            for (const KeyValue& kv : s.attributes)
                if (kv.key == "error.type") r.error_type = kv.value;
            spans.push_back(std::move(r));
        }
    }
    void onMetrics(std::vector<MetricPoint>&& points) override
    {
        for (auto& p : points)
            metrics.push_back(std::move(p));
    }
    void onClock(int64_t now_ns) override { clock_ns = now_ns; }

    /// Spans of this kind emitted by this service.
    std::vector<RecordedSpan> select(SpanKind kind, const std::string& service) const
    {
        std::vector<RecordedSpan> out;
        for (const auto& s : spans)
            if (s.kind == kind && s.service == service) out.push_back(s);
        return out;
    }

    std::vector<RecordedSpan> spans;
    std::vector<MetricPoint> metrics;
    int64_t clock_ns = 0;
};

} // namespace faultline::test
