#include "otlp/otlpexporter.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <variant>

namespace faultline {

namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse;
using opentelemetry::proto::collector::metrics::v1::MetricsService;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using opentelemetry::proto::collector::trace::v1::TraceService;

constexpr auto kDeadline = std::chrono::seconds(10);
constexpr int kMaxAttempts = 4; // the first try and three retries
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr std::string_view kScopeName = "faultline";

/// Big-endian bytes of `value`, `length` of them (8 or fewer from this word).
void appendBigEndian(std::string& out, uint64_t value)
{
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((value >> shift) & 0xff));
}

std::string traceIdBytes(const TraceId& id)
{
    std::string out;
    out.reserve(16);
    appendBigEndian(out, id.hi);
    appendBigEndian(out, id.lo);
    return out;
}

std::string spanIdBytes(SpanId id)
{
    std::string out;
    out.reserve(8);
    appendBigEndian(out, id);
    return out;
}

uint64_t toUnixNanos(int64_t ns, int64_t offset)
{
    int64_t shifted = 0;
    if (__builtin_add_overflow(ns, offset, &shifted)) return offset > 0 ? static_cast<uint64_t>(INT64_MAX) : 0;
    return shifted < 0 ? 0 : static_cast<uint64_t>(shifted);
}

template <typename Attributes> void addString(Attributes& attributes, std::string_view key, std::string_view value)
{
    auto* kv = attributes.Add();
    kv->set_key(std::string(key));
    kv->mutable_value()->set_string_value(std::string(value));
}

template <typename Attributes> void addIfPresent(Attributes& attributes, std::string_view key, std::string_view value)
{
    if (!value.empty()) addString(attributes, key, value);
}

void encodeSpan(const Span& in, trace::Span& out, int64_t offset)
{
    out.set_trace_id(traceIdBytes(in.trace_id));
    out.set_span_id(spanIdBytes(in.span_id));
    if (in.parent_span_id != 0) out.set_parent_span_id(spanIdBytes(in.parent_span_id));
    out.set_name(std::string(in.name));
    out.set_kind(static_cast<trace::Span::SpanKind>(in.kind));
    out.set_start_time_unix_nano(toUnixNanos(in.start_ns, offset));
    out.set_end_time_unix_nano(toUnixNanos(in.end_ns, offset));
    if (in.status != StatusCode::Unset)
        out.mutable_status()->set_code(static_cast<trace::Status::StatusCode>(in.status));
    auto& attributes = *out.mutable_attributes();
    addIfPresent(attributes, "rpc.system", in.rpc_system);
    addIfPresent(attributes, "http.request.method", in.http_method);
    addIfPresent(attributes, "messaging.system", in.messaging_system);
    addIfPresent(attributes, "messaging.destination.name", in.messaging_destination);
    addIfPresent(attributes, "db.system", in.db_system);
    addIfPresent(attributes, "db.name", in.db_name);
    addIfPresent(attributes, "peer.service", in.peer_service);
    addIfPresent(attributes, "server.address", in.server_address);
    for (const KeyValue& kv : in.attributes)
        addString(attributes, kv.key, kv.value);
    for (const SpanLink& link : in.links) {
        auto* l = out.add_links();
        l->set_trace_id(traceIdBytes(link.trace_id));
        l->set_span_id(spanIdBytes(link.span_id));
    }
}

template <typename Resource>
void setResource(Resource& resource, std::string_view service, std::string_view instance, std::string_view nodeKind)
{
    auto& attributes = *resource.mutable_attributes();
    addIfPresent(attributes, "service.name", service);
    addIfPresent(attributes, "service.instance.id", instance);
    addIfPresent(attributes, "faultline.node.kind", nodeKind);
}

/// One request waiting to be sent, with how many spans or points it carries.
struct Pending {
    std::variant<ExportTraceServiceRequest, ExportMetricsServiceRequest> request;
    uint64_t items = 0;
};

bool validTarget(const std::string& target, std::string& error)
{
    const size_t colon = target.rfind(':');
    const std::string host = colon == std::string::npos ? std::string() : target.substr(0, colon);
    const std::string port = colon == std::string::npos ? std::string() : target.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (host.empty() || port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0
        || value > 65535) {
        error = "cannot export to '" + target + "': expected HOST:PORT, e.g. 127.0.0.1:4317";
        return false;
    }
    return true;
}

} // namespace

class OtlpExporterImpl {
public:
    OtlpExporterImpl(std::string t, size_t capacity)
        : target(std::move(t))
        , queue_capacity(std::max<size_t>(1, capacity))
    {
    }

    ~OtlpExporterImpl()
    {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        changed.notify_all();
        if (worker.joinable()) worker.join();
    }

    /// Queues a request, or drops and counts it when the queue is full.
    void enqueue(Pending pending, bool spans)
    {
        {
            std::lock_guard lock(mutex);
            if (!started || stopping || queue.size() >= queue_capacity) {
                (spans ? stats.spans_dropped : stats.metric_points_dropped) += pending.items;
                stats.last_error = started ? "export queue full: dropped a request" : "exporter not started";
                return;
            }
            queue.push_back(std::move(pending));
        }
        changed.notify_all();
    }

    void run();
    /// Sends one request with retries; the status of the last attempt and what the receiver rejected.
    grpc::Status send(Pending& pending, uint64_t& rejected, std::string& rejection);

    const std::string target;
    const size_t queue_capacity;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<TraceService::Stub> trace_stub;
    std::unique_ptr<MetricsService::Stub> metrics_stub;
    std::thread worker;
    int64_t time_offset_ns = 0; // touched only by the source's thread

    mutable std::mutex mutex; // guards everything below
    std::condition_variable changed;
    std::deque<Pending> queue;
    bool in_flight = false;
    bool started = false;
    bool stopping = false;
    ExporterStats stats;
};

grpc::Status OtlpExporterImpl::send(Pending& pending, uint64_t& rejected, std::string& rejection)
{
    auto backoff = kFirstBackoff;
    grpc::Status status;
    for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kDeadline);
        if (auto* traces = std::get_if<ExportTraceServiceRequest>(&pending.request)) {
            ExportTraceServiceResponse response;
            status = trace_stub->Export(&context, *traces, &response);
            rejected = static_cast<uint64_t>(std::max<int64_t>(0, response.partial_success().rejected_spans()));
            rejection = response.partial_success().error_message();
        } else {
            ExportMetricsServiceResponse response;
            status = metrics_stub->Export(&context, std::get<ExportMetricsServiceRequest>(pending.request), &response);
            rejected = static_cast<uint64_t>(std::max<int64_t>(0, response.partial_success().rejected_data_points()));
            rejection = response.partial_success().error_message();
        }
        const bool retryable = status.error_code() == grpc::StatusCode::UNAVAILABLE
            || status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
        if (status.ok() || !retryable || attempt == kMaxAttempts) break;
        std::unique_lock lock(mutex);
        if (changed.wait_for(lock, backoff, [this] { return stopping; })) break;
        backoff *= 2;
    }
    return status;
}

void OtlpExporterImpl::run()
{
    std::unique_lock lock(mutex);
    while (true) {
        changed.wait(lock, [this] { return stopping || !queue.empty(); });
        if (stopping) break;
        Pending pending = std::move(queue.front());
        queue.pop_front();
        in_flight = true;
        lock.unlock();

        uint64_t rejected = 0;
        std::string rejection;
        const grpc::Status status = send(pending, rejected, rejection);
        const bool spans = std::holds_alternative<ExportTraceServiceRequest>(pending.request);

        lock.lock();
        uint64_t& sent = spans ? stats.spans_sent : stats.metric_points_sent;
        uint64_t& dropped = spans ? stats.spans_dropped : stats.metric_points_dropped;
        if (status.ok()) {
            rejected = std::min(rejected, pending.items);
            sent += pending.items - rejected;
            dropped += rejected;
            if (rejected > 0) stats.last_error = rejection.empty() ? "the receiver rejected some items" : rejection;
        } else {
            dropped += pending.items;
            ++stats.requests_failed;
            stats.last_error = std::string(spans ? "trace" : "metrics") + " export to " + target + " failed ("
                + std::to_string(static_cast<int>(status.error_code())) + "): " + status.error_message();
        }
        in_flight = false;
        changed.notify_all();
    }
    // Whatever is still queued at shutdown is never sent.
    for (const Pending& pending : queue)
        (std::holds_alternative<ExportTraceServiceRequest>(pending.request) ? stats.spans_dropped
                                                                            : stats.metric_points_dropped)
            += pending.items;
    queue.clear();
    changed.notify_all();
}

OtlpExporter::OtlpExporter(std::string target, size_t queue_capacity)
    : d(std::make_unique<OtlpExporterImpl>(std::move(target), queue_capacity))
{
}

OtlpExporter::~OtlpExporter() = default;

void OtlpExporter::setTimeOffset(int64_t offset_ns)
{
    d->time_offset_ns = offset_ns;
}

bool OtlpExporter::start(std::string& error)
{
    if (d->started) return true;
    if (!validTarget(d->target, error)) return false;
    d->channel = grpc::CreateChannel(d->target, grpc::InsecureChannelCredentials());
    d->trace_stub = TraceService::NewStub(d->channel);
    d->metrics_stub = MetricsService::NewStub(d->channel);
    {
        std::lock_guard lock(d->mutex);
        d->started = true;
    }
    d->worker = std::thread([this] { d->run(); });
    return true;
}

void OtlpExporter::onSpans(SpanBatch&& batch)
{
    // Resources in first-seen order; spans split into requests of at most kMaxSpansPerRequest.
    for (size_t begin = 0; begin < batch.spans.size(); begin += kMaxSpansPerRequest) {
        const size_t end = std::min(batch.spans.size(), begin + kMaxSpansPerRequest);
        Pending pending { ExportTraceServiceRequest {}, end - begin };
        auto& request = std::get<ExportTraceServiceRequest>(pending.request);
        std::map<std::tuple<std::string_view, std::string_view, std::string_view>, trace::ScopeSpans*> scopes;
        for (size_t i = begin; i < end; ++i) {
            const Span& span = batch.spans[i];
            trace::ScopeSpans*& scope = scopes[{ span.service, span.service_instance, span.node_kind }];
            if (!scope) {
                auto* resourceSpans = request.add_resource_spans();
                setResource(*resourceSpans->mutable_resource(), span.service, span.service_instance, span.node_kind);
                scope = resourceSpans->add_scope_spans();
                scope->mutable_scope()->set_name(std::string(kScopeName));
            }
            encodeSpan(span, *scope->add_spans(), d->time_offset_ns);
        }
        d->enqueue(std::move(pending), true);
    }
}

void OtlpExporter::onMetrics(std::vector<MetricPoint>&& points)
{
    if (points.empty()) return;
    Pending pending { ExportMetricsServiceRequest {}, points.size() };
    auto& request = std::get<ExportMetricsServiceRequest>(pending.request);
    std::map<std::pair<std::string_view, std::string_view>, metrics::ScopeMetrics*> scopes;
    std::map<std::tuple<metrics::ScopeMetrics*, std::string_view, MetricType>, metrics::Metric*> series;
    for (const MetricPoint& p : points) {
        metrics::ScopeMetrics*& scope = scopes[{ p.service, p.service_instance }];
        if (!scope) {
            auto* resourceMetrics = request.add_resource_metrics();
            setResource(*resourceMetrics->mutable_resource(), p.service, p.service_instance, {});
            scope = resourceMetrics->add_scope_metrics();
            scope->mutable_scope()->set_name(std::string(kScopeName));
        }
        metrics::Metric*& metric = series[{ scope, p.name, p.type }];
        if (!metric) {
            metric = scope->add_metrics();
            metric->set_name(p.name);
            if (p.type != MetricType::Gauge) {
                auto* sum = metric->mutable_sum();
                sum->set_aggregation_temporality(p.type == MetricType::DeltaSum
                        ? metrics::AGGREGATION_TEMPORALITY_DELTA
                        : metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
                sum->set_is_monotonic(true); // the simulator's sums are counters
            } else {
                metric->mutable_gauge();
            }
        }
        auto* point = p.type == MetricType::Gauge ? metric->mutable_gauge()->add_data_points()
                                                  : metric->mutable_sum()->add_data_points();
        point->set_as_double(p.value);
        point->set_time_unix_nano(toUnixNanos(p.time_ns, d->time_offset_ns));
        for (const auto& [key, value] : p.attributes)
            addString(*point->mutable_attributes(), key, value);
    }
    d->enqueue(std::move(pending), false);
}

void OtlpExporter::flush()
{
    std::unique_lock lock(d->mutex);
    d->changed.wait(lock, [this] { return d->stopping || (d->queue.empty() && !d->in_flight); });
}

bool OtlpExporter::flushFor(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(d->mutex);
    return d->changed.wait_for(lock, timeout, [this] { return d->stopping || (d->queue.empty() && !d->in_flight); });
}

ExporterStats OtlpExporter::stats() const
{
    std::lock_guard lock(d->mutex);
    return d->stats;
}

} // namespace faultline
