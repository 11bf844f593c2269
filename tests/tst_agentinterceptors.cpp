// The agent's gRPC interceptors (core/control/agentinterceptors.h) on a real loopback server: outgoing
// rules delay, abort and lose calls, the breaker guarding a target fails calls fast once it opens, and
// incoming rules fail calls on the server side. The OTLP trace service stands in for any service.
#include "control/agentinterceptors.h"
#include "control/agenttelemetry.h"
#include "control/controlagent.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/client_context.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <QElapsedTimer>
#include <QTest>

#include <atomic>
#include <chrono>
#include <memory>

using namespace faultline;
namespace collector = opentelemetry::proto::collector::trace::v1;

namespace {

class CountingService final : public collector::TraceService::Service {
public:
    grpc::Status Export(grpc::ServerContext*, const collector::ExportTraceServiceRequest*,
        collector::ExportTraceServiceResponse*) override
    {
        ++calls;
        return grpc::Status::OK;
    }
    std::atomic<int> calls { 0 };
};

class RecordingSink final : public TelemetrySink {
public:
    void onSpans(SpanBatch&& batch) override { batches.push_back(std::move(batch)); }
    void onMetrics(std::vector<MetricPoint>&& p) override
    {
        for (MetricPoint& point : p)
            points.push_back(std::move(point));
    }
    void onClock(int64_t) override { }
    std::vector<Span> spans() const
    {
        std::vector<Span> all;
        for (const SpanBatch& b : batches)
            all.insert(all.end(), b.spans.begin(), b.spans.end());
        return all;
    }
    std::vector<SpanBatch> batches;
    std::vector<MetricPoint> points;
};

ControlAgentConfig agentConfig()
{
    ControlAgentConfig config;
    config.service = "orders";
    config.instance = "orders-1";
    config.call_targets = { "payments" };
    return config;
}

LiveFaultRule rule(const std::string& id, LiveFaultKind kind)
{
    LiveFaultRule r;
    r.id = id;
    r.kind = kind;
    r.target = "payments";
    return r;
}

} // namespace

class TestAgentInterceptors : public QObject {
    Q_OBJECT

private slots:
    void init()
    {
        agent = std::make_unique<ControlAgent>(agentConfig());
        CircuitBreakerConfig breaker;
        breaker.sliding_window_size = 4;
        breaker.minimum_number_of_calls = 4;
        breaker.failure_rate_threshold = 50.0;
        QVERIFY(agent->breakers().add("payments", "payments", breaker));
        service = std::make_unique<CountingService>();
        grpc::ServerBuilder builder;
        int port = 0;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
        builder.RegisterService(service.get());
        builder.experimental().SetInterceptorCreators(agentServerInterceptors(*agent));
        server = builder.BuildAndStart();
        QVERIFY(server);
        QVERIFY(port > 0);
        const std::string address = "127.0.0.1:" + std::to_string(port);
        guarded = collector::TraceService::NewStub(createAgentChannel(*agent, address, { "payments", "payments" }));
        other = collector::TraceService::NewStub(createAgentChannel(*agent, address, { "bank", "" }));
    }

    void cleanup()
    {
        guarded.reset();
        other.reset();
        server->Shutdown();
        server.reset();
        service.reset();
        agent.reset();
    }

    void callsPassWithoutRules()
    {
        QCOMPARE(call(*guarded).error_code(), grpc::StatusCode::OK);
        QCOMPARE(call(*other).error_code(), grpc::StatusCode::OK);
        QCOMPARE(service->calls.load(), 2);
        QCOMPARE(agent->breakers().metrics("payments", agent->nowNs())->successful_calls, 1);
    }

    void abortFailsTheCallWithoutSendingIt()
    {
        apply(rule("a", LiveFaultKind::Abort));
        const grpc::Status status = call(*guarded);
        QCOMPARE(status.error_code(), grpc::StatusCode::UNAVAILABLE);
        QCOMPARE(service->calls.load(), 0);
        // Rules are per target: calls to another service are untouched.
        QCOMPARE(call(*other).error_code(), grpc::StatusCode::OK);
        QCOMPARE(service->calls.load(), 1);
        QVERIFY(agent->rules().revert("a"));
        QCOMPARE(call(*guarded).error_code(), grpc::StatusCode::OK);
    }

    void delayHoldsTheCallBack()
    {
        LiveFaultRule delay = rule("d", LiveFaultKind::Delay);
        delay.delay_ms = 300;
        apply(delay);
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(call(*guarded).error_code(), grpc::StatusCode::OK);
        QVERIFY2(timer.elapsed() >= 290, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(service->calls.load(), 1);
    }

    void lostCallsEndAtTheirDeadline()
    {
        apply(rule("l", LiveFaultKind::PacketLoss));
        QCOMPARE(call(*guarded, std::chrono::milliseconds(200)).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
        QCOMPARE(service->calls.load(), 0);
    }

    void openBreakerFailsFast()
    {
        apply(rule("a", LiveFaultKind::Abort));
        for (int i = 0; i < 4; ++i)
            QCOMPARE(call(*guarded).error_code(), grpc::StatusCode::UNAVAILABLE);
        QCOMPARE(agent->breakers().state("payments", agent->nowNs()), std::optional(BreakerState::Open));
        QVERIFY(agent->rules().revert("a"));
        const grpc::Status status = call(*guarded);
        QCOMPARE(status.error_code(), grpc::StatusCode::UNAVAILABLE);
        QVERIFY2(status.error_message().find("circuit breaker") != std::string::npos, status.error_message().c_str());
        QCOMPARE(service->calls.load(), 0);
        QCOMPARE(agent->breakers().metrics("payments", agent->nowNs())->not_permitted_calls, 1);
        // The unguarded channel does not care.
        QCOMPARE(call(*other).error_code(), grpc::StatusCode::OK);
    }

    void incomingRulesFailCallsOnTheServer()
    {
        LiveFaultRule errors = rule("e", LiveFaultKind::ErrorRate);
        errors.target.clear();
        errors.grpc_status = static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED);
        apply(errors);
        QCOMPARE(call(*other).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        QCOMPARE(service->calls.load(), 1); // the handler ran; its answer was replaced
        QVERIFY(agent->rules().revert("e"));
        QCOMPARE(call(*other).error_code(), grpc::StatusCode::OK);
    }

    void traceparentRoundTrips()
    {
        const SpanContext context { { 0x0af7651916cd43ddULL, 0x8448eb211c80319cULL }, 0xb7ad6b7169203331ULL };
        const std::string header = formatTraceparent(context);
        QCOMPARE(header, std::string("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        const std::optional<SpanContext> parsed = parseTraceparent(header);
        QVERIFY(parsed);
        QVERIFY(parsed->trace_id == context.trace_id);
        QCOMPARE(parsed->span_id, context.span_id);
        QVERIFY(!parseTraceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01"));
        QVERIFY(!parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"));
        QVERIFY(!parseTraceparent("00-0af7651916cd43dd8448eb211c80319X-b7ad6b7169203331-01"));
    }

    void spansPairAcrossTheCallAndBreakersAreReported()
    {
        // orders (this agent) calls payments (a second agent serving), each with its own telemetry.
        ControlAgentConfig paymentsConfig = agentConfig();
        paymentsConfig.service = "payments";
        ControlAgent payments(paymentsConfig);
        RecordingSink ordersSink;
        RecordingSink paymentsSink;
        AgentTelemetry ordersTelemetry({ "orders", "orders-1" }, ordersSink, &agent->breakers());
        AgentTelemetry paymentsTelemetry({ "payments", "payments-1" }, paymentsSink);
        CountingService paymentsService;
        grpc::ServerBuilder builder;
        int port = 0;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
        builder.RegisterService(&paymentsService);
        builder.experimental().SetInterceptorCreators(agentServerInterceptors(payments, &paymentsTelemetry));
        std::unique_ptr<grpc::Server> paymentsServer = builder.BuildAndStart();
        QVERIFY(paymentsServer);
        auto stub = collector::TraceService::NewStub(createAgentChannel(
            *agent, "127.0.0.1:" + std::to_string(port), { "payments", "payments" }, &ordersTelemetry));
        QCOMPARE(call(*stub).error_code(), grpc::StatusCode::OK);
        apply(rule("a", LiveFaultKind::Abort));
        QCOMPARE(call(*stub).error_code(), grpc::StatusCode::UNAVAILABLE);
        ordersTelemetry.flush();
        paymentsTelemetry.flush();
        paymentsServer->Shutdown();

        const std::vector<Span> client = ordersSink.spans();
        const std::vector<Span> server = paymentsSink.spans();
        QCOMPARE(client.size(), size_t(2));
        QCOMPARE(server.size(), size_t(1)); // the aborted call never reached payments
        QCOMPARE(client[0].kind, SpanKind::Client);
        QCOMPARE(server[0].kind, SpanKind::Server);
        QVERIFY(client[0].trace_id == server[0].trace_id);
        QCOMPARE(server[0].parent_span_id, client[0].span_id);
        QCOMPARE(client[0].service, std::string_view("orders"));
        QCOMPARE(server[0].service, std::string_view("payments"));
        QCOMPARE(client[0].rpc_system, std::string_view("grpc"));
        QCOMPARE(client[0].peer_service, std::string_view("payments"));
        QCOMPARE(client[0].name, std::string_view("opentelemetry.proto.collector.trace.v1.TraceService/Export"));
        QCOMPARE(client[0].status, StatusCode::Unset);
        QCOMPARE(client[1].status, StatusCode::Error);
        QVERIFY(client[0].end_ns >= client[0].start_ns);
        QVERIFY(server[0].start_ns >= client[0].start_ns);
        bool rpcService = false;
        for (const KeyValue& kv : client[0].attributes)
            rpcService |= kv.key == "rpc.service" && kv.value == "opentelemetry.proto.collector.trace.v1.TraceService";
        QVERIFY(rpcService);

        // The breaker's state series: one per state, 1 for the current one (closed: 2 of 4 calls so far).
        int closed = 0;
        for (const MetricPoint& p : ordersSink.points)
            if (p.name == "resilience4j.circuitbreaker.state" && p.attribute("name") == "payments") {
                QCOMPARE(p.service, std::string("orders"));
                if (p.attribute("state") == "closed")
                    closed += p.value == 1.0 ? 1 : 100;
                else
                    QCOMPARE(p.value, 0.0);
            }
        QCOMPARE(closed, 1);
        QVERIFY(paymentsSink.points.empty()); // no breakers there
    }

private:
    void apply(const LiveFaultRule& r)
    {
        std::string error;
        QVERIFY2(agent->rules().apply(r, agent->nowNs(), error), error.c_str());
    }

    static grpc::Status call(
        collector::TraceService::Stub& stub, std::chrono::milliseconds deadline = std::chrono::milliseconds(10000))
    {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + deadline);
        collector::ExportTraceServiceRequest request;
        collector::ExportTraceServiceResponse response;
        return stub.Export(&context, request, &response);
    }

    std::unique_ptr<ControlAgent> agent;
    std::unique_ptr<CountingService> service;
    std::unique_ptr<grpc::Server> server;
    std::unique_ptr<collector::TraceService::Stub> guarded;
    std::unique_ptr<collector::TraceService::Stub> other;
};

QTEST_GUILESS_MAIN(TestAgentInterceptors)
#include "tst_agentinterceptors.moc"
