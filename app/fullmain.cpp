// faultline-full: the whole program, window and network modes included. The lean `faultline` on the
// PATH (main.cpp) runs the modes that need neither Qt nor gRPC itself and hands the rest to this one; run
// directly, it does everything, so its command line is the same.

#include "commandline.h"
#include "headless.h"
#include "headlessnet.h"

#include "livecontrol.h"
#include "mainwindow.h"
#include "presentermode.h"
#include "quitonsignal.h"

#include <QApplication>
#include <QIcon>
#include <QMessageBox>

#include <iostream>

using namespace faultline;

namespace {

/// The simulation's pace as the command line asks (--speed, --paused).
SimulationRunner::Options runOptions(const CommandLine& cl)
{
    SimulationRunner::Options options;
    options.speed = cl.speed.value_or(1.0);
    options.start_paused = cl.start_paused;
    return options;
}

/// Shows the window (in presenter mode with --presenter) and runs the event loop until it closes.
int showAndRun(QApplication& app, MainWindow& window, const CommandLine& cl)
{
    window.show();
    if (cl.presenter) window.presenter()->setActive(true);
    return app.exec();
}

int runGui(int argc, char** argv, const CommandLine& cl)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Faultline"));
    QApplication::setApplicationName(QStringLiteral("Faultline"));
    QApplication::setApplicationDisplayName(QStringLiteral("Faultline"));
    QApplication::setApplicationVersion(QStringLiteral(FAULTLINE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.faultline.Faultline"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/faultline.svg")));
    quitOnTerminationSignals(); // so that live control reverts what it holds before the process goes

    if (!cl.listen.empty()) {
        MainWindow window;
        QString error;
        if (!window.listen(QString::fromStdString(cl.listen), &error)) {
            std::cerr << "faultline: " << error.toStdString() << '\n';
            QMessageBox::critical(nullptr, QObject::tr("Faultline"),
                QObject::tr("Could not listen for OTLP on %1: %2").arg(QString::fromStdString(cl.listen), error));
            return 4;
        }
        if (!cl.control.empty()) {
            QString token = QString::fromStdString(cl.control_token);
            if (token.isEmpty()) token = qEnvironmentVariable("FAULTLINE_CONTROL_TOKEN");
            if (!window.hostControl(QString::fromStdString(cl.control), token, &error)) {
                std::cerr << "faultline: could not host the control service: " << error.toStdString() << '\n';
                QMessageBox::critical(nullptr, QObject::tr("Faultline"),
                    QObject::tr("Could not host the control service on %1: %2")
                        .arg(QString::fromStdString(cl.control), error));
                return 4;
            }
        }
        // For whoever started it from a terminal or a script: the ports as bound (":0" picks one).
        std::cerr << "faultline: receiving OTLP on " << window.liveAddress().toStdString() << '\n';
        if (window.liveControl()->active())
            std::cerr << "faultline: control service on " << window.liveControl()->address().toStdString() << '\n';
        return showAndRun(app, window, cl);
    }

    int code = 0;
    if (!cl.replay.empty()) {
        auto recording = loadRecordingForCommandLine(cl.replay, code);
        if (!recording) {
            QMessageBox::critical(nullptr, QObject::tr("Faultline"),
                QObject::tr("Could not open the recording %1. The details were printed on standard error.")
                    .arg(QString::fromStdString(cl.replay)));
            return code;
        }
        MainWindow window;
        window.replayRecording(*recording, runOptions(cl));
        return showAndRun(app, window, cl);
    }
    auto scenario = loadScenarioForCommandLine(cl.scenario, code);
    if (!scenario) {
        QMessageBox::critical(nullptr, QObject::tr("Faultline"),
            QObject::tr("Could not open the scenario %1. The details were printed on standard error.")
                .arg(QString::fromStdString(cl.scenario)));
        return code;
    }
    MainWindow window;
    SimulationRunner::Options options = runOptions(cl);
    if (cl.seed) options.seed = *cl.seed;
    window.runScenario(std::move(*scenario), options);
    return showAndRun(app, window, cl);
}

} // namespace

int main(int argc, char** argv)
{
    CommandLine cl;
    if (const std::optional<int> done = parseAndRunSimpleModes(argc, argv, cl)) return *done;
    if (cl.mode == CommandLine::Mode::Headless) {
        if (!cl.listen.empty() || !cl.export_otlp.empty()) return runHeadlessNetwork(cl);
        return runHeadless(cl);
    }
    return runGui(argc, argv, cl);
}
