#pragma once
// Load for the live benchmarks: realistic OTLP trace requests that are new telemetry every time (fresh trace
// and span ids, times around now) at the cost of a copy, and senders that send them flat out or paced.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace faultline::bench {

/// ExportTraceServiceRequests as a Collector's batch processor sends them (one ResourceSpans per service,
/// the resource attributes an SDK sets, HTTP and gRPC client/server pairs with their semantic-convention
/// attributes, 1 % failed), built once with the generated protobuf classes; each next() patches ids and
/// times in place.
class OtlpLoad {
public:
    explicit OtlpLoad(int pairs_per_request = 500, int services = 20);

    /// A request no other call of next() returns again: trace ids from `stream` (one per sender) and a counter.
    std::string next(uint32_t stream);
    uint64_t spansPerRequest() const { return m_spans; }
    size_t bytesPerRequest() const { return m_template.size(); }

private:
    enum class Field : uint8_t { TraceHi, TraceLo, Time };
    struct Patch {
        size_t at = 0;
        Field field = Field::Time;
        uint32_t pair = 0;
        int64_t offset_ns = 0; ///< for Time: from the request's base time
    };
    std::string m_template;
    std::vector<Patch> m_patches;
    uint64_t m_spans = 0;
    std::atomic<uint64_t> m_counter { 0 };
};

/// What the senders saw.
struct SendTally {
    std::atomic<uint64_t> calls { 0 };
    std::atomic<uint64_t> ok { 0 };
    std::atomic<uint64_t> exhausted { 0 }; ///< answered RESOURCE_EXHAUSTED
    std::atomic<uint64_t> failed { 0 }; ///< anything else
    std::atomic<uint64_t> spans_accepted { 0 };
    std::atomic<uint64_t> spans_refused { 0 };
};

/// Sender threads, each with its own channel and one call in flight; `spans_per_second` 0 sends flat out
/// (a refused call is retried at once, as a hostile exporter would), else the threads share that rate.
class Senders {
public:
    Senders(const std::string& address, OtlpLoad& load, int threads, double spans_per_second);
    ~Senders(); ///< stops and joins
    Senders(const Senders&) = delete;
    Senders& operator=(const Senders&) = delete;

    void stop();
    const SendTally& tally() const { return m_tally; }

private:
    struct Impl;
    SendTally m_tally;
    std::unique_ptr<Impl> d;
};

/// This process's resident set (VmRSS) in bytes, 0 when /proc cannot tell.
uint64_t residentBytes();

} // namespace faultline::bench
