// The runners' traces: the recent traces through the watched item and one trace's waterfall, from the
// simulator and from live OTLP alike, and "Fork to simulation" on a live runner.

#include "otlp/otlpexporter.h"
#include "run/liverunner.h"
#include "run/simulationrunner.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "support/scenariobuilder.h"

#include <QTest>

#include <chrono>

using namespace faultline;
using namespace faultline::test;

namespace {

Scenario builtin(std::string_view id)
{
    auto loaded = ScenarioLoader::fromString(builtinScenario(id));
    if (!loaded.scenario) qFatal("built-in scenario %s does not load", std::string(id).c_str());
    return *loaded.scenario;
}

bool hasService(const TraceWaterfall& w, const std::string& service)
{
    for (const auto& r : w.rows)
        if (r.service == service) return true;
    return false;
}

} // namespace

class TestRunnerTraces : public QObject {
    Q_OBJECT
private slots:
    void simulationPublishesTracesOfTheWatchedEdge()
    {
        SimulationRunner::Options options;
        options.start_paused = true;
        SimulationRunner runner(builtin("checkout"), options);
        QVERIFY(runner.latestTraces() == nullptr);
        runner.step(5.0);
        runner.watch(DetailKey::ofEdge("orders", "payments"));
        QTRY_VERIFY_WITH_TIMEOUT(runner.idle() && runner.latestTraces(), 10000);
        const auto list = runner.latestTraces();
        QCOMPARE(list->key, DetailKey::ofEdge("orders", "payments"));
        QVERIFY(list->traces.size() >= 10);
        QVERIFY(list->stats.spans > 1000);
        for (size_t i = 1; i < list->traces.size(); ++i)
            QVERIFY(list->traces[i - 1].error || list->traces[i - 1].matched_ms >= list->traces[i].matched_ms);

        const TraceId id = list->traces.front().id;
        runner.requestWaterfall(id);
        QTRY_VERIFY_WITH_TIMEOUT(runner.latestWaterfall() && runner.latestWaterfall()->id == id, 10000);
        const auto w = runner.latestWaterfall();
        QVERIFY(w->waterfall.has_value());
        QVERIFY(hasService(*w->waterfall, "orders") && hasService(*w->waterfall, "payments"));

        // A trace that is not kept answers "gone", not a crash or a stale trace.
        runner.requestWaterfall(TraceId { 1, 2 });
        QTRY_VERIFY_WITH_TIMEOUT(runner.latestWaterfall()->id == (TraceId { 1, 2 }), 10000);
        QVERIFY(!runner.latestWaterfall()->waterfall);

        // Nothing watched: no list. Reset: the store starts over.
        runner.watch({});
        QTRY_VERIFY_WITH_TIMEOUT(runner.idle() && runner.latestTraces() == nullptr, 10000);
        runner.reset();
        runner.watch(DetailKey::ofNode("bank"));
        QTRY_VERIFY_WITH_TIMEOUT(runner.idle() && runner.latestTraces(), 10000);
        QVERIFY(runner.latestTraces()->traces.empty()); // time 0: nothing has run since the reset
    }

    void liveTracesAndForkToSimulation()
    {
        LiveRunner::Options options;
        options.receiver.address = "127.0.0.1:0";
        options.snapshot_hz = 20.0;
        options.aggregator.window_s = 60.0;
        LiveRunner live(options);
        std::string error;
        QVERIFY2(live.start(error), error.c_str());
        live.watch(DetailKey::ofNode("back"));

        Scenario s;
        s.name = "small";
        s.seed = 5;
        s.services.push_back(
            service("front", { operation("op", Distribution::exponential(5), { syncCall("back", "op") }) }));
        s.services.push_back(service("back", { operation("op", Distribution::exponential(20)) }));
        s.workload.push_back(workload("front", "op", 100));
        OtlpExporter exporter(live.receiverStats().listening_on);
        const int64_t now
            = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
        exporter.setTimeOffset(now - 25'000'000'000); // 20 simulated seconds that ended 5 s ago
        QVERIFY2(exporter.start(error), error.c_str());
        Simulator simulator(std::make_shared<const Scenario>(s), s.seed, &exporter);
        simulator.runUntil(20'000'000'000);
        exporter.flush();
        const uint64_t sent = exporter.stats().spans_sent;
        QTRY_VERIFY_WITH_TIMEOUT(live.latestSnapshot()->counters.spans_received == sent, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(live.latestTraces() && !live.latestTraces()->traces.empty(), 10000);
        const TraceId id = live.latestTraces()->traces.front().id;
        live.requestWaterfall(id);
        QTRY_VERIFY_WITH_TIMEOUT(live.latestWaterfall() && live.latestWaterfall()->id == id, 10000);
        QVERIFY(hasService(*live.latestWaterfall()->waterfall, "back"));

        live.requestFork();
        QTRY_VERIFY_WITH_TIMEOUT(live.latestFork() != nullptr, 10000);
        const Scenario& fork = live.latestFork()->scenario;
        QVERIFY(fork.findService("front") && fork.findService("back"));
        QCOMPARE(fork.workload.size(), size_t(1));
        QCOMPARE(fork.workload[0].target, std::string("front"));
        // About 100 requests a second came in over the 60 s window's 20 s of traffic: the rate the fork
        // replays is what the window saw.
        const double rate = fork.workload[0].schedule.at(0).rate_rps;
        const auto snap = live.latestSnapshot();
        const int e = snap->findEdge("user", "front");
        QVERIFY(e >= 0);
        QVERIFY(std::abs(rate - snap->edges[static_cast<size_t>(e)].traffic.rps) < 1e-6 + 0.2 * rate);
        const double backMean = fork.findService("back")->operations.at(0).service_time.mean();
        QVERIFY2(std::abs(backMean - 20.0) < 2.0, qPrintable(QString::number(backMean)));
    }
};

QTEST_GUILESS_MAIN(TestRunnerTraces)
#include "tst_runnertraces.moc"
