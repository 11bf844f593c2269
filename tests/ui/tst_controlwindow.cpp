// The window hosting the control service (ui/mainwindowcontrol.cpp, ui/livecontrol.cpp): a real agent
// (core ControlAgent, as linked into a service) connects on loopback, and the what-if commands given in
// the window reach it as rules it applies; revert all, turning control off and the window going away
// each make it let go.

#include "activefaultspanel.h"
#include "agentsmodel.h"
#include "control/controlagent.h"
#include "livecontrol.h"
#include "mainwindow.h"
#include "whatifcontroller.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDockWidget>
#include <QInputDialog>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <memory>

using namespace faultline;

namespace {

Fault delayOnPayments(double ms)
{
    Fault f;
    f.type = FaultType::Delay;
    f.target = "payments";
    f.delay_ms = ms;
    f.duration_s = 60.0;
    return f;
}

/// An agent as the orders service would run it: it calls payments through a breaker named payments.
std::unique_ptr<ControlAgent> ordersAgent(const QString& address, const std::string& token = {})
{
    ControlAgentConfig config;
    config.address = address.toStdString();
    config.token = token;
    config.service = "orders";
    config.instance = "orders-1";
    config.call_targets = { "payments" };
    auto agent = std::make_unique<ControlAgent>(config);
    agent->breakers().add("payments", "payments", CircuitBreakerConfig {});
    agent->start();
    return agent;
}

/// Answers the next modal input dialog with `text`.
void answerNextInputDialog(const QString& text)
{
    QTimer::singleShot(0, [text] {
        auto* dialog = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        QVERIFY(dialog->labelText().contains(QStringLiteral("apply the faults")));
        dialog->setTextValue(text);
        dialog->accept();
    });
}

} // namespace

class TestControlWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); } // keep the user's settings out of it

    void offUntilAskedAndOnlyWhileLive()
    {
        MainWindow window;
        QVERIFY(!window.liveControl()->active());
        QString error;
        QVERIFY(!window.hostControl(QStringLiteral("127.0.0.1:0"), {}, &error)); // simulating, not live
        QVERIFY(error.contains(QStringLiteral("listen")));
        QVERIFY(window.listen(QStringLiteral("127.0.0.1:0"), &error));
        QVERIFY(!window.liveControl()->active());
        // Another interface than loopback needs a shared token.
        QVERIFY(!window.hostControl(QStringLiteral("0.0.0.0:0"), {}, &error));
        QVERIFY2(error.contains(QStringLiteral("token")), qPrintable(error));
        QVERIFY(!window.liveControl()->active());
    }

    void commandsReachTheAgentAndRevert()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.listen(QStringLiteral("127.0.0.1:0"), &error));
        // The user's path: File > Control Real Services…, which says what it does, then asks where.
        answerNextInputDialog(QStringLiteral("127.0.0.1:0"));
        window.controlAction()->trigger();
        QVERIFY(window.liveControl()->active());
        QVERIFY(window.controlAction()->isChecked());
        auto agent = ordersAgent(window.liveControl()->address());
        QTRY_COMPARE_WITH_TIMEOUT(window.liveControl()->agentCount(), 1, 10000);
        const auto controlLabelSays = [&window](const QString& text) {
            const QList<QLabel*> labels = window.statusBar()->findChildren<QLabel*>();
            return std::any_of(
                labels.begin(), labels.end(), [&](QLabel* l) { return !l->isHidden() && l->text() == text; });
        };
        QTRY_VERIFY(controlLabelSays(QStringLiteral("Control: 1 agent")));
        QVERIFY(!window.agentsDock()->isHidden());
        QAbstractItemModelTester tester(window.agentsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(window.agentsModel()->rowCount(), 1);
        QCOMPARE(window.agentsModel()->index(0, AgentsModel::Service).data().toString(), QStringLiteral("orders"));
        QCOMPARE(window.agentsModel()->index(0, AgentsModel::Rule).data().toString(), QStringLiteral("no rules"));

        // A delay on payments goes to its callers' agents.
        WhatIfController* whatIf = window.whatIf();
        Fault next = delayOnPayments(300);
        whatIf->setFaultPrompt([&next](const FaultDialog::Target&, QWidget*) { return std::optional<Fault>(next); });
        QVERIFY(whatIf->injectFaultAction()->toolTip().contains(QStringLiteral("selection"))
            || !whatIf->injectFaultAction()->toolTip().contains(QStringLiteral("fork")));
        whatIf->injectFaultOn(FaultDialog::Target::forNode(QStringLiteral("payments")));
        QTRY_COMPARE_WITH_TIMEOUT(agent->decideOutgoing("payments").delay_ms, 300.0, 10000);
        // The Agents dock shows the rule the agent holds, acknowledged, with its time left.
        QTRY_COMPARE_WITH_TIMEOUT(
            window.agentsModel()->index(0, AgentsModel::Status).data().toString(), QStringLiteral("active"), 5000);
        QVERIFY2(window.agentsModel()->index(0, AgentsModel::Rule).data().toString().contains(QStringLiteral("300")),
            qPrintable(window.agentsModel()->index(0, AgentsModel::Rule).data().toString()));
        QVERIFY(window.agentsModel()->index(0, AgentsModel::Expires).data().toString().endsWith(QStringLiteral(" s")));

        // The Active Faults dock lists it once, in wall time, and its Revert button reaches the agent.
        ActiveFaultsPanel* faults = whatIf->activeFaults();
        whatIf->refresh();
        QCOMPARE(faults->model()->rowCount(), 1);
        QVERIFY(faults->model()->wallClock());
        QCOMPARE(
            faults->model()->index(0, ActiveFaultsModel::TargetColumn).data().toString(), QStringLiteral("payments"));
        QVERIFY(faults->model()
                    ->index(0, ActiveFaultsModel::ParametersColumn)
                    .data()
                    .toString()
                    .startsWith(QStringLiteral("300\u00a0ms")));
        QVERIFY(faults->revertButton(0));
        faults->revertButton(0)->click();
        QTRY_VERIFY_WITH_TIMEOUT(!agent->decideOutgoing("payments").affected(), 10000);
        QCOMPARE(faults->model()->rowCount(), 0);
        whatIf->injectFaultOn(FaultDialog::Target::forNode(QStringLiteral("payments"))); // again, for what follows
        QTRY_COMPARE_WITH_TIMEOUT(agent->decideOutgoing("payments").delay_ms, 300.0, 10000);

        // A breaker override goes to the caller that holds the breaker.
        next = FaultDialog::breakerOverride(
            QStringLiteral("orders"), QStringLiteral("payments"), BreakerOverrideVerb::ForceOpen);
        whatIf->injectFaultOn(FaultDialog::Target::forEdge(QStringLiteral("orders"), QStringLiteral("payments")));
        QTRY_COMPARE_WITH_TIMEOUT(
            agent->breakers().state("payments", agent->nowNs()), std::optional(BreakerState::ForcedOpen), 10000);

        // What only a simulator can do is refused with a reason, and nothing is sent.
        QSignalSpy messages(whatIf, &WhatIfController::message);
        next = Fault {};
        next.type = FaultType::Crash;
        next.target = "payments";
        whatIf->injectFaultOn(FaultDialog::Target::forNode(QStringLiteral("payments")));
        QVERIFY(!messages.isEmpty());
        QVERIFY2(messages.last().first().toString().contains(QStringLiteral("cannot be done to a real service")),
            qPrintable(messages.last().first().toString()));

        // Revert all (Shift+Esc) reaches the agent.
        whatIf->revertAllAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!agent->decideOutgoing("payments").affected(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(
            agent->breakers().state("payments", agent->nowNs()), std::optional(BreakerState::Closed), 10000);

        // Turning control off through the same action makes the agent let go of a new rule too.
        next = delayOnPayments(200);
        whatIf->injectFaultOn(FaultDialog::Target::forNode(QStringLiteral("payments")));
        QTRY_COMPARE_WITH_TIMEOUT(agent->decideOutgoing("payments").delay_ms, 200.0, 10000);
        window.controlAction()->trigger();
        QVERIFY(!window.liveControl()->active());
        QVERIFY(!window.controlAction()->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(!agent->decideOutgoing("payments").affected(), 5000);
    }

    void agentsRevertWhenTheWindowGoesAway()
    {
        auto window = std::make_unique<MainWindow>();
        QString error;
        QVERIFY(window->listen(QStringLiteral("127.0.0.1:0"), &error));
        QVERIFY2(window->hostControl(QStringLiteral("127.0.0.1:0"), {}, &error), qPrintable(error));
        auto agent = ordersAgent(window->liveControl()->address());
        QTRY_COMPARE_WITH_TIMEOUT(window->liveControl()->agentCount(), 1, 10000);
        window->whatIf()->setFaultPrompt(
            [](const FaultDialog::Target&, QWidget*) { return std::optional<Fault>(delayOnPayments(500)); });
        window->whatIf()->injectFaultOn(FaultDialog::Target::forNode(QStringLiteral("payments")));
        QTRY_COMPARE_WITH_TIMEOUT(agent->decideOutgoing("payments").delay_ms, 500.0, 10000);
        window.reset(); // the app goes away
        QTRY_VERIFY_WITH_TIMEOUT(!agent->decideOutgoing("payments").affected(), 5000);
    }

    void theNextSimulationDoesNotShowTheAgentsDockOfALiveSession()
    {
        {
            MainWindow live;
            QString error;
            QVERIFY(live.listen(QStringLiteral("127.0.0.1:0"), &error));
            QVERIFY2(live.hostControl(QStringLiteral("127.0.0.1:0"), {}, &error), qPrintable(error));
            live.show();
            QTRY_VERIFY(live.agentsDock()->isVisible());
            live.close(); // saves the layout, Agents dock shown
        }
        MainWindow next;
        next.show();
        QVERIFY(QTest::qWaitForWindowExposed(&next));
        QVERIFY(next.agentsDock()->isHidden());
        QVERIFY(!next.findChild<QDockWidget*>(QStringLiteral("eventLogDock"))->visibleRegion().isEmpty());
    }

    void aTokenKeepsStrangersOut()
    {
        MainWindow window;
        QString error;
        QVERIFY(window.listen(QStringLiteral("127.0.0.1:0"), &error));
        QVERIFY(window.hostControl(QStringLiteral("127.0.0.1:0"), QStringLiteral("a-long-shared-secret"), &error));
        auto stranger = ordersAgent(window.liveControl()->address()); // presents no token
        auto impostor = ordersAgent(window.liveControl()->address(), "a-long-wrong-secret"); // the wrong one
        QTRY_VERIFY_WITH_TIMEOUT(!stranger->stats().last_error.empty(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!impostor->stats().last_error.empty(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(window.liveControl()->view()->stats.unauthenticated >= 2, 10000);
        QCOMPARE(window.liveControl()->agentCount(), 0);
        QVERIFY(!stranger->stats().connected && !impostor->stats().connected);
        // The right token gets in.
        auto colleague = ordersAgent(window.liveControl()->address(), "a-long-shared-secret");
        QTRY_COMPARE_WITH_TIMEOUT(window.liveControl()->agentCount(), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(colleague->stats().connected, 10000);
    }
};

QTEST_MAIN(TestControlWindow)
#include "tst_controlwindow.moc"
