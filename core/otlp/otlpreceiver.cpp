#include "otlp/otlpreceiver.h"

#include "otlp/otlpdecode.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <grpc/grpc.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <unordered_set>

namespace faultline {

namespace {

constexpr const char* kTraceExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr const char* kMetricsExport = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
constexpr const char* kOverloaded = "Faultline is overloaded: retry later";
constexpr size_t kMaxSendersTracked = 10000;
// Calls still running at stop() get this long to finish before gRPC cancels them.
constexpr auto kShutdownGrace = std::chrono::milliseconds(500);

enum class Method { Traces, Metrics };

/// The host part of a gRPC peer string: "ipv4:10.0.0.1:5000" -> "10.0.0.1", "ipv6:[::1]:5000" -> "::1".
std::string peerHost(std::string_view peer)
{
    for (std::string_view scheme : { "ipv4:", "ipv6:" }) {
        if (peer.starts_with(scheme)) {
            peer.remove_prefix(scheme.size());
            break;
        }
    }
    std::string host(peer);
    for (auto [encoded, plain] : { std::pair { "%5B", "[" }, std::pair { "%5D", "]" } }) {
        for (size_t at = host.find(encoded); at != std::string::npos; at = host.find(encoded))
            host.replace(at, 3, plain);
    }
    if (host.starts_with('[')) {
        const size_t close = host.find(']');
        return close == std::string::npos ? host : host.substr(1, close - 1);
    }
    if (host.starts_with("unix:")) return host;
    const size_t colon = host.rfind(':');
    return colon == std::string::npos ? host : host.substr(0, colon);
}

/// "127.0.0.1:0" with port 41234 -> "127.0.0.1:41234"; keeps brackets of IPv6 literals.
std::string withPort(const std::string& address, int port)
{
    const size_t colon = address.rfind(':');
    const bool hasPort = colon != std::string::npos && address.find(']', colon) == std::string::npos;
    return (hasPort ? address.substr(0, colon) : address) + ":" + std::to_string(port);
}

grpc::ByteBuffer toByteBuffer(const std::string& bytes)
{
    grpc::Slice slice(bytes);
    return grpc::ByteBuffer(&slice, 1);
}

} // namespace

class OtlpReceiverImpl final : public grpc::CallbackGenericService {
public:
    explicit OtlpReceiverImpl(ReceiverConfig c)
        : config(std::move(c))
    {
    }

    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

    /// Decodes one request and hands it over; the status and response bytes to answer with.
    grpc::Status handle(Method method, const grpc::ByteBuffer& request, std::string& response);
    void notePeer(const std::string& peer);

    const ReceiverConfig config;
    std::unique_ptr<grpc::Server> server;

    mutable std::mutex mutex; // guards everything below
    std::condition_variable arrived;
    struct Queued {
        ReceivedItem item;
        size_t spans = 0; // its cost against queue_capacity_spans (metric points count as spans)
        size_t bytes = 0; // and against queue_capacity_bytes
    };
    std::deque<Queued> queue;
    size_t queued_spans = 0;
    size_t queued_bytes = 0;
    bool stopped = false;
    ReceiverStats stats;
    std::unordered_set<std::string> senders;

private:
    enum class Admission { Queued, Full, Stopped };
    Admission admit(ReceivedItem item, size_t cost, size_t bytes);
    static grpc::Status refusal(Admission why);
};

namespace {

/// One Export call: reads the single request message, answers, and deletes itself when gRPC is done.
class ExportReactor final : public grpc::ServerGenericBidiReactor {
public:
    ExportReactor(OtlpReceiverImpl& receiver, Method method)
        : receiver_(receiver)
        , method_(method)
    {
        {
            std::lock_guard lock(receiver_.mutex);
            ++receiver_.stats.calls_in_progress;
        }
        StartRead(&request_);
    }

    void OnReadDone(bool ok) override
    {
        if (!ok) {
            // No message: the client gave up, or gRPC refused it (larger than max_receive_bytes), in
            // which case gRPC has already chosen the status the client sees.
            {
                std::lock_guard lock(receiver_.mutex);
                ++receiver_.stats.unreadable_requests;
            }
            Finish(grpc::Status(grpc::StatusCode::CANCELLED, "no request message"));
            return;
        }
        std::string bytes;
        const grpc::Status status = receiver_.handle(method_, request_, bytes);
        if (!status.ok()) {
            Finish(status);
            return;
        }
        response_ = toByteBuffer(bytes);
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }

    void OnDone() override
    {
        {
            std::lock_guard lock(receiver_.mutex);
            --receiver_.stats.calls_in_progress;
        }
        delete this;
    }

private:
    OtlpReceiverImpl& receiver_;
    const Method method_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
};

class UnimplementedReactor final : public grpc::ServerGenericBidiReactor {
public:
    explicit UnimplementedReactor(const std::string& method)
    {
        Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "Faultline does not serve " + method));
    }
    void OnDone() override { delete this; }
};

} // namespace

grpc::ServerGenericBidiReactor* OtlpReceiverImpl::CreateReactor(grpc::GenericCallbackServerContext* ctx)
{
    const std::string& name = ctx->method();
    if (name != kTraceExport && name != kMetricsExport) return new UnimplementedReactor(name);
    notePeer(ctx->peer());
    return new ExportReactor(*this, name == kTraceExport ? Method::Traces : Method::Metrics);
}

void OtlpReceiverImpl::notePeer(const std::string& peer)
{
    std::string host = peerHost(peer);
    std::lock_guard lock(mutex);
    ++stats.requests;
    if (senders.size() < kMaxSendersTracked) senders.insert(std::move(host));
    stats.senders_seen = senders.size();
}

OtlpReceiverImpl::Admission OtlpReceiverImpl::admit(ReceivedItem item, size_t cost, size_t bytes)
{
    std::lock_guard lock(mutex);
    if (stopped) return Admission::Stopped;
    // A request larger than the whole budget still gets in when the queue is empty, or its exporter would
    // retry it forever; memory stays bounded by capacity plus one message of max_receive_bytes.
    if (queued_spans > 0
        && (queued_spans + cost > config.queue_capacity_spans || queued_bytes + bytes > config.queue_capacity_bytes))
        return Admission::Full;
    if (cost > 0) {
        queue.push_back({ std::move(item), cost, bytes });
        queued_spans += cost;
        queued_bytes += bytes;
        arrived.notify_one();
    }
    return Admission::Queued;
}

grpc::Status OtlpReceiverImpl::refusal(Admission why)
{
    // Exporters retry both codes with backoff.
    if (why == Admission::Stopped) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "Faultline is shutting down");
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, kOverloaded);
}

grpc::Status OtlpReceiverImpl::handle(Method method, const grpc::ByteBuffer& request, std::string& response)
{
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (request.Dump(&slices).ok()) {
        bytes.reserve(request.Length());
        for (const grpc::Slice& s : slices)
            bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }

    std::string error;
    if (method == Method::Traces) {
        DecodedTraces decoded;
        if (!decodeTraceRequest(bytes, decoded, error)) {
            std::lock_guard lock(mutex);
            ++stats.malformed_requests;
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error);
        }
        const size_t accepted = decoded.batch.spans.size();
        if (const Admission a = admit(std::move(decoded.batch), accepted, decoded.memory_bytes);
            a != Admission::Queued) {
            std::lock_guard lock(mutex);
            stats.spans_rejected += accepted + decoded.rejected_spans;
            stats.spans_refused += accepted + decoded.rejected_spans;
            return refusal(a);
        }
        {
            std::lock_guard lock(mutex);
            stats.spans_received += accepted;
            stats.spans_rejected += decoded.rejected_spans;
            stats.spans_unusable += decoded.rejected_spans;
        }
        opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse reply;
        if (decoded.rejected_spans > 0) {
            reply.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(decoded.rejected_spans));
            reply.mutable_partial_success()->set_error_message(decoded.warning);
        }
        reply.SerializeToString(&response);
        return grpc::Status::OK;
    }

    DecodedMetrics decoded;
    if (!decodeMetricsRequest(bytes, decoded, error)) {
        std::lock_guard lock(mutex);
        ++stats.malformed_requests;
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error);
    }
    const size_t accepted = decoded.points.size();
    const size_t memory = bytes.size() + decoded.points.capacity() * sizeof(MetricPoint);
    if (const Admission a = admit(std::move(decoded.points), accepted, memory); a != Admission::Queued) {
        std::lock_guard lock(mutex);
        stats.metric_points_rejected += accepted + decoded.rejected_data_points;
        return refusal(a);
    }
    {
        std::lock_guard lock(mutex);
        stats.metric_points_received += accepted;
        stats.metric_points_rejected += decoded.rejected_data_points;
    }
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse reply;
    if (decoded.rejected_data_points > 0) {
        reply.mutable_partial_success()->set_rejected_data_points(static_cast<int64_t>(decoded.rejected_data_points));
        reply.mutable_partial_success()->set_error_message(decoded.warning);
    }
    reply.SerializeToString(&response);
    return grpc::Status::OK;
}

OtlpReceiver::OtlpReceiver(ReceiverConfig config)
    : d(std::make_unique<OtlpReceiverImpl>(std::move(config)))
{
}

OtlpReceiver::~OtlpReceiver()
{
    stop();
}

bool OtlpReceiver::start(std::string& error)
{
    if (d->server) {
        error = "already listening on " + stats().listening_on;
        return false;
    }
    const std::string& address = d->config.address;
    if (address.empty() || address.find(':') == std::string::npos) {
        error = "cannot listen on \"" + address + "\": expected host:port, such as 127.0.0.1:4317";
        return false;
    }
    if (d->config.max_receive_bytes <= 0) {
        error = "max_receive_bytes must be positive";
        return false;
    }
    if (d->config.max_connection_age_ms <= 0 || d->config.max_connection_age_grace_ms <= 0
        || d->config.max_concurrent_streams <= 0) {
        error = "max_connection_age_ms, max_connection_age_grace_ms and max_concurrent_streams must be positive";
        return false;
    }

    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(d->config.max_receive_bytes);
    // gRPC binds with SO_REUSEPORT by default, which would let a second Faultline share the port silently.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    // A bounded life for connections and their calls (ReceiverConfig says why).
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, d->config.max_connection_age_ms);
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, d->config.max_connection_age_grace_ms);
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, d->config.max_concurrent_streams);
    builder.RegisterCallbackGenericService(d.get());
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server || port == 0) {
        if (server) server->Shutdown();
        error = "cannot listen on " + address + ": address in use or not allowed";
        return false;
    }

    std::lock_guard lock(d->mutex);
    d->server = std::move(server);
    d->stopped = false;
    d->stats.listening_on = withPort(address, port);
    return true;
}

void OtlpReceiver::stop()
{
    {
        std::lock_guard lock(d->mutex);
        d->stopped = true;
        d->arrived.notify_all();
    }
    if (!d->server) return;
    d->server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    d->server->Wait();
    d->server.reset();
    std::lock_guard lock(d->mutex);
    d->queue.clear();
    d->queued_spans = 0;
    d->queued_bytes = 0;
    d->stats.listening_on.clear();
}

std::optional<ReceivedItem> OtlpReceiver::pop(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(d->mutex);
    if (!d->arrived.wait_for(lock, timeout, [this] { return d->stopped || !d->queue.empty(); })) return {};
    if (d->stopped) return {};
    OtlpReceiverImpl::Queued next = std::move(d->queue.front());
    d->queue.pop_front();
    d->queued_spans -= next.spans;
    d->queued_bytes -= next.bytes;
    return std::move(next.item);
}

ReceiverStats OtlpReceiver::stats() const
{
    std::lock_guard lock(d->mutex);
    ReceiverStats stats = d->stats;
    stats.queued_spans = d->queued_spans;
    stats.queued_bytes = d->queued_bytes;
    return stats;
}

} // namespace faultline
