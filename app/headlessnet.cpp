// The headless modes that use the network, and so gRPC: receiving live OTLP, and exporting the
// simulation over OTLP. Only the full program (faultline-full) has them.

#include "headlessnet.h"
#include "headless.h"

#include "otlp/otlpexporter.h"
#include "run/liverunner.h"
#include "sim/simulator.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <unistd.h>

namespace faultline {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

bool isLoopback(const std::string& address)
{
    return address.rfind("127.", 0) == 0 || address.rfind("localhost:", 0) == 0 || address.rfind("[::1]", 0) == 0
        || address.rfind("ipv4:127.", 0) == 0;
}

} // namespace

/// `faultline --headless --listen ADDR --duration S`: receive live OTLP for S wall seconds (or until
/// interrupted), then write the snapshot.
int runHeadlessLive(const CommandLine& cl)
{
    LiveRunner::Options options;
    options.receiver.address = cl.listen;
    LiveRunner runner(options);
    std::string error;
    if (!runner.start(error)) {
        std::cerr << "faultline: " << error << '\n';
        return 4;
    }
    const std::string where = runner.receiverStats().listening_on;
    if (!cl.quiet) {
        std::cerr << "faultline: listening for OTLP/gRPC on " << where << " for " << *cl.duration_s << " s\n";
        if (!isLoopback(where))
            std::cerr << "faultline: note: " << where << " is not loopback; other machines can send to it\n";
    }
    std::signal(SIGINT, [](int) { g_interrupted = 1; });
    std::signal(SIGTERM, [](int) { g_interrupted = 1; });
    const bool progress = !cl.quiet && isatty(STDERR_FILENO);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(*cl.duration_s);
    while (std::chrono::steady_clock::now() < end && !g_interrupted) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100)); // a wall-clock wait, not a test assertion
        if (progress) {
            const ReceiverStats s = runner.receiverStats();
            std::fprintf(stderr, "\rreceived %llu spans from %llu senders, %llu refused",
                static_cast<unsigned long long>(s.spans_received), static_cast<unsigned long long>(s.senders_seen),
                static_cast<unsigned long long>(s.spans_rejected));
        }
    }
    if (progress) std::fprintf(stderr, "\r\033[K");
    const auto snapshot = runner.snapshotNow();
    if (!writeSnapshotForCommandLine(cl.snapshot_path, *snapshot)) return 3;
    if (!cl.quiet) {
        const ReceiverStats s = runner.receiverStats();
        std::fprintf(stderr,
            "faultline: received %llu spans and %llu metric points from %llu senders; refused %llu spans, %llu "
            "malformed requests\n",
            static_cast<unsigned long long>(s.spans_received),
            static_cast<unsigned long long>(s.metric_points_received), static_cast<unsigned long long>(s.senders_seen),
            static_cast<unsigned long long>(s.spans_rejected), static_cast<unsigned long long>(s.malformed_requests));
    }
    return 0;
}

/// `faultline --headless --scenario FILE --export-otlp HOST:PORT`: the simulator as an OTLP load source,
/// paced in wall time (simulated seconds = wall seconds x --speed) until --duration simulated seconds or an
/// interrupt; then delivers what is queued and prints how many spans were sent and dropped.
int runHeadlessExport(const CommandLine& cl, std::shared_ptr<const Scenario> scenario)
{
    const double duration = cl.duration_s.value_or(scenario->duration_s);
    const uint64_t seed = cl.seed.value_or(scenario->seed);
    const double speed = cl.speed.value_or(1.0);
    OtlpExporter exporter(cl.export_otlp);
    // Virtual time 0 becomes now, so receivers that window on the wall clock (faultline --listen, Jaeger,
    // Prometheus) see current telemetry; with --speed above 1 it runs ahead of the wall clock.
    exporter.setTimeOffset(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::string error;
    if (!exporter.start(error)) {
        std::cerr << "faultline: " << error << '\n';
        return 4;
    }
    if (!cl.quiet)
        std::cerr << "faultline: exporting '" << scenario->name << "' over OTLP/gRPC to " << cl.export_otlp << " for "
                  << duration << " simulated s at " << speed << "x\n";
    std::signal(SIGINT, [](int) { g_interrupted = 1; });
    std::signal(SIGTERM, [](int) { g_interrupted = 1; });

    Simulator simulator(scenario, seed, &exporter);
    const bool progress = !cl.quiet && isatty(STDERR_FILENO);
    const auto started = std::chrono::steady_clock::now();
    auto lastReport = started;
    const int64_t end = std::llround(duration * 1e9);
    int64_t t = 0;
    while (t < end && !g_interrupted) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // pacing in wall time, by design
        const auto now = std::chrono::steady_clock::now();
        const double wall = std::chrono::duration<double>(now - started).count();
        t = std::min<int64_t>(end, std::llround(wall * speed * 1e9));
        simulator.runUntil(t);
        if (progress && now - lastReport > std::chrono::milliseconds(250)) {
            const ExporterStats s = exporter.stats();
            std::fprintf(stderr, "\rsimulated %.1f of %.0f s: sent %llu spans, dropped %llu",
                static_cast<double>(t) / 1e9, duration, static_cast<unsigned long long>(s.spans_sent),
                static_cast<unsigned long long>(s.spans_dropped));
            lastReport = now;
        }
    }
    // Deliver what is queued; a second interrupt gives up on it (the exporter counts it as dropped).
    g_interrupted = 0;
    while (!exporter.flushFor(std::chrono::milliseconds(100)) && !g_interrupted) { }
    if (progress) std::fprintf(stderr, "\r\033[K");
    const ExporterStats s = exporter.stats();
    if (!cl.quiet) {
        std::fprintf(stderr,
            "faultline: simulated %.1f s of '%s' (seed %llu): sent %llu spans and %llu metric points to %s; dropped "
            "%llu spans, %llu metric points; %llu requests failed\n",
            static_cast<double>(t) / 1e9, scenario->name.c_str(), static_cast<unsigned long long>(seed),
            static_cast<unsigned long long>(s.spans_sent), static_cast<unsigned long long>(s.metric_points_sent),
            cl.export_otlp.c_str(), static_cast<unsigned long long>(s.spans_dropped),
            static_cast<unsigned long long>(s.metric_points_dropped),
            static_cast<unsigned long long>(s.requests_failed));
    }
    if (!s.last_error.empty() && (!cl.quiet || s.spans_sent == 0))
        std::cerr << "faultline: last export error: " << s.last_error << '\n';
    const uint64_t produced = simulator.stats().spans;
    return (produced > 0 && s.spans_sent == 0) ? 5 : 0;
}

int runHeadlessNetwork(const CommandLine& cl)
{
    if (!cl.listen.empty()) return runHeadlessLive(cl);
    int code = 0;
    auto loaded = loadScenarioForCommandLine(cl.scenario, code);
    if (!loaded) return code;
    return runHeadlessExport(cl, std::make_shared<const Scenario>(std::move(*loaded)));
}

} // namespace faultline
