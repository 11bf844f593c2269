#include "control/agenttelemetry.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>

namespace faultline {

namespace {

thread_local std::optional<SpanContext> t_current;

bool parseHex(std::string_view text, uint64_t& out)
{
    out = 0;
    for (char c : text) {
        int v = 0;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else
            return false;
        out = (out << 4) | static_cast<uint64_t>(v);
    }
    return true;
}

/// What the batch's string views point into.
struct OwnedBatch {
    std::string service;
    std::string instance;
    std::vector<AgentCallRecord> records;
    std::vector<std::string> names; ///< "package.Service/Method"
    std::vector<std::string> rpc_services;
    std::vector<std::string> rpc_methods;
    std::vector<std::string> statuses;
    std::vector<std::array<KeyValue, 3>> attributes;
};

} // namespace

std::string formatTraceparent(const SpanContext& context)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "00-%016llx%016llx-%016llx-01",
        static_cast<unsigned long long>(context.trace_id.hi), static_cast<unsigned long long>(context.trace_id.lo),
        static_cast<unsigned long long>(context.span_id));
    return buffer;
}

std::optional<SpanContext> parseTraceparent(std::string_view header)
{
    // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters.
    if (header.size() != 55 || header.substr(0, 3) != "00-" || header[35] != '-' || header[52] != '-')
        return std::nullopt;
    SpanContext context;
    uint64_t flags = 0;
    if (!parseHex(header.substr(3, 16), context.trace_id.hi) || !parseHex(header.substr(19, 16), context.trace_id.lo)
        || !parseHex(header.substr(36, 16), context.span_id) || !parseHex(header.substr(53, 2), flags))
        return std::nullopt;
    if (!context.valid()) return std::nullopt;
    return context;
}

AgentTelemetry::AgentTelemetry(AgentTelemetryConfig config, TelemetrySink& sink, BreakerRegistry* breakers)
    : config_(std::move(config))
    , sink_(sink)
    , breakers_(breakers)
    , random_(std::random_device {}())
{
}

AgentTelemetry::~AgentTelemetry()
{
    stop();
    flush();
}

void AgentTelemetry::start()
{
    std::lock_guard lock(run_mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void AgentTelemetry::stop()
{
    {
        std::lock_guard lock(run_mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void AgentTelemetry::run()
{
    std::unique_lock lock(run_mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::milliseconds(config_.flush_interval_ms), [this] { return stopping_; });
        if (stopping_) break;
        lock.unlock();
        flush();
        lock.lock();
    }
}

int64_t AgentTelemetry::unixNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

SpanContext AgentTelemetry::newSpan(const std::optional<SpanContext>& parent)
{
    std::lock_guard lock(mutex_);
    SpanContext context;
    if (parent && parent->valid()) context.trace_id = parent->trace_id;
    while (!context.trace_id.valid())
        context.trace_id = { random_(), random_() };
    while (context.span_id == 0)
        context.span_id = random_();
    return context;
}

void AgentTelemetry::record(AgentCallRecord call)
{
    std::lock_guard lock(mutex_);
    if (pending_.size() >= config_.max_buffered_spans) {
        ++dropped_;
        return;
    }
    pending_.push_back(std::move(call));
}

uint64_t AgentTelemetry::droppedSpans() const
{
    std::lock_guard lock(mutex_);
    return dropped_;
}

std::optional<SpanContext> AgentTelemetry::current()
{
    return t_current;
}

void AgentTelemetry::setCurrent(const std::optional<SpanContext>& context)
{
    t_current = context;
}

void AgentTelemetry::flush()
{
    std::lock_guard send(send_mutex_);
    auto owned = std::make_shared<OwnedBatch>();
    {
        std::lock_guard lock(mutex_);
        owned->records.swap(pending_);
    }
    owned->service = config_.service;
    owned->instance = config_.instance;
    const size_t n = owned->records.size();
    owned->names.reserve(n);
    owned->rpc_services.reserve(n);
    owned->rpc_methods.reserve(n);
    owned->statuses.reserve(n);
    owned->attributes.reserve(n);
    SpanBatch batch;
    batch.spans.reserve(n);
    for (const AgentCallRecord& call : owned->records) {
        std::string_view method = call.method;
        if (!method.empty() && method.front() == '/') method.remove_prefix(1);
        const size_t slash = method.rfind('/');
        owned->names.emplace_back(method);
        owned->rpc_services.emplace_back(slash == std::string_view::npos ? method : method.substr(0, slash));
        owned->rpc_methods.emplace_back(
            slash == std::string_view::npos ? std::string_view() : method.substr(slash + 1));
        owned->statuses.push_back(std::to_string(call.grpc_status));
        owned->attributes.push_back({ KeyValue { "rpc.service", owned->rpc_services.back() },
            KeyValue { "rpc.method", owned->rpc_methods.back() },
            KeyValue { "rpc.grpc.status_code", owned->statuses.back() } });

        Span span;
        span.trace_id = call.context.trace_id;
        span.span_id = call.context.span_id;
        span.parent_span_id = call.parent_span_id;
        span.kind = call.kind;
        span.status = call.grpc_status == 0 ? StatusCode::Unset : StatusCode::Error;
        span.start_ns = call.start_unix_ns;
        span.end_ns = call.end_unix_ns;
        span.service = owned->service;
        span.service_instance = owned->instance;
        span.name = owned->names.back();
        span.rpc_system = "grpc";
        if (call.kind == SpanKind::Client) {
            span.peer_service = call.peer;
            span.server_address = call.peer;
        }
        span.attributes = owned->attributes.back();
        batch.spans.push_back(span);
    }
    batch.keepalive.push_back(owned);
    if (!batch.spans.empty()) sink_.onSpans(std::move(batch));

    if (breakers_ == nullptr) return;
    std::vector<MetricPoint> points;
    const int64_t time = unixNowNs();
    auto point = [&](const char* name, std::vector<std::pair<std::string, std::string>> attributes, double value,
                     MetricType type) {
        MetricPoint p;
        p.name = name;
        p.service = config_.service;
        p.service_instance = config_.instance;
        p.attributes = std::move(attributes);
        p.type = type;
        p.value = value;
        p.time_ns = time;
        points.push_back(std::move(p));
    };
    // The same series the simulator reports (Resilience4j's Micrometer names), so one path reads both.
    const int64_t now = (config_.clock ? *config_.clock : SteadyControlClock::instance()).nowNs();
    for (const BreakerView& view : breakers_->breakers(now)) {
        const std::optional<BreakerMetrics> metrics = breakers_->metrics(view.name, now);
        if (!metrics) continue;
        for (BreakerState state : { BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen,
                 BreakerState::Disabled, BreakerState::ForcedOpen, BreakerState::MetricsOnly })
            point("resilience4j.circuitbreaker.state",
                { { "name", view.name }, { "state", std::string(toString(state)) },
                    { "faultline.breaker.target", view.target } },
                state == metrics->state ? 1.0 : 0.0, MetricType::Gauge);
        point("resilience4j.circuitbreaker.failure.rate", { { "name", view.name } }, metrics->failure_rate,
            MetricType::Gauge);
        point("resilience4j.circuitbreaker.slow.call.rate", { { "name", view.name } }, metrics->slow_call_rate,
            MetricType::Gauge);
        point("resilience4j.circuitbreaker.not.permitted.calls", { { "name", view.name } },
            static_cast<double>(metrics->not_permitted_calls), MetricType::CumulativeSum);
    }
    if (!points.empty()) sink_.onMetrics(std::move(points));
}

} // namespace faultline
