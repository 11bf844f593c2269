#pragma once

#include "run/liverunner.h"
#include "run/simulationrunner.h"
#include "scenario/scenario.h"

#include <QElapsedTimer>
#include <QMainWindow>

#include <atomic>
#include <deque>
#include <memory>

class QAction;
class QActionGroup;
class QLineEdit;
class QMenu;
class QComboBox;
class QDockWidget;
class QLabel;

namespace faultline {

class AgentsModel;
class GraphView;
class InspectorPanel;
class LiveControl;
class PresenterMode;
class ServicesDock;
class TracesPanel;
class WhatIfController;

/// The main window: the live graph in the middle, an inspector dock on the right, the simulation's
/// controls in a toolbar and menus. It owns a SimulationRunner or a LiveRunner (never both) and renders
/// its latest snapshot; the runner's thread only posts a (coalesced) refresh to the UI thread, so the UI
/// never waits on the core.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Stops any running simulation or live listener (joining its thread), then runs this scenario.
    void runScenario(Scenario scenario, SimulationRunner::Options options = {});
    /// Receives live OTLP/gRPC telemetry on `address` (host:port) and shows it instead of the simulation.
    /// False with `error` set when the address cannot be bound; a running simulation then keeps running.
    bool listen(const QString& address, QString* error);
    /// Loads a scenario file and runs it; on failure shows every error and keeps the current one running.
    bool openScenarioFile(const QString& path);
    /// Hosts the control service for agents in live services on `address` (loopback unless a token of 16+
    /// characters is given) and sends them the what-if commands (mainwindowcontrol.cpp). Only while
    /// listening; false with `error` otherwise. stopControl() reverts everything the agents hold.
    bool hostControl(const QString& address, const QString& token, QString* error = nullptr);
    void stopControl();
    LiveControl* liveControl() const { return m_control; }
    QAction* controlAction() const { return m_controlAction; }
    QAction* actuatorsAction() const { return m_actuatorsAction; }
    QDockWidget* agentsDock() const { return m_agentsDock; }
    AgentsModel* agentsModel() const { return m_agentsModel; }

    GraphView* graphView() const { return m_graph; }
    InspectorPanel* inspector() const { return m_inspector; }
    SimulationRunner* runner() const { return m_runner.get(); }
    LiveRunner* liveRunner() const { return m_live.get(); }
    bool isLive() const { return m_live != nullptr; }
    /// Where the OTLP receiver listens, port resolved; empty unless live.
    QString liveAddress() const { return m_liveAddress; }
    /// The speed factor selected in the toolbar.
    double speed() const;
    static const QList<double>& speedSteps();

    QAction* openAction() const { return m_openAction; }
    QAction* listenAction() const { return m_listenAction; }
    QAction* quitAction() const { return m_quitAction; }
    QAction* edgeLabelsAction() const { return m_edgeLabelsAction; }
    QAction* fitAction() const { return m_fitAction; }
    QAction* playPauseAction() const { return m_playPauseAction; }
    QAction* stepAction() const { return m_stepAction; }
    QAction* resetAction() const { return m_resetAction; }
    QAction* fasterAction() const { return m_fasterAction; }
    QAction* slowerAction() const { return m_slowerAction; }
    QAction* aboutAction() const { return m_aboutAction; }
    QAction* saveAsAction() const { return m_saveAsAction; }
    QAction* findAction() const { return m_findAction; }
    QAction* resetLayoutAction() const { return m_resetLayoutAction; }
    QAction* idleNodesAction() const { return m_idleNodesAction; }
    QAction* collapseConsumersAction() const { return m_collapseAction; }
    QAction* shortcutsAction() const { return m_shortcutsAction; }
    QAction* clearRecentAction() const { return m_clearRecentAction; }
    QMenu* recentMenu() const { return m_recentMenu; }
    QMenu* examplesMenu() const { return m_examplesMenu; }
    /// Lessons: every built-in scenario that has a lesson, by its idea, in teaching order (kLessonOrder).
    QMenu* lessonsMenu() const { return m_lessonsMenu; }
    QLineEdit* searchBox() const { return m_searchBox; }
    ServicesDock* servicesDock() const { return m_servicesDock; }
    QLabel* sourceIndicator() const { return m_sourceIndicator; }
    /// Faults, breaker verbs, the Active faults, Event log and Lesson docks.
    WhatIfController* whatIf() const { return m_whatIf; }
    TracesPanel* tracesPanel() const { return m_traces; }
    /// View > Presenter Mode (F5), its keys and full screen (F11); mainwindowpresenter.cpp.
    PresenterMode* presenter() const { return m_presenter; }
    /// File > Fork to Simulation: enabled while live.
    QAction* forkAction() const { return m_forkAction; }

    enum class Theme { System, Light, Dark };
    Theme theme() const { return m_theme; }
    /// The action that selects a theme (View > Theme).
    QAction* themeAction(Theme theme) const;
    /// Recently opened scenario files, most recent first (at most kMaxRecentFiles).
    QStringList recentFiles() const;
    static constexpr int kMaxRecentFiles = 8;
    /// Every action with a shortcut, as (menu path, text, shortcut) rows, in menu order.
    QList<QStringList> shortcutRows() const;

public slots:
    /// Snaps to the nearest of speedSteps().
    void setSpeed(double factor);
    void setPaused(bool paused);
    void togglePlayPause();
    void step();
    void reset();
    void faster();
    void slower();
    void openScenario();
    /// Asks for an address and listens on it; a bind failure is shown in a message box.
    void listenForOtlp();
    void about();
    /// Selects and focuses the service whose id matches `text` (exactly, else the only one containing it,
    /// ignoring case); otherwise says so in the status bar. False when nothing matched.
    bool findService(const QString& text);
    /// Writes the running scenario as JSON; shows an error and returns false when it cannot.
    bool saveScenarioAs(const QString& path);
    void saveScenarioAsDialog();
    /// Opens a file from File > Open Recent; a file that is gone is reported and dropped from the list.
    bool openRecentFile(const QString& path);
    void clearRecentFiles();
    bool openExample(const QString& id);
    /// Opens a built-in scenario and brings its lesson forward in the Lesson dock, on the first step.
    bool openLesson(const QString& id);
    void setTheme(faultline::MainWindow::Theme theme);
    void showShortcuts();
    /// Turns the live graph into a scenario (LiveRunner::requestFork) and runs it once it is ready.
    void forkToSimulation();
    /// Asks where, then saves `scenario` (the running one with the faults recorded so far).
    bool saveRecordedScenario(const faultline::Scenario& scenario);
    /// File > Export and File > Save Recording (mainwindowexport.cpp): each writes `path`, says so in the
    /// status bar, or shows why it could not and returns false.
    bool exportCanvasPng(const QString& path);
    bool exportCanvasSvg(const QString& path);
    bool exportSnapshotJson(const QString& path);
    bool saveRecording(const QString& path);
    /// Replays a recording file; on failure shows every error and keeps the current run.
    bool openRecordingFile(const QString& path);
    /// Runs the recording's scenario with its seed and commands (--replay FILE), with these options' pace.
    void replayRecording(const Recording& recording, SimulationRunner::Options options);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createWhatIf(); ///< mainwindowwhatif.cpp: the what-if controller, traces dock, fork action
    void createControl(); ///< mainwindowcontrol.cpp: control of real services (action, status)
    void createPresenter(); ///< mainwindowpresenter.cpp: presenter mode
    void createExport(); ///< mainwindowexport.cpp: File > Export, File > Save Recording (after createMenus)
    void controlRealServices(bool on); ///< the action: asks, states what it does, then hosts or stops
    void updateControlStatus();
    void editActuators(); ///< File > Breaker Actuators…
    void refreshWhatIf(); ///< with every refresh: docks, traces, a fork that became ready
    /// The first-start arrangement: the canvas gets most of the room, docks share it in tabs. Also hands
    /// the inspector the breaker commands.
    void arrangeDefaultDocks();
    void selectEdgeEverywhere(const QString& source, const QString& target);
    void createMenus();
    void createToolBar();
    void createDock();
    void createStatusBar();
    void restoreSettings();
    void saveSettings() const;
    void refresh();
    void updateControls();
    void raiseLessonOrServices();
    void updateStatus();
    void updateLiveStatus();
    void stopLive();
    void createExtraActions(); // mainwindowmenus.cpp
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void fillLessonsMenu(); ///< mainwindowmenus.cpp
    void selectNodeEverywhere(const QString& id);

    std::unique_ptr<SimulationRunner> m_runner;
    std::unique_ptr<LiveRunner> m_live;
    QString m_liveAddress; ///< as bound, port resolved
    QElapsedTimer m_liveClock;
    struct RateSample {
        qint64 ms;
        uint64_t spans;
    };
    std::deque<RateSample> m_rateSamples; ///< the last seconds of receiverStats(), for spans/s
    double m_spansPerSecond = 0.0;
    std::atomic<bool> m_refreshPending { false };
    QString m_scenarioName;

    GraphView* m_graph = nullptr;
    InspectorPanel* m_inspector = nullptr;
    QDockWidget* m_inspectorDock = nullptr;
    QComboBox* m_speedBox = nullptr;
    QLabel* m_clockLabel = nullptr;
    QLabel* m_sourceLabel = nullptr;
    QLabel* m_timeLabel = nullptr;
    QLabel* m_speedLabel = nullptr;
    QLabel* m_sequenceLabel = nullptr;
    QLabel* m_countersLabel = nullptr;
    QLabel* m_rateLabel = nullptr;
    QLabel* m_droppedLabel = nullptr;
    QLabel* m_malformedLabel = nullptr;
    QLabel* m_sendersLabel = nullptr;

    QAction* m_openAction = nullptr;
    QAction* m_listenAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_edgeLabelsAction = nullptr;
    QAction* m_fitAction = nullptr;
    QAction* m_playPauseAction = nullptr;
    QAction* m_stepAction = nullptr;
    QAction* m_resetAction = nullptr;
    QAction* m_fasterAction = nullptr;
    QAction* m_slowerAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QAction* m_saveAsAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_resetLayoutAction = nullptr;
    QAction* m_idleNodesAction = nullptr;
    QAction* m_collapseAction = nullptr;
    QAction* m_shortcutsAction = nullptr;
    QAction* m_clearRecentAction = nullptr;
    QActionGroup* m_themeGroup = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_examplesMenu = nullptr;
    QMenu* m_lessonsMenu = nullptr;
    QMenu* m_themeMenu = nullptr;
    QLineEdit* m_searchBox = nullptr;
    QLabel* m_sourceIndicator = nullptr;
    ServicesDock* m_servicesDock = nullptr;
    WhatIfController* m_whatIf = nullptr;
    TracesPanel* m_traces = nullptr;
    QDockWidget* m_tracesDock = nullptr;
    QAction* m_forkAction = nullptr;
    LiveControl* m_control = nullptr;
    QAction* m_controlAction = nullptr;
    QAction* m_actuatorsAction = nullptr;
    QLabel* m_controlLabel = nullptr;
    AgentsModel* m_agentsModel = nullptr;
    QDockWidget* m_agentsDock = nullptr;
    bool m_forkPending = false;
    std::shared_ptr<const TraceList> m_shownTraces; ///< the list the traces dock shows
    std::shared_ptr<const WaterfallResult> m_shownWaterfall;
    Theme m_theme = Theme::System;
    PresenterMode* m_presenter = nullptr;
};

} // namespace faultline
