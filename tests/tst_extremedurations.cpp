// Durations at the far end of what the scenario format accepts (any finite number, 1e300 ms included) mean
// "never": the run goes on, nothing overflows (the asan preset checks float-to-integer casts too), and
// the thing timed simply does not happen within the run.

#include "graph/graphaggregator.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"

#include <QTest>

#include <memory>
#include <string>

using namespace faultline;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

// user -> front; front calls slow (service time 1e300 ms) with a 1e300 ms timeout, behind a bulkhead of
// one that waits 1e300 ms, and calls back with hedging every 1e300 ms, a per-try timeout of 1e300 ms and a
// breaker that stays open for 1e300 ms; front publishes to a queue whose messages live 1e300 ms. A delay
// of 1e300 ms is injected on back at 5 s, a slowdown by 1e300 on front at 1e300 s (never).
const char* kScenario = R"({
  "format": "faultline.scenario/1",
  "name": "extreme durations",
  "seed": 3,
  "duration_s": 30,
  "workload": [{"client": "user", "target": "front", "operation": "work", "rate_rps": 10, "arrival": "constant"}],
  "services": [
    {"name": "front", "concurrency": 1000, "operations": [{"name": "work", "service_time_ms": 1, "steps": [
      {"publish": "events", "message": "Worked"},
      {"call": "back", "operation": "work", "timeout_ms": 1e300,
       "hedging": {"max_attempts": 2, "hedging_delay_ms": 1e300},
       "circuit_breaker": {"failure_rate_threshold": 50, "sliding_window_size": 4, "minimum_number_of_calls": 4,
                           "wait_duration_in_open_state_ms": 1e300},
       "outlier_detection": {"consecutive_5xx": 1, "base_ejection_time_ms": 1e300, "max_ejection_time_ms": 1e300},
       "on_error": "continue"},
      {"call": "slow", "operation": "work", "timeout_ms": 1e300,
       "bulkhead": {"max_concurrent_calls": 1, "max_wait_ms": 1e300}, "on_error": "continue"}
    ]}]},
    {"name": "back", "instances": 2, "operations": [{"name": "work", "service_time_ms": 2, "error_probability": 1}]},
    {"name": "slow", "concurrency": 1, "operations": [{"name": "work", "service_time_ms": 1e300}]},
    {"name": "sink", "operations": [{"name": "take", "service_time_ms": 1e300}]}
  ],
  "queues": [{"name": "events", "message_ttl_ms": 1e300, "consumers": [{"service": "sink", "operation": "take"}]}],
  "faults": [
    {"at_s": 5, "duration_s": 1e300, "type": "delay", "target": "back", "delay_ms": 1e300, "percentage": 100},
    {"at_s": 1e300, "duration_s": 10, "type": "slowdown", "target": "front", "factor": 1e300}
  ]
})";

const ServiceRunStats& service(const SimulationStats& stats, const std::string& name)
{
    for (const auto& s : stats.services)
        if (s.name == name) return s;
    qFatal("no service %s", name.c_str());
}

} // namespace

class tst_extremedurations : public QObject {
    Q_OBJECT
private slots:
    void durationsOf1e300MeanNeverAndTheRunGoesOn()
    {
        auto loaded = ScenarioLoader::fromString(kScenario);
        QVERIFY2(loaded.ok(),
            loaded.ok() ? "" : (loaded.errors.front().pointer + ": " + loaded.errors.front().message).c_str());
        GraphAggregator aggregator;
        Simulator simulator(std::make_shared<const Scenario>(std::move(*loaded.scenario)), 3, &aggregator);
        for (int64_t t = 0; t < 30 * kSecond;)
            QVERIFY(simulator.runUntil(t += kSecond));
        QCOMPARE(simulator.now(), 30 * kSecond);

        const SimulationStats stats = simulator.stats();
        QCOMPARE(stats.workload_requests, uint64_t(300));
        QCOMPARE(stats.calls_timed_out, uint64_t(0)); // no timeout of 1e300 ms ran out
        // front's own work goes on: a slowdown by 1e300 at 1e300 s never starts.
        QCOMPARE(service(stats, "front").arrivals, uint64_t(300));
        // slow never finishes its first request, and the bulkhead keeps the rest waiting in front.
        QCOMPARE(service(stats, "slow").completed, uint64_t(0));
        QCOMPARE(service(stats, "slow").arrivals, uint64_t(1));
        // back failed every call until the breaker opened; the breaker never half-opens; after 5 s the
        // delay holds whatever got through.
        QVERIFY(service(stats, "back").arrivals > 0);
        QVERIFY(stats.policies.not_permitted > 0);
        // The queue's messages never expire, and the sink never finishes one.
        QCOMPARE(stats.queues.front().expired, uint64_t(0));
        QCOMPARE(service(stats, "sink").completed, uint64_t(0));
        // The fault log has the delay, not the slowdown.
        QCOMPARE(simulator.faultLog().size(), size_t(1));
        // And the graph has the calls that did end: front -> back, refused or failed.
        const auto snapshot = aggregator.snapshot("simulation");
        bool frontToBack = false;
        for (const EdgeSnapshot& e : snapshot->edges)
            frontToBack |= snapshot->nodes[e.source].id == "front" && snapshot->nodes[e.target].id == "back";
        QVERIFY(frontToBack);
    }
};

QTEST_GUILESS_MAIN(tst_extremedurations)
#include "tst_extremedurations.moc"
