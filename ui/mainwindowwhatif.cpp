// The main window's what-if half: the controller for faults and breakers (with its docks), the traces
// dock fed from the runners, and "Fork to simulation" for a live graph.

#include "mainwindow.h"

#include "appsettings.h"
#include "graphview.h"
#include "inspectorpanel.h"
#include "scenario/scenariowriter.h"
#include "servicesdock.h"
#include "tracespanel.h"
#include "whatifcontroller.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>

#include <algorithm>

namespace faultline {

namespace {
QString subjectOf(const DetailKey& key)
{
    if (key.empty()) return {};
    return key.isEdge()
        ? QStringLiteral("%1 → %2").arg(QString::fromStdString(key.source), QString::fromStdString(key.target))
        : QString::fromStdString(key.node);
}
} // namespace

void MainWindow::createWhatIf()
{
    m_whatIf = new WhatIfController(this, m_graph);
    connect(m_whatIf, &WhatIfController::message, this,
        [this](const QString& text) { statusBar()->showMessage(text, 6000); });
    connect(m_whatIf, &WhatIfController::nodeActivated, this, &MainWindow::selectNodeEverywhere);
    connect(m_whatIf, &WhatIfController::edgeActivated, this, &MainWindow::selectEdgeEverywhere);
    connect(m_whatIf, &WhatIfController::saveScenarioRequested, this, &MainWindow::saveRecordedScenario);

    m_traces = new TracesPanel(this);
    m_tracesDock = new QDockWidget(tr("Traces"), this);
    m_tracesDock->setObjectName(QStringLiteral("tracesDock"));
    m_tracesDock->setWidget(m_traces);
    addDockWidget(Qt::BottomDockWidgetArea, m_tracesDock);
    tabifyDockWidget(m_whatIf->eventLogDock(), m_tracesDock);
    m_whatIf->eventLogDock()->raise();
    connect(m_traces, &TracesPanel::traceChosen, this, [this](const TraceId& id) {
        if (m_runner) m_runner->requestWaterfall(id);
        if (m_live) m_live->requestWaterfall(id);
    });

    m_forkAction = new QAction(tr("&Fork to Simulation"), this);
    m_forkAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    m_forkAction->setStatusTip(tr("Turn the live graph into a scenario and simulate it, to break it without "
                                  "touching the real services"));
    connect(m_forkAction, &QAction::triggered, this, &MainWindow::forkToSimulation);
}

void MainWindow::arrangeDefaultDocks()
{
    // The inspector shows the breaker verbs under a call's breaker, as buttons on the same actions.
    m_inspector->setBreakerActions({ m_whatIf->breakerAction(BreakerOverrideVerb::ForceOpen),
        m_whatIf->breakerAction(BreakerOverrideVerb::Close), m_whatIf->breakerAction(BreakerOverrideVerb::Disable),
        m_whatIf->breakerAction(BreakerOverrideVerb::Automatic) });

    // Left: the lesson over the services table; right: the inspector, with Active faults in a tab; bottom:
    // the event log and the traces in tabs, short. The graph keeps the middle and most of the room.
    tabifyDockWidget(m_whatIf->lessonDock(), m_servicesDock);
    m_whatIf->lessonDock()->raise();
    tabifyDockWidget(m_inspectorDock, m_whatIf->activeFaultsDock());
    m_inspectorDock->raise();
    // Sizes take once the window is laid out, and only on a first start: a saved state wins.
    if (appSettings().contains(QStringLiteral("mainWindow/state"))) return;
    QTimer::singleShot(100, this, [this] {
        resizeDocks({ m_whatIf->eventLogDock() }, { std::max(150, height() / 5) }, Qt::Vertical);
        resizeDocks({ m_whatIf->lessonDock(), m_inspectorDock }, { 280, 300 }, Qt::Horizontal);
    });
}

void MainWindow::selectEdgeEverywhere(const QString& source, const QString& target)
{
    m_graph->setSelectedEdge({ source, target });
    emit m_graph->edgeSelected({ source, target });
}

void MainWindow::forkToSimulation()
{
    if (!m_live) {
        statusBar()->showMessage(tr("Fork to Simulation works on live telemetry: listen for OTLP first."), 6000);
        return;
    }
    ForkOptions options;
    options.name = tr("Fork of live %1").arg(m_liveAddress).toStdString();
    m_forkPending = true;
    m_live->requestFork(options);
    statusBar()->showMessage(tr("Forking the live graph…"));
}

void MainWindow::refreshWhatIf()
{
    m_forkAction->setEnabled(m_live != nullptr);
    m_forkAction->setToolTip(m_live ? tr("Simulate the live graph as observed (Ctrl+Shift+F)")
                                    : tr("Available while showing live telemetry"));
    m_whatIf->refresh();

    // Traces of the inspected item, and the waterfall the user asked for.
    const DetailKey key = m_inspector->detailKey();
    const QString subject = subjectOf(key);
    if (subject != m_traces->subject()) {
        m_traces->setSubject(subject);
        m_shownTraces.reset();
    }
    auto traces = m_live ? m_live->latestTraces() : m_runner ? m_runner->latestTraces() : nullptr;
    if (traces && traces != m_shownTraces && traces->key == key) {
        m_shownTraces = traces;
        m_traces->setTraces(traces->traces, traces->stats);
    }
    auto waterfall = m_live ? m_live->latestWaterfall() : m_runner ? m_runner->latestWaterfall() : nullptr;
    if (waterfall && waterfall != m_shownWaterfall && m_traces->chosenTrace() == waterfall->id) {
        m_shownWaterfall = waterfall;
        m_traces->setWaterfall(waterfall->waterfall);
    }

    if (m_forkPending && m_live) {
        if (auto fork = m_live->latestFork()) {
            m_forkPending = false;
            const QStringList notes = [&] {
                QStringList out;
                for (const std::string& n : fork->notes)
                    out << QString::fromStdString(n);
                return out;
            }();
            SimulationRunner::Options options;
            options.speed = 1.0;
            runScenario(fork->scenario, options);
            auto* box = new QMessageBox(QMessageBox::Information, tr("Forked to Simulation"),
                tr("The live graph now runs as a simulation: %n service(s), as observed. Break it as you like; "
                   "the real services are untouched. Save it with File > Save Scenario As.",
                    nullptr, static_cast<int>(fork->scenario.services.size())),
                QMessageBox::Ok, this);
            box->setInformativeText(tr("Some things cannot be observed and were guessed; see the details."));
            box->setDetailedText(notes.join(QLatin1Char('\n')));
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open(); // not modal for the event loop: the simulation keeps drawing behind it
        }
    }
}

bool MainWindow::saveRecordedScenario(const Scenario& scenario)
{
    QString suggested = QString::fromStdString(scenario.name).toLower();
    suggested.replace(QRegularExpression(QStringLiteral("[^a-z0-9._-]+")), QStringLiteral("-"));
    if (suggested.isEmpty()) suggested = QStringLiteral("scenario");
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Scenario with Recorded Faults"),
        QDir::home().filePath(suggested + QStringLiteral("-recorded.json")), tr("Faultline scenarios (*.json)"));
    if (path.isEmpty()) return false;
    std::string error;
    if (!ScenarioWriter::toFile(scenario, QFile::encodeName(path).toStdString(), &error)) {
        QMessageBox::warning(this, tr("Cannot Save"),
            tr("The scenario could not be saved.\n%1").arg(QString::fromLocal8Bit(error.c_str())));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1 with %n scripted fault(s)", nullptr, static_cast<int>(scenario.faults.size()))
                                 .arg(QDir::toNativeSeparators(path)),
        6000);
    return true;
}

} // namespace faultline
