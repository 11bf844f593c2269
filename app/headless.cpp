#include "headless.h"

#include "graph/graphaggregator.h"
#include "graph/snapshotjson.h"
#include "run/recordingplayer.h"
#include "scenario/builtinscenarios.h"
#include "scenario/recording.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"
#include "telemetry/pipelinedsink.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
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

/// `faultline --headless --replay FILE`: the recording's run, as fast as possible, to its end (or
/// --duration), then the snapshot.
int runHeadlessReplay(const CommandLine& cl)
{
    int code = 0;
    auto recording = loadRecordingForCommandLine(cl.replay, code);
    if (!recording) return code;
    const int64_t end = cl.duration_s ? std::llround(*cl.duration_s * 1e9) : recording->end_ns;
    GraphAggregator aggregator;
    PipelinedSink pipe(aggregator);
    RecordingPlayer player(*recording, &pipe);
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
    pipe.drain();
    if (progress) std::fprintf(stderr, "\r\033[K");
    if (!writeSnapshotForCommandLine(cl.snapshot_path, *aggregator.snapshot("simulation"))) return 3;
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

bool writeSnapshotForCommandLine(const std::string& path, const GraphSnapshot& snapshot)
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

std::optional<int> parseAndRunSimpleModes(int argc, char** argv, CommandLine& cl)
{
    const CommandLineResult parsed = parseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
    if (!parsed.command_line) {
        std::cerr << "faultline: " << parsed.error << '\n';
        return 2;
    }
    cl = *parsed.command_line;
    switch (cl.mode) {
    case CommandLine::Mode::Help:
        std::cout << helpText();
        return 0;
    case CommandLine::Mode::Version:
        std::cout << "faultline " << FAULTLINE_VERSION << '\n';
        return 0;
    case CommandLine::Mode::ListScenarios:
        return runListScenarios();
    case CommandLine::Mode::Validate:
        return runValidate(cl);
    case CommandLine::Mode::Headless:
    case CommandLine::Mode::Gui:
        break;
    }
    return std::nullopt;
}

int runHeadless(const CommandLine& cl)
{
    if (!cl.replay.empty()) return runHeadlessReplay(cl);
    int code = 0;
    auto loaded = loadScenarioForCommandLine(cl.scenario, code);
    if (!loaded) return code;
    auto scenario = std::make_shared<const Scenario>(std::move(*loaded));
    const double duration = cl.duration_s.value_or(scenario->duration_s);
    const uint64_t seed = cl.seed.value_or(scenario->seed);

    // The simulator and the aggregator each on a core of its own (on a machine with more than one): the
    // aggregator sees the same calls, so the snapshot is the same as on one thread.
    GraphAggregator aggregator;
    PipelinedSink pipe(aggregator);
    Simulator simulator(scenario, seed, &pipe);
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
    pipe.drain();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (progress) std::fprintf(stderr, "\r\033[K");

    if (!writeSnapshotForCommandLine(cl.snapshot_path, *aggregator.snapshot("simulation"))) return 3;
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
