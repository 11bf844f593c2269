// Recordings (docs/recording-format.md): a run with faults injected and reverted at odd times, taken from
// the runner, written, read back and replayed, gives the original's snapshot byte for byte; a malformed
// recording is refused with a pointer to the problem.

#include "graph/graphaggregator.h"
#include "graph/snapshotjson.h"
#include "run/recordingplayer.h"
#include "run/simulationrunner.h"
#include "scenario/recording.h"
#include "scenario/scenariowriter.h"
#include "support/builtins.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

using namespace faultline;
using namespace faultline::test;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

/// The snapshot's JSON without its `sequence`, which counts the snapshots an aggregator has built (the
/// window builds twenty a second, a replay one), not anything about the run.
std::string comparable(const std::string& json)
{
    static const std::regex sequence("\n  \"sequence\": [0-9]+,");
    const std::string out = std::regex_replace(json, sequence, "");
    if (out.size() == json.size()) qFatal("the snapshot has no sequence to leave out");
    return out;
}

/// Every fault as applied, to the nanosecond: what the snapshot's rounded figures could hide.
std::string faultTimes(const std::vector<FaultRecord>& log)
{
    std::string out;
    for (const FaultRecord& r : log)
        out += std::to_string(r.id) + " " + std::to_string(r.applied_ns) + "-" + std::to_string(r.ends_ns) + " "
            + std::to_string(r.reverted_ns) + (r.scripted ? " scripted\n" : "\n");
    return out;
}

std::string replayedSnapshot(const Recording& recording, int64_t until_ns, std::string* faults = nullptr)
{
    GraphAggregator aggregator;
    RecordingPlayer player(recording, &aggregator);
    player.runUntil(until_ns);
    if (faults) *faults = faultTimes(player.simulator().faultLog());
    return snapshotToJson(*aggregator.snapshot("simulation"));
}

Fault delay(const std::string& target, double ms, double seconds)
{
    Fault f;
    f.type = FaultType::Delay;
    f.target = target;
    f.delay_ms = ms;
    f.duration_s = seconds;
    return f;
}

Fault abort50(const std::string& target, double seconds)
{
    Fault f;
    f.type = FaultType::Abort;
    f.target = target;
    f.percentage = 50;
    f.duration_s = seconds;
    return f;
}

Fault crashOne(const std::string& target, double seconds)
{
    Fault f;
    f.type = FaultType::Crash;
    f.target = target;
    f.instance = 0;
    f.duration_s = seconds;
    return f;
}

void stepAndWait(SimulationRunner& runner, double seconds)
{
    const double before = runner.simulatedSeconds();
    runner.step(seconds);
    QTRY_VERIFY_WITH_TIMEOUT(runner.idle() && runner.simulatedSeconds() > before, 30000);
}

Recording readBack(const Recording& recording)
{
    auto loaded = RecordingFile::fromString(RecordingFile::toJson(recording));
    if (!loaded.ok()) qFatal("a written recording does not read back: %s", loaded.errors.front().toString().c_str());
    return *loaded.recording;
}

std::string readFile(const QString& path)
{
    std::ifstream in(path.toStdString(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class tst_recording : public QObject {
    Q_OBJECT
private slots:
    void theSnapshotDoesNotDependOnHowTheRunIsSliced()
    {
        // The runner advances in slices of wall time and of events, a replay in slices of virtual time: the
        // graph must come out the same either way. A delay longer than the pairing TTL makes partners arrive
        // late, where batch boundaries would otherwise decide what pairs.
        auto scenario = std::make_shared<const Scenario>(builtin("checkout"));
        auto run = [&](auto slicer) {
            GraphAggregator aggregator;
            Simulator simulator(scenario, 11, &aggregator);
            slicer(simulator, 3 * kSecond);
            simulator.injectFault(delay("bank", 2500, 4), kFirstInjectedFaultId);
            slicer(simulator, 12 * kSecond);
            return snapshotToJson(*aggregator.snapshot("simulation"));
        };
        const std::string bySeconds = run([](Simulator& s, int64_t until) {
            while (s.now() < until)
                s.runUntil(std::min(until, s.now() + kSecond));
        });
        const std::string byEvents = run([](Simulator& s, int64_t until) {
            while (!s.runUntil(until, 997)) { }
            s.runUntil(s.now());
        });
        const std::string byOddTimes = run([](Simulator& s, int64_t until) {
            int64_t step = 7'919'213;
            while (s.now() < until) {
                s.runUntil(std::min(until, s.now() + step));
                step = step * 3 % 400'000'000 + 1;
            }
        });
        QCOMPARE(byEvents, bySeconds);
        QCOMPARE(byOddTimes, bySeconds);
    }

    void aSteppedRunReplaysToTheSameSnapshot()
    {
        SimulationRunner::Options options;
        options.start_paused = true;
        options.seed = 77;
        SimulationRunner runner(builtin("checkout"), options);
        stepAndWait(runner, 3.123456789);
        const uint64_t slowBank = runner.injectFault(delay("bank", 2000, 60));
        stepAndWait(runner, 1.700000003);
        runner.injectFault(abort50("inventory", 2.5)); // ends on its own
        stepAndWait(runner, 2.3);
        runner.revertFault(slowBank);
        runner.revertFault(slowBank); // no longer active: changes nothing, so it is not recorded
        stepAndWait(runner, 0.9);
        runner.injectFault(crashOne("payments", 30));
        stepAndWait(runner, 1.05);
        runner.revertAllFaults();
        stepAndWait(runner, 2.000000001);
        Fault unknown = delay("no-such-service", 10, 5);
        runner.injectFault(unknown); // refused: not recorded
        stepAndWait(runner, 0.5);

        const auto recording = runner.recording();
        const auto snapshot = runner.latestSnapshot();
        QCOMPARE(recording->end_ns, std::llround(snapshot->time_s * 1e9));
        QCOMPARE(recording->seed, uint64_t(77));
        QCOMPARE(recording->commands.size(), size_t(5));
        QCOMPARE(recording->commands[0].kind, RecordedCommand::Kind::InjectFault);
        QCOMPARE(recording->commands[0].at_ns, int64_t(3'123'456'789));
        QCOMPARE(recording->commands[0].id, slowBank);
        QCOMPARE(recording->commands[2].kind, RecordedCommand::Kind::RevertFault);
        QCOMPARE(recording->commands[4].kind, RecordedCommand::Kind::RevertAllFaults);

        const Recording read = readBack(*recording);
        QCOMPARE(RecordingFile::toJson(read), RecordingFile::toJson(*recording));
        std::string faults;
        QCOMPARE(comparable(replayedSnapshot(read, read.end_ns, &faults)), comparable(snapshotToJson(*snapshot)));
        QCOMPARE(faults, faultTimes(*runner.faultLog()));
    }

    void aRunAtSpeedReplaysToTheSameSnapshot()
    {
        // Commands land wherever the paced run happens to be, often partway through a slice of events.
        SimulationRunner::Options options;
        options.speed = SimulationRunner::kMaxSpeed;
        SimulationRunner runner(builtin("checkout"), options);
        QTRY_VERIFY_WITH_TIMEOUT(runner.simulatedSeconds() > 2.0, 30000);
        const uint64_t slow = runner.injectFault(delay("payments", 900, 60));
        QTRY_VERIFY_WITH_TIMEOUT(runner.simulatedSeconds() > 4.0, 30000);
        runner.injectFault(abort50("fraud-check", 20));
        QTRY_VERIFY_WITH_TIMEOUT(runner.simulatedSeconds() > 6.0, 30000);
        runner.revertFault(slow);
        QTRY_VERIFY_WITH_TIMEOUT(runner.simulatedSeconds() > 7.0, 30000);
        runner.revertAllFaults();
        QTRY_VERIFY_WITH_TIMEOUT(runner.simulatedSeconds() > 8.0, 30000);
        runner.setPaused(true);
        QTRY_VERIFY_WITH_TIMEOUT(runner.idle(), 30000);

        const auto recording = runner.recording();
        QCOMPARE(recording->commands.size(), size_t(4));
        const auto snapshot = runner.latestSnapshot();
        QCOMPARE(recording->end_ns, std::llround(snapshot->time_s * 1e9));
        std::string faults;
        QCOMPARE(comparable(replayedSnapshot(readBack(*recording), recording->end_ns, &faults)),
            comparable(snapshotToJson(*snapshot)));
        QCOMPARE(faults, faultTimes(*runner.faultLog()));
    }

    void theRunnerReplaysARecordingAndRecordsItAgain()
    {
        // The window's replay (--replay FILE) is a runner given the recorded commands.
        SimulationRunner::Options options;
        options.start_paused = true;
        SimulationRunner original(builtin("checkout"), options);
        stepAndWait(original, 2.25);
        original.injectFault(delay("bank", 2500, 3.3));
        stepAndWait(original, 1.1);
        original.injectFault(crashOne("inventory", 40));
        stepAndWait(original, 2.7);
        original.revertAllFaults();
        stepAndWait(original, 1.0);
        const Recording recording = readBack(*original.recording());

        SimulationRunner::Options replayOptions;
        replayOptions.start_paused = true;
        replayOptions.seed = recording.seed;
        replayOptions.replay = recording.commands;
        SimulationRunner replay(*recording.scenario, replayOptions);
        stepAndWait(replay, static_cast<double>(recording.end_ns) / 1e9);
        QCOMPARE(replay.simulatedSeconds(), original.simulatedSeconds());
        QCOMPARE(comparable(snapshotToJson(*replay.latestSnapshot())),
            comparable(snapshotToJson(*original.latestSnapshot())));
        QCOMPARE(RecordingFile::toJson(*replay.recording()), RecordingFile::toJson(*original.recording()));

        // Restarting a replay replays it again.
        replay.reset();
        QTRY_VERIFY_WITH_TIMEOUT(replay.idle() && replay.simulatedSeconds() == 0.0, 30000);
        QVERIFY(replay.recording()->commands.empty());
        stepAndWait(replay, static_cast<double>(recording.end_ns) / 1e9);
        QCOMPARE(RecordingFile::toJson(*replay.recording()), RecordingFile::toJson(*original.recording()));
    }

    void theCommandLineReplaysARecordingToTheSameSnapshot()
    {
        SimulationRunner::Options options;
        options.start_paused = true;
        SimulationRunner runner(builtin("checkout"), options);
        stepAndWait(runner, 1.999999999);
        const uint64_t id = runner.injectFault(delay("orders", 300, 10));
        stepAndWait(runner, 2.4);
        runner.revertFault(id);
        stepAndWait(runner, 1.3);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("run.recording.json"));
        std::string error;
        QVERIFY2(RecordingFile::toFile(*runner.recording(), path.toStdString(), &error), error.c_str());
        const QString out = dir.filePath(QStringLiteral("replay.json"));
        QProcess p;
        p.start(QStringLiteral(FAULTLINE_BINARY),
            { QStringLiteral("--headless"), QStringLiteral("--replay"), path, QStringLiteral("--snapshot"), out,
                QStringLiteral("--quiet") });
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(comparable(readFile(out)), comparable(snapshotToJson(*runner.latestSnapshot()) + "\n"));

        // --duration runs on past the recording's end (here with no more commands), or stops short of it.
        const QString longer = dir.filePath(QStringLiteral("longer.json"));
        p.start(QStringLiteral(FAULTLINE_BINARY),
            { QStringLiteral("--headless"), QStringLiteral("--replay"), path, QStringLiteral("--duration"),
                QStringLiteral("9"), QStringLiteral("--snapshot"), longer, QStringLiteral("--quiet") });
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(readFile(longer).find("\"time_s\": 9.0") != std::string::npos
            || readFile(longer).find("\"time_s\": 9,") != std::string::npos);
    }

    void malformedRecordingsAreRefusedWithAPointer_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("pointer");
        QTest::addColumn<QString>("message");
        const Scenario scenario = builtin("checkout");
        Recording good { std::make_shared<const Scenario>(scenario), 7, {}, 10 * kSecond };
        good.commands.push_back(
            { RecordedCommand::Kind::InjectFault, 2 * kSecond, kFirstInjectedFaultId, delay("bank", 100, 5) });
        good.commands.push_back({ RecordedCommand::Kind::RevertFault, 3 * kSecond, kFirstInjectedFaultId, {} });
        const QString base = QString::fromStdString(RecordingFile::toJson(good));
        auto edit = [&](const QString& from, const QString& to) {
            QString s = base;
            if (!s.contains(from)) qFatal("no %s in the recording", qPrintable(from));
            return s.replace(s.indexOf(from), from.size(), to);
        };
        QTest::addRow("not JSON") << QStringLiteral("{\"format\": ") << QString() << QStringLiteral("line 1");
        QTest::addRow("an array") << QStringLiteral("[]") << QString() << QStringLiteral("must be a JSON object");
        QTest::addRow("a scenario") << QString::fromStdString(ScenarioWriter::toJson(scenario))
                                    << QStringLiteral("/format") << QStringLiteral("open it with --scenario");
        QTest::addRow("no seed") << edit(QStringLiteral("\"seed\": 7,"), QString()) << QString()
                                 << QStringLiteral("'seed'");
        QTest::addRow("negative end") << edit(
            QStringLiteral("\"end_ns\": 10000000000"), QStringLiteral("\"end_ns\": -1"))
                                      << QStringLiteral("/end_ns") << QStringLiteral("at least 0");
        QTest::addRow("fractional time") << edit(
            QStringLiteral("\"at_ns\": 2000000000"), QStringLiteral("\"at_ns\": 2.5"))
                                         << QStringLiteral("/commands/0/at_ns") << QStringLiteral("whole number");
        QTest::addRow("out of order") << edit(
            QStringLiteral("\"at_ns\": 3000000000"), QStringLiteral("\"at_ns\": 1000000000"))
                                      << QStringLiteral("/commands/1/at_ns")
                                      << QStringLiteral("earlier than the command before");
        QTest::addRow("after the end") << edit(
            QStringLiteral("\"at_ns\": 3000000000"), QStringLiteral("\"at_ns\": 30000000000"))
                                       << QStringLiteral("/commands/1/at_ns")
                                       << QStringLiteral("after the recording's end_ns");
        QTest::addRow("unknown command") << edit(QStringLiteral("\"revert_fault\""), QStringLiteral("\"pause\""))
                                         << QStringLiteral("/commands/1/command") << QStringLiteral("inject_fault");
        QTest::addRow("injected id too small") << edit(
            QStringLiteral("\"id\": 1099511627776,\n      \"fault\""), QStringLiteral("\"id\": 3,\n      \"fault\""))
                                               << QStringLiteral("/commands/0/id") << QStringLiteral("1099511627776");
        QTest::addRow("revert of an unknown id")
            << edit(QStringLiteral("\"id\": 1099511627776\n"), QStringLiteral("\"id\": 1099511627777\n"))
            << QStringLiteral("/commands/1/id") << QStringLiteral("neither injected");
        QTest::addRow("fault on an unknown service")
            << edit(QStringLiteral("\"target\": \"bank\""), QStringLiteral("\"target\": \"banc\""))
            << QStringLiteral("/commands/0/fault/target") << QStringLiteral("did you mean 'bank'");
        QTest::addRow("fault with at_s") << edit(
            QStringLiteral("\"duration_s\": 5,"), QStringLiteral("\"at_s\": 2, \"duration_s\": 5,"))
                                         << QStringLiteral("/commands/0/fault/at_s") << QStringLiteral("at_s");
        QTest::addRow("fault without a fault") << edit(QStringLiteral("\"fault\": {"), QStringLiteral("\"fault_\": {"))
                                               << QStringLiteral("/commands/0/fault_") << QStringLiteral("fault_");
        QTest::addRow("invalid embedded scenario")
            << edit(QStringLiteral("\"instances\": 2"), QStringLiteral("\"instances\": 0"))
            << QStringLiteral("/scenario/services/0/instances") << QStringLiteral("at least 1");
        QTest::addRow("duplicate key in the scenario")
            << edit(QStringLiteral("\"name\": \"Checkout"), QStringLiteral("\"name\": \"x\", \"name\": \"Checkout"))
            << QStringLiteral("/scenario/name") << QStringLiteral("more than once");
    }

    void malformedRecordingsAreRefusedWithAPointer()
    {
        QFETCH(QString, json);
        QFETCH(QString, pointer);
        QFETCH(QString, message);
        const RecordingLoadResult result = RecordingFile::fromString(json.toStdString());
        QVERIFY(!result.ok());
        QVERIFY(!result.errors.empty());
        bool found = false;
        for (const ScenarioError& e : result.errors)
            found = found
                || (e.pointer == pointer.toStdString() && e.message.find(message.toStdString()) != std::string::npos);
        if (!found) {
            for (const ScenarioError& e : result.errors)
                qWarning("%s", e.toString().c_str());
        }
        QVERIFY(found);
    }

    void aRecordingRoundTripsToTheSameBytes()
    {
        Recording r { std::make_shared<const Scenario>(builtin("retry-storm")), 123456789012345ull, {}, 5 * kSecond };
        Fault breaker;
        breaker.type = FaultType::Partition;
        breaker.target = r.scenario->services.front().name;
        breaker.peer = r.scenario->services.back().name;
        breaker.duration_s = 0.123456789;
        r.commands.push_back({ RecordedCommand::Kind::InjectFault, 1, kFirstInjectedFaultId + 4, breaker });
        r.commands.push_back({ RecordedCommand::Kind::RevertAllFaults, 1, 0, {} });
        const std::string json = RecordingFile::toJson(r);
        auto loaded = RecordingFile::fromString(json);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.errors.front().toString().c_str());
        QCOMPARE(loaded.recording->commands.size(), size_t(2));
        QCOMPARE(loaded.recording->commands[0].fault.duration_s, 0.123456789);
        QCOMPARE(loaded.recording->seed, 123456789012345ull);
        QCOMPARE(RecordingFile::toJson(*loaded.recording), json);
    }

    void aFaultThatNeverEndsStaysActiveThroughTheReplay()
    {
        // Found writing fuzz_recording (fuzz/corpus/recording/regress-fault-ttl-overflow.json): a time to live of
        // 1e300 s overflowed the fault's end time. It saturates now: the fault lasts for the rest of the run.
        Recording r { std::make_shared<const Scenario>(builtin("checkout")), 3, {}, 5 * kSecond };
        r.commands.push_back(
            { RecordedCommand::Kind::InjectFault, kSecond, kFirstInjectedFaultId, delay("bank", 100, 1e300) });
        const Recording read = readBack(r);
        RecordingPlayer player(read, nullptr);
        player.runUntil(read.end_ns);
        const auto& log = player.simulator().faultLog();
        QCOMPARE(log.size(), size_t(1));
        QCOMPARE(log[0].applied_ns, kSecond);
        QCOMPARE(log[0].ends_ns, std::numeric_limits<int64_t>::max());
        QCOMPARE(log[0].reverted_ns, int64_t(-1));
    }

    void anUnwritableFileSaysWhy()
    {
        Recording r { std::make_shared<const Scenario>(builtin("checkout")), 1, {}, 0 };
        std::string error;
        QVERIFY(!RecordingFile::toFile(r, "/nonexistent-dir/x.json", &error));
        QVERIFY(error.find("/nonexistent-dir/x.json") != std::string::npos);
        const auto missing = RecordingFile::fromFile("/nonexistent-dir/x.json");
        QVERIFY(!missing.ok());
        QVERIFY(missing.errors.front().message.find("cannot read") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(tst_recording)
#include "tst_recording.moc"
