// Lessons: the teaching attached to built-in scenarios (docs/scenario-format.md, "Lesson"). Every built-in
// has one, every step's fault can be played on its scenario, and a broken lesson is reported at its pointer.

#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"
#include "support/loaderhelpers.h"

#include <QtTest>

#include <algorithm>
#include <iterator>

using namespace faultline;
using namespace faultline::test;

namespace {

constexpr const char* kBase = R"({
  "format": "faultline.scenario/1",
  "workload": [{"target": "front", "operation": "get", "rate_rps": 10}],
  "services": [
    {"name": "front", "operations": [{"name": "get", "service_time_ms": 5,
      "steps": [{"call": "back", "operation": "read", "circuit_breaker": {}}]}]},
    {"name": "back", "operations": [{"name": "read", "service_time_ms": 5}]}
  ],
  "lesson": {"idea": "Latency adds up", "explanation": "Why.", "watch": "the p99 of front",
    "steps": [{"text": "Look."},
              {"text": "Slow back down.", "fault": {"at_s": 0, "duration_s": 30, "type": "slowdown", "target": "back", "factor": 2}},
              {"text": "Force the breaker.", "fault": {"at_s": 5, "duration_s": 10, "type": "breaker", "target": "front", "breaker": "back", "state": "force_open"}}]}
})";

} // namespace

class TestLessons : public QObject {
    Q_OBJECT
private slots:
    void readsALesson()
    {
        const auto result = ScenarioLoader::fromString(kBase);
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const Lesson& lesson = *result.scenario->lesson;
        QCOMPARE(lesson.idea, std::string("Latency adds up"));
        QCOMPARE(lesson.explanation, std::string("Why."));
        QCOMPARE(lesson.watch, std::string("the p99 of front"));
        QCOMPARE(lesson.steps.size(), size_t(3));
        QVERIFY(!lesson.steps[0].fault);
        QVERIFY(lesson.steps[1].fault->fault.type == FaultType::Slowdown);
        QCOMPARE(lesson.steps[1].fault->fault.factor, 2.0);
        QCOMPARE(lesson.steps[2].fault->at_s, 5.0);
        QVERIFY(lesson.steps[2].fault->fault.type == FaultType::BreakerOverride);
        // A scenario without a lesson has none.
        QVERIFY(!ScenarioLoader::fromString(patched(kBase, removeAt("/lesson"))).scenario->lesson);
    }

    void reportsABrokenLessonAtItsPointer_data()
    {
        QTest::addColumn<QByteArray>("patch");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("message");
        QTest::addRow("no idea") << removeAt("/lesson/idea") << "/lesson"
                                 << "missing required key 'idea'";
        QTest::addRow("no steps") << replaceAt("/lesson/steps", "[]") << "/lesson/steps"
                                  << "at least one step";
        QTest::addRow("unknown key") << addAt("/lesson/steps/0/wait_s", "3") << "/lesson/steps/0/wait_s"
                                     << "unknown key";
        QTest::addRow("fault on an unknown service")
            << replaceAt("/lesson/steps/1/fault/target", "\"bak\"") << "/lesson/steps/1/fault/target"
            << "did you mean 'back'";
        QTest::addRow("unknown breaker") << replaceAt("/lesson/steps/2/fault/breaker", "\"nope\"")
                                         << "/lesson/steps/2/fault/breaker"
                                         << "breaker";
        QTest::addRow("lesson not an object") << replaceAt("/lesson", "[]") << "/lesson"
                                              << "must be an object";
    }

    void reportsABrokenLessonAtItsPointer()
    {
        QFETCH(QByteArray, patch);
        QFETCH(QString, pointer);
        QFETCH(QString, message);
        const auto result = ScenarioLoader::fromString(patched(kBase, patch));
        QVERIFY(!result.ok());
        QVERIFY2(pointers(result).contains(pointer), qPrintable(allErrors(result)));
        QVERIFY2(allErrors(result).contains(message), qPrintable(allErrors(result)));
    }

    void theTeachingOrderNamesEveryBuiltinLessonOnce()
    {
        std::vector<std::string_view> order(std::begin(kLessonOrder), std::end(kLessonOrder));
        for (std::string_view id : order) {
            QVERIFY2(!builtinScenario(id).empty(), std::string(id).c_str());
            QCOMPARE(std::count(order.begin(), order.end(), id), 1);
        }
        for (const auto& builtin : builtinScenarios())
            if (ScenarioLoader::fromString(builtin.json).scenario->lesson)
                QVERIFY2(
                    std::find(order.begin(), order.end(), builtin.id) != order.end(), std::string(builtin.id).c_str());
        QCOMPARE(order.front(), std::string_view("sync-vs-async"));
        QCOMPARE(order.back(), std::string_view("tail-at-scale"));
    }

    void everyBuiltinTeachesAndItsStepsPlay()
    {
        for (const auto& builtin : builtinScenarios()) {
            const QString id = QString::fromUtf8(builtin.id.data(), static_cast<qsizetype>(builtin.id.size()));
            const auto result = ScenarioLoader::fromString(builtin.json);
            QVERIFY2(result.ok(), qPrintable(id + ": " + allErrors(result)));
            QVERIFY2(result.scenario->lesson.has_value(), qPrintable(id + " has no lesson"));
            const Lesson& lesson = *result.scenario->lesson;
            QVERIFY(!lesson.idea.empty() && !lesson.explanation.empty() && !lesson.watch.empty());
            QVERIFY(lesson.steps.size() >= 2);

            // Play it as the lesson panel does: ten simulated seconds per step, each step's fault applied when
            // the step starts. Every fault must take (the simulator refuses unknown targets and breakers).
            auto scenario = std::make_shared<const Scenario>(*result.scenario);
            Simulator sim(scenario, scenario->seed, nullptr);
            int64_t now = 0;
            size_t injected = 0;
            for (const LessonStep& step : lesson.steps) {
                now += 10'000'000'000;
                sim.runUntil(now);
                if (!step.fault) continue;
                Fault f = step.fault->fault;
                QVERIFY2(sim.injectFault(f) != 0, qPrintable(id + ": step fault refused: " + describe(f).c_str()));
                ++injected;
            }
            size_t manual = 0;
            for (const auto& r : sim.faultLog())
                manual += r.scripted ? 0 : 1;
            QCOMPARE(manual, injected);
        }
    }
};

QTEST_GUILESS_MAIN(TestLessons)
#include "tst_lessons.moc"
