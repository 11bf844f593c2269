// The differ behind the event log: what changed between two snapshots, and only that.
#include "graph/healthevents.h"
#include "run/simulationrunner.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"

#include <QTest>

#include <algorithm>

using namespace faultline;

namespace {

NodeSnapshot node(const std::string& id, Health health)
{
    NodeSnapshot n;
    n.id = id;
    n.health = health;
    return n;
}

EdgeSnapshot edge(uint32_t source, uint32_t target, Health health)
{
    EdgeSnapshot e;
    e.source = source;
    e.target = target;
    e.health = health;
    return e;
}

// a -> b -> q (a queue), at time t.
GraphSnapshot fleet(double t, Health a, Health b, Health ab)
{
    GraphSnapshot s;
    s.source = "simulation";
    s.time_s = t;
    s.nodes = { node("a", a), node("b", b), node("q", Health::Healthy) };
    s.nodes[2].kind = NodeKind::Queue;
    s.nodes[2].queue = QueueInfo {};
    s.edges = { edge(0, 1, ab), edge(1, 2, Health::Healthy) };
    return s;
}

} // namespace

class tst_healthevents : public QObject {
    Q_OBJECT
private slots:
    void nothingChangedMeansNoEvents()
    {
        const auto s = fleet(1.0, Health::Healthy, Health::Healthy, Health::Healthy);
        auto later = s;
        later.time_s = 2.0;
        QVERIFY(healthEvents(s, later).empty());
    }

    void reportsNodeAndEdgeHealthChanges()
    {
        const auto before = fleet(1.0, Health::Healthy, Health::Healthy, Health::Healthy);
        const auto after = fleet(1.5, Health::Degraded, Health::Failing, Health::Failing);
        const auto events = healthEvents(before, after);
        QCOMPARE(events.size(), size_t(3));
        QVERIFY(events[0].kind == HealthEventKind::NodeHealth);
        QCOMPARE(events[0].node, std::string("a"));
        QVERIFY(events[0].from == Health::Healthy);
        QVERIFY(events[0].to == Health::Degraded);
        QCOMPARE(events[0].time_s, 1.5);
        QVERIFY(!events[0].isEdge());
        QCOMPARE(events[1].node, std::string("b"));
        QVERIFY(events[1].to == Health::Failing);
        QVERIFY(events[2].kind == HealthEventKind::EdgeHealth);
        QCOMPARE(events[2].node, std::string("a"));
        QCOMPARE(events[2].target, std::string("b"));
        QVERIFY(events[2].isEdge());
        QCOMPARE(events[2].describe(), std::string("a -> b: healthy -> failing"));
    }

    void matchesEdgesByNameNotIndex()
    {
        // A node appearing in between shifts every index; the edge a -> b is still the same edge.
        auto before = fleet(1.0, Health::Healthy, Health::Healthy, Health::Healthy);
        auto after = before;
        after.time_s = 2.0;
        after.nodes.insert(after.nodes.begin(), node("0-new", Health::Healthy));
        for (auto& e : after.edges) {
            ++e.source;
            ++e.target;
        }
        QVERIFY(healthEvents(before, after).empty());
        after.edges[0].health = Health::Degraded;
        const auto events = healthEvents(before, after);
        QCOMPARE(events.size(), size_t(1));
        QCOMPARE(events[0].node, std::string("a"));
        QCOMPARE(events[0].target, std::string("b"));
    }

    void newcomersCountOnlyWhenAlreadyInTrouble()
    {
        GraphSnapshot empty;
        empty.source = "simulation";
        const auto healthy = fleet(1.0, Health::Healthy, Health::Healthy, Health::Healthy);
        QVERIFY(healthEvents(empty, healthy).empty());
        const auto troubled = fleet(1.0, Health::Healthy, Health::Failing, Health::Degraded);
        const auto events = healthEvents(empty, troubled);
        QCOMPARE(events.size(), size_t(2));
        QVERIFY(events[0].from == Health::Idle);
        QVERIFY(events[0].to == Health::Failing);
        QVERIFY(events[1].kind == HealthEventKind::EdgeHealth);
    }

    void aResetOrAnotherSourceIsNotAChange()
    {
        const auto before = fleet(5.0, Health::Healthy, Health::Healthy, Health::Healthy);
        auto after = fleet(1.0, Health::Failing, Health::Failing, Health::Failing);
        QVERIFY(healthEvents(before, after).empty()); // time went back: a reset
        after.time_s = 6.0;
        after.source = "live";
        QVERIFY(healthEvents(before, after).empty());
    }

    void reportsDeadLetteringAndEjections()
    {
        auto before = fleet(1.0, Health::Healthy, Health::Healthy, Health::Healthy);
        auto after = before;
        after.time_s = 2.0;
        after.nodes[2].queue->dead_lettered = 7;
        after.edges[0].ejections_active = 1.0;
        auto events = healthEvents(before, after);
        QCOMPARE(events.size(), size_t(2));
        QVERIFY(events[0].kind == HealthEventKind::DeadLettering);
        QCOMPARE(events[0].node, std::string("q"));
        QCOMPARE(events[0].count, uint64_t(7));
        QCOMPARE(events[0].describe(), std::string("q dead-lettered 7 messages"));
        QVERIFY(events[1].kind == HealthEventKind::Ejection);
        QCOMPARE(events[1].count, uint64_t(1));
        QCOMPARE(events[1].now_ejected, 1.0);

        auto later = after;
        later.time_s = 3.0;
        later.edges[0].ejections_active = 0.0;
        later.nodes[2].queue->dead_lettered = 2; // went down: a reset counter, not news
        events = healthEvents(after, later);
        QCOMPARE(events.size(), size_t(1));
        QVERIFY(events[0].kind == HealthEventKind::EjectionEnded);
        QCOMPARE(events[0].target, std::string("b"));
    }

    void trackerReportsTheStartOfDeadLetteringOnce()
    {
        HealthEventTracker tracker(10.0);
        auto s = fleet(1.0, Health::Healthy, Health::Healthy, Health::Healthy);
        QVERIFY(tracker.feed(std::make_shared<const GraphSnapshot>(s)).empty());
        int started = 0;
        for (int i = 1; i <= 30; ++i) { // dead-letters every second for 30 s
            s.time_s = 1.0 + i;
            s.nodes[2].queue->dead_lettered += 3;
            for (const auto& e : tracker.feed(std::make_shared<const GraphSnapshot>(s)))
                started += e.kind == HealthEventKind::DeadLettering;
        }
        QCOMPARE(started, 1);
        s.time_s += 20.0; // quiet for 20 s, then again
        QVERIFY(tracker.feed(std::make_shared<const GraphSnapshot>(s)).empty());
        s.time_s += 1.0;
        s.nodes[2].queue->dead_lettered += 1;
        const auto again = tracker.feed(std::make_shared<const GraphSnapshot>(s));
        QCOMPARE(again.size(), size_t(1));
        QVERIFY(again[0].kind == HealthEventKind::DeadLettering);
        QVERIFY(tracker.feed(nullptr).empty());
    }

    void trackerStartsOverAfterAReset()
    {
        HealthEventTracker tracker;
        tracker.feed(
            std::make_shared<const GraphSnapshot>(fleet(50.0, Health::Healthy, Health::Healthy, Health::Healthy)));
        // The run restarts: the first picture after it is a baseline, not a change.
        QVERIFY(tracker
                    .feed(std::make_shared<const GraphSnapshot>(
                        fleet(0.5, Health::Failing, Health::Healthy, Health::Healthy)))
                    .empty());
        const auto events = tracker.feed(
            std::make_shared<const GraphSnapshot>(fleet(1.0, Health::Healthy, Health::Healthy, Health::Healthy)));
        QCOMPARE(events.size(), size_t(1));
        QVERIFY(events[0].from == Health::Failing);
    }

    void seesAnAbortFaultInARealRun()
    {
        auto loaded = ScenarioLoader::fromString(builtinScenario("checkout"));
        QVERIFY(loaded.ok());
        SimulationRunner::Options options;
        options.start_paused = true;
        SimulationRunner runner(*loaded.scenario, options);
        HealthEventTracker tracker;
        runner.step(5.0);
        QTRY_COMPARE_WITH_TIMEOUT(runner.latestSnapshot()->time_s, 5.0, 20000);
        QVERIFY(tracker.feed(runner.latestSnapshot()).empty());

        Fault abort;
        abort.type = FaultType::Abort;
        abort.target = "bank";
        abort.status = 503;
        runner.injectFault(abort);
        std::vector<HealthEvent> events;
        for (int i = 1; i <= 10; ++i) {
            runner.step(1.0);
            QTRY_COMPARE_WITH_TIMEOUT(runner.latestSnapshot()->time_s, 5.0 + i, 20000);
            for (auto& e : tracker.feed(runner.latestSnapshot()))
                events.push_back(std::move(e));
        }
        const bool bankEdgeFails = std::any_of(events.begin(), events.end(), [](const HealthEvent& e) {
            return e.kind == HealthEventKind::EdgeHealth && e.target == "bank" && e.to == Health::Failing;
        });
        QVERIFY2(bankEdgeFails, "the calls to the aborted bank never turned failing");
        QVERIFY(std::is_sorted(events.begin(), events.end(),
            [](const HealthEvent& a, const HealthEvent& b) { return a.time_s < b.time_s; }));
    }
};

QTEST_GUILESS_MAIN(tst_healthevents)
#include "tst_healthevents.moc"
