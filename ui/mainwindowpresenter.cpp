// The main window's presenter mode: the controller (presentermode.h) handed the window's commands, its
// clock and the View menu entries.

#include "mainwindow.h"

#include "graphview.h"
#include "presentermode.h"
#include "presenteroverlay.h"
#include "whatifcontroller.h"

#include <QAction>
#include <QComboBox>
#include <QMenu>
#include <QMenuBar>

namespace faultline {

void MainWindow::createPresenter()
{
    m_presenter = new PresenterMode(this, m_graph, m_whatIf->lessonDock(), m_whatIf->lesson());
    m_presenter->setCommands(m_stepAction, m_whatIf->injectFaultAction(), m_fasterAction, m_slowerAction);
    PresenterOverlay* overlay = m_presenter->overlay();
    overlay->setClockSource([this] {
        PresenterOverlay::Clock clock;
        if (m_live) {
            clock.live = true;
            clock.seconds = static_cast<double>(m_liveClock.elapsed()) / 1000.0;
            clock.valid = true;
        } else if (m_runner) {
            clock.seconds = m_runner->simulatedSeconds();
            clock.speed = speed();
            clock.paused = m_runner->paused();
            clock.valid = true;
        }
        return clock;
    });
    // New snapshots repaint the canvas and the clock over it; pausing and the speed may come without one.
    connect(m_playPauseAction, &QAction::changed, overlay, qOverload<>(&QWidget::update));
    connect(m_speedBox, &QComboBox::currentIndexChanged, overlay, qOverload<>(&QWidget::update));
    if (auto* view = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))) {
        view->addSeparator();
        view->addAction(m_presenter->toggleAction());
        view->addAction(m_presenter->fullScreenAction());
        view->addMenu(m_presenter->keysMenu());
    }
    // F5 and F11 must work with the menu bar hidden, as in presenter mode.
    addAction(m_presenter->toggleAction());
    addAction(m_presenter->fullScreenAction());
}

} // namespace faultline
