// The Active faults panel: its model across fault logs where faults appear, expire and are reverted, the
// revert buttons and the Revert all shortcut, and the whole path on a real run of the checkout scenario.
#include "activefaultspanel.h"
#include "faultdialog.h"
#include "run/simulationrunner.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "support/builtins.h"
#include "support/palettes.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QMainWindow>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace faultline;
using test::darkPalette;

namespace {

FaultRecord record(uint64_t id, FaultType type, const std::string& target, double applied_s, double duration_s)
{
    FaultRecord r;
    r.id = id;
    r.fault.type = type;
    r.fault.target = target;
    r.fault.duration_s = duration_s;
    if (type == FaultType::Delay) r.fault.delay_ms = 2000.0;
    r.applied_ns = static_cast<int64_t>(applied_s * 1e9);
    r.ends_ns = static_cast<int64_t>((applied_s + duration_s) * 1e9);
    return r;
}

std::shared_ptr<const std::vector<FaultRecord>> logOf(std::vector<FaultRecord> records)
{
    return std::make_shared<const std::vector<FaultRecord>>(std::move(records));
}

QList<quint64> ids(const ActiveFaultsModel& model)
{
    QList<quint64> out;
    for (int row = 0; row < model.rowCount(); ++row)
        out << model.faultId(row);
    return out;
}

// Waits until the runner's clock reaches `time_s` and every command posted so far has been applied.
bool settle(const SimulationRunner& runner, double time_s)
{
    return QTest::qWaitFor([&] { return runner.idle() && runner.latestSnapshot()->time_s >= time_s - 1e-9; }, 30000);
}

} // namespace

class tst_ActiveFaults : public QObject {
    Q_OBJECT
private slots:
    void listsFaultsThatAppearExpireAndAreReverted()
    {
        ActiveFaultsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);

        auto a = record(1, FaultType::Delay, "bank", 0.0, 60.0);
        auto b = record(2, FaultType::Crash, "payments", 1.0, 30.0);
        b.fault.instance = 1;
        model.setFaultLog(logOf({ a, b }), 2.0);
        QCOMPARE(ids(model), (QList<quint64> { 1, 2 }));
        QCOMPARE(model.index(0, ActiveFaultsModel::TargetColumn).data().toString(), QStringLiteral("bank"));
        QCOMPARE(model.index(0, ActiveFaultsModel::TypeColumn).data().toString(), QStringLiteral("Delay"));
        QCOMPARE(model.index(0, ActiveFaultsModel::ParametersColumn).data().toString(),
            QStringLiteral("2000\u00a0ms · 100\u00a0%")); // wraps only between parameters
        QCOMPARE(model.index(0, ActiveFaultsModel::RemainingColumn).data().toString(), QStringLiteral("58.0 s"));
        QCOMPARE(model.index(1, ActiveFaultsModel::TargetColumn).data().toString(), QStringLiteral("payments #1"));
        QCOMPARE(model.index(1, ActiveFaultsModel::ParametersColumn).data().toString(), QStringLiteral("instance 1"));
        QVERIFY(model.index(0, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("delay 2000 ms")));

        // Time passes: remaining times count down, and b's time to live runs out at 31 s.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setNow(20.0);
        QVERIFY(!changed.isEmpty());
        QCOMPARE(
            model.index(0, ActiveFaultsModel::RemainingColumn).data(ActiveFaultsModel::RemainingSecondsRole).toDouble(),
            40.0);
        model.setNow(31.0);
        QCOMPARE(ids(model), (QList<quint64> { 1 }));

        // A new fault comes; the first is reverted by hand.
        auto c = record(3, FaultType::BreakerOverride, "orders", 32.0, 3600.0);
        c.fault.peer = "payments";
        model.setFaultLog(logOf({ a, b, c }), 32.0);
        QCOMPARE(ids(model), (QList<quint64> { 1, 3 }));
        QCOMPARE(model.rowOf(3), 1);
        QCOMPARE(model.breakerOverrides("orders", "payments"), (std::vector<uint64_t> { 3 }));
        QVERIFY(model.breakerOverrides("orders", "inventory").empty());
        QCOMPARE(model.index(1, ActiveFaultsModel::TargetColumn).data().toString(),
            QStringLiteral("orders: breaker payments"));
        QCOMPARE(model.index(1, ActiveFaultsModel::RemainingColumn).data().toString(), QStringLiteral("1:00:00"));
        a.reverted_ns = static_cast<int64_t>(33e9);
        model.setFaultLog(logOf({ a, b, c }), 33.0);
        QCOMPARE(ids(model), (QList<quint64> { 3 }));
        QCOMPARE(model.rowOf(1), -1);

        // Several at once, between kept rows; then a reset run (a shorter log) and no log at all.
        std::vector<FaultRecord> many { a, b, c };
        for (uint64_t id = 4; id <= 8; ++id)
            many.push_back(record(id, FaultType::ErrorRate, "inventory", 34.0, 10.0));
        model.setFaultLog(logOf(many), 35.0);
        QCOMPARE(ids(model), (QList<quint64> { 3, 4, 5, 6, 7, 8 }));
        many[4].reverted_ns = many[6].reverted_ns = static_cast<int64_t>(36e9);
        model.setFaultLog(logOf(many), 36.0);
        QCOMPARE(ids(model), (QList<quint64> { 3, 4, 6, 8 }));
        model.setFaultLog(logOf({ record(1, FaultType::Slowdown, "gateway", 0.0, 60.0) }), 1.0);
        QCOMPARE(ids(model), (QList<quint64> { 1 }));
        QCOMPARE(model.index(0, ActiveFaultsModel::ParametersColumn).data().toString(), QStringLiteral("1×"));
        model.setFaultLog(nullptr, 2.0);
        QCOMPARE(model.rowCount(), 0);
    }

    void formatsRemainingTime()
    {
        QCOMPARE(ActiveFaultsModel::remainingText(0.0), QStringLiteral("0.0 s"));
        QCOMPARE(ActiveFaultsModel::remainingText(-3.0), QStringLiteral("0.0 s"));
        QCOMPARE(ActiveFaultsModel::remainingText(59.96), QStringLiteral("59.9 s"));
        QCOMPARE(ActiveFaultsModel::remainingText(60.0), QStringLiteral("1:00"));
        QCOMPARE(ActiveFaultsModel::remainingText(725.5), QStringLiteral("12:05"));
        QCOMPARE(ActiveFaultsModel::remainingText(3725.0), QStringLiteral("1:02:05"));
    }

    void buttonsAskForReverts()
    {
        ActiveFaultsPanel panel;
        panel.resize(520, 220);
        panel.show();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
        QSignalSpy revert(&panel, &ActiveFaultsPanel::revertRequested);
        QSignalSpy revertAll(&panel, &ActiveFaultsPanel::revertAllRequested);

        // Revert all answers even with nothing to revert.
        QVERIFY(panel.revertAllAction()->isEnabled());
        QCOMPARE(panel.revertAllAction()->shortcut(), QKeySequence(Qt::SHIFT | Qt::Key_Escape));
        QVERIFY(!panel.revertAllAction()->toolTip().isEmpty());
        QTest::mouseClick(panel.revertAllButton(), Qt::LeftButton);
        QCOMPARE(revertAll.count(), 1);

        panel.setFaultLog(logOf({ record(7, FaultType::Delay, "bank", 0.0, 60.0),
                              record(9, FaultType::Abort, "payments", 0.0, 60.0) }),
            1.0);
        QCOMPARE(panel.model()->rowCount(), 2);
        QAbstractButton* second = panel.revertButton(1);
        QVERIFY(second);
        QVERIFY(second->toolTip().contains(QStringLiteral("abort")));
        QTest::mouseClick(second, Qt::LeftButton);
        QCOMPARE(revert.count(), 1);
        QCOMPARE(revert.takeFirst().at(0).value<quint64>(), quint64(9));

        // The button follows its fault when rows above it go.
        panel.setFaultLog(logOf({ record(9, FaultType::Abort, "payments", 0.0, 60.0) }), 2.0);
        QCOMPARE(panel.model()->rowCount(), 1);
        QCOMPARE(panel.revertButton(0)->property("faultId").value<quint64>(), quint64(9));

        // Delete reverts the selected row.
        panel.view()->setFocus();
        panel.view()->setCurrentIndex(panel.model()->index(0, 0));
        QTest::keyClick(panel.view(), Qt::Key_Delete);
        QCOMPARE(revert.count(), 1);
        QCOMPARE(revert.takeFirst().at(0).value<quint64>(), quint64(9));

        QTest::keyClick(panel.view(), Qt::Key_Escape, Qt::ShiftModifier);
        QCOMPARE(revertAll.count(), 2);
    }

    void theUsersPathOnARealRun()
    {
        SimulationRunner::Options options;
        options.start_paused = true;
        SimulationRunner runner(test::builtin("checkout"), options);
        // The window the lead wires: the panel in a main window, its signals to the runner.
        QMainWindow window;
        auto* panel = new ActiveFaultsPanel;
        window.setCentralWidget(panel);
        window.addAction(panel->revertAllAction());
        window.resize(560, 240);
        connect(panel, &ActiveFaultsPanel::revertRequested, &window, [&](quint64 id) { runner.revertFault(id); });
        connect(panel, &ActiveFaultsPanel::revertAllRequested, &window, [&] { runner.revertAllFaults(); });
        auto refresh = [&] { panel->setFaultLog(runner.faultLog(), runner.latestSnapshot()->time_s); };
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window));

        runner.step(5.0);
        QVERIFY(settle(runner, 5.0));
        const auto target = FaultDialog::Target::fromSnapshot(*runner.latestSnapshot(), "fraud-check", "bank");
        FaultDialog dialog(target);
        const uint64_t id = runner.injectFault(dialog.fault());
        QVERIFY(settle(runner, 5.0));
        refresh();
        QCOMPARE(panel->model()->rowCount(), 1);
        QCOMPARE(panel->model()->faultId(0), id);
        const auto remainingAt = [&] {
            return panel->model()
                ->index(0, ActiveFaultsModel::RemainingColumn)
                .data(ActiveFaultsModel::RemainingSecondsRole)
                .toDouble();
        };
        QCOMPARE(remainingAt(), 60.0);

        runner.step(10.0);
        QVERIFY(settle(runner, 15.0));
        refresh();
        QCOMPARE(remainingAt(), 50.0); // counts down in simulated time
        QCOMPARE(
            panel->model()->index(0, ActiveFaultsModel::RemainingColumn).data().toString(), QStringLiteral("50.0 s"));

        QTest::mouseClick(panel->revertButton(0), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(runner.faultLog()->front().reverted_ns >= 0, 20000);
        refresh();
        QCOMPARE(panel->model()->rowCount(), 0);

        // Two more, and Shift+Esc anywhere in the window reverts them.
        Fault slow;
        slow.type = FaultType::Slowdown;
        slow.target = "inventory";
        slow.factor = 3.0;
        runner.injectFault(slow);
        runner.injectFault(FaultDialog::breakerOverride("orders", "payments", BreakerOverrideVerb::ForceOpen));
        QTRY_COMPARE_WITH_TIMEOUT(runner.faultLog()->size(), size_t(3), 20000);
        refresh();
        QCOMPARE(panel->model()->rowCount(), 2);
        QTest::keyClick(&window, Qt::Key_Escape, Qt::ShiftModifier);
        QTRY_VERIFY_WITH_TIMEOUT(runner.faultLog()->back().reverted_ns >= 0, 20000);
        refresh();
        QCOMPARE(panel->model()->rowCount(), 0);

        // A fault whose time runs out leaves by itself.
        Fault brief;
        brief.type = FaultType::ErrorRate;
        brief.target = "email";
        brief.percentage = 10.0;
        brief.duration_s = 2.0;
        runner.injectFault(brief);
        QTRY_COMPARE_WITH_TIMEOUT(runner.faultLog()->size(), size_t(4), 20000);
        refresh();
        QCOMPARE(panel->model()->rowCount(), 1);
        const double now = runner.latestSnapshot()->time_s;
        runner.step(3.0);
        QVERIFY(settle(runner, now + 3.0));
        refresh();
        QCOMPARE(panel->model()->rowCount(), 0);
    }

    void looksRightInLightAndDark()
    {
        for (const bool dark : { false, true }) {
            ActiveFaultsPanel panel;
            if (dark) panel.setPalette(darkPalette());
            panel.resize(560, 200);
            auto partition = record(3, FaultType::Partition, "orders", 0.0, 120.0);
            partition.fault.peer = "inventory";
            auto breaker = record(4, FaultType::BreakerOverride, "orders", 0.0, 3600.0);
            breaker.fault.peer = "payments";
            panel.setFaultLog(logOf({ record(1, FaultType::Delay, "bank", 0.0, 60.0),
                                  record(2, FaultType::Abort, "payments", 0.0, 60.0), partition, breaker }),
                52.5);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            QDir().mkpath(QStringLiteral("/tmp/ctl-shots"));
            QVERIFY(
                panel.grab().save(QStringLiteral("/tmp/ctl-shots/activefaults-%1.png").arg(dark ? "dark" : "light")));

            ActiveFaultsPanel empty;
            if (dark) empty.setPalette(darkPalette());
            empty.resize(560, 140);
            empty.show();
            QVERIFY(QTest::qWaitForWindowExposed(&empty));
            QVERIFY(empty.grab().save(
                QStringLiteral("/tmp/ctl-shots/activefaults-empty-%1.png").arg(dark ? "dark" : "light")));
        }
    }
};

QTEST_MAIN(tst_ActiveFaults)
#include "tst_activefaults.moc"
