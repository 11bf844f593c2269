// Simulator throughput: events and simulated requests per wall second, with the telemetry the simulator
// always produces flowing into the graph aggregator (as in every real run) on the simulator's thread (as
// in the window) or through a PipelinedSink on a second core (as `faultline --headless` does), and
// without a sink (the engine alone). Run on purpose: build/dev/bench/bench_simulator [simulated-seconds-scale]
// Figures go into docs/performance.md.

#include "graph/graphaggregator.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"
#include "telemetry/batchmemory.h"
#include "telemetry/pipelinedsink.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace faultline;

namespace {

Scenario mmc(int servers, double rho)
{
    Scenario s;
    s.name = "M/M/c";
    Service station;
    station.name = "station";
    station.concurrency = servers;
    station.queue_capacity = 1 << 30;
    Operation op;
    op.name = "serve";
    op.service_time = Distribution::exponential(10.0);
    station.operations.push_back(op);
    s.services.push_back(station);
    Workload w;
    w.target = "station";
    w.operation = "serve";
    w.schedule = { RatePoint { 0.0, rho * servers * 100.0, 0.0 } };
    s.workload.push_back(w);
    return s;
}

enum class Sink { None, Graph, GraphPipelined };

void measure(const char* label, const Scenario& scenario, double seconds, Sink mode)
{
    auto shared = std::make_shared<const Scenario>(scenario);
    GraphAggregator aggregator;
    PipelinedSink pipe(aggregator);
    TelemetrySink* sink = mode == Sink::None ? nullptr
        : mode == Sink::Graph                ? static_cast<TelemetrySink*>(&aggregator)
                                             : &pipe;
    Simulator sim(shared, 1, sink);
    const auto start = std::chrono::steady_clock::now();
    for (int64_t t = 0, end = static_cast<int64_t>(seconds * 1e9); t < end;) {
        t = std::min(end, t + 1'000'000'000);
        sim.runUntil(t);
    }
    pipe.drain();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const SimulationStats stats = sim.stats();
    const char* name = mode == Sink::None ? "no sink" : mode == Sink::Graph ? "graph" : "graph, 2 threads";
    std::printf("%-34s %-16s %8.0f sim s %7.2f wall s %12.0f events/s %11.0f requests/s %12.0f spans/s\n", label, name,
        seconds, wall, static_cast<double>(stats.events) / wall, static_cast<double>(stats.workload_requests) / wall,
        static_cast<double>(stats.spans) / wall);
}

} // namespace

int main(int argc, char** argv)
{
    const double scale = argc > 1 ? std::atof(argv[1]) : 1.0;
    keepFreedMemoryForReuse(); // as `faultline --headless` does
    const auto checkout = ScenarioLoader::fromString(builtinScenario("checkout"));
    if (!checkout.ok()) {
        std::fprintf(stderr, "the built-in checkout scenario does not load\n");
        return 1;
    }
    for (Sink telemetry : { Sink::None, Sink::Graph, Sink::GraphPipelined }) {
        measure("M/M/1 rho 0.9 (90 req/s)", mmc(1, 0.9), 20000 * scale, telemetry);
        measure("M/M/8 rho 0.9 (720 req/s)", mmc(8, 0.9), 4000 * scale, telemetry);
        measure("checkout (50 req/s, 10 services)", *checkout.scenario, 10000 * scale, telemetry);
    }
    return 0;
}
