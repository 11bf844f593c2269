// Writes the OTLP seed corpora of the fuzz targets (fuzz/corpus/otlp_traces, fuzz/corpus/otlp_metrics):
// a built-in scenario is simulated for a few seconds and sent through Faultline's own OtlpExporter to a
// capturing gRPC server here, which writes each request's bytes as one seed. Requests are kept small (a
// handful of spans each) because small seeds fuzz faster. Run by hand: `make_otlp_seeds OUT_DIR [SCENARIO]`.

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp/otlpexporter.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace faultline;
namespace collector_trace = opentelemetry::proto::collector::trace::v1;
namespace collector_metrics = opentelemetry::proto::collector::metrics::v1;

namespace {

struct Captured {
    std::mutex mutex;
    std::vector<std::string> traces;
    std::vector<std::string> metrics;
};

class TraceCapture final : public collector_trace::TraceService::Service {
public:
    explicit TraceCapture(Captured& captured)
        : m_captured(captured)
    {
    }
    grpc::Status Export(grpc::ServerContext*, const collector_trace::ExportTraceServiceRequest* request,
        collector_trace::ExportTraceServiceResponse*) override
    {
        std::lock_guard lock(m_captured.mutex);
        m_captured.traces.push_back(request->SerializeAsString());
        return grpc::Status::OK;
    }

private:
    Captured& m_captured;
};

class MetricsCapture final : public collector_metrics::MetricsService::Service {
public:
    explicit MetricsCapture(Captured& captured)
        : m_captured(captured)
    {
    }
    grpc::Status Export(grpc::ServerContext*, const collector_metrics::ExportMetricsServiceRequest* request,
        collector_metrics::ExportMetricsServiceResponse*) override
    {
        std::lock_guard lock(m_captured.mutex);
        m_captured.metrics.push_back(request->SerializeAsString());
        return grpc::Status::OK;
    }

private:
    Captured& m_captured;
};

/// Splits what the simulator emits into small batches before the exporter encodes them.
class SmallBatches final : public TelemetrySink {
public:
    explicit SmallBatches(TelemetrySink& next)
        : m_next(next)
    {
    }
    void onSpans(SpanBatch&& batch) override
    {
        for (size_t i = 0; i < batch.spans.size(); i += kSpans) {
            SpanBatch part;
            part.keepalive = batch.keepalive;
            for (size_t j = i; j < std::min(batch.spans.size(), i + kSpans); ++j)
                part.spans.push_back(batch.spans[j]);
            m_next.onSpans(std::move(part));
        }
    }
    void onMetrics(std::vector<MetricPoint>&& points) override
    {
        for (size_t i = 0; i < points.size(); i += kPoints)
            m_next.onMetrics(std::vector<MetricPoint>(
                points.begin() + long(i), points.begin() + long(std::min(points.size(), i + kPoints))));
    }
    void onClock(int64_t now_ns) override { m_next.onClock(now_ns); }

private:
    static constexpr size_t kSpans = 6;
    static constexpr size_t kPoints = 8;
    TelemetrySink& m_next;
};

void writeSeeds(
    const std::filesystem::path& dir, const std::string& prefix, const std::vector<std::string>& seeds, size_t keep)
{
    std::filesystem::create_directories(dir);
    // Spread the kept seeds over the run: the first requests are the warm-up, the later ones carry errors.
    const size_t step = seeds.size() > keep ? seeds.size() / keep : 1;
    size_t written = 0;
    for (size_t i = 0; i < seeds.size() && written < keep; i += step, ++written) {
        std::ofstream out(dir / (prefix + "-" + std::to_string(written)), std::ios::binary);
        out << seeds[i];
    }
    std::printf("%s: %zu of %zu requests written to %s\n", prefix.c_str(), written, seeds.size(), dir.c_str());
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR [BUILTIN_SCENARIO]\n", argv[0]);
        return 2;
    }
    const std::filesystem::path out = argv[1];
    const std::string id = argc > 2 ? argv[2] : "checkout";
    ScenarioLoadResult loaded = ScenarioLoader::fromString(builtinScenario(id));
    if (!loaded.ok()) {
        std::fprintf(stderr, "no valid built-in scenario %s\n", id.c_str());
        return 1;
    }

    Captured captured;
    TraceCapture traces(captured);
    MetricsCapture metrics(captured);
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&traces);
    builder.RegisterService(&metrics);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) return 1;

    OtlpExporter exporter("127.0.0.1:" + std::to_string(port), 100000);
    std::string error;
    if (!exporter.start(error)) {
        std::fprintf(stderr, "exporter: %s\n", error.c_str());
        return 1;
    }
    exporter.setTimeOffset(1'700'000'000'000'000'000); // plausible Unix time, as --export-otlp sends
    SmallBatches small(exporter);
    Simulator simulator(std::make_shared<const Scenario>(std::move(*loaded.scenario)), 7, &small);
    simulator.runUntil(3'000'000'000);
    exporter.flush();
    server->Shutdown();

    writeSeeds(out / "otlp_traces", id, captured.traces, 6);
    writeSeeds(out / "otlp_metrics", id, captured.metrics, 4);
    return 0;
}
