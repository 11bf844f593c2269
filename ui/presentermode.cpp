#include "presentermode.h"

#include "graphstyle.h"
#include "graphview.h"
#include "lessonpanel.h"
#include "presenteroverlay.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QKeyEvent>
#include <QLayout>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>

#include <algorithm>
#include <functional>

namespace faultline {

namespace {
QString keyText(const QAction* action)
{
    // Arrows as arrows: shorter, and they read at a glance.
    if (action->shortcut() == QKeySequence(Qt::Key_Left)) return QStringLiteral("←");
    if (action->shortcut() == QKeySequence(Qt::Key_Right)) return QStringLiteral("→");
    return action->shortcut().toString(QKeySequence::NativeText);
}

/// Every action in the menu bar, recursively: with the bar hidden their shortcuts need another home.
void collectActions(const QList<QAction*>& actions, QList<QAction*>& out)
{
    for (QAction* a : actions) {
        if (a->menu())
            collectActions(a->menu()->actions(), out);
        else if (!a->isSeparator() && !a->shortcuts().isEmpty())
            out.append(a);
    }
}
} // namespace

PresenterMode::PresenterMode(QMainWindow* window, GraphView* graph, QDockWidget* lessonDock, LessonPanel* lesson)
    : QObject(window)
    , m_window(window)
    , m_graph(graph)
    , m_lessonDock(lessonDock)
    , m_lesson(lesson)
{
    m_overlay = new PresenterOverlay(graph);
    m_overlay->hide();

    m_toggle = new QAction(tr("&Presenter Mode"), this);
    m_toggle->setCheckable(true);
    m_toggle->setShortcut(QKeySequence(Qt::Key_F5));
    m_toggle->setToolTip(tr("Large, high-contrast canvas with a clock, driven from the keyboard (F5)"));
    connect(m_toggle, &QAction::toggled, this, &PresenterMode::setActive);

    m_fullScreen = new QAction(tr("F&ull Screen"), this);
    m_fullScreen->setCheckable(true);
    m_fullScreen->setShortcut(QKeySequence(Qt::Key_F11));
    m_fullScreen->setToolTip(tr("Fill the screen with the window (F11)"));
    connect(m_fullScreen, &QAction::triggered, this, [this](bool on) {
        m_window->setWindowState(
            on ? m_window->windowState() | Qt::WindowFullScreen : m_window->windowState() & ~Qt::WindowFullScreen);
    });

    m_keysMenu = new QMenu(tr("Presenter &Keys"), window);
    m_keysMenu->setObjectName(QStringLiteral("presenterKeysMenu"));
    m_next = key(tr("Next Step"), { QKeySequence(Qt::Key_Right) },
        tr("The lesson's next step; without a lesson, one simulated second while paused"));
    connect(m_next, &QAction::triggered, this, &PresenterMode::forward);
    m_back = key(tr("Previous Step"), { QKeySequence(Qt::Key_Left) }, tr("The lesson's previous step"));
    connect(m_back, &QAction::triggered, this, &PresenterMode::backward);
    m_nextNode = key(tr("Select Next Node"), { QKeySequence(Qt::Key_Tab) }, tr("Select the next node on the graph"));
    connect(m_nextNode, &QAction::triggered, this, [this] { selectNextNode(1); });
    m_previousNode = key(tr("Select Previous Node"), { QKeySequence(Qt::SHIFT | Qt::Key_Tab) },
        tr("Select the previous node on the graph"));
    connect(m_previousNode, &QAction::triggered, this, [this] { selectNextNode(-1); });
    m_fault = key(tr("Inject Fault"), { QKeySequence(Qt::Key_F) }, tr("Break the selection (as Inject Fault)"));
    connect(m_fault, &QAction::triggered, this, [this] {
        if (m_inject && m_inject->isEnabled()) m_inject->trigger();
    });
    m_faster = key(tr("Faster"), { QKeySequence(Qt::Key_PageUp) }, tr("Run the simulation faster"));
    connect(m_faster, &QAction::triggered, this, [this] {
        if (m_windowFaster && m_windowFaster->isEnabled()) m_windowFaster->trigger();
    });
    m_slower = key(tr("Slower"), { QKeySequence(Qt::Key_PageDown) }, tr("Run the simulation slower"));
    connect(m_slower, &QAction::triggered, this, [this] {
        if (m_windowSlower && m_windowSlower->isEnabled()) m_windowSlower->trigger();
    });
    m_pointer = key(tr("Highlight Pointer"), { QKeySequence(Qt::Key_L) },
        tr("Draw a ring where the mouse is, for the room to follow"));
    m_pointer->setCheckable(true);
    m_pointer->setChecked(true);
    connect(m_pointer, &QAction::toggled, m_overlay, &PresenterOverlay::setPointerEnabled);
    m_leave = key(tr("Leave Presenter Mode"), { QKeySequence(Qt::Key_Escape) },
        tr("Back to the normal window (Esc ends a focus on the canvas first)"));
    connect(m_leave, &QAction::triggered, this, [this] {
        // The canvas uses Esc to end a focus on a node: that comes first.
        if (!m_graph->focusedNode().isEmpty())
            m_graph->clearNodeFocus();
        else
            setActive(false);
    });

    m_hintTimer = new QTimer(this);
    m_hintTimer->setSingleShot(true);
    m_hintTimer->setInterval(kIntroHintMs);
    connect(m_hintTimer, &QTimer::timeout, this, &PresenterMode::endIntroHint);
    m_overlay->setHintText(hintText());
    window->installEventFilter(this);
}

QAction* PresenterMode::key(const QString& text, const QList<QKeySequence>& keys, const QString& tip)
{
    auto* action = new QAction(text, this);
    action->setShortcuts(keys);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(tip, keys.value(0).toString(QKeySequence::NativeText)));
    action->setEnabled(false); // single keys: only while presenting, never while typing in the normal window
    m_keysMenu->addAction(action);
    m_window->addAction(action); // works with the menu bar hidden
    return action;
}

void PresenterMode::setCommands(QAction* step, QAction* inject, QAction* faster, QAction* slower)
{
    m_step = step;
    m_inject = inject;
    m_windowFaster = faster;
    m_windowSlower = slower;
    m_overlay->setHintText(hintText());
}

QString PresenterMode::hintText() const
{
    const QString space = QKeySequence(Qt::Key_Space).toString(QKeySequence::NativeText);
    return tr("%1 pause · %2 %3 step · %4 fault · %5 select · %6 %7 speed · %8 pointer · H keys · %9 full screen · "
              "%10 leave")
        .arg(space, keyText(m_back), keyText(m_next), keyText(m_fault), keyText(m_nextNode), keyText(m_faster),
            keyText(m_slower), keyText(m_pointer), keyText(m_fullScreen))
        .arg(keyText(m_leave));
}

void PresenterMode::setActive(bool active)
{
    if (active == m_active) return;
    m_active = active;
    if (active)
        enter();
    else
        leave();
    m_toggle->setChecked(active);
    emit activeChanged(active);
}

void PresenterMode::enter()
{
    m_hidden.clear();
    auto hide = [this](QWidget* w) {
        if (!w || m_hidden.contains(w)) return;
        m_hidden.insert(w, !w->isHidden());
        w->hide();
    };
    for (QDockWidget* dock : m_window->findChildren<QDockWidget*>(Qt::FindDirectChildrenOnly))
        if (dock != m_lessonDock) hide(dock);
    for (QToolBar* bar : m_window->findChildren<QToolBar*>(Qt::FindDirectChildrenOnly))
        hide(bar);
    // With the bars gone, their actions' shortcuts (Space, Ctrl+Right, ...) live on the window itself.
    QList<QAction*> actions;
    collectActions(m_window->menuBar()->actions(), actions);
    m_window->addActions(actions);
    hide(m_window->menuBar());
    hide(m_window->statusBar());

    // The lesson, read from across a room: larger type, and room for it.
    // The panel's font reaches the children that inherit it; those with a font of their own are scaled too.
    m_lessonFonts.clear();
    if (m_lesson) {
        QList<QWidget*> widgets { m_lesson };
        for (QWidget* w : m_lesson->findChildren<QWidget*>())
            if (w->testAttribute(Qt::WA_SetFont)) widgets.append(w);
        for (QWidget* w : widgets)
            m_lessonFonts.insert(w, { w->font(), w->testAttribute(Qt::WA_SetFont) });
        for (auto it = m_lessonFonts.cbegin(); it != m_lessonFonts.cend(); ++it) {
            QFont f = it.value().font;
            if (f.pointSizeF() > 0)
                f.setPointSizeF(f.pointSizeF() * kLessonFontScale);
            else
                f.setPixelSize(static_cast<int>(f.pixelSize() * kLessonFontScale));
            it.key()->setFont(f);
        }
    }
    m_lessonWidth = m_lessonDock && !m_lessonDock->isHidden() ? m_lessonDock->width() : -1;
    // A minimum rather than a resize, so it holds against the first start's own dock sizing.
    m_lessonMinimumWidth = m_lesson ? m_lesson->minimumWidth() : 0;
    if (m_lesson && m_lessonWidth > 0)
        m_lesson->setMinimumWidth(std::max(m_lessonMinimumWidth, std::min(m_window->width() / 4, 480)));

    m_graphHadPalette = m_graph->testAttribute(Qt::WA_SetPalette);
    m_graphPalette = m_graph->palette();
    m_graph->setPalette(GraphStyle::presenterPalette(m_graph->palette()));
    if (m_window->layout()) m_window->layout()->activate(); // the canvas takes the room at once
    m_graph->setPresentationScale(kScale);
    m_graph->fitToView();
    m_overlay->setGeometry(m_graph->rect());
    m_overlay->show();
    m_overlay->raise();
    for (QAction* a : m_keysMenu->actions())
        a->setEnabled(true);
    m_introHint = true;
    updateHint();
    m_hintTimer->start();
    qApp->installEventFilter(this); // H held shows the keys
    m_graph->setFocus(Qt::OtherFocusReason);
}

void PresenterMode::leave()
{
    qApp->removeEventFilter(this);
    m_hintTimer->stop();
    m_introHint = false;
    m_hHeld = false;
    for (QAction* a : m_keysMenu->actions())
        a->setEnabled(false);
    m_overlay->hide();
    m_overlay->setHintVisible(false);
    m_graph->setPresentationScale(1.0);
    m_graph->setPalette(m_graphHadPalette ? m_graphPalette : QPalette());
    m_graph->fitToView();
    for (auto it = m_lessonFonts.cbegin(); it != m_lessonFonts.cend(); ++it)
        it.key()->setFont(it.value().own ? it.value().font : QFont());
    m_lessonFonts.clear();
    for (auto it = m_hidden.cbegin(); it != m_hidden.cend(); ++it)
        if (it.value()) it.key()->show();
    m_hidden.clear();
    if (m_lesson) m_lesson->setMinimumWidth(m_lessonMinimumWidth);
    if (m_lessonWidth > 0 && !m_lessonDock->isHidden())
        m_window->resizeDocks({ m_lessonDock }, { m_lessonWidth }, Qt::Horizontal);
    m_lessonWidth = -1;
    if (m_window->layout()) m_window->layout()->activate();
}

bool PresenterMode::lessonShown() const
{
    return m_lesson && m_lesson->stepCount() > 0 && m_lessonDock && !m_lessonDock->isHidden();
}

void PresenterMode::forward()
{
    if (lessonShown())
        m_lesson->next();
    else if (m_step && m_step->isEnabled())
        m_step->trigger();
}

void PresenterMode::backward()
{
    if (lessonShown()) m_lesson->back();
}

void PresenterMode::selectNextNode(int direction)
{
    const auto snapshot = m_graph->snapshot();
    const GraphLayout& layout = m_graph->graphLayout();
    if (!snapshot) return;
    const int count = std::min(layout.nodeCount(), static_cast<int>(snapshot->nodes.size()));
    std::vector<int> order;
    for (int i = 0; i < count; ++i)
        if (snapshot->nodes[static_cast<size_t>(i)].kind != NodeKind::User) order.push_back(i);
    if (order.empty()) return;
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        return std::make_pair(layout.layer(a), layout.order(a)) < std::make_pair(layout.layer(b), layout.order(b));
    });
    const std::string current = m_graph->selectedNode().toStdString();
    auto at = std::find_if(order.begin(), order.end(), [&](int i) { return snapshot->nodes[i].id == current; });
    const auto n = static_cast<long>(order.size());
    long next = direction >= 0 ? 0 : n - 1;
    if (at != order.end()) next = ((at - order.begin()) + (direction >= 0 ? 1 : -1) + n) % n;
    const QString id = QString::fromStdString(snapshot->nodes[static_cast<size_t>(order[next])].id);
    m_graph->setSelectedNode(id);
    emit m_graph->nodeSelected(id); // the inspector and the services table follow
}

void PresenterMode::endIntroHint()
{
    m_introHint = false;
    updateHint();
}

void PresenterMode::updateHint()
{
    m_overlay->setHintText(hintText());
    m_overlay->setHintVisible(m_active && (m_introHint || m_hHeld));
}

bool PresenterMode::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_window) {
        if (event->type() == QEvent::Close && m_active) setActive(false); // the window saves its docks as they were
        if (event->type() == QEvent::WindowStateChange) m_fullScreen->setChecked(m_window->isFullScreen());
    }
    if (m_active && (event->type() == QEvent::KeyPress || event->type() == QEvent::KeyRelease)) {
        const auto* key = static_cast<QKeyEvent*>(event);
        auto* widget = qobject_cast<QWidget*>(watched);
        if (key->key() == Qt::Key_H && !key->isAutoRepeat() && widget && widget->window() == m_window
            && (key->modifiers() & ~Qt::KeypadModifier) == Qt::NoModifier) {
            m_hHeld = event->type() == QEvent::KeyPress;
            updateHint();
        }
    }
    return false;
}

} // namespace faultline
