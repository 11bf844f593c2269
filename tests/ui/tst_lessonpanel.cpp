// The lesson dock: steps one at a time, Back and Next at the ends, and a step's fault asked for by its button.

#include "lessonpanel.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

using namespace faultline;

class TestLessonPanel : public QObject {
    Q_OBJECT
private slots:
    void walksThroughTheCheckoutLesson()
    {
        auto loaded = ScenarioLoader::fromString(builtinScenario("checkout"));
        QVERIFY(loaded.ok());
        LessonPanel panel;
        QSignalSpy faults(&panel, &LessonPanel::faultRequested);
        panel.setLesson(loaded.scenario->lesson);
        QCOMPARE(panel.currentStep(), 0);
        QCOMPARE(panel.stepCount(), 4);
        QVERIFY(!panel.backButton()->isEnabled());
        QVERIFY(panel.nextButton()->isEnabled());
        QVERIFY(panel.playButton()->isHidden()); // step 1 only watches

        QTest::mouseClick(panel.nextButton(), Qt::LeftButton);
        QCOMPARE(panel.currentStep(), 1);
        QVERIFY(panel.stepText().startsWith("Now make the bank slow"));
        QVERIFY(!panel.playButton()->isHidden());
        QVERIFY(panel.playButton()->text().contains("bank"));
        QTest::mouseClick(panel.playButton(), Qt::LeftButton);
        QCOMPARE(faults.count(), 1);
        const auto fault = faults.at(0).at(0).value<ScheduledFault>();
        QVERIFY(fault.fault.type == FaultType::Delay);
        QCOMPARE(fault.fault.target, std::string("bank"));
        QCOMPARE(fault.fault.delay_ms, 2000.0);

        panel.next();
        panel.next();
        QCOMPARE(panel.currentStep(), 3);
        QVERIFY(!panel.nextButton()->isEnabled());
        panel.next(); // past the end: stays
        QCOMPARE(panel.currentStep(), 3);
        panel.back();
        QCOMPARE(panel.currentStep(), 2);

        panel.setLesson(std::nullopt);
        QCOMPARE(panel.stepCount(), 0);
        QVERIFY(!panel.nextButton()->isEnabled());
        QVERIFY(panel.playButton()->isHidden());
    }
};

QTEST_MAIN(TestLessonPanel)
#include "tst_lessonpanel.moc"
