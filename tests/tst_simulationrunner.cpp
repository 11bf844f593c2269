// The runner that the window drives: its controls take effect, and it never makes its caller wait.

#include "run/simulationrunner.h"
#include "support/scenariobuilder.h"

#include <QTest>

#include <atomic>

using namespace faultline;
using namespace faultline::test;

namespace {

Scenario smallFleet()
{
    Scenario s;
    s.name = "small";
    s.seed = 5;
    s.services.push_back(
        service("front", { operation("op", Distribution::exponential(5), { syncCall("back", "op") }) }));
    s.services.push_back(service("back", { operation("op", Distribution::exponential(5)) }));
    s.workload.push_back(workload("front", "op", 200));
    return s;
}

SimulationRunner::Options options(bool paused, double speed = 1.0)
{
    SimulationRunner::Options o;
    o.start_paused = paused;
    o.speed = speed;
    return o;
}

} // namespace

class tst_simulationrunner : public QObject {
    Q_OBJECT
private slots:
    void startsWithAnEmptySnapshot()
    {
        SimulationRunner runner(smallFleet(), options(true));
        QVERIFY(runner.latestSnapshot() != nullptr);
        QVERIFY(runner.latestSnapshot()->nodes.empty());
        QCOMPARE(runner.scenario().name, std::string("small"));
    }

    void stepWhilePausedAdvancesExactlyThatMuch()
    {
        SimulationRunner runner(smallFleet(), options(true));
        runner.step(2.5);
        QTRY_COMPARE_WITH_TIMEOUT(runner.simulatedSeconds(), 2.5, 10000);
        const auto snapshot = runner.latestSnapshot();
        QCOMPARE(snapshot->time_s, 2.5);
        QVERIFY(snapshot->findEdge("front", "back") >= 0);
        runner.step(1.0);
        QTRY_COMPARE_WITH_TIMEOUT(runner.simulatedSeconds(), 3.5, 10000);
    }

    void runsAtTheRequestedSpeedAndPauses()
    {
        SimulationRunner runner(smallFleet(), options(false, 100.0));
        QTRY_VERIFY_WITH_TIMEOUT(runner.simulatedSeconds() > 5.0, 10000);
        runner.setPaused(true);
        QVERIFY(runner.paused());
        // Once the pause has taken effect the clock stands still, and the last snapshot shows where.
        QTRY_VERIFY_WITH_TIMEOUT(runner.idle(), 5000);
        const double stopped = runner.simulatedSeconds();
        QCOMPARE(runner.latestSnapshot()->time_s, stopped);
        QTest::qWait(200);
        QCOMPARE(runner.simulatedSeconds(), stopped);
        runner.setPaused(false);
        QVERIFY(!runner.idle());
        QTRY_VERIFY_WITH_TIMEOUT(runner.simulatedSeconds() > stopped + 1.0, 10000);
    }

    void speedIsClampedToItsRange()
    {
        SimulationRunner runner(smallFleet(), options(true));
        runner.setSpeed(1000);
        QCOMPARE(runner.speed(), SimulationRunner::kMaxSpeed);
        runner.setSpeed(0.001);
        QCOMPARE(runner.speed(), SimulationRunner::kMinSpeed);
    }

    void resetStartsTheSameRunAgain()
    {
        SimulationRunner runner(smallFleet(), options(true));
        runner.step(3.0);
        QTRY_COMPARE_WITH_TIMEOUT(runner.simulatedSeconds(), 3.0, 10000);
        const auto first = runner.latestSnapshot();
        const int e = first->findEdge("front", "back");
        QVERIFY(e >= 0);
        runner.reset();
        QTRY_COMPARE_WITH_TIMEOUT(runner.simulatedSeconds(), 0.0, 10000);
        runner.step(3.0);
        QTRY_COMPARE_WITH_TIMEOUT(runner.simulatedSeconds(), 3.0, 10000);
        const auto again = runner.latestSnapshot();
        QVERIFY(again->sequence > first->sequence);
        QCOMPARE(again->edges[static_cast<size_t>(again->findEdge("front", "back"))].traffic.totals.requests,
            first->edges[static_cast<size_t>(e)].traffic.totals.requests);
    }

    void callsBackAfterEachPublishedSnapshot()
    {
        SimulationRunner runner(smallFleet(), options(true));
        std::atomic<int> calls { 0 };
        runner.setSnapshotCallback([&calls] { ++calls; });
        runner.step(0.5);
        QTRY_VERIFY_WITH_TIMEOUT(calls.load() >= 1, 10000);
        runner.setSnapshotCallback({});
    }

    void injectsAndRevertsFaultsFromAnotherThread()
    {
        Scenario s = smallFleet();
        s.services[0].operations[0].steps[0] = [] {
            CallStep c = syncCall("back", "op");
            c.circuit_breaker = CircuitBreakerConfig {};
            return c;
        }();
        SimulationRunner runner(s, options(true));
        runner.step(1.0); // traffic first, so the edge exists, as it would when a user right-clicks it
        QTRY_COMPARE_WITH_TIMEOUT(runner.simulatedSeconds(), 1.0, 10000);
        Fault crash;
        crash.type = FaultType::Crash;
        crash.target = "back";
        crash.duration_s = 30;
        const uint64_t id = runner.injectFault(crash);
        Fault force;
        force.type = FaultType::BreakerOverride;
        force.target = "front";
        force.peer = "back";
        force.verb = BreakerOverrideVerb::ForceOpen;
        force.duration_s = 30;
        runner.injectFault(force);
        QTRY_COMPARE_WITH_TIMEOUT(runner.faultLog()->size(), size_t(2), 10000);
        QCOMPARE(runner.faultLog()->front().id, id);
        QCOMPARE(runner.faultLog()->front().reverted_ns, int64_t(-1));
        QTRY_VERIFY_WITH_TIMEOUT(!runner.breakerEvents()->empty(), 10000);
        QVERIFY(runner.breakerEvents()->back().to == BreakerState::ForcedOpen);
        runner.step(1.0);
        QTRY_COMPARE_WITH_TIMEOUT(runner.simulatedSeconds(), 2.0, 10000);
        const auto snapshot = runner.latestSnapshot();
        const int e = snapshot->findEdge("front", "back");
        QVERIFY(e >= 0 && snapshot->edges[size_t(e)].breaker
            && snapshot->edges[size_t(e)].breaker->state == BreakerState::ForcedOpen);

        runner.revertAllFaults();
        QTRY_VERIFY_WITH_TIMEOUT(runner.faultLog()->back().reverted_ns == 2'000'000'000, 10000);
        QCOMPARE(runner.faultLog()->front().reverted_ns, int64_t(2'000'000'000));
        QVERIFY(runner.breakerEvents()->back().to == BreakerState::Closed);
    }

    void destroyingARunningRunnerStopsItsThread()
    {
        // A heavy load at full speed: the destructor must still return promptly (QtTest's timeout guards).
        Scenario s = smallFleet();
        s.workload.front().schedule.front().rate_rps = 50000;
        auto runner = std::make_unique<SimulationRunner>(s, options(false, 100.0));
        QTRY_VERIFY_WITH_TIMEOUT(runner->simulatedSeconds() > 0.0, 10000);
        runner.reset();
        QVERIFY(!runner);
    }
};

QTEST_GUILESS_MAIN(tst_simulationrunner)
#include "tst_simulationrunner.moc"
