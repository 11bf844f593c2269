// The main window on a real simulation of the built-in checkout scenario.
#include "figureformat.h"
#include "graphstyle.h"
#include "graphview.h"
#include "inspectorpanel.h"
#include "lessonpanel.h"
#include "mainwindow.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "scenario/scenariowriter.h"
#include "servicelistmodel.h"
#include "servicesdock.h"
#include "whatifcontroller.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QDockWidget>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <iterator>

using namespace faultline;

namespace {

Scenario checkoutScenario()
{
    auto result = ScenarioLoader::fromString(builtinScenario("checkout"));
    if (!result.ok()) qFatal("the built-in checkout scenario does not load");
    return *result.scenario;
}

bool showsNodes(const GraphView* view, const QStringList& ids)
{
    const auto snapshot = view->snapshot();
    if (!snapshot) return false;
    for (const QString& id : ids)
        if (snapshot->findNode(id.toStdString()) < 0) return false;
    return true;
}

const QStringList kCheckoutNodes { "gateway", "orders", "payments", "fraud-check", "bank", "inventory", "orders-db",
    "order-events", "email", "shipping", "user" };

} // namespace

class tst_MainWindow : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<MainWindow> m_window;

    // A window running checkout at 100x, shown, with every node already in the graph.
    void startCheckout()
    {
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1280, 800);
        m_window->runScenario(checkoutScenario());
        m_window->setSpeed(100.0);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QTRY_VERIFY_WITH_TIMEOUT(showsNodes(m_window->graphView(), kCheckoutNodes), 20000);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // keep the user's settings out of it
    }

    void cleanup() { m_window.reset(); }

    void startsWithoutASource()
    {
        MainWindow window;
        QVERIFY(window.runner() == nullptr);
        QVERIFY(!window.playPauseAction()->isEnabled());
        QCOMPARE(window.windowTitle(), QStringLiteral("Faultline"));
    }

    void showsTheCheckoutGraph()
    {
        startCheckout();
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Faultline — Checkout"));
        QCOMPARE(m_window->speed(), 100.0);
        QCOMPARE(m_window->runner()->speed(), 100.0);
        QCOMPARE(static_cast<int>(m_window->graphView()->snapshot()->nodes.size()), kCheckoutNodes.size());
        // Traffic flows: the entry edge carries requests.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto s = m_window->graphView()->snapshot();
                const int e = s->findEdge("user", "gateway");
                return e >= 0 && s->edges[e].traffic.rps > 0.0;
            }(),
            20000);
    }

    void layoutFlowsFromTheUser()
    {
        startCheckout();
        const GraphView* view = m_window->graphView();
        QVERIFY(view->nodeCenter("user").x() < view->nodeCenter("gateway").x());
        QVERIFY(view->nodeCenter("gateway").x() < view->nodeCenter("orders").x());
        QVERIFY(view->nodeCenter("orders").x() < view->nodeCenter("payments").x());
    }

    void clickingANodeShowsItInTheInspector()
    {
        startCheckout();
        GraphView* view = m_window->graphView();
        QTest::mouseClick(view, Qt::LeftButton, {}, view->nodeCenter("payments").toPoint());
        QCOMPARE(view->selectedNode(), QStringLiteral("payments"));
        QCOMPARE(m_window->inspector()->node(), QStringLiteral("payments"));
        QCOMPARE(m_window->inspector()->title(), QStringLiteral("payments"));
        QCOMPARE(m_window->inspector()->fieldText(InspectorPanel::Field::Kind), QStringLiteral("Service"));
        QTRY_VERIFY_WITH_TIMEOUT(
            m_window->inspector()->fieldText(InspectorPanel::Field::Rate).endsWith(QStringLiteral("rps")), 5000);
        QCOMPARE(m_window->inspector()->fieldText(InspectorPanel::Field::Instances), QStringLiteral("2"));
    }

    void pauseStopsSimulatedTime()
    {
        startCheckout();
        SimulationRunner* runner = m_window->runner();
        QVERIFY(!m_window->stepAction()->isEnabled());
        m_window->playPauseAction()->trigger();
        QVERIFY(runner->paused());
        QVERIFY(m_window->stepAction()->isEnabled());
        QCOMPARE(m_window->playPauseAction()->text().remove(QLatin1Char('&')), QStringLiteral("Play"));

        // The pause takes effect at the next event boundary; idle() says when it has, and the snapshot
        // published then shows exactly where the clock stopped.
        QTRY_VERIFY_WITH_TIMEOUT(runner->idle(), 10000);
        const double before = runner->simulatedSeconds();
        QTest::qWait(300);
        QCOMPARE(runner->simulatedSeconds(), before);

        // Step advances one simulated second (from where the simulator stopped, which the last snapshot
        // before the pause may not have shown yet), then stands still again.
        m_window->stepAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(runner->simulatedSeconds() >= before + 1.0 - 1e-9, 5000);
        const double stepped = runner->simulatedSeconds();
        QVERIFY2(stepped < before + 1.0 + 100.0 * 0.1, qPrintable(QString::number(stepped - before)));
        QTest::qWait(200);
        QCOMPARE(runner->simulatedSeconds(), stepped);

        m_window->playPauseAction()->trigger();
        QVERIFY(!runner->paused());
        QTRY_VERIFY_WITH_TIMEOUT(runner->simulatedSeconds() > before + 2.0, 5000);
    }

    void speedStepsFollowTheActions()
    {
        MainWindow window;
        window.runScenario(checkoutScenario());
        QCOMPARE(window.speed(), 1.0);
        window.fasterAction()->trigger();
        QCOMPARE(window.speed(), 2.0);
        QCOMPARE(window.runner()->speed(), 2.0);
        window.slowerAction()->trigger();
        window.slowerAction()->trigger();
        QCOMPARE(window.speed(), 0.5);
        window.setSpeed(0.01);
        QCOMPARE(window.speed(), 0.1);
        QVERIFY(!window.slowerAction()->isEnabled());
        window.setSpeed(30.0);
        QCOMPARE(window.speed(), 25.0);
        window.setSpeed(1000.0);
        QCOMPARE(window.speed(), 100.0);
        QVERIFY(!window.fasterAction()->isEnabled());
    }

    void resetStartsAgainFromZero()
    {
        startCheckout();
        SimulationRunner* runner = m_window->runner();
        QTRY_VERIFY_WITH_TIMEOUT(runner->simulatedSeconds() > 5.0, 10000);
        m_window->playPauseAction()->trigger();
        m_window->resetAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(runner->simulatedSeconds(), 0.0, 5000);
    }

    void runScenarioReplacesTheRunner()
    {
        startCheckout();
        Scenario other = checkoutScenario();
        other.name = "Checkout again";
        m_window->runScenario(other);
        QCOMPARE(m_window->runner()->scenario().name, std::string("Checkout again"));
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Faultline — Checkout again"));
    }

    void invalidScenarioFileKeepsTheCurrentOne()
    {
        startCheckout();
        const SimulationRunner* before = m_window->runner();
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("broken.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
            R"({"format": "faultline.scenario/1", "name": "Broken", "services": [{"name": "a", "instances": 0}]})");
        file.close();

        QString shown;
        QString details;
        QTimer::singleShot(0, this, [&] {
            if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
                shown = box->text();
                details = box->detailedText();
                box->accept();
            }
        });
        QVERIFY(!m_window->openScenarioFile(path));
        QVERIFY(shown.contains(QStringLiteral("broken.json")));
        QVERIFY2(details.contains(QLatin1Char('/')), qPrintable(details)); // errors come with JSON pointers
        QCOMPARE(m_window->runner(), before);
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Faultline — Checkout"));
    }

    void validScenarioFileRuns()
    {
        MainWindow window;
        QVERIFY(window.openScenarioFile(QStringLiteral(FAULTLINE_SOURCE_DIR "/resources/scenarios/checkout.json")));
        QVERIFY(window.runner() != nullptr);
        QCOMPARE(window.windowTitle(), QStringLiteral("Faultline — Checkout"));
    }

    void graphIsNotBlank()
    {
        startCheckout();
        const QImage image = m_window->graphView()->grab().toImage();
        const QColor background = image.pixelColor(0, 0);
        int differing = 0;
        for (int y = 0; y < image.height(); y += 2)
            for (int x = 0; x < image.width(); x += 2)
                differing += image.pixelColor(x, y) != background;
        QVERIFY2(differing > 500, qPrintable(QString::number(differing)));
    }

    void actionsHaveToolTipsAndShortcuts()
    {
        MainWindow window;
        const QList<QAction*> toolbar { window.playPauseAction(), window.stepAction(), window.resetAction() };
        for (QAction* a : toolbar)
            QVERIFY(!a->toolTip().isEmpty());
        QCOMPARE(window.playPauseAction()->shortcut(), QKeySequence(Qt::Key_Space));
        QCOMPARE(window.stepAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Right));
        QCOMPARE(window.resetAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_R));
        QCOMPARE(window.openAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_O));
        QCOMPARE(window.quitAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Q));
        QVERIFY(window.fasterAction()->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Plus)));
        QCOMPARE(window.slowerAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Minus));
        QVERIFY(!window.windowIcon().isNull());
    }

    void edgeLabelsActionTogglesTheView()
    {
        MainWindow window;
        const bool initial = window.graphView()->edgeLabelsVisible();
        QCOMPARE(window.edgeLabelsAction()->isChecked(), initial);
        window.edgeLabelsAction()->trigger();
        QCOMPARE(window.graphView()->edgeLabelsVisible(), !initial);
        window.graphView()->setEdgeLabelsVisible(initial);
        QCOMPARE(window.edgeLabelsAction()->isChecked(), initial);
    }

    void searchFocusesAndSelectsTheNode()
    {
        startCheckout();
        QLineEdit* box = m_window->searchBox();
        QVERIFY(box->placeholderText().contains(QStringLiteral("Find service")));
        m_window->findAction()->trigger();
        QTRY_VERIFY(box->hasFocus());
        QTest::keyClicks(box, QStringLiteral("PAYMENTS"));
        QTest::keyClick(box, Qt::Key_Return);
        QCOMPARE(m_window->graphView()->selectedNode(), QStringLiteral("payments"));
        QCOMPARE(m_window->graphView()->focusedNode(), QStringLiteral("payments"));
        QCOMPARE(m_window->inspector()->node(), QStringLiteral("payments"));
        box->clear();
        QTest::keyClicks(box, QStringLiteral("no-such-thing"));
        QTest::keyClick(box, Qt::Key_Return);
        QVERIFY(m_window->statusBar()->currentMessage().contains(QStringLiteral("No service matches")));
        QCOMPARE(m_window->graphView()->selectedNode(), QStringLiteral("payments"));
    }

    void searchSuggestsServicesAsYouType()
    {
        startCheckout();
        QLineEdit* box = m_window->searchBox();
        QCompleter* completer = box->completer();
        QVERIFY(completer);
        m_window->findAction()->trigger();
        QTRY_VERIFY(box->hasFocus());
        QTRY_VERIFY(m_window->servicesDock()->model()->ids().contains(QStringLiteral("fraud-check")));
        QTest::keyClicks(box, QStringLiteral("AUD")); // the middle of fraud-check, any case
        QTRY_VERIFY(completer->popup()->isVisible());
        QStringList offered;
        for (int row = 0; row < completer->completionModel()->rowCount(); ++row)
            offered << completer->completionModel()->index(row, 0).data().toString();
        QCOMPARE(offered, QStringList { QStringLiteral("fraud-check") });
        // Choosing the suggestion with the keyboard selects and focuses the service.
        QTest::keyClick(completer->popup(), Qt::Key_Down);
        QTest::keyClick(completer->popup(), Qt::Key_Return);
        QTRY_COMPARE(m_window->graphView()->selectedNode(), QStringLiteral("fraud-check"));
        QCOMPARE(m_window->graphView()->focusedNode(), QStringLiteral("fraud-check"));
    }

    void servicesDockRowClickSelectsTheNode()
    {
        startCheckout();
        ServicesDock* dock = m_window->servicesDock();
        QTableView* view = dock->view();
        QTRY_VERIFY(dock->viewRowOf(QStringLiteral("bank")) >= 0);
        const int row = dock->viewRowOf(QStringLiteral("bank"));
        view->scrollTo(dock->proxy()->index(row, 0));
        const QRect cell = view->visualRect(dock->proxy()->index(row, ServiceListModel::Id));
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());
        QCOMPARE(m_window->graphView()->selectedNode(), QStringLiteral("bank"));
        // And the other way: a click on the canvas selects the row.
        GraphView* graph = m_window->graphView();
        graph->fitToView();
        QTest::mouseClick(graph, Qt::LeftButton, {}, graph->nodeCenter("orders").toPoint());
        QCOMPARE(graph->selectedNode(), QStringLiteral("orders"));
        const QModelIndexList selected = view->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(selected.first().data(ServiceListModel::IdRole).toString(), QStringLiteral("orders"));
    }

    void saveAsWritesAScenarioThatLoadsBackEqual()
    {
        startCheckout();
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("saved.json"));
        QTimer::singleShot(0, this, [&] {
            QTRY_VERIFY(qobject_cast<QFileDialog*>(QApplication::activeModalWidget()));
            auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
            dialog->selectFile(path);
            QMetaObject::invokeMethod(dialog, "accept", Qt::QueuedConnection);
        });
        m_window->saveAsAction()->trigger();
        QVERIFY(QFile::exists(path));
        const ScenarioLoadResult back = ScenarioLoader::fromFile(path.toStdString());
        QVERIFY(back.ok());
        QCOMPARE(ScenarioWriter::toJson(*back.scenario), ScenarioWriter::toJson(checkoutScenario()));
        QCOMPARE(m_window->recentFiles().value(0), QFileInfo(path).absoluteFilePath());
    }

    void recentFilesUpdateAndPruneAMissingFile()
    {
        MainWindow window;
        window.clearRecentFiles();
        QTemporaryDir dir;
        const QString a = dir.filePath(QStringLiteral("a.json"));
        const QString b = dir.filePath(QStringLiteral("b.json"));
        for (const QString& path : { a, b }) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(ScenarioWriter::toJson(checkoutScenario())));
        }
        QVERIFY(window.openScenarioFile(a));
        QVERIFY(window.openScenarioFile(b));
        QCOMPARE(window.recentFiles(), QStringList({ b, a }));
        QList<QAction*> entries;
        for (QAction* action : window.recentMenu()->actions())
            if (action->data().isValid()) entries << action;
        QCOMPARE(entries.size(), 2);
        QCOMPARE(entries.first()->data().toString(), b);

        QVERIFY(QFile::remove(a));
        bool warned = false;
        QTimer::singleShot(0, this, [&] {
            QTRY_VERIFY(qobject_cast<QMessageBox*>(QApplication::activeModalWidget()));
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            warned = box->text().contains(QStringLiteral("a.json"));
            box->accept();
        });
        QAction* missing = nullptr;
        for (QAction* action : window.recentMenu()->actions())
            if (action->data().toString() == a) missing = action;
        QVERIFY(missing);
        missing->trigger(); // rebuilds the menu: the old entries are gone afterwards
        QVERIFY(warned);
        QCOMPARE(window.recentFiles(), QStringList({ b }));
        window.clearRecentAction()->trigger();
        QVERIFY(window.recentFiles().isEmpty());
    }

    void darkThemeDarkensTheCanvas()
    {
        MainWindow window;
        window.themeAction(MainWindow::Theme::Dark)->trigger();
        QCOMPARE(window.theme(), MainWindow::Theme::Dark);
        QVERIFY(GraphStyle::isDark(window.graphView()->palette()));
        QVERIFY(GraphStyle::background(window.graphView()->palette()).lightness() < 100);
        window.themeAction(MainWindow::Theme::Light)->trigger();
        QVERIFY(!GraphStyle::isDark(window.graphView()->palette()));
        QVERIFY(GraphStyle::background(window.graphView()->palette()).lightness() > 180);
        window.themeAction(MainWindow::Theme::System)->trigger();
    }

    void lessonsMenuOpensEachLessonOnItsFirstStep()
    {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QMenu* menu = window.lessonsMenu();
        QVERIFY(window.menuBar()->actions().contains(menu->menuAction()));
        const QList<QAction*> actions = menu->actions();
        QCOMPARE(actions.size(), qsizetype(std::size(kLessonOrder))); // every built-in has a lesson
        for (qsizetype i = 0; i < actions.size(); ++i) {
            const std::string id = actions[i]->data().toString().toStdString();
            QCOMPARE(id, std::string(kLessonOrder[i]));
            const auto scenario = ScenarioLoader::fromString(builtinScenario(id)).scenario;
            QVERIFY(actions[i]->text().endsWith(QString::fromStdString(scenario->lesson->idea)));
            QCOMPARE(actions[i]->toolTip(),
                QStringLiteral("Watch: %1").arg(QString::fromStdString(scenario->lesson->watch)));
        }
        QVERIFY(actions.first()->text().startsWith(QStringLiteral("&1. ")));

        // Start on one lesson, move on a step and close the Lesson dock.
        actions.first()->trigger();
        window.whatIf()->lesson()->next();
        QCOMPARE(window.whatIf()->lesson()->currentStep(), 1);
        window.whatIf()->lessonDock()->close();
        QVERIFY(!window.whatIf()->lessonDock()->isVisible());

        QAction* hedging = nullptr;
        for (QAction* a : actions)
            if (a->data().toString() == QStringLiteral("hedging-tail")) hedging = a;
        QVERIFY(hedging);
        hedging->trigger();
        QVERIFY(window.runner());
        QCOMPARE(window.runner()->scenario().name, std::string("Hedging against tail latency"));
        const LessonPanel* panel = window.whatIf()->lesson();
        QCOMPARE(panel->currentStep(), 0);
        QVERIFY(panel->stepText().startsWith(QStringLiteral("Compare the two fronts")));
        QTRY_VERIFY(window.whatIf()->lessonDock()->isVisible()); // shown again, and raised
    }

    void shortcutsListEveryActionWithAKey()
    {
        MainWindow window;
        const QList<QStringList> rows = window.shortcutRows();
        auto has = [&](const QString& action) {
            for (const QStringList& r : rows)
                if (r.value(1).startsWith(action)) return true;
            return false;
        };
        QVERIFY(has(QStringLiteral("Save Scenario As")));
        QVERIFY(has(QStringLiteral("Find Service")));
        QVERIFY(has(QStringLiteral("Open Scenario")));
        QVERIFY(rows.size() >= 15);
    }
};

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
