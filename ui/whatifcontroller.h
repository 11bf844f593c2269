#pragma once

#include "faultdialog.h"
#include "graphview.h"
#include "run/simulationrunner.h"

#include <QObject>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QMainWindow;
class QMenu;

namespace faultline {

class ActiveFaultsPanel;
class EventLogPanel;
class LessonPanel;
class LiveControl;

/// The "break it and watch" half of the main window: the fault and breaker commands, the Active faults and
/// Event log docks, and the canvas's context menu. The main window owns it, tells it which runner is
/// current and calls refresh() after every snapshot it renders. Commands go to the runner's queue; nothing
/// here waits for the simulation.
class WhatIfController : public QObject {
    Q_OBJECT
public:
    WhatIfController(QMainWindow* window, GraphView* graph);

    /// The simulation the commands act on; null while there is none (live mode: faults on real services
    /// need the control plane, so the commands are disabled and say so).
    void setRunner(SimulationRunner* runner);
    SimulationRunner* runner() const { return m_runner; }
    /// Where the commands go when there is no simulation: the live services' agents, while the user has
    /// control of real services on (livecontrol.h). Null or inactive: the commands are disabled live.
    void setLiveControl(LiveControl* control);
    /// Reads the runner's latest snapshot, fault log and breaker transitions into the docks.
    void refresh();

    /// Adds the commands to a menu (the main window's Simulation menu).
    void addActionsTo(QMenu* menu) const;

    QAction* injectFaultAction() const { return m_inject; }
    QAction* revertAllAction() const;
    QAction* recordFaultsAction() const { return m_record; }
    /// Force open, Close, Disable, Automatic: on the selected call's breaker.
    QAction* breakerAction(BreakerOverrideVerb verb) const;
    QDockWidget* activeFaultsDock() const { return m_faultsDock; }
    QDockWidget* eventLogDock() const { return m_eventsDock; }
    QDockWidget* lessonDock() const { return m_lessonDock; }
    LessonPanel* lesson() const { return m_lesson; }
    ActiveFaultsPanel* activeFaults() const { return m_faults; }
    EventLogPanel* eventLog() const { return m_events; }

    /// How the fault dialog is asked; tests may stand in for the user here. Defaults to FaultDialog::ask.
    using FaultPrompt = std::function<std::optional<Fault>(const FaultDialog::Target&, QWidget*)>;
    void setFaultPrompt(FaultPrompt prompt) { m_prompt = std::move(prompt); }

    /// The target the commands act on: the selected edge, else the selected node; nothing without selection.
    std::optional<FaultDialog::Target> selectedTarget() const;
    /// The breaker of the selected edge, as (calling service, breaker name); nothing when it has none.
    std::optional<std::pair<QString, QString>> selectedBreaker() const;

public slots:
    /// Asks for a fault on the selection and injects it.
    void injectFault();
    /// Asks for a fault on this node or edge (from the canvas context menu) and injects it.
    void injectFaultOn(const FaultDialog::Target& target);
    void applyBreakerVerb(BreakerOverrideVerb verb);
    void revertAll();
    /// Offers to save the scenario with the faults injected so far added to its `faults`.
    void recordFaults();

signals:
    /// The user picked an event about this node or edge in the log.
    void nodeActivated(const QString& id);
    void edgeActivated(const QString& source, const QString& target);
    /// A message for the status bar.
    void message(const QString& text);
    /// The user asked to save this scenario (the current one with its recorded faults).
    void saveScenarioRequested(const faultline::Scenario& scenario);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void createActions();
    void createDocks();
    void updateActions();
    void showContextMenu(const QPoint& widgetPos, const QPoint& globalPos);
    void inject(const Fault& fault);
    /// The Active Faults dock and the canvas's fault markers, from a fault log valid at now_s.
    void showFaults(const std::shared_ptr<const std::vector<FaultRecord>>& log, double now_s);
    void playLessonFault(const ScheduledFault& fault);

    QMainWindow* m_window;
    GraphView* m_graph;
    SimulationRunner* m_runner = nullptr;
    LiveControl* m_control = nullptr;
    bool liveControl() const; ///< no simulation, and control of real services is on
    FaultPrompt m_prompt;

    ActiveFaultsPanel* m_faults = nullptr;
    EventLogPanel* m_events = nullptr;
    QDockWidget* m_faultsDock = nullptr;
    QDockWidget* m_eventsDock = nullptr;
    LessonPanel* m_lesson = nullptr;
    QDockWidget* m_lessonDock = nullptr;
    /// Lesson faults waiting for their at_s: (simulated time to inject at, fault).
    std::vector<std::pair<double, Fault>> m_pending;
    QAction* m_inject = nullptr;
    QAction* m_record = nullptr;
    QAction* m_forceOpen = nullptr;
    QAction* m_close = nullptr;
    QAction* m_disable = nullptr;
    QAction* m_automatic = nullptr;
};

} // namespace faultline
