#pragma once
// Senders for overload tests: OTLP trace requests of client/server pairs whose numbers are known, sent as raw
// bytes over loopback gRPC, each answer tallied; a sender that vanishes in the middle of a message; the
// process's resident memory.

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <future>
#include <string>

namespace faultline::test {

inline const std::string kTraceExportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// A request of `pairs` calls frontend -> cart, each a CLIENT span and the SERVER span it caused, with trace
/// ids (hi, first_lo + i); a pair whose trace id lo is a multiple of `error_every` failed. `unusable` more
/// client spans without a span id, which the receiver must report as partial_success.
struct PairRequest {
    std::string bytes;
    uint64_t spans = 0;
    uint64_t pairs = 0;
    uint64_t error_pairs = 0;
    uint64_t unusable = 0;
};

inline std::string bigEndian(uint64_t value, size_t length)
{
    std::string out(length, '\0');
    for (size_t i = 0; i < length; ++i)
        out[length - 1 - i] = static_cast<char>((value >> (8 * (i % 8))) & 0xff);
    return out;
}

inline PairRequest pairRequest(uint64_t hi, uint64_t first_lo, int pairs, int unusable = 0, uint64_t error_every = 10)
{
    namespace tr = opentelemetry::proto::trace::v1;
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
    auto scopeOf = [&request](const char* service) {
        auto* resourceSpans = request.add_resource_spans();
        auto* attribute = resourceSpans->mutable_resource()->add_attributes();
        attribute->set_key("service.name");
        attribute->mutable_value()->set_string_value(service);
        return resourceSpans->add_scope_spans();
    };
    auto* frontend = scopeOf("frontend");
    auto* cart = scopeOf("cart");
    const auto now = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    PairRequest out;
    auto fill = [&](tr::Span* span, uint64_t lo, uint64_t id, uint64_t parent, tr::Span::SpanKind kind) {
        span->set_trace_id(bigEndian(hi, 8) + bigEndian(lo, 8));
        span->set_span_id(bigEndian(id, 8));
        if (parent != 0) span->set_parent_span_id(bigEndian(parent, 8));
        span->set_kind(kind);
        span->set_name("GET /cart");
        span->set_start_time_unix_nano(now - 20'000'000);
        span->set_end_time_unix_nano(now - (kind == tr::Span::SPAN_KIND_SERVER ? 1'000'000 : 0));
        auto* method = span->add_attributes();
        method->set_key("http.request.method");
        method->mutable_value()->set_string_value("GET");
    };
    for (int i = 0; i < pairs; ++i) {
        const uint64_t lo = first_lo + static_cast<uint64_t>(i);
        const bool failed = lo % error_every == 0;
        tr::Span* client = frontend->add_spans();
        fill(client, lo, 1, 0, tr::Span::SPAN_KIND_CLIENT);
        tr::Span* server = cart->add_spans();
        fill(server, lo, 2, 1, tr::Span::SPAN_KIND_SERVER);
        if (failed) {
            client->mutable_status()->set_code(tr::Status::STATUS_CODE_ERROR);
            server->mutable_status()->set_code(tr::Status::STATUS_CODE_ERROR);
        }
        out.error_pairs += failed ? 1 : 0;
    }
    for (int i = 0; i < unusable; ++i) {
        tr::Span* span = frontend->add_spans();
        fill(span, first_lo, 1, 0, tr::Span::SPAN_KIND_CLIENT);
        span->clear_span_id();
    }
    out.pairs = static_cast<uint64_t>(pairs);
    out.unusable = static_cast<uint64_t>(unusable);
    out.spans = 2 * out.pairs + out.unusable;
    out.bytes = request.SerializeAsString();
    return out;
}

/// What one sender saw in the answers it got.
struct SenderTally {
    uint64_t calls = 0;
    uint64_t spans_sent = 0;
    uint64_t ok = 0;
    uint64_t exhausted = 0; ///< calls answered RESOURCE_EXHAUSTED
    uint64_t partial = 0; ///< OK calls with partial_success
    uint64_t spans_accepted = 0;
    uint64_t spans_unusable = 0; ///< partial_success.rejected_spans
    uint64_t spans_refused = 0; ///< in calls answered RESOURCE_EXHAUSTED
    uint64_t pairs_accepted = 0;
    uint64_t error_pairs_accepted = 0;
    uint64_t other = 0; ///< any other answer: a failure of the test
    std::string other_status;

    SenderTally& operator+=(const SenderTally& t)
    {
        calls += t.calls;
        spans_sent += t.spans_sent;
        ok += t.ok;
        exhausted += t.exhausted;
        partial += t.partial;
        spans_accepted += t.spans_accepted;
        spans_unusable += t.spans_unusable;
        spans_refused += t.spans_refused;
        pairs_accepted += t.pairs_accepted;
        error_pairs_accepted += t.error_pairs_accepted;
        other += t.other;
        if (other_status.empty()) other_status = t.other_status;
        return *this;
    }
};

/// One exporter: its own channel (its own connection), one call in flight at a time.
class PairSender {
public:
    PairSender(const std::string& address, int id)
    {
        grpc::ChannelArguments args;
        args.SetInt("grpc.channel_id", id); // distinct channels, not one shared subchannel
        m_stub = std::make_unique<grpc::GenericStub>(
            grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    }

    /// Sends the request and tallies the answer; the status it got.
    grpc::Status send(const PairRequest& request, SenderTally& tally)
    {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
        grpc::Slice slice(request.bytes);
        grpc::ByteBuffer requestBuffer(&slice, 1);
        grpc::ByteBuffer responseBuffer;
        std::promise<grpc::Status> done;
        m_stub->UnaryCall(&context, kTraceExportMethod, grpc::StubOptions(), &requestBuffer, &responseBuffer,
            [&done](grpc::Status s) { done.set_value(std::move(s)); });
        grpc::Status status = done.get_future().get();
        ++tally.calls;
        tally.spans_sent += request.spans;
        if (status.ok()) {
            std::vector<grpc::Slice> slices;
            std::string bytes;
            if (responseBuffer.Dump(&slices).ok()) {
                for (const grpc::Slice& s : slices)
                    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
            }
            opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
            if (!response.ParseFromString(bytes)) {
                ++tally.other;
                tally.other_status = "an OK answer that is not an ExportTraceServiceResponse";
                return status;
            }
            const auto rejected = static_cast<uint64_t>(response.partial_success().rejected_spans());
            ++tally.ok;
            tally.partial += rejected > 0 ? 1 : 0;
            tally.spans_unusable += rejected;
            tally.spans_accepted += request.spans - rejected;
            // Only the spans without an id are unusable, so every pair of an accepted request got in.
            if (rejected == request.unusable) {
                tally.pairs_accepted += request.pairs;
                tally.error_pairs_accepted += request.error_pairs;
            } else {
                ++tally.other;
                tally.other_status = "partial_success counted " + std::to_string(rejected) + " of "
                    + std::to_string(request.unusable) + " unusable spans";
            }
        } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
            ++tally.exhausted;
            tally.spans_refused += request.spans;
        } else {
            ++tally.other;
            tally.other_status = std::to_string(static_cast<int>(status.error_code())) + " " + status.error_message();
        }
        return status;
    }

    grpc::GenericStub& stub() { return *m_stub; }

private:
    std::unique_ptr<grpc::GenericStub> m_stub;
};

/// A sender that dies in the middle of a message: over a plain TCP connection it speaks just enough HTTP/2
/// to open an Export call (preface, SETTINGS, HEADERS) and sends the first half of a gRPC message that
/// announces `message.size()` bytes. close() then ends the connection (with a reset when `reset`).
class HalfMessageSender {
public:
    HalfMessageSender(uint16_t port, const std::string& message)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in to {};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return;
        std::string out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        out += frame(0x4, 0, 0, {}); // SETTINGS, none changed
        std::string headers;
        for (const auto& [name, value] : { std::pair<std::string, std::string> { ":method", "POST" },
                 { ":scheme", "http" }, { ":path", kTraceExportMethod }, { ":authority", "127.0.0.1" },
                 { "content-type", "application/grpc" }, { "te", "trailers" } }) {
            headers += '\0'; // HPACK: literal header field without indexing, new name (all shorter than 127)
            headers += static_cast<char>(name.size()) + name;
            headers += static_cast<char>(value.size()) + value;
        }
        out += frame(0x1, 0x4, 1, headers); // HEADERS, END_HEADERS, stream 1
        // The message prefix (uncompressed, its length) and half the message, in DATA frames no larger than
        // HTTP/2's default maximum and within its initial flow-control window; not END_STREAM.
        const std::string data = '\0' + bigEndian(message.size(), 4) + message.substr(0, message.size() / 2);
        for (size_t at = 0; at < std::min<size_t>(data.size(), 60'000); at += kMaxFrame)
            out += frame(0x0, 0, 1, data.substr(at, std::min(kMaxFrame, std::min<size_t>(data.size(), 60'000) - at)));
        m_sent = ::send(m_fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
    }
    ~HalfMessageSender() { close(false); }
    HalfMessageSender(const HalfMessageSender&) = delete;
    HalfMessageSender& operator=(const HalfMessageSender&) = delete;

    bool sent() const { return m_sent; }

    /// Whether the receiver has closed (or reset) the connection; reads and drops what it sent meanwhile
    /// (SETTINGS, GOAWAY), without waiting.
    bool closedByPeer()
    {
        if (m_fd < 0) return false;
        char buffer[4096];
        while (true) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0) continue;
            if (n == 0) return true;
            return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
        }
    }

    void close(bool reset)
    {
        if (m_fd < 0) return;
        if (reset) {
            const linger abort { 1, 0 };
            ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
        }
        ::close(m_fd);
        m_fd = -1;
    }

private:
    static constexpr size_t kMaxFrame = 16'384;

    static std::string frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload)
    {
        return bigEndian(payload.size(), 3) + static_cast<char>(type) + static_cast<char>(flags) + bigEndian(stream, 4)
            + payload;
    }

    int m_fd = -1;
    bool m_sent = false;
};

/// This process's resident set (VmRSS), in bytes; 0 when /proc cannot tell.
inline uint64_t residentBytes()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
}

} // namespace faultline::test
