// The inspector's detail of one node or edge, as the runners publish it: per-second history, the window's
// latency histogram and breaker transitions, consistent with the graph snapshot built with it.

#include "otlp/otlpexporter.h"
#include "run/detailsnapshot.h"
#include "run/liverunner.h"
#include "run/simulationrunner.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "support/scenariobuilder.h"

#include <QTest>

#include <chrono>
#include <cmath>
#include <numeric>

using namespace faultline;
using namespace faultline::test;

namespace {

Scenario builtin(std::string_view id)
{
    auto loaded = ScenarioLoader::fromString(builtinScenario(id));
    if (!loaded.scenario) qFatal("built-in scenario %s does not load", std::string(id).c_str());
    return *loaded.scenario;
}

SimulationRunner::Options paused()
{
    SimulationRunner::Options o;
    o.start_paused = true;
    return o;
}

uint64_t sumOf(const History& h, size_t lastN = SIZE_MAX)
{
    uint64_t sum = 0;
    const size_t from = lastN >= h.points.size() ? 0 : h.points.size() - lastN;
    for (size_t i = from; i < h.points.size(); ++i)
        sum += h.points[i].count;
    return sum;
}

/// Steps a paused runner to `seconds` and returns the detail published with the snapshot there.
std::shared_ptr<const DetailSnapshot> stepTo(SimulationRunner& runner, double seconds)
{
    runner.step(seconds - runner.simulatedSeconds());
    if (!QTest::qWaitFor([&] { return runner.idle() && runner.simulatedSeconds() == seconds; }, 120000)) {
        qWarning("stuck at %f idle %d", runner.simulatedSeconds(), int(runner.idle()));
        return {};
    }
    return runner.latestDetail();
}

bool withinABucket(double a, double b)
{
    // LogHistogram's buckets are 1/32 of a power of two wide: two readings of the same data may differ by
    // at most one bucket.
    return std::abs(a - b) <= std::max(a, b) / 32.0 + 1e-9;
}

} // namespace

class tst_detailsnapshot : public QObject {
    Q_OBJECT
private slots:
    void nothingWatchedPublishesNoDetail()
    {
        SimulationRunner runner(builtin("checkout"), paused());
        QVERIFY(stepTo(runner, 2.0) == nullptr);
    }

    void edgeHistoryAndHistogramAgreeWithTheSnapshot()
    {
        SimulationRunner runner(builtin("cascade-with-breaker"), paused());
        runner.watch(DetailKey::ofEdge("gateway", "catalog"));
        const auto detail = stepTo(runner, 30.0);
        QVERIFY(detail != nullptr);
        const auto snapshot = runner.latestSnapshot();
        QCOMPARE(detail->sequence, snapshot->sequence);
        QCOMPARE(detail->time_s, 30.0);
        QVERIFY(detail->found);
        QVERIFY(detail->key.isEdge());
        QVERIFY(detail->kind == EdgeKind::Sync);
        QVERIFY(detail->scenario != nullptr);
        QCOMPARE(detail->scenario->name, runner.scenario().name);

        const int e = snapshot->findEdge("gateway", "catalog");
        QVERIFY(e >= 0);
        const TrafficStats& t = snapshot->edges[static_cast<size_t>(e)].traffic;
        QCOMPARE(snapshot->counters.late_observations, uint64_t(0));
        // The whole run is shorter than the history: its seconds add up to the run's totals.
        QCOMPARE(detail->history.points.size(), size_t(900));
        QCOMPARE(detail->history.first_second + 899, int64_t(30));
        QVERIFY(t.totals.requests > 1000);
        QCOMPARE(sumOf(detail->history), t.totals.requests);
        uint64_t errors = 0;
        for (const HistoryPoint& p : detail->history.points)
            errors += p.errors;
        QCOMPARE(errors, t.totals.errors);

        // The histogram is the window's: as many observations as the window's seconds hold.
        const auto windowSeconds = static_cast<size_t>(std::ceil(snapshot->window_s));
        QCOMPARE(detail->latency_count, sumOf(detail->history, windowSeconds));
        uint64_t bars = 0;
        for (size_t i = 0; i < detail->latency.size(); ++i) {
            const LatencyBucket& b = detail->latency[i];
            QVERIFY(b.count > 0);
            QVERIFY(b.lower_ms < b.upper_ms);
            if (i > 0) QVERIFY(detail->latency[i - 1].upper_ms <= b.lower_ms);
            bars += b.count;
        }
        QCOMPARE(bars, detail->latency_count);
        QVERIFY(t.latency.valid);
        QVERIFY2(withinABucket(detail->latencyQuantile(0.50), t.latency.p50_ms),
            qPrintable(QStringLiteral("%1 vs %2").arg(detail->latencyQuantile(0.50)).arg(t.latency.p50_ms)));
        QVERIFY(withinABucket(detail->latencyQuantile(0.95), t.latency.p95_ms));
        QVERIFY(withinABucket(detail->latencyQuantile(0.99), t.latency.p99_ms));
        QVERIFY(detail->breaker_events.empty()); // gateway has no breaker on catalog
    }

    void nodeDetailFollowsTheSelection()
    {
        SimulationRunner runner(builtin("cascade-with-breaker"), paused());
        runner.watch(DetailKey::ofNode("catalog"));
        auto detail = stepTo(runner, 12.0);
        QVERIFY(detail && detail->found);
        QVERIFY(!detail->key.isEdge());
        const auto snapshot = runner.latestSnapshot();
        const NodeSnapshot& n = snapshot->nodes[static_cast<size_t>(snapshot->findNode("catalog"))];
        QCOMPARE(sumOf(detail->history), n.traffic.totals.requests);
        QVERIFY(withinABucket(detail->latencyQuantile(0.99), n.traffic.latency.p99_ms));

        // A new selection shows at once, without stepping; an unknown one is published as not found.
        runner.watch(DetailKey::ofNode("no-such-service"));
        QTRY_VERIFY_WITH_TIMEOUT(runner.latestDetail() && runner.latestDetail()->key.node == "no-such-service", 10000);
        detail = runner.latestDetail();
        QVERIFY(!detail->found);
        QVERIFY(detail->history.points.empty());
        QVERIFY(detail->latency.empty());
        runner.watch(DetailKey {});
        QTRY_VERIFY_WITH_TIMEOUT(runner.latestDetail() == nullptr, 10000);
    }

    void breakerTransitionsOfTheWatchedEdge()
    {
        // The bank turns 5 s slow at 60 s; payments' breaker on it trips after its timeouts. (Also a step
        // far longer than one slice of the runner's events: it ends where it was asked to.)
        SimulationRunner runner(builtin("cascade-with-breaker"), paused());
        runner.watch(DetailKey::ofEdge("payments", "bank"));
        const auto detail = stepTo(runner, 70.0);
        QVERIFY(detail && detail->found);
        QVERIFY(!detail->breaker_events.empty());
        const BreakerEvent& first = detail->breaker_events.front();
        QCOMPARE(first.service, std::string("payments"));
        QVERIFY(first.from == BreakerState::Closed);
        QVERIFY(first.to == BreakerState::Open);
        QVERIFY(first.time_ns > 60'000'000'000);
        for (size_t i = 1; i < detail->breaker_events.size(); ++i) {
            QVERIFY(detail->breaker_events[i - 1].time_ns <= detail->breaker_events[i].time_ns);
            QVERIFY(detail->breaker_events[i].from == detail->breaker_events[i - 1].to);
        }
        // They are the runner's own transitions of that breaker, the last ones.
        const auto all = runner.breakerEvents();
        std::vector<BreakerEvent> mine;
        for (const BreakerEvent& e : *all)
            if (e.service == "payments") mine.push_back(e);
        QCOMPARE(detail->breaker_events.size(), std::min(mine.size(), DetailSnapshot::kMaxBreakerEvents));
        QCOMPARE(detail->breaker_events.back().time_ns, mine.back().time_ns);

        // The caller's node shows the breakers it owns too.
        runner.watch(DetailKey::ofNode("payments"));
        QTRY_VERIFY_WITH_TIMEOUT(runner.latestDetail() && !runner.latestDetail()->key.isEdge(), 10000);
        QCOMPARE(runner.latestDetail()->breaker_events.size(), detail->breaker_events.size());
    }

    void trackerTurnsReportedStatesIntoTransitions()
    {
        GraphSnapshot s;
        s.nodes.resize(2);
        s.nodes[0].id = "a";
        s.nodes[1].id = "b";
        EdgeSnapshot e;
        e.source = 0;
        e.target = 1;
        e.breaker = BreakerInfo {};
        e.breaker->name = "b";
        s.edges.push_back(e);
        BreakerTransitionTracker tracker;
        s.time_s = 1.0;
        tracker.observe(s);
        QVERIFY(tracker.events().empty()); // first seen closed: nothing happened
        s.time_s = 2.0;
        s.edges[0].breaker->state = BreakerState::Open;
        tracker.observe(s);
        s.time_s = 3.0;
        tracker.observe(s);
        s.time_s = 4.0;
        s.edges[0].breaker->state = BreakerState::HalfOpen;
        tracker.observe(s);
        QCOMPARE(tracker.events().size(), size_t(2));
        QVERIFY(tracker.events()[0].to == BreakerState::Open);
        QCOMPARE(tracker.events()[0].time_ns, int64_t(2'000'000'000));
        QVERIFY(tracker.events()[1].from == BreakerState::Open);
        QVERIFY(tracker.events()[1].to == BreakerState::HalfOpen);
        QCOMPARE(tracker.events()[1].service, std::string("a"));
        QCOMPARE(tracker.events()[1].name, std::string("b"));
    }

    void liveRunnerPublishesTheSameForIngestedSpans()
    {
        LiveRunner::Options options;
        options.receiver.address = "127.0.0.1:0";
        options.snapshot_hz = 20.0;
        LiveRunner live(options);
        std::string error;
        QVERIFY2(live.start(error), error.c_str());
        live.watch(DetailKey::ofEdge("front", "back"));

        Scenario s;
        s.name = "small";
        s.seed = 5;
        s.services.push_back(
            service("front", { operation("op", Distribution::exponential(5), { syncCall("back", "op") }) }));
        s.services.push_back(service("back", { operation("op", Distribution::exponential(5)) }));
        s.workload.push_back(workload("front", "op", 200));
        OtlpExporter exporter(live.receiverStats().listening_on);
        // Three simulated seconds that ended two seconds ago on the wall clock: well inside the window.
        const int64_t now
            = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
        exporter.setTimeOffset(now - 5'000'000'000);
        QVERIFY2(exporter.start(error), error.c_str());
        Simulator simulator(std::make_shared<const Scenario>(s), s.seed, &exporter);
        simulator.runUntil(3'000'000'000);
        exporter.flush();
        const uint64_t sent = exporter.stats().spans_sent;
        QVERIFY(sent > 1000);

        // Once every span is in, the detail published with a snapshot agrees with it.
        std::shared_ptr<const GraphSnapshot> snapshot;
        std::shared_ptr<const DetailSnapshot> detail;
        QTRY_VERIFY_WITH_TIMEOUT(
            (snapshot = live.latestSnapshot(), detail = live.latestDetail(),
                snapshot->counters.spans_received == sent && detail && detail->sequence == snapshot->sequence),
            20000);
        QVERIFY(detail->found);
        QVERIFY(detail->scenario == nullptr);
        const int e = snapshot->findEdge("front", "back");
        QVERIFY(e >= 0);
        const TrafficStats& t = snapshot->edges[static_cast<size_t>(e)].traffic;
        QVERIFY(t.totals.requests > 300);
        QCOMPARE(sumOf(detail->history), t.totals.requests);
        QCOMPARE(detail->latency_count, t.totals.requests); // all of them are inside the window
        QVERIFY(withinABucket(detail->latencyQuantile(0.5), t.latency.p50_ms));
        QVERIFY(withinABucket(detail->latencyQuantile(0.99), t.latency.p99_ms));
    }
};

QTEST_GUILESS_MAIN(tst_detailsnapshot)
#include "tst_detailsnapshot.moc"
