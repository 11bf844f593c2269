#pragma once
// The live agent's telemetry (docs/control.md): a CLIENT span per outgoing call and a SERVER span per
// incoming one, paired through the W3C traceparent the interceptors carry in gRPC metadata, plus the
// breakers' state and metrics under Resilience4j's names (spec/telemetry.md sections 2 and 3). Spans are
// buffered and, with the breaker metrics, handed to the sink (usually an OtlpExporter) every flush interval
// from the agent telemetry's own thread. No Qt. Thread-safe.

#include "control/breakerregistry.h"
#include "control/controlclock.h"
#include "telemetry/span.h"
#include "telemetry/telemetrysink.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace faultline {

struct SpanContext {
    TraceId trace_id;
    SpanId span_id = 0;
    bool valid() const { return trace_id.valid() && span_id != 0; }
};

/// "00-<32 hex trace id>-<16 hex span id>-01".
std::string formatTraceparent(const SpanContext& context);
/// Nothing when `header` is not a valid version-00 traceparent.
std::optional<SpanContext> parseTraceparent(std::string_view header);

/// One finished call, as the interceptors saw it.
struct AgentCallRecord {
    SpanKind kind = SpanKind::Client; ///< Client (outgoing) or Server (incoming)
    SpanContext context; ///< this span
    SpanId parent_span_id = 0;
    std::string method; ///< the full gRPC method, "/package.Service/Method"
    std::string peer; ///< for Client: the callee service
    int grpc_status = 0;
    int64_t start_unix_ns = 0;
    int64_t end_unix_ns = 0;
};

struct AgentTelemetryConfig {
    std::string service; ///< service.name
    std::string instance; ///< service.instance.id
    int flush_interval_ms = 1000;
    size_t max_buffered_spans = 20000; ///< beyond this, new spans are dropped and counted
    const ControlClock* clock = nullptr; ///< the breakers' clock (the agent's); nullptr: the steady clock
};

class AgentTelemetry {
public:
    /// `sink` and `breakers` (may be null) must outlive this.
    AgentTelemetry(AgentTelemetryConfig config, TelemetrySink& sink, BreakerRegistry* breakers = nullptr);
    ~AgentTelemetry(); ///< stops, flushing what is buffered
    AgentTelemetry(const AgentTelemetry&) = delete;
    AgentTelemetry& operator=(const AgentTelemetry&) = delete;

    void start(); ///< flushes every flush interval until stop()
    void stop();
    /// Hands the buffered spans and the breakers' current metrics to the sink now.
    void flush();

    SpanContext newSpan(const std::optional<SpanContext>& parent);
    void record(AgentCallRecord call);
    uint64_t droppedSpans() const;

    /// The SERVER span the current thread is handling, so outgoing calls made from a handler continue its
    /// trace. Set by the server interceptor; works for synchronous handlers.
    static std::optional<SpanContext> current();
    static void setCurrent(const std::optional<SpanContext>& context);

    static int64_t unixNowNs();

private:
    void run();

    AgentTelemetryConfig config_;
    TelemetrySink& sink_;
    BreakerRegistry* breakers_;

    mutable std::mutex mutex_;
    std::vector<AgentCallRecord> pending_;
    uint64_t dropped_ = 0;
    std::mt19937_64 random_;

    std::mutex send_mutex_; ///< the sink gets calls from one thread at a time
    std::mutex run_mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace faultline
