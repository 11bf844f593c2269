// File > Export (the canvas as PNG or SVG, the snapshot as JSON) and File > Save Recording, and replaying a
// recording. The event log's CSV export stays in its dock.

#include "mainwindow.h"

#include "appsettings.h"
#include "graph/snapshotjson.h"
#include "graphview.h"
#include "scenario/recording.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStatusBar>
#include <QSvgGenerator>

#include <algorithm>

namespace faultline {

namespace {

const QString kLastDirectoryKey = QStringLiteral("export/lastDirectory");

std::shared_ptr<const GraphSnapshot> currentSnapshot(const MainWindow& window)
{
    if (window.runner()) return window.runner()->latestSnapshot();
    if (window.liveRunner()) return window.liveRunner()->latestSnapshot();
    return nullptr;
}

/// "checkout-synchronous-chain-t125.3s": what is shown and when, as a file name.
QString suggestedName(const MainWindow& window)
{
    QString name
        = window.runner() ? QString::fromStdString(window.runner()->scenario().name).toLower() : QStringLiteral("live");
    name.replace(QRegularExpression(QStringLiteral("[^a-z0-9._-]+")), QStringLiteral("-"));
    name.remove(QRegularExpression(QStringLiteral("^-+|-+$")));
    if (name.isEmpty()) name = QStringLiteral("faultline");
    const auto snapshot = currentSnapshot(window);
    const double t = snapshot ? snapshot->time_s : 0.0;
    return name + QStringLiteral("-t%1s").arg(QString::number(t, 'f', 1));
}

/// Asks where to write, starting from the last export's folder and the suggested name; empty if cancelled.
QString askPath(MainWindow* window, const QString& title, const QString& suffix, const QString& filter)
{
    const QString dir = appSettings().value(kLastDirectoryKey).toString();
    const QString start = QDir(dir.isEmpty() ? QDir::homePath() : dir).filePath(suggestedName(*window) + suffix);
    return QFileDialog::getSaveFileName(window, title, start, filter);
}

/// Writes `path` through QSaveFile (a reader never sees half a file); `write` fills the device.
bool writeFile(const QString& path, const std::function<bool(QIODevice&)>& write, QString& error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = file.errorString();
        return false;
    }
    if (!write(file)) {
        error = file.errorString().isEmpty() || file.error() == QFileDevice::NoError ? QObject::tr("writing failed")
                                                                                     : file.errorString();
        file.cancelWriting();
        return false;
    }
    if (!file.commit()) {
        error = file.errorString();
        return false;
    }
    return true;
}

/// writeFile(), then what every export does after it: on failure a dialog that says what could not be
/// written where and why; on success the folder is remembered for the next export.
bool writeReported(QWidget* parent, const QString& path, const std::function<bool(QIODevice&)>& write,
    const QString& title, const QString& what)
{
    QString error;
    if (!writeFile(path, write, error)) {
        QMessageBox::warning(parent, title,
            QObject::tr("%1 could not be written to %2.\n%3").arg(what, QDir::toNativeSeparators(path), error));
        return false;
    }
    appSettings().setValue(kLastDirectoryKey, QFileInfo(path).absolutePath());
    return true;
}

} // namespace

void MainWindow::createExport()
{
    auto* menu = new QMenu(tr("&Export"), this);
    menu->setObjectName(QStringLiteral("exportMenu"));
    QAction* png = menu->addAction(tr("Canvas as &PNG…"));
    png->setObjectName(QStringLiteral("exportPngAction"));
    png->setToolTip(tr("The canvas as you see it, as an image at twice the screen's resolution (or the screen's own, "
                       "if higher)"));
    connect(png, &QAction::triggered, this, [this] {
        const QString path
            = askPath(this, tr("Export Canvas as PNG"), QStringLiteral(".png"), tr("PNG images (*.png)"));
        if (!path.isEmpty()) exportCanvasPng(path);
    });
    QAction* svg = menu->addAction(tr("Canvas as &SVG…"));
    svg->setObjectName(QStringLiteral("exportSvgAction"));
    svg->setToolTip(tr("The canvas as you see it, as a vector drawing for slides and documents"));
    connect(svg, &QAction::triggered, this, [this] {
        const QString path
            = askPath(this, tr("Export Canvas as SVG"), QStringLiteral(".svg"), tr("SVG drawings (*.svg)"));
        if (!path.isEmpty()) exportCanvasSvg(path);
    });
    QAction* json = menu->addAction(tr("Snapshot as &JSON…"));
    json->setObjectName(QStringLiteral("exportSnapshotAction"));
    json->setToolTip(tr("Every figure of the graph now, in the format headless runs write"));
    connect(json, &QAction::triggered, this, [this] {
        const QString path = askPath(
            this, tr("Export Snapshot as JSON"), QStringLiteral(".snapshot.json"), tr("Faultline snapshots (*.json)"));
        if (!path.isEmpty()) exportSnapshotJson(path);
    });

    auto* record = new QAction(tr("Save &Recording…"), this);
    record->setObjectName(QStringLiteral("saveRecordingAction"));
    // Ctrl+Shift+R resets the layout; Ctrl+Alt+R is free.
    record->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_R));
    record->setToolTip(tr("The run so far (scenario, seed, faults injected and reverted) as a file that replays "
                          "exactly: faultline --replay FILE"));
    connect(record, &QAction::triggered, this, [this] {
        if (!runner()) {
            QMessageBox::information(
                this, tr("Nothing to Record"), tr("Recordings are of simulations: live telemetry cannot be replayed."));
            return;
        }
        const QString path = askPath(
            this, tr("Save Recording"), QStringLiteral(".recording.json"), tr("Faultline recordings (*.json)"));
        if (!path.isEmpty()) saveRecording(path);
    });

    // Into the File menu, after Save Scenario As.
    for (QAction* top : menuBar()->actions()) {
        QMenu* file = top->menu();
        if (!file) continue;
        const QList<QAction*> actions = file->actions();
        const auto at = std::find(actions.begin(), actions.end(), m_saveAsAction);
        if (at == actions.end()) continue;
        QAction* before = std::next(at) == actions.end() ? nullptr : *std::next(at);
        file->insertMenu(before, menu);
        file->insertAction(before, record);
        connect(file, &QMenu::aboutToShow, this, [this, record] { record->setEnabled(runner() != nullptr); });
        break;
    }
}

bool MainWindow::exportCanvasPng(const QString& path)
{
    const qreal dpr = std::max<qreal>(2.0, m_graph->devicePixelRatioF());
    QImage image((QSizeF(m_graph->size()) * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    {
        QPainter painter(&image);
        m_graph->paintView(painter);
    }
    const auto write = [&](QIODevice& out) { return !image.isNull() && image.save(&out, "PNG"); };
    if (!writeReported(this, path, write, tr("Cannot Export"), tr("The canvas"))) return false;
    statusBar()->showMessage(tr("Exported the canvas to %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

bool MainWindow::exportCanvasSvg(const QString& path)
{
    const bool written = writeReported(
        this, path,
        [&](QIODevice& out) {
            QSvgGenerator svg;
            svg.setOutputDevice(&out);
            svg.setSize(m_graph->size());
            svg.setViewBox(QRect(QPoint(0, 0), m_graph->size()));
            svg.setTitle(windowTitle());
            svg.setDescription(tr("Faultline canvas, %1").arg(suggestedName(*this)));
            QPainter painter;
            if (!painter.begin(&svg)) return false;
            m_graph->paintView(painter);
            return painter.end();
        },
        tr("Cannot Export"), tr("The canvas"));
    if (!written) return false;
    statusBar()->showMessage(tr("Exported the canvas to %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

bool MainWindow::exportSnapshotJson(const QString& path)
{
    const auto snapshot = currentSnapshot(*this);
    if (!snapshot) {
        QMessageBox::information(this, tr("Nothing to Export"), tr("Open a scenario or listen for telemetry first."));
        return false;
    }
    const QByteArray json = QByteArray::fromStdString(snapshotToJson(*snapshot) + "\n");
    const auto write = [&](QIODevice& out) { return out.write(json) == json.size(); };
    if (!writeReported(this, path, write, tr("Cannot Export"), tr("The snapshot"))) return false;
    statusBar()->showMessage(tr("Exported the snapshot to %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

bool MainWindow::saveRecording(const QString& path)
{
    if (!runner()) return false;
    const auto recording = runner()->recording();
    const QByteArray json = QByteArray::fromStdString(RecordingFile::toJson(*recording));
    const auto write = [&](QIODevice& out) { return out.write(json) == json.size(); };
    if (!writeReported(this, path, write, tr("Cannot Save"), tr("The recording"))) return false;
    statusBar()->showMessage(
        tr("Saved the recording (%n command(s), %1 s) to %2", nullptr, static_cast<int>(recording->commands.size()))
            .arg(QString::number(static_cast<double>(recording->end_ns) / 1e9, 'f', 1), QDir::toNativeSeparators(path)),
        5000);
    return true;
}

bool MainWindow::openRecordingFile(const QString& path)
{
    const RecordingLoadResult result = RecordingFile::fromFile(QFile::encodeName(path).toStdString());
    if (!result.ok()) {
        QStringList errors;
        for (const ScenarioError& e : result.errors)
            errors << QString::fromStdString(e.toString());
        QMessageBox box(QMessageBox::Warning, tr("Invalid Recording"),
            tr("“%1” is not a valid recording.").arg(QFileInfo(path).fileName()), QMessageBox::Ok, this);
        box.setInformativeText(tr("%n problem(s) found; the first: %1", nullptr, static_cast<int>(errors.size()))
                                   .arg(errors.value(0, tr("unknown"))));
        box.setDetailedText(errors.join(QLatin1Char('\n')));
        box.exec();
        return false;
    }
    SimulationRunner::Options options;
    options.speed = speed();
    replayRecording(*result.recording, options);
    return true;
}

void MainWindow::replayRecording(const Recording& recording, SimulationRunner::Options options)
{
    options.replay = recording.commands;
    options.seed = 0;
    Scenario scenario = *recording.scenario;
    scenario.seed = recording.seed; // the recording's seed rules, even 0 (which as an option means "the scenario's")
    runScenario(std::move(scenario), options);
    statusBar()->showMessage(tr("Replaying %n recorded command(s); the recording ends at %1 s", nullptr,
                                 static_cast<int>(recording.commands.size()))
                                 .arg(QString::number(static_cast<double>(recording.end_ns) / 1e9, 'f', 1)),
        10000);
}

} // namespace faultline
