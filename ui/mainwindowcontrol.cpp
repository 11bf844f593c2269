// Control of real services from the window (docs/control.md): the File menu's "Control Real Services…"
// and the --control flag host the control service; the what-if commands then reach the agents in the
// services being watched. Off by default, and only while listening for live telemetry.

#include "actuatoradapter.h"
#include "actuatordialog.h"
#include "agentsmodel.h"
#include "appsettings.h"
#include "livecontrol.h"
#include "mainwindow.h"
#include "whatifcontroller.h"

#include <QAction>
#include <QDockWidget>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>

namespace faultline {

namespace {
const QString kDefaultControlAddress = QStringLiteral("127.0.0.1:4320");
}

void MainWindow::createControl()
{
    m_control = new LiveControl(this);
    m_whatIf->setLiveControl(m_control);
    m_controlAction = new QAction(tr("&Control Real Services…"), this);
    m_controlAction->setCheckable(true);
    m_controlAction->setToolTip(tr("Let agents in the live services apply the faults and breaker overrides you "
                                   "inject, each for its time to live (live telemetry only)"));
    connect(m_controlAction, &QAction::triggered, this, &MainWindow::controlRealServices);
    m_actuatorsAction = new QAction(tr("Breaker &Actuators…"), this);
    m_actuatorsAction->setToolTip(tr("Services whose breakers are changed through their Resilience4j Spring Boot "
                                     "actuator instead of a Faultline agent"));
    connect(m_actuatorsAction, &QAction::triggered, this, &MainWindow::editActuators);
    ActuatorAdapter* actuators = m_control->actuators();
    connect(actuators, &ActuatorAdapter::failed, this,
        [this](const QString& why) { statusBar()->showMessage(why, 15000); });
    connect(actuators, &ActuatorAdapter::changed, m_whatIf, &WhatIfController::refresh);
    // A previous run killed before it could hand its forced breakers back: hand them back now.
    if (const int left = actuators->revertLeftovers(); left > 0)
        statusBar()->showMessage(
            tr("Closing %n breaker(s) a previous Faultline left forced through their actuators.", nullptr, left),
            10000);
    m_controlLabel = new QLabel(this);
    m_controlLabel->setToolTip(tr("Agents connected to this window's control service"));
    m_controlLabel->hide();
    // The Agents dock: who is connected and which rules each holds, until when.
    m_agentsModel = new AgentsModel(this);
    auto* table = new QTableView(this);
    table->setObjectName(QStringLiteral("agentsTable"));
    table->setModel(m_agentsModel);
    table->setAccessibleName(tr("Agents and their rules"));
    table->setToolTip(tr("Agents in live services connected to this window's control service, and the rules "
                         "each applies (File > Control Real Services)"));
    table->verticalHeader()->hide();
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(AgentsModel::Rule, QHeaderView::Stretch);
    m_agentsDock = new QDockWidget(tr("Agents"), this);
    m_agentsDock->setObjectName(QStringLiteral("agentsDock"));
    m_agentsDock->setWidget(table);
    addDockWidget(Qt::BottomDockWidgetArea, m_agentsDock);
    tabifyDockWidget(m_whatIf->eventLogDock(), m_agentsDock);
    m_whatIf->eventLogDock()->raise();
    m_agentsDock->hide(); // shown when control is turned on

    auto* poll = new QTimer(this); // the server's view is immutable and cheap to read
    connect(poll, &QTimer::timeout, this, &MainWindow::updateControlStatus);
    poll->start(1000);
}

void MainWindow::editActuators()
{
    ActuatorDialog dialog(m_control->actuators()->endpoints(), this);
    if (dialog.exec() != QDialog::Accepted) return;
    ActuatorAdapter::saveEndpoints(dialog.endpoints());
    m_control->actuators()->setEndpoints(dialog.endpoints());
    statusBar()->showMessage(tr("%n service(s) have their breakers changed through an actuator.", nullptr,
                                 static_cast<int>(dialog.endpoints().size())),
        6000);
}

bool MainWindow::hostControl(const QString& address, const QString& token, QString* error)
{
    if (!m_live) {
        if (error) *error = tr("Control of real services needs live telemetry: listen for OTLP first.");
        return false;
    }
    QString why;
    if (!m_control->start(address, token, &why)) {
        if (error) *error = why;
        updateControlStatus();
        return false;
    }
    m_whatIf->setLiveControl(m_control); // re-evaluates which commands are available
    m_agentsDock->show();
    // Raised once the window is laid out: with --control this runs before the window is shown.
    QTimer::singleShot(0, m_agentsDock, [dock = m_agentsDock] { dock->raise(); });
    statusBar()->showMessage(tr("Controlling real services: agents connect to %1").arg(m_control->address()), 8000);
    updateControlStatus();
    return true;
}

void MainWindow::stopControl()
{
    if (!m_control || !m_control->active()) return;
    m_control->stop();
    m_whatIf->setLiveControl(m_control);
    statusBar()->showMessage(tr("Control of real services is off: every agent reverted what it held."), 8000);
    updateControlStatus();
}

void MainWindow::controlRealServices(bool on)
{
    if (!on) {
        stopControl();
        return;
    }
    m_controlAction->setChecked(false); // until it is really on
    if (!m_live) {
        QMessageBox::information(this, tr("Control Real Services"),
            tr("This acts on live services. Listen for their telemetry first (File > Listen for OTLP…)."));
        return;
    }
    QSettings settings = appSettings();
    bool ok = false;
    const QString address = QInputDialog::getText(this, tr("Control Real Services"),
        tr("<p>Agents linked into your services will connect here and <b>apply the faults and breaker "
           "overrides you inject</b> to real calls: delays, aborts, lost calls, error rates, forced "
           "breakers.</p><p>Each one ends at its time to live, on Revert, when you turn this off, or when "
           "Faultline exits or hangs (agents revert within 4 s). Only this machine can connect.</p>"
           "<p>Address for the control service:</p>"),
        QLineEdit::Normal, settings.value(QStringLiteral("control/address"), kDefaultControlAddress).toString(), &ok);
    if (!ok) return;
    QString error;
    if (!hostControl(address.trimmed(), QString(), &error)) {
        QMessageBox::warning(this, tr("Cannot Control Real Services"),
            tr("Could not host the control service on %1: %2").arg(address.toHtmlEscaped(), error.toHtmlEscaped()));
        return;
    }
    settings.setValue(QStringLiteral("control/address"), address.trimmed());
}

void MainWindow::updateControlStatus()
{
    const bool on = m_control && m_control->active();
    m_controlAction->setChecked(on);
    m_controlAction->setEnabled(on || m_live != nullptr);
    m_agentsModel->setView(on ? m_control->view() : nullptr, SteadyControlClock::instance().nowNs());
    if (!on) {
        m_controlLabel->hide();
        return;
    }
    if (m_controlLabel->parent() != statusBar()) statusBar()->addPermanentWidget(m_controlLabel);
    const int agents = m_control->agentCount();
    m_controlLabel->setText(agents == 1 ? tr("Control: 1 agent") : tr("Control: %1 agents").arg(agents));
    m_controlLabel->show();
}

} // namespace faultline
