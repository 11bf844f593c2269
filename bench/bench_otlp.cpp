// OTLP ingest throughput, in spans per second: (a) libprotobuf parsing the bytes of realistic
// ExportTraceServiceRequests into an arena (the floor any decoder pays), (b) Faultline's decodeTraceRequest
// on the same bytes, (c) end to end over loopback gRPC: client threads calling TraceService/Export at full
// speed into an OtlpReceiver, one consumer thread feeding a GraphAggregator, as the live runner does.
// Run on purpose: build/dev/bench/bench_otlp [seconds-per-stage] [client-threads, 0: only (a) and (b)];
// bench/otlp_decode.sh alternates processes that run (a) or (b) alone (--only parse|decode) for the ratio.
// Figures go into docs/performance.md.

#include "graph/graphaggregator.h"
#include "otlp/otlpdecode.h"
#include "otlp/otlpreceiver.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <google/protobuf/arena.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <future>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace faultline;
namespace trace = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

constexpr int kServices = 20;
constexpr int kSpansPerRequest = 1000; // 500 client/server pairs
constexpr int kPayloads = 16; // distinct requests, sent round robin

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

void addString(
    google::protobuf::RepeatedPtrField<common::KeyValue>* attributes, const std::string& key, const std::string& value)
{
    common::KeyValue* kv = attributes->Add();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
}

void addInt(google::protobuf::RepeatedPtrField<common::KeyValue>* attributes, const std::string& key, int64_t value)
{
    common::KeyValue* kv = attributes->Add();
    kv->set_key(key);
    kv->mutable_value()->set_int_value(value);
}

std::string bytes8(uint64_t value)
{
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[static_cast<size_t>(7 - i)] = static_cast<char>((value >> (8 * i)) & 0xff);
    return out;
}

std::string serviceName(int i)
{
    char name[32];
    std::snprintf(name, sizeof name, "svc-%02d", i);
    return name;
}

/// One request as a Collector's batch processor sends it: one ResourceSpans per service, each with the
/// resource attributes an SDK sets, spans with the semantic-convention attributes of HTTP and gRPC calls.
std::string makePayload(int seed, int64_t base_ns)
{
    std::mt19937_64 rng(static_cast<uint64_t>(seed) * 7919 + 1);
    ExportTraceServiceRequest request;
    std::vector<trace::ScopeSpans*> scopes(kServices);
    for (int s = 0; s < kServices; ++s) {
        trace::ResourceSpans* rs = request.add_resource_spans();
        auto* attributes = rs->mutable_resource()->mutable_attributes();
        addString(attributes, "service.name", serviceName(s));
        addString(attributes, "service.instance.id", serviceName(s) + "-7f9c" + std::to_string(s % 3));
        addString(attributes, "service.version", "1.4.2");
        addString(attributes, "telemetry.sdk.language", s % 2 ? "java" : "go");
        addString(attributes, "telemetry.sdk.name", "opentelemetry");
        addString(attributes, "host.name", "node-" + std::to_string(s % 5));
        scopes[static_cast<size_t>(s)] = rs->add_scope_spans();
        scopes[static_cast<size_t>(s)]->mutable_scope()->set_name("io.opentelemetry.http");
    }
    for (int pair = 0; pair < kSpansPerRequest / 2; ++pair) {
        const int caller = static_cast<int>(rng() % kServices);
        const int callee = (caller + 1 + static_cast<int>(rng() % (kServices - 1))) % kServices;
        const bool grpc = rng() % 2 == 0;
        const uint64_t traceHigh = rng();
        const uint64_t traceLow = rng();
        const uint64_t clientId = rng() | 1;
        const uint64_t serverId = rng() | 1;
        const int64_t start = base_ns + static_cast<int64_t>(rng() % 1'000'000'000);
        const int64_t clientNs = 2'000'000 + static_cast<int64_t>(rng() % 50'000'000);
        const int64_t serverNs = clientNs - 1'000'000;
        const bool error = rng() % 100 == 0;
        const std::string route = "/api/v1/items/{id}";

        trace::Span* client = scopes[static_cast<size_t>(caller)]->add_spans();
        client->set_trace_id(bytes8(traceHigh) + bytes8(traceLow));
        client->set_span_id(bytes8(clientId));
        client->set_parent_span_id(bytes8(rng() | 1));
        client->set_kind(trace::Span::SPAN_KIND_CLIENT);
        client->set_start_time_unix_nano(static_cast<uint64_t>(start));
        client->set_end_time_unix_nano(static_cast<uint64_t>(start + clientNs));
        trace::Span* server = scopes[static_cast<size_t>(callee)]->add_spans();
        server->set_trace_id(client->trace_id());
        server->set_span_id(bytes8(serverId));
        server->set_parent_span_id(client->span_id());
        server->set_kind(trace::Span::SPAN_KIND_SERVER);
        server->set_start_time_unix_nano(static_cast<uint64_t>(start + 500'000));
        server->set_end_time_unix_nano(static_cast<uint64_t>(start + 500'000 + serverNs));
        if (grpc) {
            const std::string method = "GetItem";
            client->set_name("items.ItemService/" + method);
            server->set_name(client->name());
            for (trace::Span* span : { client, server }) {
                addString(span->mutable_attributes(), "rpc.system", "grpc");
                addString(span->mutable_attributes(), "rpc.service", "items.ItemService");
                addString(span->mutable_attributes(), "rpc.method", method);
                addInt(span->mutable_attributes(), "rpc.grpc.status_code", error ? 14 : 0);
            }
            addString(client->mutable_attributes(), "server.address", serviceName(callee));
            addInt(client->mutable_attributes(), "server.port", 50051);
        } else {
            client->set_name("GET");
            server->set_name("GET " + route);
            for (trace::Span* span : { client, server }) {
                addString(span->mutable_attributes(), "http.request.method", "GET");
                addInt(span->mutable_attributes(), "http.response.status_code", error ? 503 : 200);
                addString(span->mutable_attributes(), "network.protocol.version", "1.1");
            }
            addString(client->mutable_attributes(), "server.address", serviceName(callee));
            addInt(client->mutable_attributes(), "server.port", 8080);
            addString(client->mutable_attributes(), "url.full",
                "http://" + serviceName(callee) + ":8080/api/v1/items/" + std::to_string(rng() % 100000));
            addString(server->mutable_attributes(), "http.route", route);
            addString(server->mutable_attributes(), "url.scheme", "http");
            addString(server->mutable_attributes(), "user_agent.original", "okhttp/4.12.0");
        }
        if (error) {
            client->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
            server->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
        }
    }
    return request.SerializeAsString();
}

struct Rate {
    uint64_t spans = 0;
    double seconds = 0.0;
    double cpu_seconds = 0.0; ///< this thread's CPU time, where measured
    double perSecond() const { return seconds > 0.0 ? static_cast<double>(spans) / seconds : 0.0; }
    double perCpuSecond() const { return cpu_seconds > 0.0 ? static_cast<double>(spans) / cpu_seconds : 0.0; }
};

double threadCpuSeconds()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Alternates one pass over the payloads with `a` and one with `b` for `seconds` in all, so both see the
/// same machine load; times each by wall clock and by this thread's CPU time.
template <typename A, typename B>
std::pair<Rate, Rate> interleaved(double seconds, const std::vector<std::string>& payloads, A&& a, B&& b)
{
    std::pair<Rate, Rate> rates;
    const auto start = Clock::now();
    auto pass = [&](Rate& rate, auto&& onePayload) {
        const auto wall = Clock::now();
        const double cpu = threadCpuSeconds();
        for (const std::string& payload : payloads)
            rate.spans += onePayload(payload);
        rate.seconds += secondsSince(wall);
        rate.cpu_seconds += threadCpuSeconds() - cpu;
    };
    do {
        pass(rates.first, a);
        pass(rates.second, b);
    } while (secondsSince(start) < seconds);
    return rates;
}

struct EndToEnd {
    Rate sent; ///< spans in calls answered OK
    Rate aggregated; ///< spans the consumer handed to the aggregator
    uint64_t calls_ok = 0;
    uint64_t calls_exhausted = 0;
    uint64_t calls_failed = 0;
    ReceiverStats receiver;
    PipelineCounters counters;
};

EndToEnd endToEnd(double seconds, int clients, const std::vector<std::string>& payloads)
{
    EndToEnd result;
    ReceiverConfig config;
    config.address = "127.0.0.1:0";
    OtlpReceiver receiver(config);
    std::string error;
    if (!receiver.start(error)) {
        std::fprintf(stderr, "cannot start the receiver: %s\n", error.c_str());
        std::exit(1);
    }
    const std::string address = receiver.stats().listening_on;

    std::atomic<bool> stop { false };
    std::atomic<uint64_t> aggregated { 0 };
    GraphAggregator aggregator;
    std::thread consumer([&] {
        auto nextSnapshot = Clock::now() + std::chrono::milliseconds(100);
        while (!stop.load(std::memory_order_relaxed)) {
            if (auto item = receiver.pop(std::chrono::milliseconds(10))) {
                if (auto* spans = std::get_if<SpanBatch>(&*item)) {
                    aggregated.fetch_add(spans->spans.size(), std::memory_order_relaxed);
                    aggregator.onSpans(std::move(*spans));
                }
            }
            // The live runner publishes a snapshot at 10 Hz; so does this consumer.
            if (Clock::now() >= nextSnapshot) {
                (void)aggregator.snapshot("live");
                nextSnapshot = Clock::now() + std::chrono::milliseconds(100);
            }
        }
        result.counters = aggregator.snapshot("live")->counters;
    });

    const std::string method = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    std::atomic<uint64_t> sentSpans { 0 }, ok { 0 }, exhausted { 0 }, failed { 0 };
    std::vector<std::thread> senders;
    const auto start = Clock::now();
    for (int t = 0; t < clients; ++t) {
        senders.emplace_back([&, t] {
            // A channel per thread, as separate exporters would have.
            grpc::ChannelArguments args;
            args.SetInt("grpc.channel_id", t); // distinct channels, not one shared subchannel
            auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
            grpc::GenericStub stub(channel);
            size_t i = static_cast<size_t>(t);
            while (secondsSince(start) < seconds) {
                const std::string& bytes = payloads[i++ % payloads.size()];
                grpc::ClientContext context;
                context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
                grpc::Slice slice(bytes);
                grpc::ByteBuffer request(&slice, 1);
                grpc::ByteBuffer response;
                std::promise<grpc::Status> done;
                stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status s) { done.set_value(std::move(s)); });
                const grpc::Status status = done.get_future().get();
                if (status.ok()) {
                    ok.fetch_add(1);
                    sentSpans.fetch_add(kSpansPerRequest);
                } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
                    exhausted.fetch_add(1);
                    std::this_thread::yield(); // a real exporter backs off; this one only yields
                } else {
                    failed.fetch_add(1);
                }
            }
        });
    }
    for (std::thread& t : senders)
        t.join();
    result.sent = { sentSpans.load(), secondsSince(start) };
    // Let the consumer drain what was accepted, so both rates cover the same spans.
    while (aggregated.load() < sentSpans.load() && secondsSince(start) < seconds + 30.0)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    result.aggregated = { aggregated.load(), secondsSince(start) };
    stop = true;
    consumer.join();
    result.calls_ok = ok.load();
    result.calls_exhausted = exhausted.load();
    result.calls_failed = failed.load();
    result.receiver = receiver.stats();
    receiver.stop();
    return result;
}

} // namespace

int main(int argc, char** argv)
{
    std::optional<std::string> only; // "parse" or "decode": that stage alone
    if (argc > 2 && std::string_view(argv[1]) == "--only") {
        only = argv[2];
        argc -= 2;
        argv += 2;
        if (*only != "parse" && *only != "decode") {
            std::fprintf(stderr, "bench_otlp: --only takes parse or decode\n");
            return 2;
        }
    }
    const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
    const int clients = argc > 2 ? std::atoi(argv[2]) : 4;
    if (seconds <= 0.0 || clients < 0) {
        std::fprintf(stderr,
            "usage: bench_otlp [--only parse|decode] [seconds-per-stage] [client-threads, 0 to skip end to end]\n");
        return 2;
    }

    const int64_t base_ns
        = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
    std::vector<std::string> payloads;
    size_t totalBytes = 0;
    for (int i = 0; i < kPayloads; ++i) {
        payloads.push_back(makePayload(i, base_ns));
        totalBytes += payloads.back().size();
    }
    std::printf("payloads: %d requests x %d spans (%d services, http and grpc client/server pairs), %.0f bytes "
                "per request, %.0f bytes per span\n",
        kPayloads, kSpansPerRequest, kServices, static_cast<double>(totalBytes) / kPayloads,
        static_cast<double>(totalBytes) / (kPayloads * kSpansPerRequest));

    const double stage = std::min(seconds, 5.0);
    using OnePayload = uint64_t (*)(const std::string&);
    const OnePayload parseOne = [](const std::string& bytes) -> uint64_t {
        google::protobuf::Arena arena;
        auto* request = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&arena);
        if (!request->ParseFromString(bytes)) std::abort();
        uint64_t spans = 0;
        for (const auto& rs : request->resource_spans())
            for (const auto& ss : rs.scope_spans())
                spans += static_cast<uint64_t>(ss.spans_size());
        return spans;
    };
    const OnePayload decodeOne = [](const std::string& bytes) -> uint64_t {
        DecodedTraces out;
        std::string error;
        if (!decodeTraceRequest(bytes, out, error)) {
            std::fprintf(stderr, "decode failed: %s\n", error.c_str());
            std::abort();
        }
        return out.batch.spans.size();
    };
    if (only) {
        // One stage alone in this process, for bench/otlp_decode.sh, which alternates processes.
        const bool parseOnly = *only == "parse";
        const Rate r
            = interleaved(2 * stage, payloads, parseOnly ? parseOne : decodeOne, parseOnly ? parseOne : decodeOne)
                  .first;
        std::printf("%s %.0f spans/s %.0f spans per CPU s\n", only->c_str(), r.perSecond(), r.perCpuSecond());
        return 0;
    }
    const auto [parse, decode] = interleaved(2 * stage, payloads, parseOne, decodeOne);
    std::printf("(a) and (b) alternate, one pass over the payloads each, %.1f s in all\n", 2 * stage);
    std::printf("(a) protobuf ParseFromString into an arena: %12.0f spans/s  %12.0f spans per CPU s\n",
        parse.perSecond(), parse.perCpuSecond());
    std::printf("(b) decodeTraceRequest:                     %12.0f spans/s  %12.0f spans per CPU s\n",
        decode.perSecond(), decode.perCpuSecond());
    std::printf("ratio (b) / (a): %.2f by wall clock, %.2f by CPU time\n", decode.perSecond() / parse.perSecond(),
        decode.perCpuSecond() / parse.perCpuSecond());

    if (clients == 0) return 0;
    const EndToEnd e2e = endToEnd(seconds, clients, payloads);
    std::printf("(c) end to end, %d client threads, %.1f s:\n", clients, e2e.sent.seconds);
    std::printf("    accepted by the receiver (calls OK):    %12.0f spans/s  (%.2f x decode, %.3f x parse)\n",
        e2e.sent.perSecond(), e2e.sent.perSecond() / decode.perSecond(), e2e.sent.perSecond() / parse.perSecond());
    std::printf("    into the aggregator (drain included):   %12.0f spans/s\n", e2e.aggregated.perSecond());
    std::printf("    calls: %llu OK, %llu RESOURCE_EXHAUSTED, %llu other errors; receiver counted %llu spans "
                "received, %llu rejected\n",
        static_cast<unsigned long long>(e2e.calls_ok), static_cast<unsigned long long>(e2e.calls_exhausted),
        static_cast<unsigned long long>(e2e.calls_failed), static_cast<unsigned long long>(e2e.receiver.spans_received),
        static_cast<unsigned long long>(e2e.receiver.spans_rejected));
    std::printf("    aggregator: %llu spans, %llu edge observations, %llu pending pairings, %llu expired\n",
        static_cast<unsigned long long>(e2e.counters.spans_received),
        static_cast<unsigned long long>(e2e.counters.edges_observed),
        static_cast<unsigned long long>(e2e.counters.pairing_pending),
        static_cast<unsigned long long>(e2e.counters.unpaired_expired));
    return 0;
}
