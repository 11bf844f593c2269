// The command line is a contract scripts rely on (docs/command-line.md): these tests run the real
// binary the way a script would, without a display.

#include "control/controlagent.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include <csignal>
#include <sys/types.h>

namespace {

struct Outcome {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

/// The environment for the binary: its settings in a folder of the test's own, so that windows the tests
/// open (and close, saving their layout) leave the user's ~/.config/Faultline alone.
QProcessEnvironment binaryEnvironment()
{
    static QTemporaryDir config;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
    return env;
}

/// binaryEnvironment() with no display at all, and no platform plugin chosen.
QProcessEnvironment noDisplayEnvironment()
{
    QProcessEnvironment env = binaryEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    return env;
}

Outcome runFaultline(const QStringList& args, const QByteArray& stdinData = {})
{
    QProcess p;
    p.setProcessEnvironment(noDisplayEnvironment()); // headless paths must never need a display
    p.start(QStringLiteral(FAULTLINE_BINARY), args);
    if (!p.waitForStarted()) qFatal("could not start faultline");
    if (!stdinData.isEmpty()) p.write(stdinData);
    p.closeWriteChannel();
    if (!p.waitForFinished(300000)) qFatal("faultline did not finish");
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
        p.readAllStandardError() };
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write test file");
    f.write(content);
    return path;
}

nlohmann::json readJson(const QString& path)
{
    std::ifstream in(path.toStdString());
    return nlohmann::json::parse(in);
}

const QString kCheckout = QStringLiteral(FAULTLINE_SOURCE_DIR "/resources/scenarios/checkout.json");

} // namespace

class tst_commandline : public QObject {
    Q_OBJECT
private slots:
    void helpDescribesEveryOptionAndExitsZero()
    {
        const Outcome o = runFaultline({ QStringLiteral("--help") });
        QCOMPARE(o.exitCode, 0);
        for (const char* option : { "--scenario", "--headless", "--duration", "--seed", "--snapshot", "--validate",
                 "--speed", "--paused", "--presenter", "--list-scenarios", "--control", "--control-token", "--replay" })
            QVERIFY2(o.out.contains(option), option);
    }

    void badCommandLinesExitTwoWithOneClearLine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("message");
        QTest::addRow("unknown option") << QStringList { "--frobnicate" } << QByteArray("unknown option --frobnicate");
        QTest::addRow("duration without headless")
            << QStringList { "--duration", "5" } << QByteArray("need --headless");
        QTest::addRow("negative duration")
            << QStringList { "--headless", "--duration", "-1" } << QByteArray("positive");
        QTest::addRow("seed not a number") << QStringList { "--headless", "--seed", "x" } << QByteArray("--seed");
        QTest::addRow("speed out of range") << QStringList { "--speed", "500" } << QByteArray("0.1 to 100");
        QTest::addRow("unknown builtin") << QStringList { "--headless", "--scenario", "builtin:nope" }
                                         << QByteArray("no built-in scenario");
        QTest::addRow("listen in the window, paused")
            << QStringList { "--listen", "127.0.0.1:4317", "--paused" } << QByteArray("apply to simulation");
        QTest::addRow("presenter headless")
            << QStringList { "--headless", "--presenter" } << QByteArray("--presenter applies to the window");
        QTest::addRow("presenter exporting") << QStringList { "--headless", "--export-otlp", "127.0.0.1:4317",
            "--presenter" } << QByteArray("--presenter applies to the window");
        QTest::addRow("presenter validating")
            << QStringList { "--validate", "x.json", "--presenter" } << QByteArray("--presenter applies to the window");
        QTest::addRow("export without a port")
            << QStringList { "--headless", "--export-otlp", "nowhere" } << QByteArray("needs HOST:PORT");
        QTest::addRow("export in the window")
            << QStringList { "--export-otlp", "127.0.0.1:4317" } << QByteArray("works with --headless");
        QTest::addRow("export with a snapshot") << QStringList { "--headless", "--export-otlp", "127.0.0.1:4317",
            "--snapshot", "x.json" } << QByteArray("writes no snapshot");
        QTest::addRow("export and listen") << QStringList { "--headless", "--export-otlp", "127.0.0.1:4317", "--listen",
            "127.0.0.1:4318", "--duration", "1" }
                                           << QByteArray("cannot be combined");
        QTest::addRow("listen without duration")
            << QStringList { "--headless", "--listen", "127.0.0.1:4317" } << QByteArray("needs --duration");
        QTest::addRow("listen and a scenario")
            << QStringList { "--headless", "--listen", "127.0.0.1:4317", "--duration", "1", "builtin:checkout" }
            << QByteArray("cannot be combined");
        QTest::addRow("control without listen")
            << QStringList { "--control", "127.0.0.1:4320" } << QByteArray("needs --listen");
        QTest::addRow("control headless") << QStringList { "--headless", "--listen", "127.0.0.1:4317", "--duration",
            "1", "--control", "127.0.0.1:4320" }
                                          << QByteArray("not --headless");
        QTest::addRow("control token alone") << QStringList { "--listen", "127.0.0.1:4317", "--control-token", "x" }
                                             << QByteArray("goes with --control");
        QTest::addRow("control without a port")
            << QStringList { "--listen", "127.0.0.1:4317", "--control", "localhost" } << QByteArray("with a port");
        QTest::addRow("listen without a port")
            << QStringList { "--headless", "--listen", "localhost", "--duration", "1" } << QByteArray("with a port");
        QTest::addRow("replay without a file")
            << QStringList { "--headless", "--replay" } << QByteArray("needs a FILE");
        QTest::addRow("replay and a scenario") << QStringList { "--headless", "--replay", "r.json", "builtin:checkout" }
                                               << QByteArray("holds its own scenario");
        QTest::addRow("replay with a seed")
            << QStringList { "--headless", "--replay", "r.json", "--seed", "3" } << QByteArray("holds its own seed");
        QTest::addRow("replay and listen")
            << QStringList { "--replay", "r.json", "--listen", "127.0.0.1:4317" } << QByteArray("cannot be combined");
        QTest::addRow("replay and validate")
            << QStringList { "--validate", "x.json", "--replay", "r.json" } << QByteArray("cannot be combined");
    }
    void badCommandLinesExitTwoWithOneClearLine()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, message);
        const Outcome o = runFaultline(args);
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(message), o.err.constData());
        QCOMPARE(o.err.count('\n'), 1);
    }

    void validateAcceptsTheShippedScenario()
    {
        const Outcome o = runFaultline({ QStringLiteral("--validate"), kCheckout });
        QCOMPARE(o.exitCode, 0);
        QVERIFY(o.out.contains("ok"));
    }

    void validatePrintsEveryErrorWithItsPointer()
    {
        QTemporaryDir dir;
        const QString bad = writeFile(dir, QStringLiteral("bad.json"), R"({
          "format": "faultline.scenario/1", "name": "bad",
          "workload": [{"target": "nowhere", "operation": "x", "rate_rps": 5}],
          "services": [{"name": "a", "instances": 0, "operations": [{"name": "op", "service_time_ms": 5}]}]
        })");
        const Outcome o = runFaultline({ QStringLiteral("--validate"), bad });
        QCOMPARE(o.exitCode, 1);
        QVERIFY2(o.err.contains("/services/0/instances"), o.err.constData());
        QVERIFY2(o.err.contains("/workload/0/target"), o.err.constData());
        QVERIFY(o.err.startsWith(bad.toUtf8() + ": "));
    }

    void unreadableFileExitsThree()
    {
        const Outcome o = runFaultline({ QStringLiteral("--headless"), QStringLiteral("/nonexistent/scenario.json") });
        QCOMPARE(o.exitCode, 3);
        QVERIFY(o.err.contains("cannot read /nonexistent/scenario.json"));
    }

    void replayOfAMissingRecordingExitsThree()
    {
        const Outcome o = runFaultline(
            { QStringLiteral("--headless"), QStringLiteral("--replay"), QStringLiteral("/nonexistent/run.json") });
        QCOMPARE(o.exitCode, 3);
        QVERIFY2(o.err.contains("cannot read /nonexistent/run.json"), o.err.constData());
    }

    void replayOfAMalformedRecordingPrintsEveryErrorWithItsPointer()
    {
        QTemporaryDir dir;
        const QString bad = writeFile(dir, QStringLiteral("bad.recording.json"), R"({
          "format": "faultline.recording/1", "seed": 1, "end_ns": 5000000000,
          "commands": [{"at_ns": 1000000000, "command": "inject_fault", "id": 1099511627776,
                        "fault": {"type": "delay", "target": "nowhere", "delay_ms": 5, "percentage": 100}},
                       {"at_ns": 500, "command": "revert_all_faults"}],
          "scenario": {"format": "faultline.scenario/1", "name": "tiny",
                       "workload": [{"target": "a", "operation": "op", "rate_rps": 5}],
                       "services": [{"name": "a", "operations": [{"name": "op", "service_time_ms": 5}]}]}
        })");
        const Outcome o = runFaultline({ QStringLiteral("--headless"), QStringLiteral("--replay"), bad });
        QCOMPARE(o.exitCode, 1);
        QVERIFY2(
            o.err.contains(bad.toUtf8() + ": /commands/0/fault/target: unknown service 'nowhere'"), o.err.constData());
        QVERIFY2(o.err.contains(bad.toUtf8() + ": /commands/1/at_ns: must not be earlier"), o.err.constData());
        QVERIFY(o.out.isEmpty());
    }

    void headlessSnapshotHasTheCheckoutGraph()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("snap.json"));
        const Outcome o = runFaultline({ QStringLiteral("--headless"), QStringLiteral("--duration"),
            QStringLiteral("60"), QStringLiteral("--snapshot"), out });
        QCOMPARE(o.exitCode, 0);
        const nlohmann::json snap = readJson(out);
        QCOMPARE(snap["format"].get<std::string>(), std::string("faultline.snapshot/1"));
        QCOMPARE(snap["source"].get<std::string>(), std::string("simulation"));
        QCOMPARE(snap["time_s"].get<double>(), 60.0);

        std::map<std::string, std::string> kinds;
        for (const auto& n : snap["nodes"])
            kinds[n["id"].get<std::string>()] = n["kind"].get<std::string>();
        const std::map<std::string, std::string> expected { { "user", "user" }, { "gateway", "service" },
            { "orders", "service" }, { "inventory", "service" }, { "orders-db", "database" }, { "payments", "service" },
            { "fraud-check", "service" }, { "bank", "external" }, { "order-events", "queue" }, { "email", "service" },
            { "shipping", "service" } };
        QCOMPARE(kinds, expected);

        std::set<std::tuple<std::string, std::string, std::string, std::string>> edges;
        for (const auto& e : snap["edges"])
            edges.emplace(e["source"], e["target"], e["kind"], e["protocol"]);
        const std::set<std::tuple<std::string, std::string, std::string, std::string>> expectedEdges {
            { "user", "gateway", "sync", "http" }, { "gateway", "orders", "sync", "http" },
            { "orders", "inventory", "sync", "grpc" }, { "orders", "orders-db", "sync", "postgresql" },
            { "orders", "payments", "sync", "grpc" }, { "payments", "fraud-check", "sync", "grpc" },
            { "fraud-check", "bank", "sync", "http" }, { "orders", "order-events", "async", "kafka" },
            { "order-events", "email", "async", "kafka" }, { "order-events", "shipping", "async", "kafka" }
        };
        QCOMPARE(edges, expectedEdges);

        // Traffic is what the scenario asks for: 50 checkouts per second.
        for (const auto& e : snap["edges"])
            if (e["source"] == "user")
                QVERIFY2(std::abs(e["totals"]["requests"].get<double>() / 60.0 - 50.0) < 5.0, e.dump().c_str());
    }

    void sameSeedGivesTheSameSnapshotAndAnotherSeedDoesNot()
    {
        auto run = [](const QString& seed) {
            const Outcome o
                = runFaultline({ QStringLiteral("--headless"), QStringLiteral("--quiet"), QStringLiteral("--scenario"),
                    kCheckout, QStringLiteral("--duration"), QStringLiteral("30"), QStringLiteral("--seed"), seed });
            if (o.exitCode != 0) qFatal("headless run failed: %s", o.err.constData());
            return o.out;
        };
        const QByteArray first = run(QStringLiteral("5"));
        QVERIFY(first.contains("faultline.snapshot/1"));
        QCOMPARE(run(QStringLiteral("5")), first);
        QVERIFY(run(QStringLiteral("6")) != first);
    }

    void unwritableSnapshotPathExitsThree()
    {
        const Outcome o = runFaultline({ QStringLiteral("--headless"), QStringLiteral("--duration"),
            QStringLiteral("1"), QStringLiteral("--snapshot"), QStringLiteral("/nonexistent/dir/out.json") });
        QCOMPARE(o.exitCode, 3);
        QVERIFY(o.err.contains("cannot write"));
    }

    // The window on live telemetry with control on, ended by SIGTERM as a session logout or `kill` ends it:
    // it quits through its event loop (exit code 0, not death by signal), so live control tells its agents
    // and actuators to revert before the process goes.
    void aTerminatedWindowQuitsCleanlyAndItsAgentsLetGo()
    {
        QProcess p;
        QProcessEnvironment env = binaryEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(FAULTLINE_BINARY),
            { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--control"),
                QStringLiteral("127.0.0.1:0") });
        QVERIFY(p.waitForStarted());
        QByteArray err;
        QString control;
        const QRegularExpression line(QStringLiteral("control service on (\\S+)"));
        QDeadlineTimer deadline(60000);
        while (control.isEmpty() && !deadline.hasExpired() && p.state() == QProcess::Running) {
            p.waitForReadyRead(500);
            err += p.readAllStandardError();
            if (const auto m = line.match(QString::fromUtf8(err)); m.hasMatch()) control = m.captured(1);
        }
        QVERIFY2(!control.isEmpty(), err.constData());
        QVERIFY2(err.contains("receiving OTLP on 127.0.0.1:"), err.constData());

        faultline::ControlAgentConfig config;
        config.address = control.toStdString();
        config.service = "orders";
        config.instance = "orders-1";
        faultline::ControlAgent agent(config);
        agent.start();
        QTRY_VERIFY_WITH_TIMEOUT(agent.stats().connected, 20000);

        QCOMPARE(::kill(static_cast<pid_t>(p.processId()), SIGTERM), 0);
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!agent.stats().connected, 10000);
    }

    void headlessListeningIsHandedToTheFullProgram()
    {
        const Outcome o = runFaultline({ QStringLiteral("--headless"), QStringLiteral("--listen"),
            QStringLiteral("127.0.0.1:0"), QStringLiteral("--duration"), QStringLiteral("0.2") });
        QCOMPARE(o.exitCode, 0);
        QVERIFY2(o.err.contains("listening for OTLP/gRPC on 127.0.0.1:"), o.err.constData());
        QCOMPARE(nlohmann::json::parse(o.out.toStdString())["source"].get<std::string>(), std::string("live"));
    }

    void theLeanProgramSimulatesAloneAndSaysWhatIsMissingForTheRest()
    {
        // faultline without Qt and gRPC: what it runs itself needs neither, nor faultline-full beside it.
        QProcess ldd;
        ldd.start(QStringLiteral("ldd"), { QStringLiteral(FAULTLINE_BINARY) });
        QVERIFY(ldd.waitForFinished(30000));
        const QByteArray libraries = ldd.readAllStandardOutput();
        QVERIFY2(libraries.contains("libc.so"), libraries.constData());
        QVERIFY2(!libraries.contains("libQt6"), libraries.constData());
#ifdef NDEBUG
        // An optimised build leaves gRPC out too; an unoptimised one (the asan preset) keeps code that
        // names it, unreached, so the loader still maps it there.
        QVERIFY2(!libraries.contains("libgrpc"), libraries.constData());
#endif

        QTemporaryDir dir;
        const QString alone = dir.filePath(QStringLiteral("faultline"));
        QVERIFY(QFile::copy(QStringLiteral(FAULTLINE_BINARY), alone));
        QVERIFY(QFile::setPermissions(alone, QFile::permissions(alone) | QFileDevice::ExeOwner));
        auto run = [&](const QStringList& args) {
            QProcess p;
            p.start(alone, args);
            if (!p.waitForFinished(120000)) qFatal("faultline did not finish");
            return Outcome { p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError() };
        };
        const Outcome simulated = run({ QStringLiteral("--headless"), QStringLiteral("--quiet"),
            QStringLiteral("--duration"), QStringLiteral("5") });
        QCOMPARE(simulated.exitCode, 0);
        QCOMPARE(
            nlohmann::json::parse(simulated.out.toStdString())["source"].get<std::string>(), std::string("simulation"));

        const Outcome window = run({ QStringLiteral("builtin:checkout") });
        QCOMPARE(window.exitCode, 4);
        QVERIFY2(window.err.contains("faultline-full") && window.err.contains("reinstall"), window.err.constData());
        QCOMPARE(window.err.count('\n'), 1);
    }

    void qtOptionsReachTheWindow()
    {
        // No display and no QT_QPA_PLATFORM: only -platform offscreen lets the window start.
        QProcess p;
        p.setProcessEnvironment(noDisplayEnvironment());
        p.start(QStringLiteral(FAULTLINE_BINARY),
            { QStringLiteral("-platform"), QStringLiteral("offscreen"), QStringLiteral("-style=fusion"),
                QStringLiteral("-qwindowgeometry"), QStringLiteral("900x600+0+0"), QStringLiteral("--listen"),
                QStringLiteral("127.0.0.1:0") });
        QVERIFY(p.waitForStarted());
        QByteArray err;
        QDeadlineTimer deadline(60000);
        while (!err.contains("receiving OTLP on") && !deadline.hasExpired() && p.state() == QProcess::Running) {
            p.waitForReadyRead(500);
            err += p.readAllStandardError();
        }
        QVERIFY2(err.contains("receiving OTLP on 127.0.0.1:"), err.constData());
        QCOMPARE(::kill(static_cast<pid_t>(p.processId()), SIGTERM), 0);
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
    }

    void qtOptionsAreRefusedWhereThereIsNoWindow()
    {
        const Outcome headless
            = runFaultline({ QStringLiteral("--headless"), QStringLiteral("-platform"), QStringLiteral("offscreen") });
        QCOMPARE(headless.exitCode, 2);
        QVERIFY2(headless.err.contains("-platform is Qt's option for the window"), headless.err.constData());
        const Outcome missing = runFaultline({ QStringLiteral("-style") });
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains("-style needs a value"), missing.err.constData());
        const Outcome unknown = runFaultline({ QStringLiteral("-platformx"), QStringLiteral("offscreen") });
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains("unknown option -platformx"), unknown.err.constData());
    }

    void listScenariosNamesTheDefault()
    {
        const Outcome o = runFaultline({ QStringLiteral("--list-scenarios") });
        QCOMPARE(o.exitCode, 0);
        QVERIFY(o.out.contains("builtin:checkout\tCheckout"));
    }
};

QTEST_GUILESS_MAIN(tst_commandline)
#include "tst_commandline.moc"
