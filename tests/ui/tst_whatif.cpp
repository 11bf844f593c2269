// Issue 6's acceptance test, through the real window: on the default scenario, inject a delay on the bank
// with the same action the menu uses (the real fault dialog answered as a user would), advance simulated
// time, and see the gateway's p99 rise, the orders -> payments breaker open and the event log tell it in
// order; then Revert all restores the healthy state.

#include "activefaultspanel.h"
#include "eventlogmodel.h"
#include "eventlogpanel.h"
#include "faultdialog.h"
#include "graphview.h"
#include "inspectorpanel.h"
#include "mainwindow.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "whatifcontroller.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QTest>
#include <QTimer>
#include <QToolButton>

using namespace faultline;

namespace {

Scenario checkout()
{
    auto result = ScenarioLoader::fromString(builtinScenario("checkout"));
    if (!result.ok()) qFatal("checkout does not load");
    return *result.scenario;
}

const NodeSnapshot& node(const GraphSnapshot& s, const char* id)
{
    const int i = s.findNode(id);
    if (i < 0) qFatal("no node %s", id);
    return s.nodes[static_cast<size_t>(i)];
}

const EdgeSnapshot& edge(const GraphSnapshot& s, const char* from, const char* to)
{
    const int e = s.findEdge(from, to);
    if (e < 0) qFatal("no edge %s -> %s", from, to);
    return s.edges[static_cast<size_t>(e)];
}

} // namespace

class TestWhatIf : public QObject {
    Q_OBJECT
private:
    /// Steps the paused simulation and waits until the window shows the snapshot taken where it stopped.
    static void advance(MainWindow& w, double seconds)
    {
        SimulationRunner* runner = w.runner();
        const double target = runner->simulatedSeconds() + seconds;
        runner->step(seconds);
        QTRY_VERIFY_WITH_TIMEOUT(runner->idle() && runner->simulatedSeconds() >= target - 1e-9, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(w.graphView()->snapshot() == runner->latestSnapshot(), 10000);
    }

    static int rowOf(const EventLogModel* log, LogEvent::Kind kind, const QString& subjectPart)
    {
        for (int r = 0; r < log->rowCount(); ++r) {
            const LogEvent& e = log->event(r);
            if (e.kind == kind && e.subject.contains(subjectPart)) return r;
        }
        return -1;
    }

private slots:
    void delayTheBankThenRevertAll()
    {
        MainWindow w;
        SimulationRunner::Options options;
        options.start_paused = true;
        w.runScenario(checkout(), options);
        w.resize(1280, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        advance(w, 20.0);
        const auto healthy = w.graphView()->snapshot();
        const double p99Before = node(*healthy, "gateway").traffic.latency.p99_ms;
        QVERIFY(edge(*healthy, "orders", "payments").breaker->state == BreakerState::Closed);
        QVERIFY2(p99Before < 1000.0, qPrintable(QString::number(p99Before)));

        // Select the bank as the user does: a click on its shape.
        QTest::mouseClick(w.graphView(), Qt::LeftButton, {}, w.graphView()->nodeCenter("bank").toPoint());
        QCOMPARE(w.graphView()->selectedNode(), QStringLiteral("bank"));

        // The menu's action opens the real dialog; the user picks a 2 s delay and presses Enter.
        WhatIfController* whatIf = w.whatIf();
        QVERIFY(whatIf->injectFaultAction()->isEnabled());
        bool answered = false;
        QTimer::singleShot(0, [&] {
            auto* dialog = qobject_cast<FaultDialog*>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            dialog->setType(FaultType::Delay);
            dialog->delayBox()->setValue(2000);
            QCOMPARE(dialog->durationBox()->value(), 60.0);
            QTest::keyClick(dialog, Qt::Key_Return);
            answered = true;
        });
        whatIf->injectFaultAction()->trigger();
        QVERIFY(answered);

        advance(w, 20.0);
        const auto broken = w.graphView()->snapshot();
        const double p99During = node(*broken, "gateway").traffic.latency.p99_ms;
        QVERIFY2(p99During > 1500.0, qPrintable(QString::number(p99During)));
        QVERIFY(edge(*broken, "orders", "payments").breaker->state != BreakerState::Closed);
        QVERIFY(w.graphView()->faultTargets().contains("bank"));
        QCOMPARE(whatIf->activeFaults()->model()->rowCount(), 1);

        // The event log tells it in order: the fault, then the breaker opening.
        const EventLogModel* log = whatIf->eventLog()->model();
        const int applied = rowOf(log, LogEvent::Kind::FaultApplied, "bank");
        const int opened = rowOf(log, LogEvent::Kind::Breaker, "payments");
        QVERIFY2(applied >= 0 && opened >= 0, qPrintable(QString("%1 %2").arg(applied).arg(opened)));
        QVERIFY(applied < opened);
        QVERIFY(log->event(applied).time_s <= log->event(opened).time_s);

        // Revert all: the panic button, by its shortcut's action.
        whatIf->revertAllAction()->trigger();
        advance(w, 60.0);
        const auto recovered = w.graphView()->snapshot();
        QVERIFY(rowOf(log, LogEvent::Kind::FaultReverted, "bank") > opened);
        QCOMPARE(whatIf->activeFaults()->model()->rowCount(), 0);
        QVERIFY(w.graphView()->faultTargets().isEmpty());
        QVERIFY(edge(*recovered, "orders", "payments").breaker->state == BreakerState::Closed);
        QCOMPARE(node(*recovered, "gateway").traffic.error_rate, 0.0);
        QVERIFY(node(*recovered, "gateway").traffic.latency.p99_ms < 1000.0);

        // The breaker's own verbs, from the inspector's buttons on the call: Force open takes effect at once.
        w.graphView()->setSelectedEdge({ "orders", "payments" });
        emit w.graphView()->edgeSelected({ "orders", "payments" });
        QTRY_VERIFY_WITH_TIMEOUT(w.inspector()->breakerButtons()->isVisibleTo(w.inspector()), 10000);
        QToolButton* forceOpen = nullptr;
        for (auto* b : w.inspector()->breakerButtons()->findChildren<QToolButton*>())
            if (b->defaultAction() == whatIf->breakerAction(BreakerOverrideVerb::ForceOpen)) forceOpen = b;
        QVERIFY(forceOpen && forceOpen->isEnabled());
        QTest::mouseClick(forceOpen, Qt::LeftButton);
        advance(w, 1.0);
        QVERIFY(edge(*w.graphView()->snapshot(), "orders", "payments").breaker->state == BreakerState::ForcedOpen);
        whatIf->breakerAction(BreakerOverrideVerb::Automatic)->trigger();
        advance(w, 1.0);
        QVERIFY(edge(*w.graphView()->snapshot(), "orders", "payments").breaker->state == BreakerState::Closed);
    }
};

QTEST_MAIN(TestWhatIf)
#include "tst_whatif.moc"
