// "Record faults into scenario": faults injected by hand become scripted faults that replay at the same
// simulated times for the same durations.

#include "scenario/builtinscenarios.h"
#include "scenario/faultrecording.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"

#include <QtTest>

using namespace faultline;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

Scenario checkoutWithAScriptedFault()
{
    auto loaded = ScenarioLoader::fromString(builtinScenario("checkout"));
    if (!loaded.ok()) qFatal("checkout does not load");
    Scenario s = std::move(*loaded.scenario);
    Fault slow;
    slow.type = FaultType::Slowdown;
    slow.target = "inventory";
    slow.factor = 3;
    slow.duration_s = 4;
    s.faults.push_back(ScheduledFault { 5.0, slow });
    return s;
}

} // namespace

class TestFaultRecording : public QObject {
    Q_OBJECT
private slots:
    void injectedFaultsReplayAtTheirTimes()
    {
        const Scenario scenario = checkoutWithAScriptedFault();
        Simulator live(std::make_shared<const Scenario>(scenario), 3, nullptr);
        live.runUntil(12 * kSecond);
        Fault delay;
        delay.type = FaultType::Delay;
        delay.target = "bank";
        delay.delay_ms = 2000;
        const uint64_t delayId = live.injectFault(delay);
        QVERIFY(delayId != 0);
        live.runUntil(20 * kSecond);
        live.revertFault(delayId); // by hand, before its 60 s run out
        live.runUntil(31 * kSecond);
        Fault abort;
        abort.type = FaultType::Abort;
        abort.target = "inventory";
        abort.percentage = 50;
        abort.duration_s = 30;
        QVERIFY(live.injectFault(abort) != 0);
        Fault unknown = delay;
        unknown.target = "no-such-service";
        QCOMPARE(live.injectFault(unknown), uint64_t(0)); // refused: not in the log, not recorded
        live.runUntil(40 * kSecond);

        const auto recorded = recordedFaults(live.faultLog());
        QCOMPARE(recorded.size(), size_t(2)); // the scripted slowdown is the scenario's already
        QVERIFY(recorded[0].fault.type == FaultType::Delay);
        QVERIFY(recorded[0].at_s >= 12.0 && recorded[0].at_s < 12.1);
        QVERIFY(std::abs(recorded[0].fault.duration_s - (20.0 - recorded[0].at_s)) < 0.1);
        QVERIFY(recorded[1].fault.type == FaultType::Abort);
        QCOMPARE(recorded[1].fault.duration_s, 30.0); // still active: its whole time to live
        QCOMPARE(recorded[1].fault.percentage, 50.0);

        const Scenario replayScenario = withRecordedFaults(scenario, live.faultLog());
        QCOMPARE(replayScenario.faults.size(), size_t(3));
        QVERIFY(std::is_sorted(replayScenario.faults.begin(), replayScenario.faults.end(),
            [](const ScheduledFault& a, const ScheduledFault& b) { return a.at_s < b.at_s; }));

        Simulator replay(std::make_shared<const Scenario>(replayScenario), 3, nullptr);
        replay.runUntil(40 * kSecond);
        const auto& a = live.faultLog();
        const auto& b = replay.faultLog();
        QCOMPARE(b.size(), a.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QVERIFY(b[i].fault.type == a[i].fault.type);
            QCOMPARE(b[i].fault.target, a[i].fault.target);
            QVERIFY(b[i].scripted);
            // Applied and reverted at the same simulated instants, to the nanosecond the times can carry.
            QVERIFY2(std::llabs(b[i].applied_ns - a[i].applied_ns) <= 1, qPrintable(QString::number(i)));
            QVERIFY(std::llabs(b[i].reverted_ns - a[i].reverted_ns) <= 2);
        }
        // Recording a replay adds nothing: its faults are all the scenario's own now.
        QVERIFY(recordedFaults(replay.faultLog()).empty());
    }
};

QTEST_GUILESS_MAIN(TestFaultRecording)
#include "tst_faultrecording.moc"
