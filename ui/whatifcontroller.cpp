#include "whatifcontroller.h"

#include "activefaultspanel.h"
#include "eventlogpanel.h"
#include "lessonpanel.h"
#include "livecontrol.h"
#include "scenario/faultrecording.h"

#include <QContextMenuEvent>
#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>

namespace faultline {

WhatIfController::WhatIfController(QMainWindow* window, GraphView* graph)
    : QObject(window)
    , m_window(window)
    , m_graph(graph)
    , m_prompt([](const FaultDialog::Target& target, QWidget* parent) { return FaultDialog::ask(target, parent); })
{
    createDocks();
    createActions();
    m_graph->installEventFilter(this);
    connect(m_graph, &GraphView::nodeSelected, this, &WhatIfController::updateActions);
    connect(m_graph, &GraphView::edgeSelected, this, &WhatIfController::updateActions);
    updateActions();
}

void WhatIfController::createDocks()
{
    m_faults = new ActiveFaultsPanel(m_window);
    m_faultsDock = new QDockWidget(tr("Active Faults"), m_window);
    m_faultsDock->setObjectName(QStringLiteral("activeFaultsDock"));
    m_faultsDock->setWidget(m_faults);
    m_window->addDockWidget(Qt::RightDockWidgetArea, m_faultsDock);
    connect(m_faults, &ActiveFaultsPanel::revertRequested, this, [this](quint64 id) {
        if (m_runner) {
            m_runner->revertFault(id);
        } else if (liveControl()) {
            m_control->revertFault(id);
            refresh();
        }
    });
    connect(m_faults, &ActiveFaultsPanel::revertAllRequested, this, &WhatIfController::revertAll);
    // The panic button answers wherever the focus is, even with the dock closed.
    m_window->addAction(m_faults->revertAllAction());

    m_events = new EventLogPanel(m_window);
    m_eventsDock = new QDockWidget(tr("Event Log"), m_window);
    m_eventsDock->setObjectName(QStringLiteral("eventLogDock"));
    m_eventsDock->setWidget(m_events);
    m_window->addDockWidget(Qt::BottomDockWidgetArea, m_eventsDock);
    connect(m_events, &EventLogPanel::nodeActivated, this, &WhatIfController::nodeActivated);
    connect(m_events, &EventLogPanel::edgeActivated, this, &WhatIfController::edgeActivated);

    m_lesson = new LessonPanel(m_window);
    m_lessonDock = new QDockWidget(tr("Lesson"), m_window);
    m_lessonDock->setObjectName(QStringLiteral("lessonDock"));
    m_lessonDock->setWidget(m_lesson);
    m_window->addDockWidget(Qt::LeftDockWidgetArea, m_lessonDock);
    connect(m_lesson, &LessonPanel::faultRequested, this, &WhatIfController::playLessonFault);
}

void WhatIfController::playLessonFault(const ScheduledFault& fault)
{
    if (!m_runner) return;
    if (fault.at_s <= 0.0) {
        inject(fault.fault);
        return;
    }
    // Later in simulated time: refresh() injects it when the clock gets there.
    m_pending.emplace_back(m_runner->simulatedSeconds() + fault.at_s, fault.fault);
    emit message(tr("In %1 simulated seconds: %2").arg(fault.at_s).arg(QString::fromStdString(describe(fault.fault))));
}

void WhatIfController::createActions()
{
    m_inject = new QAction(tr("&Inject Fault…"), this);
    m_inject->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    m_inject->setStatusTip(tr("Break the selected service or call: delay, abort, crash, partition, …"));
    connect(m_inject, &QAction::triggered, this, &WhatIfController::injectFault);

    auto verbAction = [this](BreakerOverrideVerb verb, const QString& tip) {
        auto* a = new QAction(FaultDialog::verbLabel(verb), this);
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, [this, verb] { applyBreakerVerb(verb); });
        return a;
    };
    m_forceOpen = verbAction(BreakerOverrideVerb::ForceOpen,
        tr("Force the selected call's breaker open (FORCE_OPEN): every call is refused until you release it"));
    m_close = verbAction(
        BreakerOverrideVerb::Close, tr("Close the selected call's breaker now (CLOSE); it keeps judging the calls"));
    m_disable = verbAction(
        BreakerOverrideVerb::Disable, tr("Disable the selected call's breaker (DISABLE): it lets everything through"));
    m_automatic = verbAction(BreakerOverrideVerb::Automatic,
        tr("Hand the selected call's breaker back to its own state machine, closed with a fresh window"));
    m_forceOpen->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    m_automatic->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));

    m_record = new QAction(tr("Save with &Recorded Faults…"), this);
    m_record->setStatusTip(
        tr("Save the scenario with the faults injected so far, so the demonstration replays exactly"));
    connect(m_record, &QAction::triggered, this, &WhatIfController::recordFaults);
}

QAction* WhatIfController::revertAllAction() const
{
    return m_faults->revertAllAction();
}

QAction* WhatIfController::breakerAction(BreakerOverrideVerb verb) const
{
    switch (verb) {
    case BreakerOverrideVerb::ForceOpen:
        return m_forceOpen;
    case BreakerOverrideVerb::Close:
        return m_close;
    case BreakerOverrideVerb::Disable:
        return m_disable;
    case BreakerOverrideVerb::Automatic:
        break;
    }
    return m_automatic;
}

void WhatIfController::addActionsTo(QMenu* menu) const
{
    menu->addAction(m_inject);
    menu->addAction(revertAllAction());
    QMenu* breaker = menu->addMenu(tr("&Breaker"));
    breaker->addAction(m_forceOpen);
    breaker->addAction(m_close);
    breaker->addAction(m_disable);
    breaker->addAction(m_automatic);
    menu->addAction(m_record);
}

void WhatIfController::setRunner(SimulationRunner* runner)
{
    if (!runner) m_graph->setFaultTargets({});
    const bool changed = runner != m_runner;
    m_runner = runner;
    m_pending.clear();
    if (changed) {
        m_lesson->setLesson(runner ? runner->scenario().lesson : std::nullopt);
        m_events->model()->clear();
    }
    updateActions();
    refresh();
}

void WhatIfController::showFaults(const std::shared_ptr<const std::vector<FaultRecord>>& log, double now_s)
{
    m_faults->setFaultLog(log, now_s);
    QStringList targets;
    const auto nowNs = static_cast<int64_t>(now_s * 1e9);
    if (log)
        for (const FaultRecord& r : *log) {
            if (r.reverted_ns >= 0 || r.ends_ns <= nowNs) continue;
            targets << QString::fromStdString(r.fault.target);
            if (r.fault.type == FaultType::Partition) targets << QString::fromStdString(r.fault.peer);
        }
    targets.removeDuplicates();
    m_graph->setFaultTargets(targets);
}

void WhatIfController::refresh()
{
    if (!m_runner) {
        // Live: what this window sent to the real services, while control is on.
        m_faults->model()->setWallClock(true);
        if (liveControl())
            showFaults(m_control->faultLog(), m_control->nowSeconds());
        else
            showFaults(nullptr, 0.0);
        return;
    }
    m_faults->model()->setWallClock(false);
    const auto snapshot = m_runner->latestSnapshot();
    const auto log = m_runner->faultLog();
    showFaults(log, snapshot->time_s);
    m_events->update(snapshot, log, m_runner->breakerEvents());
    const double now = m_runner->simulatedSeconds();
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (it->first <= now) {
            inject(it->second);
            it = m_pending.erase(it);
        } else {
            ++it;
        }
    }
    updateActions();
}

std::optional<FaultDialog::Target> WhatIfController::selectedTarget() const
{
    const auto snapshot = m_graph->snapshot();
    if (!snapshot) return std::nullopt;
    const EdgeRef edge = m_graph->selectedEdge();
    if (!edge.isNull() && m_graph->edgeIndex(edge) >= 0)
        return FaultDialog::Target::fromSnapshot(*snapshot, edge.source, edge.target);
    const QString node = m_graph->selectedNode();
    if (!node.isEmpty() && snapshot->findNode(node.toStdString()) >= 0)
        return FaultDialog::Target::fromSnapshot(*snapshot, node);
    return std::nullopt;
}

std::optional<std::pair<QString, QString>> WhatIfController::selectedBreaker() const
{
    const auto snapshot = m_graph->snapshot();
    const int e = m_graph->edgeIndex(m_graph->selectedEdge());
    if (!snapshot || e < 0) return std::nullopt;
    const EdgeSnapshot& edge = snapshot->edges[static_cast<size_t>(e)];
    if (!edge.breaker) return std::nullopt;
    return std::make_pair(
        QString::fromStdString(snapshot->nodes[edge.source].id), QString::fromStdString(edge.breaker->name));
}

void WhatIfController::setLiveControl(LiveControl* control)
{
    m_control = control;
    updateActions();
}

bool WhatIfController::liveControl() const
{
    return !m_runner && m_control && m_control->active();
}

void WhatIfController::updateActions()
{
    const bool sim = m_runner != nullptr || liveControl();
    const bool target = sim && selectedTarget().has_value();
    m_inject->setEnabled(target);
    m_inject->setToolTip(!sim ? tr("Faults act on simulations, or on real services once Live > Control Real "
                                   "Services is on; or fork the live graph to a simulation")
            : target          ? tr("Inject a fault on the selection (Ctrl+I)")
                              : tr("Select a service or a call first"));
    const bool breaker = sim && selectedBreaker().has_value();
    for (QAction* a : { m_forceOpen, m_close, m_disable, m_automatic })
        a->setEnabled(breaker);
    m_record->setEnabled(sim);
}

void WhatIfController::inject(const Fault& fault)
{
    if (liveControl()) {
        QString error;
        const QStringList ids = m_control->apply(fault, &error);
        emit message(ids.isEmpty() ? tr("Not sent to the live services: %1").arg(error)
                                   : tr("Sent to the live services: %1").arg(QString::fromStdString(describe(fault))));
        refresh();
        return;
    }
    if (!m_runner) return;
    m_runner->injectFault(fault);
    emit message(tr("Injected: %1").arg(QString::fromStdString(describe(fault))));
}

void WhatIfController::injectFault()
{
    if (const auto target = selectedTarget())
        injectFaultOn(*target);
    else
        emit message(tr("Select a service or a call on the graph first, then inject a fault (Ctrl+I)."));
}

void WhatIfController::injectFaultOn(const FaultDialog::Target& target)
{
    if (!m_runner && !liveControl()) {
        emit message(tr("Faults act on simulations: fork the live graph to a simulation first."));
        return;
    }
    if (FaultDialog::typesFor(target).isEmpty()) {
        emit message(tr("No fault applies to %1.").arg(target.label()));
        return;
    }
    if (const auto fault = m_prompt(target, m_window)) inject(*fault);
}

void WhatIfController::applyBreakerVerb(BreakerOverrideVerb verb)
{
    const auto breaker = selectedBreaker();
    if ((!m_runner && !liveControl()) || !breaker) {
        emit message(tr("Select a call with a circuit breaker first."));
        return;
    }
    if (liveControl()) { // the agent's registry hands the breaker back itself on Automatic
        inject(FaultDialog::breakerOverride(breaker->first, breaker->second, verb));
        return;
    }
    // Automatic hands the breaker back: the overrides still active must not take over again.
    if (verb == BreakerOverrideVerb::Automatic)
        for (uint64_t id : m_faults->model()->breakerOverrides(breaker->first, breaker->second))
            m_runner->revertFault(id);
    inject(FaultDialog::breakerOverride(breaker->first, breaker->second, verb));
}

void WhatIfController::revertAll()
{
    if (liveControl()) {
        const int told = m_control->revertAll();
        emit message(told == 1 ? tr("Told 1 live agent or actuator to revert everything.")
                               : tr("Told %1 live agents and actuators to revert everything.").arg(told));
        refresh();
        return;
    }
    if (!m_runner) return;
    m_runner->revertAllFaults();
    emit message(tr("Reverted every fault."));
}

void WhatIfController::recordFaults()
{
    if (!m_runner) return;
    const auto log = m_runner->faultLog();
    const Scenario recorded = withRecordedFaults(m_runner->scenario(), *log);
    const auto added = recorded.faults.size() - m_runner->scenario().faults.size();
    if (added == 0) {
        emit message(tr("No faults injected yet: nothing to record."));
        return;
    }
    emit saveScenarioRequested(recorded);
}

bool WhatIfController::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_graph && event->type() == QEvent::ContextMenu) {
        auto* e = static_cast<QContextMenuEvent*>(event);
        showContextMenu(e->pos(), e->globalPos());
        return true;
    }
    return QObject::eventFilter(watched, event);
}

void WhatIfController::showContextMenu(const QPoint& widgetPos, const QPoint& globalPos)
{
    const auto snapshot = m_graph->snapshot();
    if (!snapshot) return;
    QMenu menu(m_graph);
    const QString node = m_graph->nodeAt(widgetPos);
    const EdgeRef edge = node.isEmpty() ? m_graph->edgeAt(widgetPos) : EdgeRef {};
    if (!node.isEmpty()) {
        m_graph->setSelectedNode(node);
        emit nodeActivated(node);
    } else if (!edge.isNull()) {
        m_graph->setSelectedEdge(edge);
        emit edgeActivated(edge.source, edge.target);
    }
    updateActions();
    const auto target = selectedTarget();
    if (!target) return;
    QAction* inject = menu.addAction(tr("Inject Fault on %1…").arg(target->label()));
    inject->setEnabled(m_inject->isEnabled());
    connect(inject, &QAction::triggered, this, [this, t = *target] { injectFaultOn(t); });
    if (selectedBreaker()) {
        menu.addSection(tr("Circuit breaker"));
        for (QAction* a : { m_forceOpen, m_close, m_disable, m_automatic })
            menu.addAction(a);
    }
    menu.addSeparator();
    menu.addAction(revertAllAction());
    menu.exec(globalPos);
}

} // namespace faultline
