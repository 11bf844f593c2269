#include "headless.h"

#include "graph/graphaggregator.h"
#include "graph/snapshotjson.h"
#include "otlp/otlpexporter.h"
#include "run/liverunner.h"
#include "run/recordingplayer.h"
#include "scenario/builtinscenarios.h"
#include "scenario/recording.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <unistd.h>

namespace faultline {

namespace {

constexpr std::string_view kBuiltinPrefix = "builtin:";

void printErrors(const std::string& where, const std::vector<ScenarioError>& errors)
{
    for (const auto& e : errors)
        std::cerr << where << ": " << (e.pointer.empty() ? std::string("(document)") : e.pointer) << ": " << e.message
                  << '\n';
}

/// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half a file.
bool writeAtomically(const std::string& path, const std::string& text, std::string& error)
{
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) {
            error = "cannot write " + path + ": " + std::strerror(errno);
            return false;
        }
        out << text;
        out.flush();
        if (!out) {
            error = "cannot write " + path + ": " + std::strerror(errno);
            std::filesystem::remove(temporary);
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        error = "cannot write " + path + ": " + ec.message();
        std::filesystem::remove(temporary, ec);
        return false;
    }
    return true;
}

volatile std::sig_atomic_t g_interrupted = 0;

bool isLoopback(const std::string& address)
{
    return address.rfind("127.", 0) == 0 || address.rfind("localhost:", 0) == 0 || address.rfind("[::1]", 0) == 0
        || address.rfind("ipv4:127.", 0) == 0;
}

bool writeSnapshot(const std::string& path, const GraphSnapshot& snapshot)
{
    const std::string json = snapshotToJson(snapshot) + "\n";
    if (path.empty() || path == "-") {
        std::cout << json;
        std::cout.flush();
        return true;
    }
    std::string error;
    if (!writeAtomically(path, json, error)) {
        std::cerr << "faultline: " << error << '\n';
        return false;
    }
    return true;
}

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
    if (!writeSnapshot(cl.snapshot_path, *snapshot)) return 3;
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

/// `faultline --headless --replay FILE`: the recording's run, as fast as possible, to its end (or
/// --duration), then the snapshot.
int runHeadlessReplay(const CommandLine& cl)
{
    int code = 0;
    auto recording = loadRecordingForCommandLine(cl.replay, code);
    if (!recording) return code;
    const int64_t end = cl.duration_s ? std::llround(*cl.duration_s * 1e9) : recording->end_ns;
    GraphAggregator aggregator;
    RecordingPlayer player(*recording, &aggregator);
    const bool progress = !cl.quiet && isatty(STDERR_FILENO);
    const auto started = std::chrono::steady_clock::now();
    auto lastReport = started;
    for (int64_t t = 0; t < end;) {
        t = std::min(end, t + 1'000'000'000);
        player.runUntil(t);
        const auto now = std::chrono::steady_clock::now();
        if (progress && now - lastReport > std::chrono::milliseconds(250)) {
            std::fprintf(
                stderr, "\rreplayed %.0f of %.0f s", static_cast<double>(t) / 1e9, static_cast<double>(end) / 1e9);
            lastReport = now;
        }
    }
    player.runUntil(end); // an empty recording (end 0) still gets its first instant
    if (progress) std::fprintf(stderr, "\r\033[K");
    if (!writeSnapshot(cl.snapshot_path, *aggregator.snapshot("simulation"))) return 3;
    if (!cl.quiet) {
        const SimulationStats stats = player.simulator().stats();
        std::fprintf(stderr,
            "faultline: replayed %.9f s of '%s' (seed %llu, %zu commands) in %.2f s: %llu requests, %llu events\n",
            static_cast<double>(end) / 1e9, recording->scenario->name.c_str(),
            static_cast<unsigned long long>(recording->seed), recording->commands.size(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
            static_cast<unsigned long long>(stats.workload_requests), static_cast<unsigned long long>(stats.events));
    }
    return 0;
}

} // namespace

std::optional<Recording> loadRecordingForCommandLine(const std::string& path, int& exitCode)
{
    std::ifstream probe(path);
    if (!probe) {
        std::cerr << "faultline: cannot read " << path << ": " << std::strerror(errno) << '\n';
        exitCode = 3;
        return std::nullopt;
    }
    RecordingLoadResult result = RecordingFile::fromFile(path);
    if (!result.ok()) {
        printErrors(path, result.errors);
        exitCode = 1;
        return std::nullopt;
    }
    exitCode = 0;
    return std::move(result.recording);
}

std::optional<Scenario> loadScenarioForCommandLine(const std::string& name, int& exitCode)
{
    ScenarioLoadResult result;
    std::string where = name;
    if (name.empty() || name.rfind(kBuiltinPrefix, 0) == 0) {
        const std::string id = name.empty() ? std::string(kDefaultScenarioId) : name.substr(kBuiltinPrefix.size());
        const std::string_view json = builtinScenario(id);
        if (json.empty()) {
            std::cerr << "faultline: no built-in scenario named '" << id << "' (see --list-scenarios)\n";
            exitCode = 2;
            return std::nullopt;
        }
        where = "builtin:" + id;
        result = ScenarioLoader::fromString(json);
    } else {
        std::ifstream probe(name);
        if (!probe) {
            std::cerr << "faultline: cannot read " << name << ": " << std::strerror(errno) << '\n';
            exitCode = 3;
            return std::nullopt;
        }
        result = ScenarioLoader::fromFile(name);
    }
    if (!result.ok()) {
        printErrors(where, result.errors);
        exitCode = 1;
        return std::nullopt;
    }
    exitCode = 0;
    return std::move(result.scenario);
}

int runValidate(const CommandLine& cl)
{
    int status = 0;
    for (const std::string& file : cl.validate_files) {
        int code = 0;
        if (loadScenarioForCommandLine(file, code)) {
            if (!cl.quiet) std::cout << file << ": ok\n";
        } else {
            status = std::max(status, code);
        }
    }
    return status;
}

int runListScenarios()
{
    for (const auto& builtin : builtinScenarios()) {
        const auto result = ScenarioLoader::fromString(builtin.json);
        std::cout << "builtin:" << builtin.id;
        if (result.ok()) std::cout << "\t" << result.scenario->name;
        std::cout << '\n';
    }
    return 0;
}

int runHeadless(const CommandLine& cl)
{
    if (!cl.listen.empty()) return runHeadlessLive(cl);
    if (!cl.replay.empty()) return runHeadlessReplay(cl);
    int code = 0;
    auto loaded = loadScenarioForCommandLine(cl.scenario, code);
    if (!loaded) return code;
    auto scenario = std::make_shared<const Scenario>(std::move(*loaded));
    if (!cl.export_otlp.empty()) return runHeadlessExport(cl, scenario);
    const double duration = cl.duration_s.value_or(scenario->duration_s);
    const uint64_t seed = cl.seed.value_or(scenario->seed);

    GraphAggregator aggregator;
    Simulator simulator(scenario, seed, &aggregator);
    const bool progress = !cl.quiet && isatty(STDERR_FILENO);
    const auto started = std::chrono::steady_clock::now();
    auto lastReport = started;
    const int64_t end = std::llround(duration * 1e9);
    // Advance in slices of one simulated second, so progress can be shown on long runs.
    for (int64_t t = 0; t < end;) {
        t = std::min(end, t + 1'000'000'000);
        simulator.runUntil(t);
        const auto now = std::chrono::steady_clock::now();
        if (progress && now - lastReport > std::chrono::milliseconds(250)) {
            std::fprintf(stderr, "\rsimulated %.0f of %.0f s (%.0f%%)", static_cast<double>(t) / 1e9, duration,
                100.0 * static_cast<double>(t) / static_cast<double>(end));
            lastReport = now;
        }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (progress) std::fprintf(stderr, "\r\033[K");

    const auto snapshot = aggregator.snapshot("simulation");
    const std::string json = snapshotToJson(*snapshot) + "\n";
    if (cl.snapshot_path.empty() || cl.snapshot_path == "-") {
        std::cout << json;
        std::cout.flush();
    } else {
        std::string error;
        if (!writeAtomically(cl.snapshot_path, json, error)) {
            std::cerr << "faultline: " << error << '\n';
            return 3;
        }
    }
    if (!cl.quiet) {
        const SimulationStats stats = simulator.stats();
        std::fprintf(stderr,
            "faultline: simulated %.1f s of '%s' (seed %llu) in %.2f s: %llu requests, %llu events, %llu spans\n",
            duration, scenario->name.c_str(), static_cast<unsigned long long>(seed), wall,
            static_cast<unsigned long long>(stats.workload_requests), static_cast<unsigned long long>(stats.events),
            static_cast<unsigned long long>(stats.spans));
    }
    return 0;
}

} // namespace faultline
