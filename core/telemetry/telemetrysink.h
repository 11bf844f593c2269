#pragma once

#include "telemetry/metric.h"
#include "telemetry/span.h"

#include <cstdint>
#include <vector>

namespace faultline {

/// Where a telemetry source delivers what it produces. The graph aggregator is the usual sink; the OTLP
/// exporter and test recorders are others. Calls come from one thread at a time.
class TelemetrySink {
public:
    virtual ~TelemetrySink() = default;
    virtual void onSpans(SpanBatch&& batch) = 0;
    virtual void onMetrics(std::vector<MetricPoint>&& points) = 0;
    /// The source's clock has reached `now_ns` (telemetry time); nothing older than this is still to come
    /// from a simulator. Lets windows roll and pairings expire when no spans arrive.
    virtual void onClock(int64_t now_ns) = 0;
};

} // namespace faultline
