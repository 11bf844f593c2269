// File > Export and File > Save Recording, driven through their menu actions with the file dialog answered
// as a user would: the PNG is the canvas, the SVG a vector drawing naming the services, the JSON the
// headless snapshot format, and a saved recording replays to the same snapshot.
#include "graph/graphaggregator.h"
#include "graph/snapshotjson.h"
#include "graphview.h"
#include "mainwindow.h"
#include "run/recordingplayer.h"
#include "scenario/builtinscenarios.h"
#include "scenario/recording.h"
#include "scenario/scenarioloader.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QFileDialog>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSet>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QXmlStreamReader>

#include <regex>

using namespace faultline;

namespace {

Scenario checkoutScenario()
{
    auto result = ScenarioLoader::fromString(builtinScenario("checkout"));
    if (!result.ok()) qFatal("the built-in checkout scenario does not load");
    return *result.scenario;
}

/// Snapshot JSON without `sequence`, which counts the snapshots built (twenty a second in the window).
std::string comparable(const std::string& json)
{
    static const std::regex sequence("\n  \"sequence\": [0-9]+,");
    return std::regex_replace(json, sequence, "");
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

Fault delayOn(const std::string& target)
{
    Fault f;
    f.type = FaultType::Delay;
    f.target = target;
    f.delay_ms = 1500;
    f.duration_s = 30;
    return f;
}

} // namespace

class tst_Export : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;
    QString m_suggested; ///< the file name the last dialog proposed

    /// A window on checkout, paused at 6.5 s with a delay injected at 2.25 s: a steady picture to export.
    void startCheckout()
    {
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1280, 800);
        SimulationRunner::Options options;
        options.start_paused = true;
        m_window->runScenario(checkoutScenario(), options);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        SimulationRunner* runner = m_window->runner();
        runner->step(2.25);
        QTRY_VERIFY_WITH_TIMEOUT(runner->idle() && runner->simulatedSeconds() == 2.25, 20000);
        runner->injectFault(delayOn("payments"));
        runner->step(4.25);
        QTRY_VERIFY_WITH_TIMEOUT(runner->idle() && runner->simulatedSeconds() == 6.5, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->graphView()->snapshot() == runner->latestSnapshot(), 20000);
        m_window->graphView()->fitToView();
    }

    QAction* action(const char* name) const
    {
        auto* found = m_window->findChild<QAction*>(QString::fromLatin1(name));
        if (!found) qFatal("no action %s", name);
        return found;
    }

    /// Triggers `a`, answers its save dialog with `path`, and remembers the name the dialog proposed.
    void triggerSavingTo(QAction* a, const QString& path)
    {
        m_suggested.clear();
        QTimer::singleShot(0, this, [&] {
            QTRY_VERIFY(qobject_cast<QFileDialog*>(QApplication::activeModalWidget()));
            auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
            m_suggested = QFileInfo(dialog->selectedFiles().value(0)).fileName();
            dialog->selectFile(path);
            QMetaObject::invokeMethod(dialog, "accept", Qt::QueuedConnection);
        });
        a->trigger();
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // keep the user's settings out of it
        QVERIFY(m_dir.isValid());
    }

    void cleanup() { m_window.reset(); }

    void theExportsSitInTheFileMenuAfterSaveAs()
    {
        startCheckout();
        QMenu* file = m_window->menuBar()->actions().value(0)->menu();
        QVERIFY(file);
        const QList<QAction*> actions = file->actions();
        const qsizetype saveAs = actions.indexOf(m_window->saveAsAction());
        QVERIFY(saveAs >= 0);
        QMenu* exportMenu = actions.value(saveAs + 1)->menu();
        QVERIFY(exportMenu);
        QCOMPARE(exportMenu->objectName(), QStringLiteral("exportMenu"));
        QCOMPARE(exportMenu->actions().size(), 3);
        QCOMPARE(actions.value(saveAs + 2), action("saveRecordingAction"));
        // Its shortcut is listed under F1 and belongs to no other action.
        const QString key = action("saveRecordingAction")->shortcut().toString(QKeySequence::NativeText);
        QVERIFY(!key.isEmpty());
        int uses = 0;
        for (const QStringList& row : m_window->shortcutRows())
            uses += row.value(2).split(QStringLiteral(", ")).contains(key) ? 1 : 0;
        QCOMPARE(uses, 1);
    }

    void thePngIsTheCanvasAtTwiceItsSize()
    {
        startCheckout();
        const QString path = m_dir.filePath(QStringLiteral("canvas.png"));
        triggerSavingTo(action("exportPngAction"), path);
        QCOMPARE(m_suggested, QStringLiteral("checkout-t6.5s.png"));
        QImage image;
        QVERIFY(image.load(path));
        QCOMPARE(image.size(), m_window->graphView()->size() * 2);
        // Not blank: the nodes, edges and labels give many colours, and much of it is not background.
        QSet<QRgb> colours;
        int notBackground = 0;
        const QRgb background = image.pixel(2, 2);
        for (int y = 0; y < image.height(); y += 3)
            for (int x = 0; x < image.width(); x += 3) {
                colours.insert(image.pixel(x, y));
                notBackground += image.pixel(x, y) != background ? 1 : 0;
            }
        QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
        QVERIFY(notBackground > image.width() * image.height() / 9 / 100);
        QVERIFY(m_window->statusBar()->currentMessage().contains(QStringLiteral("canvas.png")));
    }

    void theSvgIsAVectorDrawingThatNamesTheServices()
    {
        startCheckout();
        const QString path = m_dir.filePath(QStringLiteral("canvas.svg"));
        triggerSavingTo(action("exportSvgAction"), path);
        QCOMPARE(m_suggested, QStringLiteral("checkout-t6.5s.svg"));
        QXmlStreamReader xml(readAll(path));
        QStringList texts;
        int paths = 0;
        bool svgRoot = false;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement) continue;
            if (xml.name() == QLatin1String("svg")) svgRoot = true;
            if (xml.name() == QLatin1String("path")) ++paths;
            if (xml.name() == QLatin1String("text"))
                texts << xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed();
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(svgRoot);
        QVERIFY2(paths > 20, qPrintable(QString::number(paths)));
        for (const QString& node : { QStringLiteral("payments"), QStringLiteral("gateway"), QStringLiteral("bank") })
            QVERIFY2(texts.contains(node), qPrintable(texts.join(QLatin1Char('|'))));
    }

    void theSnapshotIsTheHeadlessFormat()
    {
        startCheckout();
        const QString path = m_dir.filePath(QStringLiteral("snapshot.json"));
        triggerSavingTo(action("exportSnapshotAction"), path);
        QCOMPARE(m_suggested, QStringLiteral("checkout-t6.5s.snapshot.json"));
        const QByteArray bytes = readAll(path);
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QCOMPARE(doc.object().value(QStringLiteral("format")).toString(), QStringLiteral("faultline.snapshot/1"));
        QCOMPARE(doc.object().value(QStringLiteral("time_s")).toDouble(), 6.5);
        QCOMPARE(bytes.toStdString(), snapshotToJson(*m_window->runner()->latestSnapshot()) + "\n");
    }

    void aSavedRecordingReplaysToTheSameSnapshot()
    {
        startCheckout();
        SimulationRunner* runner = m_window->runner();
        runner->revertAllFaults();
        runner->step(1.125);
        QTRY_VERIFY_WITH_TIMEOUT(runner->idle() && runner->simulatedSeconds() == 7.625, 20000);
        const QString path = m_dir.filePath(QStringLiteral("run.recording.json"));
        triggerSavingTo(action("saveRecordingAction"), path);
        QCOMPARE(m_suggested, QStringLiteral("checkout-t7.6s.recording.json"));
        const std::string original = comparable(snapshotToJson(*runner->latestSnapshot()));

        const RecordingLoadResult loaded = RecordingFile::fromFile(path.toStdString());
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.errors.front().toString().c_str());
        QCOMPARE(loaded.recording->commands.size(), size_t(2));
        QCOMPARE(loaded.recording->end_ns, int64_t(7'625'000'000));

        // Headless, as faultline --headless --replay does it.
        GraphAggregator aggregator;
        RecordingPlayer player(*loaded.recording, &aggregator);
        player.runUntil(loaded.recording->end_ns);
        QCOMPARE(comparable(snapshotToJson(*aggregator.snapshot("simulation"))), original);

        // In a window, as faultline --replay FILE opens it.
        MainWindow replay;
        SimulationRunner::Options options;
        options.start_paused = true;
        replay.replayRecording(*loaded.recording, options);
        replay.runner()->step(7.625);
        QTRY_VERIFY_WITH_TIMEOUT(replay.runner()->idle() && replay.runner()->simulatedSeconds() == 7.625, 20000);
        QCOMPARE(comparable(snapshotToJson(*replay.runner()->latestSnapshot())), original);
        QCOMPARE(replay.runner()->scenario().name, std::string("Checkout"));

        // File > Open (and Open Recent) tell a recording from a scenario and replay it.
        MainWindow opened;
        QVERIFY(opened.openScenarioFile(path));
        QVERIFY(opened.runner());
        QCOMPARE(opened.runner()->scenario().name, std::string("Checkout"));
        QCOMPARE(opened.runner()->scenario().seed, loaded.recording->scenario->seed);
        QVERIFY(opened.recentFiles().contains(path));
    }

    void anUnwritablePathShowsWhy()
    {
        startCheckout();
        QString shown;
        QTimer::singleShot(0, this, [&] {
            QTRY_VERIFY(qobject_cast<QMessageBox*>(QApplication::activeModalWidget()));
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            shown = box->text();
            box->accept();
        });
        QVERIFY(!m_window->exportCanvasPng(QStringLiteral("/nonexistent-dir/canvas.png")));
        QVERIFY2(shown.contains(QStringLiteral("/nonexistent-dir/canvas.png")), qPrintable(shown));
    }

    void anInvalidRecordingIsRefusedAndTheRunGoesOn()
    {
        startCheckout();
        const QString path = m_dir.filePath(QStringLiteral("bad.recording.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format": "faultline.recording/1", "seed": 1, "end_ns": -5, "commands": [], "scenario": {}})");
        f.close();
        QString details;
        QTimer::singleShot(0, this, [&] {
            QTRY_VERIFY(qobject_cast<QMessageBox*>(QApplication::activeModalWidget()));
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            details = box->detailedText();
            box->accept();
        });
        SimulationRunner* before = m_window->runner();
        QVERIFY(!m_window->openRecordingFile(path));
        QVERIFY2(details.contains(QStringLiteral("/end_ns")), qPrintable(details));
        QCOMPARE(m_window->runner(), before);
    }
};

QTEST_MAIN(tst_Export)
#include "tst_export.moc"
