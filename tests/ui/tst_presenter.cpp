// Presenter mode through the real window: F5 in and out with the docks and bars as they were, the keys
// driving the simulation, the lesson and the selection, the clock, the scale and the highlight pointer.
#include "graphstyle.h"
#include "graphview.h"
#include "lessonpanel.h"
#include "mainwindow.h"
#include "presentermode.h"
#include "presenteroverlay.h"
#include "support/builtins.h"
#include "whatifcontroller.h"

#include <QAction>
#include <QDockWidget>
#include <QMenuBar>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTest>
#include <QToolBar>

#include <cmath>
#include <memory>

using namespace faultline;

namespace {

/// Pixels of `image` inside `area` whose colour is within `tolerance` (per channel) of `colour`.
int countNear(const QImage& image, const QRect& area, const QColor& colour, int tolerance = 40)
{
    int n = 0;
    const QRect r = area.intersected(image.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - colour.red()) <= tolerance && std::abs(c.green() - colour.green()) <= tolerance
                && std::abs(c.blue() - colour.blue()) <= tolerance)
                ++n;
        }
    return n;
}

int countDiffering(const QImage& a, const QImage& b, const QRect& area)
{
    int n = 0;
    const QRect r = area.intersected(a.rect()).intersected(b.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x)
            if (a.pixel(x, y) != b.pixel(x, y)) ++n;
    return n;
}

QImage grabCanvas(GraphView* view)
{
    return view->grab().toImage().convertToFormat(QImage::Format_RGB32);
}

} // namespace

class tst_Presenter : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<MainWindow> m_window;

    MainWindow* start(Scenario scenario, bool paused = true)
    {
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1280, 800);
        SimulationRunner::Options options;
        options.start_paused = paused;
        m_window->runScenario(std::move(scenario), options);
        m_window->show();
        if (!QTest::qWaitForWindowExposed(m_window.get())) qFatal("the window was not exposed");
        return m_window.get();
    }

    /// Steps the paused simulation and waits for the window to show where it stopped.
    static bool advance(MainWindow* w, double seconds)
    {
        SimulationRunner* runner = w->runner();
        const double target = runner->simulatedSeconds() + seconds;
        runner->step(seconds);
        return QTest::qWaitFor(
            [&] {
                return runner->idle() && runner->simulatedSeconds() >= target - 1e-9
                    && w->graphView()->snapshot() == runner->latestSnapshot() && w->graphView()->snapshot();
            },
            60000);
    }

    static Scenario withoutLesson(const char* id)
    {
        Scenario s = test::builtin(id);
        s.lesson.reset();
        return s;
    }

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void cleanup() { m_window.reset(); }

    void f5EntersAndLeavesWithDocksAndBarsAsTheyWere()
    {
        MainWindow* w = start(test::builtin("checkout"));
        PresenterMode* presenter = w->presenter();
        QVERIFY(!presenter->isActive()); // never remembered: it starts off
        auto* inspector = w->findChild<QDockWidget*>(QStringLiteral("inspectorDock"));
        QDockWidget* lesson = w->whatIf()->lessonDock();
        QDockWidget* events = w->whatIf()->eventLogDock();
        QVERIFY(inspector && !inspector->isHidden());
        events->hide(); // closed by the user before: it must stay closed afterwards
        const auto toolbars = w->findChildren<QToolBar*>();
        QVERIFY(!toolbars.isEmpty());

        QTest::keyClick(w, Qt::Key_F5);
        QVERIFY(presenter->isActive());
        QVERIFY(presenter->toggleAction()->isChecked());
        QVERIFY(inspector->isHidden());
        QVERIFY(!lesson->isHidden());
        QVERIFY(w->menuBar()->isHidden());
        QVERIFY(w->statusBar()->isHidden());
        for (QToolBar* bar : toolbars)
            QVERIFY(bar->isHidden());
        QCOMPARE(w->graphView()->presentationScale(), PresenterMode::kScale);
        QVERIFY(GraphStyle::isHighContrast(w->graphView()->palette()));
        QVERIFY(presenter->overlay()->isVisible());

        QTest::keyClick(w, Qt::Key_F5); // F5 works with the menus hidden
        QVERIFY(!presenter->isActive());
        QVERIFY(!inspector->isHidden());
        QVERIFY(events->isHidden());
        QVERIFY(!w->menuBar()->isHidden());
        QVERIFY(!w->statusBar()->isHidden());
        for (QToolBar* bar : toolbars)
            QVERIFY(!bar->isHidden());
        QCOMPARE(w->graphView()->presentationScale(), 1.0);
        QVERIFY(!GraphStyle::isHighContrast(w->graphView()->palette()));
        QVERIFY(!w->graphView()->testAttribute(Qt::WA_SetPalette)); // follows the theme again
        QVERIFY(!presenter->overlay()->isVisible());

        // The View menu's action does the same.
        presenter->toggleAction()->trigger();
        QVERIFY(presenter->isActive());
        QVERIFY(inspector->isHidden());
    }

    void escEndsTheCanvasFocusFirstThenLeaves()
    {
        MainWindow* w = start(test::builtin("checkout"));
        QVERIFY(advance(w, 5.0));
        w->presenter()->setActive(true);
        QVERIFY(w->graphView()->focusNode(QStringLiteral("payments")));
        QTest::keyClick(w->graphView(), Qt::Key_Escape);
        QVERIFY(w->graphView()->focusedNode().isEmpty());
        QVERIFY(w->presenter()->isActive());
        QTest::keyClick(w->graphView(), Qt::Key_Escape);
        QVERIFY(!w->presenter()->isActive());
        QVERIFY(!w->menuBar()->isHidden());
    }

    void closingTheWindowLeavesFirstSoTheNormalLayoutIsSaved()
    {
        MainWindow* w = start(test::builtin("checkout"));
        auto* inspector = w->findChild<QDockWidget*>(QStringLiteral("inspectorDock"));
        w->presenter()->setActive(true);
        QVERIFY(inspector->isHidden());
        w->close();
        QVERIFY(!w->presenter()->isActive());
        QVERIFY(!inspector->isHidden());
    }

    void spacePausesAndRightStepsOneSimulatedSecond()
    {
        MainWindow* w = start(withoutLesson("checkout"), false);
        w->presenter()->setActive(true);
        SimulationRunner* runner = w->runner();
        QVERIFY(!runner->paused());
        QTest::keyClick(w->graphView(), Qt::Key_Space);
        QVERIFY(runner->paused());
        QVERIFY(QTest::qWaitFor([&] { return runner->idle(); }, 10000));
        const double before = runner->simulatedSeconds();
        QTest::keyClick(w->graphView(), Qt::Key_Right);
        QTRY_VERIFY_WITH_TIMEOUT(runner->idle() && runner->simulatedSeconds() >= before + 1.0 - 1e-9, 30000);
        QVERIFY2(std::abs(runner->simulatedSeconds() - before - 1.0) < 1e-6,
            qPrintable(QString::number(runner->simulatedSeconds() - before)));
        QTest::keyClick(w->graphView(), Qt::Key_Space);
        QVERIFY(!runner->paused());
    }

    void rightAndLeftStepTheLessonWhenOneIsShown()
    {
        MainWindow* w = start(test::builtin("cascade-with-breaker"));
        LessonPanel* lesson = w->whatIf()->lesson();
        QVERIFY(lesson->stepCount() > 2);
        QCOMPARE(lesson->currentStep(), 0);
        QTest::keyClick(w->graphView(), Qt::Key_Right); // not in presenter mode: the canvas pans, nothing more
        QCOMPARE(lesson->currentStep(), 0);

        w->presenter()->setActive(true);
        const double time = w->runner()->simulatedSeconds();
        QTest::keyClick(w->graphView(), Qt::Key_Right);
        QCOMPARE(lesson->currentStep(), 1);
        QTest::keyClick(w->graphView(), Qt::Key_Right);
        QCOMPARE(lesson->currentStep(), 2);
        QTest::keyClick(w->graphView(), Qt::Key_Left);
        QCOMPARE(lesson->currentStep(), 1);
        QCOMPARE(w->runner()->simulatedSeconds(), time); // the lesson moved, not the clock
    }

    void tabCyclesTheSelectionAndFAsksForAFaultOnIt()
    {
        MainWindow* w = start(test::builtin("checkout"));
        QVERIFY(advance(w, 5.0));
        w->presenter()->setActive(true);
        GraphView* view = w->graphView();
        QVERIFY(view->selectedNode().isEmpty());

        QStringList seen;
        for (int i = 0; i < 3; ++i) {
            QTest::keyClick(view, Qt::Key_Tab);
            seen << view->selectedNode();
        }
        // Reading order: layer by layer from the left; the workload's user is skipped.
        QCOMPARE(seen.value(0), QStringLiteral("gateway"));
        QCOMPARE(seen.value(1), QStringLiteral("orders"));
        QCOMPARE(seen.size(), 3);
        QVERIFY(!seen.contains(QStringLiteral("user")));
        QTest::keyClick(view, Qt::Key_Tab, Qt::ShiftModifier);
        QCOMPARE(view->selectedNode(), seen.at(1));

        std::optional<FaultDialog::Target> asked;
        w->whatIf()->setFaultPrompt([&](const FaultDialog::Target& target, QWidget*) {
            asked = target;
            return std::optional<Fault>();
        });
        QTest::keyClick(view, Qt::Key_F);
        QVERIFY(asked.has_value());
        QCOMPARE(asked->node, seen.at(1));
    }

    void pageUpAndPageDownChangeTheSpeed()
    {
        MainWindow* w = start(test::builtin("checkout"));
        w->setSpeed(1.0);
        w->presenter()->setActive(true);
        QTest::keyClick(w->graphView(), Qt::Key_PageUp);
        QCOMPARE(w->speed(), 2.0);
        QCOMPARE(w->runner()->speed(), 2.0);
        QTest::keyClick(w->graphView(), Qt::Key_PageDown);
        QTest::keyClick(w->graphView(), Qt::Key_PageDown);
        QCOMPARE(w->speed(), 0.5);
    }

    void theClockIsDrawnLargeInTheTopRightCorner()
    {
        MainWindow* w = start(test::builtin("checkout"));
        QVERIFY(advance(w, 65.0));
        w->presenter()->setActive(true);
        PresenterOverlay* overlay = w->presenter()->overlay();
        QVERIFY(std::abs(overlay->clock().seconds - 65.0) < 1e-6);
        QCOMPARE(PresenterOverlay::clockText(overlay->clock().seconds), QStringLiteral("01:05"));
        QCOMPARE(PresenterOverlay::clockText(3725.0), QStringLiteral("1:02:05"));
        QCOMPARE(overlay->statusText(), QStringLiteral("PAUSED"));
        GraphView* view = w->graphView();
        const QRect clock = overlay->clockRect();
        QVERIFY(view->rect().contains(clock));
        QVERIFY(clock.center().x() > view->width() / 2 && clock.center().y() < view->height() / 2);
        QVERIFY(overlay->clockPixelSize() >= 36);

        const QImage shown = grabCanvas(view);
        overlay->hide();
        const QImage without = grabCanvas(view);
        overlay->show();
        // The digits are white on the clock's dark ground, and they are what differs there.
        QVERIFY(countNear(shown, clock, Qt::white) > 200);
        QVERIFY(countDiffering(shown, without, clock) > 200);
        // The rest of the canvas is not touched by the clock.
        const QRect farCorner(0, view->height() / 3, view->width() / 4, view->height() / 3);
        QCOMPARE(countDiffering(shown, without, farCorner), 0);

        w->setPaused(false);
        QCOMPARE(overlay->statusText(), QStringLiteral("1x"));
    }

    void textAndLinesGrowByThePresenterScale()
    {
        MainWindow* w = start(test::builtin("checkout"));
        QVERIFY(advance(w, 10.0));
        GraphView* view = w->graphView();
        const EdgeRef edge { QStringLiteral("gateway"), QStringLiteral("orders") };
        const double line = view->edgeStrokeWidth(edge);
        const double text = view->nodeLabelPixelSize();
        QVERIFY(line > 0.0 && text > 0.0);
        w->presenter()->setActive(true);
        QCoreApplication::processEvents(); // the docks' room goes to the canvas
        // Lines are the scale times wider in layout units, and the fit draws them no smaller; text takes the
        // room the layout leaves it.
        QVERIFY2(view->edgeStrokeWidth(edge) >= line * PresenterMode::kScale * 0.99,
            qPrintable(QStringLiteral("%1 vs %2").arg(view->edgeStrokeWidth(edge)).arg(line)));
        QVERIFY2(view->nodeLabelPixelSize() >= text * 1.19,
            qPrintable(QStringLiteral("%1 vs %2").arg(view->nodeLabelPixelSize()).arg(text)));
        const auto badges = view->breakerBadges();
        QVERIFY(!badges.isEmpty());
        w->presenter()->setActive(false);
        QCoreApplication::processEvents();
        QCOMPARE(view->edgeStrokeWidth(edge), line);
        QVERIFY(view->breakerBadges().first().rect.width() < badges.first().rect.width() / 1.5);
    }

    void theHighlightFollowsTheMouseAndFades()
    {
        MainWindow* w = start(test::builtin("checkout"));
        QVERIFY(advance(w, 5.0));
        w->presenter()->setActive(true);
        PresenterOverlay* overlay = w->presenter()->overlay();
        qint64 now = 1000;
        overlay->setTimeSource([&now] { return now; });
        GraphView* view = w->graphView();
        const QImage before = grabCanvas(view);
        QVERIFY(overlay->pointerOpacity() == 0.0); // nothing until the mouse moves

        // A point on the background, so hovering changes nothing on the canvas itself.
        QPoint at;
        for (int y = view->height() / 3; y < view->height() * 2 / 3 && at.isNull(); y += 10)
            for (int x = view->width() / 4; x < view->width() * 3 / 4 && at.isNull(); x += 10)
                if (view->nodeAt(QPointF(x, y)).isEmpty() && view->edgeAt(QPointF(x, y)).isNull()) at = QPoint(x, y);
        QVERIFY(!at.isNull());
        QTest::mouseMove(view, at);
        QTRY_COMPARE(overlay->pointerPosition(), QPointF(at));
        QCOMPARE(overlay->pointerOpacity(), 1.0);
        const QImage pointed = grabCanvas(view);
        const auto r = static_cast<int>(PresenterOverlay::kPointerRadius);
        const QRect ring(at.x() - r - 4, at.y() - r - 4, 2 * r + 8, 2 * r + 8);
        QVERIFY(countNear(pointed, ring, QColor(0xff, 0xe6, 0x00), 30) > 100); // the yellow ring
        QCOMPARE(countNear(before, ring, QColor(0xff, 0xe6, 0x00), 30), 0);
        QCOMPARE(
            countDiffering(before, pointed, QRect(0, 0, view->width(), view->height()).adjusted(0, 0, 0, 0)) > 0, true);
        const QRect elsewhere(at.x() + r + 40, at.y() - 20, 40, 40);
        QCOMPARE(countDiffering(before, pointed, elsewhere), 0);

        // It stays while the mouse rests, then fades out.
        now += PresenterOverlay::kPointerHoldMs;
        QCOMPARE(overlay->pointerOpacity(), 1.0);
        now += PresenterOverlay::kPointerFadeMs / 2;
        QVERIFY(overlay->pointerOpacity() > 0.4 && overlay->pointerOpacity() < 0.6);
        now += PresenterOverlay::kPointerFadeMs;
        QCOMPARE(overlay->pointerOpacity(), 0.0);
        overlay->fadeStep();
        QVERIFY(!overlay->fading());
        QCOMPARE(countNear(grabCanvas(view), ring, QColor(0xff, 0xe6, 0x00), 30), 0);

        // L turns it off: moving draws nothing.
        QTest::keyClick(view, Qt::Key_L);
        QVERIFY(!overlay->pointerEnabled());
        QTest::mouseMove(view, at + QPoint(30, 0));
        QCOMPARE(overlay->pointerOpacity(), 0.0);
        QTest::keyClick(view, Qt::Key_L);
        QVERIFY(overlay->pointerEnabled());
    }

    void theKeyHintShowsOnEnteringAndWhileHIsHeld()
    {
        MainWindow* w = start(test::builtin("checkout"));
        w->presenter()->setActive(true);
        PresenterOverlay* overlay = w->presenter()->overlay();
        QVERIFY(overlay->hintVisible());
        QVERIFY(overlay->hintText().contains(QStringLiteral("F11")));
        const QRect hint = overlay->hintRect();
        QVERIFY(hint.bottom() < w->graphView()->height() && hint.top() > w->graphView()->height() / 2);
        QVERIFY(!hint.intersects(w->graphView()->legendRect().toAlignedRect()));
        w->presenter()->endIntroHint();
        QVERIFY(!overlay->hintVisible());
        QTest::keyPress(w->graphView(), Qt::Key_H);
        QVERIFY(overlay->hintVisible());
        QTest::keyRelease(w->graphView(), Qt::Key_H);
        QVERIFY(!overlay->hintVisible());
    }

    void thePresenterKeysAreListedWithEveryShortcut()
    {
        MainWindow* w = start(test::builtin("checkout"));
        const QList<QStringList> rows = w->shortcutRows();
        auto has = [&](const QString& action, const QString& key) {
            for (const QStringList& row : rows)
                if (row.value(1) == action && row.value(2) == key) return true;
            return false;
        };
        QVERIFY(has(QStringLiteral("Presenter Mode"), QStringLiteral("F5")));
        QVERIFY(has(QStringLiteral("Full Screen"), QStringLiteral("F11")));
        QVERIFY(has(QStringLiteral("Next Step"), QKeySequence(Qt::Key_Right).toString(QKeySequence::NativeText)));
        QVERIFY(has(QStringLiteral("Highlight Pointer"), QStringLiteral("L")));
        QVERIFY(has(QStringLiteral("Inject Fault"), QStringLiteral("F")));
        QVERIFY(has(QStringLiteral("Leave Presenter Mode"), QStringLiteral("Esc")));
        // Single keys act only while presenting.
        QVERIFY(!w->presenter()->faultAction()->isEnabled());
        w->presenter()->setActive(true);
        QVERIFY(w->presenter()->faultAction()->isEnabled());
    }
};

QTEST_MAIN(tst_Presenter)
#include "tst_presenter.moc"
