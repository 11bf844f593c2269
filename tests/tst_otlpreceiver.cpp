// The OTLP/gRPC receiver of spec/telemetry.md section 1, driven by a real gRPC client over loopback.
#include "otlp/otlpreceiver.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <QElapsedTimer>
#include <QTest>

#include <future>
#include <thread>

using namespace faultline;
namespace otlp = opentelemetry::proto;

namespace {

constexpr auto kCallDeadline = std::chrono::seconds(10);
constexpr auto kPopTimeout = std::chrono::milliseconds(5000);
const std::string kTraceExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const std::string kMetricsExport = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

struct Reply {
    grpc::Status status;
    std::string bytes;
};

/// One unary call with raw bytes, so the tests can send what a protobuf class would refuse to build.
Reply call(const std::string& address, const std::string& method, const std::string& request)
{
    auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    grpc::Slice slice(request);
    grpc::ByteBuffer requestBuffer(&slice, 1);
    grpc::ByteBuffer responseBuffer;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &requestBuffer, &responseBuffer,
        [&done](grpc::Status s) { done.set_value(std::move(s)); });
    Reply reply { done.get_future().get(), {} };
    std::vector<grpc::Slice> slices;
    if (reply.status.ok() && responseBuffer.Dump(&slices).ok()) {
        for (const grpc::Slice& s : slices)
            reply.bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    return reply;
}

std::string bytesOf(uint64_t value, size_t length)
{
    std::string out(length, '\0');
    for (size_t i = 0; i < length; ++i)
        out[length - 1 - i] = static_cast<char>((value >> (8 * (i % 8))) & 0xff);
    return out;
}

/// A request from `service` (none when empty) with `count` client spans, span ids 1..count.
otlp::collector::trace::v1::ExportTraceServiceRequest traceRequest(
    const std::string& service, int count, const std::string& name = "GET /cart")
{
    otlp::collector::trace::v1::ExportTraceServiceRequest request;
    auto* resourceSpans = request.add_resource_spans();
    if (!service.empty()) {
        auto* attribute = resourceSpans->mutable_resource()->add_attributes();
        attribute->set_key("service.name");
        attribute->mutable_value()->set_string_value(service);
    }
    auto* scope = resourceSpans->add_scope_spans();
    for (int i = 1; i <= count; ++i) {
        auto* span = scope->add_spans();
        span->set_trace_id(bytesOf(0xabcdef, 16));
        span->set_span_id(bytesOf(static_cast<uint64_t>(i), 8));
        span->set_kind(otlp::trace::v1::Span::SPAN_KIND_CLIENT);
        span->set_name(name);
        span->set_start_time_unix_nano(1'000'000'000);
        span->set_end_time_unix_nano(1'002'000'000);
    }
    return request;
}

Reply exportTraces(const OtlpReceiver& receiver, const otlp::collector::trace::v1::ExportTraceServiceRequest& request)
{
    return call(receiver.stats().listening_on, kTraceExport, request.SerializeAsString());
}

std::string describe(const grpc::Status& status)
{
    return std::to_string(static_cast<int>(status.error_code())) + " " + status.error_message();
}

/// A started receiver on a free loopback port.
std::unique_ptr<OtlpReceiver> startReceiver(ReceiverConfig config = {})
{
    config.address = "127.0.0.1:0";
    auto receiver = std::make_unique<OtlpReceiver>(config);
    std::string error;
    if (!receiver->start(error)) qFatal("cannot start the receiver: %s", error.c_str());
    return receiver;
}

} // namespace

class tst_OtlpReceiver : public QObject {
    Q_OBJECT

private slots:
    void reportsTheResolvedPort()
    {
        auto receiver = startReceiver();
        const std::string on = receiver->stats().listening_on;
        QVERIFY2(on.starts_with("127.0.0.1:") && !on.ends_with(":0"), on.c_str());
    }

    void acceptsATraceRequestAndHandsOverItsSpans()
    {
        auto receiver = startReceiver();
        const Reply reply = exportTraces(*receiver, traceRequest("checkout", 3));
        QVERIFY2(reply.status.ok(), describe(reply.status).c_str());
        otlp::collector::trace::v1::ExportTraceServiceResponse response;
        QVERIFY(response.ParseFromString(reply.bytes));
        QVERIFY(!response.has_partial_success());

        auto item = receiver->pop(kPopTimeout);
        QVERIFY(item.has_value());
        QVERIFY(std::holds_alternative<SpanBatch>(*item));
        const SpanBatch& batch = std::get<SpanBatch>(*item);
        QCOMPARE(batch.spans.size(), size_t(3));
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(batch.spans[i].service, std::string_view("checkout"));
            QCOMPARE(batch.spans[i].span_id, SpanId(i + 1));
            QCOMPARE(batch.spans[i].trace_id.lo, uint64_t(0xabcdef));
            QCOMPARE(batch.spans[i].kind, SpanKind::Client);
            QCOMPARE(batch.spans[i].name, std::string_view("GET /cart"));
        }
        const ReceiverStats stats = receiver->stats();
        QCOMPARE(stats.requests, uint64_t(1));
        QCOMPARE(stats.spans_received, uint64_t(3));
        QCOMPARE(stats.spans_rejected, uint64_t(0));
        QCOMPARE(stats.senders_seen, uint64_t(1));
    }

    void reportsInvalidSpansAsPartialSuccess()
    {
        auto receiver = startReceiver();
        auto request = traceRequest("checkout", 4);
        auto* spans = request.mutable_resource_spans(0)->mutable_scope_spans(0);
        spans->mutable_spans(1)->set_span_id("short");
        spans->mutable_spans(3)->set_span_id("");
        const Reply reply = exportTraces(*receiver, request);
        QVERIFY2(reply.status.ok(), describe(reply.status).c_str());
        otlp::collector::trace::v1::ExportTraceServiceResponse response;
        QVERIFY(response.ParseFromString(reply.bytes));
        QVERIFY(response.has_partial_success());
        QCOMPARE(response.partial_success().rejected_spans(), int64_t(2));
        QVERIFY(!response.partial_success().error_message().empty());

        auto item = receiver->pop(kPopTimeout);
        QVERIFY(item.has_value());
        QCOMPARE(std::get<SpanBatch>(*item).spans.size(), size_t(2));
        QCOMPARE(receiver->stats().spans_received, uint64_t(2));
        QCOMPARE(receiver->stats().spans_rejected, uint64_t(2));
        QCOMPARE(receiver->stats().spans_unusable, uint64_t(2));
        QCOMPARE(receiver->stats().spans_refused, uint64_t(0));
    }

    void answersMalformedBytesWithInvalidArgumentAndKeepsServing()
    {
        auto receiver = startReceiver();
        const Reply bad
            = call(receiver->stats().listening_on, kTraceExport, std::string("\x0a\xff\xff\xff\x0f garbage", 14));
        QCOMPARE(bad.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(!bad.status.error_message().empty());
        QCOMPARE(receiver->stats().malformed_requests, uint64_t(1));

        const Reply good = exportTraces(*receiver, traceRequest("checkout", 1));
        QVERIFY2(good.status.ok(), describe(good.status).c_str());
        QVERIFY(receiver->pop(kPopTimeout).has_value());
    }

    void refusesMessagesLargerThanMaxReceiveBytes()
    {
        ReceiverConfig config;
        config.max_receive_bytes = 1024;
        auto receiver = startReceiver(config);
        const Reply big = exportTraces(*receiver, traceRequest("checkout", 1, std::string(4000, 'x')));
        QCOMPARE(big.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        QCOMPARE(receiver->stats().spans_received, uint64_t(0));
        // The receiver learns of the refusal on its own thread, possibly after the client has its answer.
        QTRY_COMPARE_WITH_TIMEOUT(receiver->stats().unreadable_requests, uint64_t(1), 5000);

        const Reply small = exportTraces(*receiver, traceRequest("checkout", 1));
        QVERIFY2(small.status.ok(), describe(small.status).c_str());
    }

    void namesAServiceWithoutServiceNameUnknownService()
    {
        auto receiver = startReceiver();
        const Reply reply = exportTraces(*receiver, traceRequest("", 1));
        QVERIFY2(reply.status.ok(), describe(reply.status).c_str());
        auto item = receiver->pop(kPopTimeout);
        QVERIFY(item.has_value());
        QCOMPARE(std::get<SpanBatch>(*item).spans.at(0).service, std::string_view("unknown_service"));
    }

    void refusesRequestsBeyondQueueCapacityAndCountsTheirSpans()
    {
        ReceiverConfig config;
        config.queue_capacity_spans = 5;
        auto receiver = startReceiver(config);

        QVERIFY(exportTraces(*receiver, traceRequest("a", 3)).status.ok()); // queued 3
        const Reply over = exportTraces(*receiver, traceRequest("a", 3)); // 6 > 5
        QCOMPARE(over.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        QVERIFY(exportTraces(*receiver, traceRequest("a", 2)).status.ok()); // queued 5, full
        QCOMPARE(
            exportTraces(*receiver, traceRequest("a", 1)).status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

        ReceiverStats stats = receiver->stats();
        QCOMPARE(stats.spans_received, uint64_t(5));
        QCOMPARE(stats.spans_rejected, uint64_t(4));
        QCOMPARE(stats.spans_refused, uint64_t(4));
        QCOMPARE(stats.spans_unusable, uint64_t(0));

        // Taking the first batch out makes room again.
        auto first = receiver->pop(kPopTimeout);
        QVERIFY(first.has_value());
        QCOMPARE(std::get<SpanBatch>(*first).spans.size(), size_t(3));
        QVERIFY(exportTraces(*receiver, traceRequest("a", 3)).status.ok());
        stats = receiver->stats();
        QCOMPARE(stats.spans_received, uint64_t(8));
        QCOMPARE(stats.spans_rejected, uint64_t(4));
    }

    void refusesRequestsBeyondTheQueuesMemoryBudget()
    {
        // Few spans, but large ones (names are kept up to 256 bytes): the byte budget refuses what the span
        // count would let in.
        ReceiverConfig config;
        config.queue_capacity_spans = 1000;
        config.queue_capacity_bytes = 8 * 1024;
        auto receiver = startReceiver(config);
        const auto big = traceRequest("a", 10, std::string(300, 'x'));

        QVERIFY(exportTraces(*receiver, big).status.ok()); // an empty queue takes it whatever it costs
        ReceiverStats stats = receiver->stats();
        QCOMPARE(stats.queued_spans, uint64_t(10));
        QVERIFY2(stats.queued_bytes >= 10 * (256 + sizeof(Span)), std::to_string(stats.queued_bytes).c_str());
        QVERIFY2(stats.queued_bytes < 8 * 1024, std::to_string(stats.queued_bytes).c_str());
        QCOMPARE(exportTraces(*receiver, big).status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        QVERIFY(exportTraces(*receiver, traceRequest("a", 2)).status.ok()); // small ones still fit
        stats = receiver->stats();
        QCOMPARE(stats.spans_received, uint64_t(12));
        QCOMPARE(stats.spans_refused, uint64_t(10));
        QCOMPARE(stats.queued_spans, uint64_t(12));

        QVERIFY(receiver->pop(kPopTimeout).has_value());
        QVERIFY(receiver->pop(kPopTimeout).has_value());
        QCOMPARE(receiver->stats().queued_bytes, uint64_t(0));
        QCOMPARE(receiver->stats().queued_spans, uint64_t(0));
        QVERIFY(exportTraces(*receiver, big).status.ok());
    }

    void handsOverMetricPoints()
    {
        auto receiver = startReceiver();
        otlp::collector::metrics::v1::ExportMetricsServiceRequest request;
        auto* resourceMetrics = request.add_resource_metrics();
        auto* attribute = resourceMetrics->mutable_resource()->add_attributes();
        attribute->set_key("service.name");
        attribute->mutable_value()->set_string_value("payments");
        auto* metric = resourceMetrics->add_scope_metrics()->add_metrics();
        metric->set_name("rabbitmq_queue_messages_ready");
        auto* point = metric->mutable_gauge()->add_data_points();
        point->set_as_double(42.0);
        point->set_time_unix_nano(5'000'000'000);

        const Reply reply = call(receiver->stats().listening_on, kMetricsExport, request.SerializeAsString());
        QVERIFY2(reply.status.ok(), describe(reply.status).c_str());
        otlp::collector::metrics::v1::ExportMetricsServiceResponse response;
        QVERIFY(response.ParseFromString(reply.bytes));
        QVERIFY(!response.has_partial_success());

        auto item = receiver->pop(kPopTimeout);
        QVERIFY(item.has_value());
        const auto& points = std::get<std::vector<MetricPoint>>(*item);
        QCOMPARE(points.size(), size_t(1));
        QCOMPARE(points[0].name, std::string("rabbitmq_queue_messages_ready"));
        QCOMPARE(points[0].service, std::string("payments"));
        QCOMPARE(points[0].value, 42.0);
        QCOMPARE(receiver->stats().metric_points_received, uint64_t(1));
    }

    void answersAnUnknownMethodUnimplemented()
    {
        auto receiver = startReceiver();
        const Reply reply
            = call(receiver->stats().listening_on, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", "");
        QCOMPARE(reply.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    }

    void failsClearlyOnAnAddressInUse()
    {
        auto first = startReceiver();
        ReceiverConfig config;
        config.address = first->stats().listening_on;
        OtlpReceiver second(config);
        std::string error;
        QVERIFY(!second.start(error));
        QVERIFY2(error.find("cannot listen on " + config.address) != std::string::npos, error.c_str());
        QVERIFY(second.stats().listening_on.empty());
    }

    void stopWakesABlockedPop()
    {
        auto receiver = startReceiver();
        QElapsedTimer timer;
        timer.start();
        auto popped = std::async(std::launch::async, [&receiver] { return receiver->pop(std::chrono::minutes(5)); });
        receiver->stop();
        QVERIFY(!popped.get().has_value());
        QVERIFY(timer.elapsed() < 60'000); // far below pop's timeout: stop() woke it
        QVERIFY(receiver->stats().listening_on.empty());
    }
};

QTEST_APPLESS_MAIN(tst_OtlpReceiver)
#include "tst_otlpreceiver.moc"
