#include "mainwindow.h"

#include "appsettings.h"

#include "figureformat.h"
#include "graphstyle.h"
#include "graphview.h"
#include "inspectorpanel.h"
#include "lessonpanel.h"
#include "listendialog.h"
#include "livecontrol.h"
#include "scenario/scenarioloader.h"
#include "servicelistmodel.h"
#include "servicesdock.h"
#include "whatifcontroller.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QCompleter>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>

#include <cmath>

// The resources live in a static library: nothing references them, so the linker needs a nudge.
static void initFaultlineResources()
{
    Q_INIT_RESOURCE(faultline);
}

namespace faultline {

namespace {
constexpr qint64 kRateWindowMs = 2000; // spans/s is averaged over this much of the recent past
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    initFaultlineResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/faultline.svg")));
    setWindowTitle(tr("Faultline"));

    m_graph = new GraphView(this);
    setCentralWidget(m_graph);

    createActions();
    createExtraActions();
    createWhatIf();
    createControl();
    createMenus();
    createExport();
    createToolBar();
    createDock();
    createStatusBar();
    createPresenter();

    connect(m_graph, &GraphView::nodeSelected, m_inspector, &InspectorPanel::setNode);
    connect(m_graph, &GraphView::edgeSelected, m_inspector, &InspectorPanel::setEdge);
    // The runner publishes history, histogram and breaker transitions of the item the inspector shows.
    connect(m_inspector, &InspectorPanel::detailKeyChanged, this, [this](const DetailKey& key) {
        if (m_runner) m_runner->watch(key);
        if (m_live) m_live->watch(key);
    });
    connect(m_graph, &GraphView::edgeLabelsVisibleChanged, m_edgeLabelsAction, &QAction::setChecked);
    connect(m_graph, &GraphView::nodeSelected, m_servicesDock, &ServicesDock::selectService);
    connect(m_searchBox, &QLineEdit::returnPressed, this, [this] { findService(m_searchBox->text()); });
    // Suggestions as the user types: any service whose id contains the text.
    auto* completer = new QCompleter(m_servicesDock->model(), this);
    completer->setCompletionColumn(ServiceListModel::Id);
    completer->setCompletionRole(Qt::DisplayRole);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_searchBox->setCompleter(completer);
    connect(completer, qOverload<const QString&>(&QCompleter::activated), this, &MainWindow::findService);
    connect(m_servicesDock, &ServicesDock::serviceActivated, this, &MainWindow::selectNodeEverywhere);
    connect(m_graph, &GraphView::idleNodesVisibleChanged, m_idleNodesAction, &QAction::setChecked);
    connect(m_graph, &GraphView::queueConsumersCollapsedChanged, m_collapseAction, &QAction::setChecked);

    if (const QScreen* screen = this->screen())
        resize((screen->availableGeometry().size() * 0.9).boundedTo(QSize(1600, 1000)));
    arrangeDefaultDocks(); // a saved layout, if any, replaces it
    restoreSettings();
    m_graph->setFocus();
    updateControls();
    updateStatus();
}

MainWindow::~MainWindow()
{
    // Join the runners' threads before anything their callbacks could touch goes away.
    m_whatIf->setRunner(nullptr);
    m_runner.reset();
    m_live.reset();
}

const QList<double>& MainWindow::speedSteps()
{
    static const QList<double> steps { 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 100.0 };
    return steps;
}

void MainWindow::createActions()
{
    QStyle* s = style();
    m_openAction = new QAction(s->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open Scenario…"), this);
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setToolTip(withShortcut(tr("Load a scenario file and run it"), m_openAction));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::openScenario);

    m_listenAction = new QAction(tr("&Listen for OTLP…"), this);
    m_listenAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    m_listenAction->setToolTip(withShortcut(
        tr("Receive live OpenTelemetry traces (OTLP/gRPC) and show them instead of a simulation"), m_listenAction));
    connect(m_listenAction, &QAction::triggered, this, &MainWindow::listenForOtlp);

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_edgeLabelsAction = new QAction(tr("Show &Edge Labels"), this);
    m_edgeLabelsAction->setCheckable(true);
    m_edgeLabelsAction->setChecked(m_graph->edgeLabelsVisible());
    m_edgeLabelsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L)); // Ctrl+L listens
    m_edgeLabelsAction->setToolTip(withShortcut(tr("Show each edge's rate, errors and p99"), m_edgeLabelsAction));
    connect(m_edgeLabelsAction, &QAction::toggled, m_graph, &GraphView::setEdgeLabelsVisible);

    m_fitAction = new QAction(tr("&Fit to Window"), this);
    m_fitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    m_fitAction->setToolTip(withShortcut(tr("Show the whole graph"), m_fitAction));
    connect(m_fitAction, &QAction::triggered, m_graph, &GraphView::fitToView);

    m_playPauseAction = new QAction(this);
    m_playPauseAction->setShortcut(QKeySequence(Qt::Key_Space));
    connect(m_playPauseAction, &QAction::triggered, this, &MainWindow::togglePlayPause);

    m_stepAction = new QAction(s->standardIcon(QStyle::SP_MediaSkipForward), tr("&Step"), this);
    m_stepAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right));
    m_stepAction->setToolTip(withShortcut(tr("Advance one simulated second while paused"), m_stepAction));
    connect(m_stepAction, &QAction::triggered, this, &MainWindow::step);

    m_resetAction = new QAction(s->standardIcon(QStyle::SP_BrowserReload), tr("&Reset"), this);
    m_resetAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_resetAction->setToolTip(withShortcut(tr("Start the scenario again from time zero"), m_resetAction));
    connect(m_resetAction, &QAction::triggered, this, &MainWindow::reset);

    m_fasterAction = new QAction(s->standardIcon(QStyle::SP_MediaSeekForward), tr("&Faster"), this);
    // Ctrl+= too: on most layouts "+" needs Shift.
    m_fasterAction->setShortcuts({ QKeySequence(Qt::CTRL | Qt::Key_Plus), QKeySequence(Qt::CTRL | Qt::Key_Equal) });
    m_fasterAction->setToolTip(withShortcut(tr("Run the simulation faster"), m_fasterAction));
    connect(m_fasterAction, &QAction::triggered, this, &MainWindow::faster);

    m_slowerAction = new QAction(s->standardIcon(QStyle::SP_MediaSeekBackward), tr("S&lower"), this);
    m_slowerAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Minus));
    m_slowerAction->setToolTip(withShortcut(tr("Run the simulation slower"), m_slowerAction));
    connect(m_slowerAction, &QAction::triggered, this, &MainWindow::slower);

    m_aboutAction = new QAction(tr("&About Faultline"), this);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::about);
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    file->addMenu(m_recentMenu);
    file->addMenu(m_examplesMenu);
    file->addAction(m_saveAsAction);
    file->addSeparator();
    file->addAction(m_listenAction);
    file->addAction(m_controlAction);
    file->addAction(m_actuatorsAction);
    file->addAction(m_forkAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_edgeLabelsAction);
    view->addAction(m_fitAction);
    view->addAction(m_resetLayoutAction);
    view->addAction(m_idleNodesAction);
    view->addAction(m_collapseAction);
    view->addAction(m_findAction);
    view->addSeparator();
    view->addMenu(m_themeMenu);
    view->setObjectName(QStringLiteral("viewMenu"));

    QMenu* simulation = menuBar()->addMenu(tr("&Simulation"));
    simulation->addAction(m_playPauseAction);
    simulation->addAction(m_stepAction);
    simulation->addAction(m_resetAction);
    simulation->addSeparator();
    simulation->addAction(m_fasterAction);
    simulation->addAction(m_slowerAction);
    simulation->addSeparator();
    m_whatIf->addActionsTo(simulation);

    menuBar()->addMenu(m_lessonsMenu);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_shortcutsAction);
    help->addAction(m_aboutAction);
}

void MainWindow::createToolBar()
{
    QToolBar* bar = addToolBar(tr("Simulation"));
    bar->setObjectName(QStringLiteral("simulationToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_playPauseAction);
    bar->addAction(m_stepAction);
    bar->addAction(m_resetAction);
    bar->addSeparator();

    auto* speedLabel = new QLabel(tr("Speed "), bar);
    bar->addWidget(speedLabel);
    m_speedBox = new QComboBox(bar);
    for (double step : speedSteps())
        m_speedBox->addItem(FigureFormat::speed(step), step);
    m_speedBox->setCurrentIndex(static_cast<int>(speedSteps().indexOf(1.0)));
    m_speedBox->setToolTip(tr("Simulated seconds per wall-clock second (%1 / %2)")
                               .arg(m_fasterAction->shortcut().toString(QKeySequence::NativeText),
                                   m_slowerAction->shortcut().toString(QKeySequence::NativeText)));
    m_speedBox->setFocusPolicy(Qt::ClickFocus);
    speedLabel->setBuddy(m_speedBox);
    connect(m_speedBox, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0) setSpeed(speedSteps().at(i));
    });
    bar->addWidget(m_speedBox);
    bar->addSeparator();

    m_clockLabel = new QLabel(bar);
    m_clockLabel->setObjectName(QStringLiteral("clockLabel"));
    QFont clockFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    clockFont.setPointSizeF(clockFont.pointSizeF() * 1.35);
    m_clockLabel->setFont(clockFont);
    m_clockLabel->setContentsMargins(8, 0, 8, 0);
    m_clockLabel->setToolTip(tr("Simulated time (minutes:seconds)"));
    bar->addWidget(m_clockLabel);

    QToolBar* find = addToolBar(tr("Find"));
    find->setObjectName(QStringLiteral("findToolBar"));
    m_sourceIndicator = new QLabel(find);
    m_sourceIndicator->setObjectName(QStringLiteral("sourceIndicator"));
    m_sourceIndicator->setContentsMargins(8, 0, 8, 0);
    m_sourceIndicator->setToolTip(tr("What the graph shows: a simulated scenario, or live telemetry"));
    find->addWidget(m_sourceIndicator);
    find->addSeparator();
    m_searchBox = new QLineEdit(find);
    m_searchBox->setObjectName(QStringLiteral("searchBox"));
    m_searchBox->setPlaceholderText(
        tr("Find service (%1)").arg(m_findAction->shortcut().toString(QKeySequence::NativeText)));
    m_searchBox->setToolTip(withShortcut(tr("Type a service id and press Enter to select and focus it"), m_findAction));
    m_searchBox->setClearButtonEnabled(true);
    m_searchBox->setMaximumWidth(280);
    find->addWidget(m_searchBox);
}

void MainWindow::createDock()
{
    m_inspector = new InspectorPanel(this);
    m_inspectorDock = new QDockWidget(tr("Inspector"), this);
    m_inspectorDock->setObjectName(QStringLiteral("inspectorDock"));
    m_inspectorDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
    m_inspectorDock->setWidget(m_inspector);
    m_inspector->setMinimumWidth(240);
    addDockWidget(Qt::RightDockWidgetArea, m_inspectorDock);
    m_servicesDock = new ServicesDock(this);
    m_servicesDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea | Qt::BottomDockWidgetArea);
    addDockWidget(Qt::LeftDockWidgetArea, m_servicesDock);
    if (auto* view = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))) {
        view->addSeparator();
        view->addAction(m_inspectorDock->toggleViewAction());
        QAction* services = m_servicesDock->toggleViewAction();
        services->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V));
        services->setToolTip(withShortcut(tr("Show or hide the table of services"), services));
        view->addAction(services);
        view->addAction(m_whatIf->activeFaultsDock()->toggleViewAction());
        view->addAction(m_whatIf->eventLogDock()->toggleViewAction());
        view->addAction(m_tracesDock->toggleViewAction());
        view->addAction(m_agentsDock->toggleViewAction());
        view->addAction(m_whatIf->lessonDock()->toggleViewAction());
    }
}

void MainWindow::createStatusBar()
{
    m_sourceLabel = new QLabel(this);
    m_timeLabel = new QLabel(this);
    m_speedLabel = new QLabel(this);
    m_sequenceLabel = new QLabel(this);
    m_sequenceLabel->setToolTip(tr("Sequence number of the snapshot shown"));
    m_countersLabel = new QLabel(this);
    m_countersLabel->setToolTip(tr("Telemetry the pipeline could not graph"));
    m_rateLabel = new QLabel(this);
    m_rateLabel->setObjectName(QStringLiteral("rateLabel"));
    m_rateLabel->setToolTip(tr("Spans accepted per second, over the last %1 s").arg(kRateWindowMs / 1000));
    m_droppedLabel = new QLabel(this);
    m_droppedLabel->setObjectName(QStringLiteral("droppedLabel"));
    m_malformedLabel = new QLabel(this);
    m_malformedLabel->setObjectName(QStringLiteral("malformedLabel"));
    m_malformedLabel->setToolTip(tr("Requests that could not be decoded, answered INVALID_ARGUMENT"));
    m_sendersLabel = new QLabel(this);
    m_sendersLabel->setObjectName(QStringLiteral("sendersLabel"));
    m_sendersLabel->setToolTip(tr("Distinct hosts that have sent telemetry"));
    m_sourceLabel->setObjectName(QStringLiteral("sourceLabel"));
    for (QLabel* label : { m_sourceLabel, m_timeLabel, m_speedLabel, m_sequenceLabel, m_countersLabel, m_rateLabel,
             m_droppedLabel, m_malformedLabel, m_sendersLabel })
        label->setContentsMargins(6, 0, 6, 0);
    statusBar()->addWidget(m_sourceLabel);
    statusBar()->addPermanentWidget(m_countersLabel);
    for (QLabel* label : { m_rateLabel, m_droppedLabel, m_malformedLabel, m_sendersLabel }) {
        statusBar()->addPermanentWidget(label);
        label->hide();
    }
    statusBar()->addPermanentWidget(m_timeLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
    statusBar()->addPermanentWidget(m_sequenceLabel);
}

void MainWindow::runScenario(Scenario scenario, SimulationRunner::Options options)
{
    m_whatIf->setRunner(nullptr);
    m_runner.reset();
    stopLive();
    m_scenarioName = QString::fromStdString(scenario.name);
    m_runner = std::make_unique<SimulationRunner>(std::move(scenario), options);
    m_runner->setSnapshotCallback([this] {
        // On the simulation thread: post one refresh at a time, never touch widgets here.
        if (!m_refreshPending.exchange(true))
            QMetaObject::invokeMethod(this, &MainWindow::refresh, Qt::QueuedConnection);
    });
    setWindowTitle(tr("Faultline — %1").arg(m_scenarioName));
    m_whatIf->setRunner(m_runner.get());
    raiseLessonOrServices();
    m_graph->setLayoutKey(m_scenarioName);
    setSpeed(m_runner->speed());
    m_graph->fitToView();
    refresh();
}

void MainWindow::raiseLessonOrServices()
{
    // The left column's tab that has something to say: the lesson when there is one, else the services.
    if (m_whatIf->lesson()->lesson())
        m_whatIf->lessonDock()->raise();
    else
        m_servicesDock->raise();
}

bool MainWindow::listen(const QString& address, QString* error)
{
    LiveRunner::Options options;
    options.receiver.address = address.toStdString();
    auto live = std::make_unique<LiveRunner>(options);
    std::string message;
    bool started = live->start(message);
    if (!started && m_live) {
        // Perhaps the address is the one this window already listens on: let go of it and try again.
        stopLive();
        live = std::make_unique<LiveRunner>(options);
        message.clear();
        started = live->start(message);
    }
    if (!started) {
        if (error) *error = QString::fromStdString(message);
        updateControls();
        updateStatus();
        return false;
    }
    m_whatIf->setRunner(nullptr);
    m_runner.reset();
    stopLive();
    m_live = std::move(live);
    m_liveAddress = QString::fromStdString(m_live->receiverStats().listening_on);
    if (m_liveAddress.isEmpty()) m_liveAddress = address;
    m_liveClock.start();
    m_rateSamples.clear();
    m_spansPerSecond = 0.0;
    m_scenarioName.clear();
    m_live->setSnapshotCallback([this] {
        // On the live runner's thread: post one refresh at a time, never touch widgets here.
        if (!m_refreshPending.exchange(true))
            QMetaObject::invokeMethod(this, &MainWindow::refresh, Qt::QueuedConnection);
    });
    setWindowTitle(tr("Faultline — Live (%1)").arg(m_liveAddress));
    raiseLessonOrServices();
    m_graph->setLayoutKey(QStringLiteral("live ") + m_liveAddress);
    m_graph->fitToView();
    refresh();
    return true;
}

void MainWindow::stopLive()
{
    stopControl(); // the agents of the services being watched revert what they hold
    m_live.reset();
    m_liveAddress.clear();
    m_rateSamples.clear();
    m_spansPerSecond = 0.0;
}

void MainWindow::listenForOtlp()
{
    auto s = appSettings();
    const QString last = s.value(QStringLiteral("live/address"), QStringLiteral("127.0.0.1:4317")).toString();
    ListenDialog dialog(isLive() ? m_liveAddress : last, this);
    if (dialog.exec() != QDialog::Accepted) return;
    QString error;
    if (!listen(dialog.address(), &error)) {
        QMessageBox box(QMessageBox::Warning, tr("Cannot Listen"),
            tr("Faultline could not listen for OTLP on %1.").arg(dialog.address()), QMessageBox::Ok, this);
        box.setInformativeText(error + QLatin1Char('\n')
            + tr("Another program (an OpenTelemetry Collector, or another Faultline) may be using the port."));
        box.exec();
        return;
    }
    s.setValue(QStringLiteral("live/address"), dialog.address());
}

bool MainWindow::openScenarioFile(const QString& path)
{
    // A recording names its format first (RecordingFile writes it so): File > Open and the recent files take
    // both kinds of file.
    if (QFile file(path); file.open(QIODevice::ReadOnly) && file.read(4096).contains("\"faultline.recording/1\"")) {
        if (!openRecordingFile(path)) return false;
        addRecentFile(path);
        return true;
    }
    const ScenarioLoadResult result = ScenarioLoader::fromFile(QFile::encodeName(path).toStdString());
    if (!result.ok()) {
        QStringList errors;
        for (const ScenarioError& e : result.errors)
            errors << QString::fromStdString(e.toString());
        QMessageBox box(QMessageBox::Warning, tr("Invalid Scenario"),
            tr("“%1” is not a valid scenario.").arg(QFileInfo(path).fileName()), QMessageBox::Ok, this);
        box.setInformativeText(tr("%n problem(s) found; the first: %1", nullptr, static_cast<int>(errors.size()))
                                   .arg(errors.value(0, tr("unknown")))
            + QLatin1Char('\n') + (m_runner ? tr("The current scenario keeps running.") : QString()));
        box.setDetailedText(errors.join(QLatin1Char('\n')));
        box.exec();
        return false;
    }
    SimulationRunner::Options options;
    options.speed = speed();
    runScenario(*result.scenario, options);
    addRecentFile(path);
    auto s = appSettings();
    s.setValue(QStringLiteral("scenario/lastDirectory"), QFileInfo(path).absolutePath());
    return true;
}

double MainWindow::speed() const
{
    return m_speedBox->currentData().toDouble();
}

void MainWindow::setSpeed(double factor)
{
    const QList<double>& steps = speedSteps();
    qsizetype nearest = 0;
    for (qsizetype i = 1; i < steps.size(); ++i)
        if (std::abs(std::log(steps[i] / factor)) < std::abs(std::log(steps[nearest] / factor))) nearest = i;
    if (m_speedBox->currentIndex() != nearest)
        m_speedBox->setCurrentIndex(static_cast<int>(nearest)); // comes back here through the signal
    if (m_runner && m_runner->speed() != steps[nearest]) m_runner->setSpeed(steps[nearest]);
    updateControls();
    updateStatus();
}

void MainWindow::setPaused(bool paused)
{
    if (!m_runner) return;
    m_runner->setPaused(paused);
    updateControls();
    updateStatus();
}

void MainWindow::togglePlayPause()
{
    if (m_runner) setPaused(!m_runner->paused());
}

void MainWindow::step()
{
    if (m_runner && m_runner->paused()) m_runner->step(1.0);
}

void MainWindow::reset()
{
    if (m_runner) m_runner->reset();
}

void MainWindow::faster()
{
    const int i = m_speedBox->currentIndex();
    if (i + 1 < m_speedBox->count()) m_speedBox->setCurrentIndex(i + 1);
}

void MainWindow::slower()
{
    const int i = m_speedBox->currentIndex();
    if (i > 0) m_speedBox->setCurrentIndex(i - 1);
}

void MainWindow::openScenario()
{
    const QString dir = appSettings().value(QStringLiteral("scenario/lastDirectory")).toString();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Scenario or Recording"), dir, tr("Faultline scenarios and recordings (*.json);;All files (*)"));
    if (!path.isEmpty()) openScenarioFile(path);
}

void MainWindow::about()
{
    const QString version = QCoreApplication::applicationVersion();
    QMessageBox::about(this, tr("About Faultline"),
        tr("<h3>Faultline %1</h3>"
           "<p>See how services call each other, live, and break them on purpose: watch a failure spread "
           "or stop, in simulation or on real OpenTelemetry traffic.</p>")
            .arg(version.toHtmlEscaped()));
}

void MainWindow::refresh()
{
    m_refreshPending.store(false);
    if (!m_runner && !m_live) return;
    auto snapshot = m_live ? m_live->latestSnapshot() : m_runner->latestSnapshot();
    if (snapshot != m_graph->snapshot()) {
        m_graph->setSnapshot(snapshot);
        m_inspector->setSnapshot(snapshot);
        m_servicesDock->setSnapshot(snapshot);
    }
    // The inspector's detail; a runner started since the selection was made is told what to watch here.
    auto detail = m_live ? m_live->latestDetail() : m_runner->latestDetail();
    const DetailKey watched = m_inspector->detailKey();
    if ((detail ? detail->key : DetailKey {}) != watched) {
        if (m_runner) m_runner->watch(watched);
        if (m_live) m_live->watch(watched);
    }
    m_inspector->setDetail(std::move(detail));
    refreshWhatIf();
    updateControls();
    updateStatus();
}

void MainWindow::updateControls()
{
    const bool live = isLive();
    const bool running = m_runner != nullptr;
    const bool paused = running && m_runner->paused();
    // While live the simulation's controls stay where they are, disabled, and say why.
    const QString whyNot = tr("Not available while showing live telemetry: open a scenario to simulate again");
    auto tip
        = [&](QAction* action, const QString& text) { action->setToolTip(live ? whyNot : withShortcut(text, action)); };
    m_playPauseAction->setText(paused ? tr("&Play") : tr("&Pause"));
    m_playPauseAction->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    tip(m_playPauseAction, paused ? tr("Run the simulation") : tr("Pause the simulation"));
    tip(m_stepAction, tr("Advance one simulated second while paused"));
    tip(m_resetAction, tr("Start the scenario again from time zero"));
    tip(m_fasterAction, tr("Run the simulation faster"));
    tip(m_slowerAction, tr("Run the simulation slower"));
    m_playPauseAction->setEnabled(running);
    m_stepAction->setEnabled(paused);
    m_resetAction->setEnabled(running);
    m_fasterAction->setEnabled(!live && m_speedBox->currentIndex() + 1 < m_speedBox->count());
    m_slowerAction->setEnabled(!live && m_speedBox->currentIndex() > 0);
    m_speedBox->setEnabled(!live);
    m_speedBox->setToolTip(live ? whyNot
                                : tr("Simulated seconds per wall-clock second (%1 / %2)")
                                      .arg(m_fasterAction->shortcut().toString(QKeySequence::NativeText),
                                          m_slowerAction->shortcut().toString(QKeySequence::NativeText)));
    m_clockLabel->setToolTip(live ? tr("Time listening (minutes:seconds)") : tr("Simulated time (minutes:seconds)"));
}

void MainWindow::updateStatus()
{
    for (QLabel* label : { m_rateLabel, m_droppedLabel, m_malformedLabel, m_sendersLabel })
        label->setVisible(isLive());
    m_timeLabel->setVisible(!isLive());
    m_speedLabel->setVisible(!isLive());
    if (isLive()) {
        updateLiveStatus();
        return;
    }
    const double seconds = m_runner ? m_runner->simulatedSeconds() : 0.0;
    const auto snapshot = m_graph->snapshot();
    m_clockLabel->setText(FigureFormat::clock(seconds));
    m_sourceLabel->setText(m_runner ? tr("Simulation: %1").arg(m_scenarioName) : tr("No source"));
    m_sourceIndicator->setText(m_sourceLabel->text());
    m_timeLabel->setText(tr("t = %1").arg(FigureFormat::clock(seconds)));
    m_speedLabel->setText(
        m_runner && m_runner->paused() ? tr("Paused") : tr("Speed %1").arg(FigureFormat::speed(speed())));
    m_sequenceLabel->setText(snapshot ? tr("Snapshot #%1").arg(snapshot->sequence) : QString());

    QStringList problems;
    if (snapshot) {
        const PipelineCounters& c = snapshot->counters;
        if (c.spans_dropped > 0) problems << tr("%1 spans dropped").arg(FigureFormat::count(c.spans_dropped));
        if (c.unpaired_expired > 0) problems << tr("%1 unpaired expired").arg(FigureFormat::count(c.unpaired_expired));
        if (c.pairing_evicted > 0) problems << tr("%1 evicted").arg(FigureFormat::count(c.pairing_evicted));
        if (c.cardinality_rejected > 0)
            problems << tr("%1 over the node/edge cap").arg(FigureFormat::count(c.cardinality_rejected));
    }
    m_countersLabel->setText(problems.join(QStringLiteral(" · ")));
    m_countersLabel->setVisible(!problems.isEmpty());
}

void MainWindow::updateLiveStatus()
{
    const ReceiverStats stats = m_live->receiverStats();
    const qint64 now = m_liveClock.elapsed();
    if (m_rateSamples.empty() || now > m_rateSamples.back().ms) m_rateSamples.push_back({ now, stats.spans_received });
    while (m_rateSamples.size() > 2 && m_rateSamples[1].ms <= now - kRateWindowMs)
        m_rateSamples.pop_front();
    const RateSample& first = m_rateSamples.front();
    const RateSample& last = m_rateSamples.back();
    if (last.ms - first.ms >= 250)
        m_spansPerSecond
            = static_cast<double>(last.spans - first.spans) * 1000.0 / static_cast<double>(last.ms - first.ms);

    m_clockLabel->setText(FigureFormat::clock(static_cast<double>(now) / 1000.0));
    m_sourceLabel->setText(tr("Live: listening on %1").arg(m_liveAddress));
    m_sourceIndicator->setText(tr("Live: %1").arg(m_liveAddress));
    m_rateLabel->setText(
        tr("%1 spans/s").arg(FigureFormat::count(static_cast<uint64_t>(std::lround(m_spansPerSecond)))));
    m_droppedLabel->setText(tr("%1 dropped").arg(FigureFormat::count(stats.spans_rejected)));
    m_droppedLabel->setToolTip(
        tr("Spans not graphed: %1 refused while Faultline was overloaded (answered "
           "RESOURCE_EXHAUSTED, which exporters retry with backoff), %2 unusable (no trace "
           "or span id, reported to the sender as partial_success)")
            .arg(FigureFormat::count(stats.spans_refused), FigureFormat::count(stats.spans_unusable)));
    QPalette palette = statusBar()->palette();
    if (stats.spans_rejected > 0)
        palette.setColor(QPalette::WindowText, GraphStyle::healthColor(Health::Failing, palette));
    m_droppedLabel->setPalette(palette);
    m_malformedLabel->setText(tr("%1 malformed").arg(FigureFormat::count(stats.malformed_requests)));
    m_sendersLabel->setText(
        stats.senders_seen == 1 ? tr("1 sender") : tr("%1 senders").arg(FigureFormat::count(stats.senders_seen)));

    const auto snapshot = m_graph->snapshot();
    m_sequenceLabel->setText(snapshot ? tr("Snapshot #%1").arg(snapshot->sequence) : QString());
    QStringList problems;
    if (snapshot) {
        // Spans refused by the receiver are already counted as "dropped" above.
        const PipelineCounters& c = snapshot->counters;
        if (c.unpaired_expired > 0) problems << tr("%1 unpaired expired").arg(FigureFormat::count(c.unpaired_expired));
        if (c.pairing_evicted > 0) problems << tr("%1 evicted").arg(FigureFormat::count(c.pairing_evicted));
        if (c.cardinality_rejected > 0)
            problems << tr("%1 over the node/edge cap").arg(FigureFormat::count(c.cardinality_rejected));
    }
    m_countersLabel->setText(problems.join(QStringLiteral(" · ")));
    m_countersLabel->setVisible(!problems.isEmpty());
}

void MainWindow::restoreSettings()
{
    auto s = appSettings();
    restoreGeometry(s.value(QStringLiteral("mainWindow/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("mainWindow/state")).toByteArray());
    // The saved layout may come from a window that controlled real services; the Agents dock is shown when
    // control is turned on, not in a simulation.
    if (!m_control->active() && !m_agentsDock->isHidden()) {
        m_agentsDock->hide();
        m_whatIf->eventLogDock()->raise();
    }
    m_graph->setEdgeLabelsVisible(s.value(QStringLiteral("view/edgeLabels"), true).toBool());
    m_idleNodesAction->setChecked(s.value(QStringLiteral("view/idleNodes"), true).toBool());
    m_collapseAction->setChecked(s.value(QStringLiteral("view/collapseConsumers"), false).toBool());
    const QString theme = s.value(QStringLiteral("view/theme")).toString();
    setTheme(theme == QLatin1String("dark")   ? Theme::Dark
            : theme == QLatin1String("light") ? Theme::Light
                                              : Theme::System);
}

void MainWindow::saveSettings() const
{
    auto s = appSettings();
    s.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    s.setValue(QStringLiteral("mainWindow/state"), saveState());
    s.setValue(QStringLiteral("view/edgeLabels"), m_graph->edgeLabelsVisible());
    s.setValue(QStringLiteral("view/idleNodes"), m_idleNodesAction->isChecked());
    s.setValue(QStringLiteral("view/collapseConsumers"), m_collapseAction->isChecked());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace faultline
