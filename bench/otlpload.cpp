#include "otlpload.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <random>
#include <thread>
#include <unordered_map>

namespace faultline::bench {

namespace {

namespace trace = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;

// Markers in the template's ids and times, found again in its bytes: the top 32 bits of a field's 64.
constexpr uint64_t kTraceHiMark = 0xF1E2D3C4ull << 32;
constexpr uint64_t kTraceLoMark = 0xB5A69788ull << 32;
constexpr uint64_t kTimeMark = 0x7C6D5E4Full << 32;

void addString(google::protobuf::RepeatedPtrField<common::KeyValue>* attributes, const char* key, std::string value)
{
    common::KeyValue* kv = attributes->Add();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(std::move(value));
}

void addInt(google::protobuf::RepeatedPtrField<common::KeyValue>* attributes, const char* key, int64_t value)
{
    common::KeyValue* kv = attributes->Add();
    kv->set_key(key);
    kv->mutable_value()->set_int_value(value);
}

std::string bytes8(uint64_t value) // big-endian, as OTLP ids are
{
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i)
        out[static_cast<size_t>(7 - i)] = static_cast<char>((value >> (8 * i)) & 0xff);
    return out;
}

void putBigEndian(char* at, uint64_t value)
{
    for (int i = 0; i < 8; ++i)
        at[7 - i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

void putLittleEndian(char* at, uint64_t value) // protobuf's fixed64
{
    for (int i = 0; i < 8; ++i)
        at[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::string serviceName(int i)
{
    char name[32];
    std::snprintf(name, sizeof name, "svc-%02d", i);
    return name;
}

int64_t wallNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

OtlpLoad::OtlpLoad(int pairs, int services)
{
    std::mt19937_64 rng(7919);
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
    std::vector<trace::ScopeSpans*> scopes;
    for (int s = 0; s < services; ++s) {
        trace::ResourceSpans* rs = request.add_resource_spans();
        auto* attributes = rs->mutable_resource()->mutable_attributes();
        addString(attributes, "service.name", serviceName(s));
        addString(attributes, "service.instance.id", serviceName(s) + "-7f9c" + std::to_string(s % 3));
        addString(attributes, "service.version", "1.4.2");
        addString(attributes, "telemetry.sdk.language", s % 2 ? "java" : "go");
        addString(attributes, "telemetry.sdk.name", "opentelemetry");
        addString(attributes, "host.name", "node-" + std::to_string(s % 5));
        scopes.push_back(rs->add_scope_spans());
        scopes.back()->mutable_scope()->set_name("io.opentelemetry.http");
    }
    // Times are offsets within the second before the request is sent; each marked with the pair and the field.
    std::unordered_map<uint64_t, int64_t> timeOffsets;
    auto markTime = [&](uint32_t pair, int which, int64_t offset) {
        const uint64_t mark = kTimeMark | (uint64_t(pair) << 2) | uint64_t(which);
        timeOffsets[mark] = offset;
        return mark;
    };
    for (int p = 0; p < pairs; ++p) {
        const auto pair = static_cast<uint32_t>(p);
        const int caller = static_cast<int>(rng() % static_cast<uint64_t>(services));
        const int callee = (caller + 1 + static_cast<int>(rng() % static_cast<uint64_t>(services - 1))) % services;
        const bool grpc = rng() % 2 == 0;
        const bool error = rng() % 100 == 0;
        const int64_t start = static_cast<int64_t>(rng() % 900'000'000);
        const int64_t clientNs = 2'000'000 + static_cast<int64_t>(rng() % 50'000'000);
        const int64_t serverNs = clientNs - 1'000'000;
        const std::string traceId = bytes8(kTraceHiMark | pair) + bytes8(kTraceLoMark | pair);

        trace::Span* client = scopes[static_cast<size_t>(caller)]->add_spans();
        client->set_trace_id(traceId);
        client->set_span_id(bytes8((rng() << 1) | 1));
        client->set_parent_span_id(bytes8((rng() << 1) | 1));
        client->set_kind(trace::Span::SPAN_KIND_CLIENT);
        client->set_start_time_unix_nano(markTime(pair, 0, start));
        client->set_end_time_unix_nano(markTime(pair, 1, start + clientNs));
        trace::Span* server = scopes[static_cast<size_t>(callee)]->add_spans();
        server->set_trace_id(traceId);
        server->set_span_id(bytes8((rng() << 1) | 1));
        server->set_parent_span_id(client->span_id());
        server->set_kind(trace::Span::SPAN_KIND_SERVER);
        server->set_start_time_unix_nano(markTime(pair, 2, start + 500'000));
        server->set_end_time_unix_nano(markTime(pair, 3, start + 500'000 + serverNs));
        const std::string route = "/api/v1/items/{id}";
        if (grpc) {
            client->set_name("items.ItemService/GetItem");
            server->set_name(client->name());
            for (trace::Span* span : { client, server }) {
                addString(span->mutable_attributes(), "rpc.system", "grpc");
                addString(span->mutable_attributes(), "rpc.service", "items.ItemService");
                addString(span->mutable_attributes(), "rpc.method", "GetItem");
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
            addString(server->mutable_attributes(), "user_agent.original", "okhttp/4.12.0");
        }
        if (error) {
            client->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
            server->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
        }
    }
    m_spans = 2 * static_cast<uint64_t>(pairs);
    m_template = request.SerializeAsString();

    // Find every marked field in the bytes: ids big-endian (bytes fields), times little-endian (fixed64).
    for (size_t at = 0; at + 8 <= m_template.size(); ++at) {
        uint64_t big = 0;
        uint64_t little = 0;
        for (int i = 0; i < 8; ++i) {
            const auto byte = static_cast<uint8_t>(m_template[at + static_cast<size_t>(i)]);
            big = (big << 8) | byte;
            little |= uint64_t(byte) << (8 * i);
        }
        const auto low = static_cast<uint32_t>(big & 0xffffffffu);
        if ((big & ~0xffffffffull) == kTraceHiMark) {
            m_patches.push_back({ at, Field::TraceHi, low, 0 });
            at += 7;
        } else if ((big & ~0xffffffffull) == kTraceLoMark) {
            m_patches.push_back({ at, Field::TraceLo, low, 0 });
            at += 7;
        } else if (auto it = timeOffsets.find(little); it != timeOffsets.end()) {
            m_patches.push_back({ at, Field::Time, static_cast<uint32_t>((little & 0xffffffffu) >> 2), it->second });
            at += 7;
        }
    }
    if (m_patches.size() != static_cast<size_t>(pairs) * 8) { // per pair: 2 x (hi, lo) and 4 times
        std::fprintf(
            stderr, "otlpload: found %zu of %d fields to patch in the template\n", m_patches.size(), pairs * 8);
        std::abort();
    }
}

std::string OtlpLoad::next(uint32_t stream)
{
    const uint64_t request = m_counter.fetch_add(1, std::memory_order_relaxed);
    const int64_t base = wallNowNs() - 1'000'000'000;
    std::string bytes = m_template;
    for (const Patch& p : m_patches) {
        char* at = bytes.data() + p.at;
        switch (p.field) {
        case Field::TraceHi:
            putBigEndian(at, (uint64_t(stream) + 1) << 32 | (request >> 32));
            break;
        case Field::TraceLo:
            putBigEndian(at, (request << 32) | (uint64_t(p.pair) + 1));
            break;
        case Field::Time:
            putLittleEndian(at, static_cast<uint64_t>(base + p.offset_ns));
            break;
        }
    }
    return bytes;
}

struct Senders::Impl {
    std::atomic<bool> stop { false };
    std::vector<std::thread> threads;
};

Senders::Senders(const std::string& address, OtlpLoad& load, int threads, double spans_per_second)
    : d(std::make_unique<Impl>())
{
    const std::string method = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    for (int t = 0; t < threads; ++t) {
        d->threads.emplace_back([this, &load, address, method, t, threads, spans_per_second] {
            grpc::ChannelArguments args;
            args.SetInt("grpc.channel_id", t); // distinct channels, not one shared subchannel
            auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
            grpc::GenericStub stub(channel);
            using Clock = std::chrono::steady_clock;
            const auto period = spans_per_second > 0.0
                ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                    static_cast<double>(load.spansPerRequest()) * threads / spans_per_second))
                : Clock::duration::zero();
            // Threads start spread over one period, so the paced load is smooth.
            auto due = Clock::now() + period * t / threads;
            while (!d->stop.load(std::memory_order_relaxed)) {
                if (period > Clock::duration::zero()) {
                    std::this_thread::sleep_until(due);
                    due += period;
                    if (Clock::now() > due + std::chrono::seconds(1)) due = Clock::now(); // no backlog beyond 1 s
                }
                const std::string bytes = load.next(static_cast<uint32_t>(t));
                grpc::ClientContext context;
                context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
                grpc::Slice slice(bytes);
                grpc::ByteBuffer request(&slice, 1);
                grpc::ByteBuffer response;
                std::promise<grpc::Status> done;
                stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status s) { done.set_value(std::move(s)); });
                const grpc::Status status = done.get_future().get();
                m_tally.calls.fetch_add(1);
                if (status.ok()) {
                    m_tally.ok.fetch_add(1);
                    m_tally.spans_accepted.fetch_add(load.spansPerRequest());
                } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
                    m_tally.exhausted.fetch_add(1);
                    m_tally.spans_refused.fetch_add(load.spansPerRequest());
                } else {
                    m_tally.failed.fetch_add(1);
                }
            }
        });
    }
}

Senders::~Senders()
{
    stop();
}

void Senders::stop()
{
    d->stop = true;
    for (std::thread& t : d->threads)
        if (t.joinable()) t.join();
}

uint64_t residentBytes()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
    return 0;
}

} // namespace faultline::bench
