// Scripted faults in scenarios: every fault type and its keys load into the model, and every mistake is
// reported at its JSON pointer (docs/scenario-format.md, "Faults").

#include "scenario/scenarioloader.h"
#include "support/policyscenario.h"

#include <QTest>

#include <string>

using namespace faultline;

Q_DECLARE_METATYPE(faultline::ScheduledFault)

namespace {

using namespace faultline::test;

ScheduledFault scheduled(double at, double duration, FaultType type, const char* target)
{
    ScheduledFault s;
    s.at_s = at;
    s.fault.duration_s = duration;
    s.fault.type = type;
    s.fault.target = target;
    return s;
}

} // namespace

class tst_FaultLoader : public QObject {
    Q_OBJECT

private slots:
    void reportsEachFaultProblemAtItsPointer_data()
    {
        QTest::addColumn<QByteArray>("patch");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QString>("message");

        // Faults
        QTest::addRow("fault not an object") << fault("5") << QStringList { kFault } << "must be an object";
        QTest::addRow("fault without at_s") << fault(R"({"type": "crash", "target": "back"})") << QStringList { kFault }
                                            << "missing required key 'at_s'";
        QTest::addRow("negative at_s") << fault(R"({"at_s": -1, "type": "crash", "target": "back"})")
                                       << QStringList { kFault + "/at_s" } << "at least 0";
        QTest::addRow("zero duration_s") << fault(R"({"at_s": 1, "duration_s": 0, "type": "crash", "target": "back"})")
                                         << QStringList { kFault + "/duration_s" } << "greater than 0";
        QTest::addRow("fault without type")
            << fault(R"({"at_s": 1, "target": "back"})") << QStringList { kFault } << "missing required key 'type'";
        QTest::addRow("misspelt fault type") << fault(R"({"at_s": 1, "type": "dealy", "target": "back"})")
                                             << QStringList { kFault + "/type" } << "did you mean 'delay'?";
        QTest::addRow("unknown type accepts every type's keys")
            << fault(R"({"at_s": 1, "type": "latency", "target": "back", "delay_ms": 5, "peer": "front"})")
            << QStringList { kFault + "/type" } << "must be 'delay', 'abort'";
        QTest::addRow("misspelt fault key") << fault(R"({"at_s": 1, "type": "crash", "target": "back", "instanse": 0})")
                                            << QStringList { kFault + "/instanse" } << "did you mean 'instance'?";
        QTest::addRow("fault without target")
            << fault(R"({"at_s": 1, "type": "crash"})") << QStringList { kFault } << "missing required key 'target'";
        QTest::addRow("fault on unknown service")
            << fault(R"({"at_s": 1, "type": "crash", "target": "bak"})") << QStringList { kFault + "/target" }
            << "unknown service 'bak'; did you mean 'back'?";
        QTest::addRow("service fault on a queue")
            << fault(R"({"at_s": 1, "type": "delay", "target": "events", "delay_ms": 5, "percentage": 100})")
            << QStringList { kFault + "/target" } << "'events' is a queue, but a delay fault applies to a service";
        QTest::addRow("delay without delay_ms")
            << fault(R"({"at_s": 1, "type": "delay", "target": "back", "percentage": 100})") << QStringList { kFault }
            << "missing required key 'delay_ms'";
        QTest::addRow("zero delay_ms") << fault(
            R"({"at_s": 1, "type": "delay", "target": "back", "delay_ms": 0, "percentage": 100})")
                                       << QStringList { kFault + "/delay_ms" } << "greater than 0";
        QTest::addRow("delay without percentage")
            << fault(R"({"at_s": 1, "type": "delay", "target": "back", "delay_ms": 5})") << QStringList { kFault }
            << "missing required key 'percentage': a delay fault needs the share of calls it affects (100 for all); "
               "Istio applies a fault without a percentage to no requests";
        QTest::addRow("percentage above 100")
            << fault(R"({"at_s": 1, "type": "delay", "target": "back", "delay_ms": 5, "percentage": 101})")
            << QStringList { kFault + "/percentage" } << "between 0 and 100";
        QTest::addRow("abort key on a delay")
            << fault(R"({"at_s": 1, "type": "delay", "target": "back", "delay_ms": 5, "percentage": 1, "status": 500})")
            << QStringList { kFault + "/status" } << "'status' belongs to the abort fault type, not delay";
        QTest::addRow("abort status 0") << fault(
            R"({"at_s": 1, "type": "abort", "target": "back", "status": 0, "percentage": 1})")
                                        << QStringList { kFault + "/status" } << "at least 1";
        QTest::addRow("abort status 600")
            << fault(R"({"at_s": 1, "type": "abort", "target": "back", "status": 600, "percentage": 1})")
            << QStringList { kFault + "/status" } << "at most 599";
        QTest::addRow("abort without percentage")
            << fault(R"({"at_s": 1, "type": "abort", "target": "back"})") << QStringList { kFault }
            << "Istio applies a fault without a percentage";
        QTest::addRow("error_rate without percentage")
            << fault(R"({"at_s": 1, "type": "error_rate", "target": "back"})") << QStringList { kFault }
            << "missing required key 'percentage'";
        QTest::addRow("slowdown key on error_rate")
            << fault(R"({"at_s": 1, "type": "error_rate", "target": "back", "percentage": 5, "factor": 2})")
            << QStringList { kFault + "/factor" } << "'factor' belongs to the slowdown fault type, not error_rate";
        QTest::addRow("slowdown without factor") << fault(R"({"at_s": 1, "type": "slowdown", "target": "back"})")
                                                 << QStringList { kFault } << "missing required key 'factor'";
        QTest::addRow("zero slowdown factor")
            << fault(R"({"at_s": 1, "type": "slowdown", "target": "back", "factor": 0})")
            << QStringList { kFault + "/factor" } << "greater than 0";
        QTest::addRow("crash of an instance beyond the count")
            << fault(R"({"at_s": 1, "type": "crash", "target": "back", "instance": 3})")
            << QStringList { kFault + "/instance" }
            << "must be less than the number of instances of 'back' (3), but it is 3";
        QTest::addRow("crash of an instance beyond the default count")
            << fault(R"({"at_s": 1, "type": "pause", "target": "worker", "instance": 1})")
            << QStringList { kFault + "/instance" } << "instances of 'worker' (1)";
        QTest::addRow("crash of a negative instance")
            << fault(R"({"at_s": 1, "type": "crash", "target": "back", "instance": -1})")
            << QStringList { kFault + "/instance" } << "at least 0";
        QTest::addRow("instance of a service whose count is wrong is not checked again")
            << QByteArray(R"([{"op": "replace", "path": "/services/1/instances", "value": 0},
                   {"op": "add", "path": "/faults", "value": [{"at_s": 1, "type": "crash", "target": "back", "instance": 5}]}])")
            << QStringList { "/services/1/instances" } << "at least 1";
        QTest::addRow("partition key on a pause")
            << fault(R"({"at_s": 1, "type": "pause", "target": "back", "peer": "front"})")
            << QStringList { kFault + "/peer" } << "'peer' belongs to the partition fault type, not pause";
        QTest::addRow("partition without peer") << fault(R"({"at_s": 1, "type": "partition", "target": "back"})")
                                                << QStringList { kFault } << "missing required key 'peer'";
        QTest::addRow("partition from itself")
            << fault(R"({"at_s": 1, "type": "partition", "target": "back", "peer": "back"})")
            << QStringList { kFault + "/peer" } << "cannot be partitioned from itself";
        QTest::addRow("partition from an unknown service")
            << fault(R"({"at_s": 1, "type": "partition", "target": "back", "peer": "wroker"})")
            << QStringList { kFault + "/peer" } << "unknown service 'wroker'; did you mean 'worker'?";
        QTest::addRow("partition from a queue")
            << fault(R"({"at_s": 1, "type": "partition", "target": "back", "peer": "events"})")
            << QStringList { kFault + "/peer" } << "'events' is a queue, but a partition fault applies to a service";
        QTest::addRow("packet_loss without percentage")
            << fault(R"({"at_s": 1, "type": "packet_loss", "target": "back"})") << QStringList { kFault }
            << "a packet_loss fault needs the share of calls it affects";
        QTest::addRow("consumer_pause on a service")
            << fault(R"({"at_s": 1, "type": "consumer_pause", "target": "back"})") << QStringList { kFault + "/target" }
            << "'back' is a service, but a consumer_pause fault applies to a queue";
        QTest::addRow("broker_down on an unknown queue")
            << fault(R"({"at_s": 1, "type": "broker_down", "target": "evnets"})") << QStringList { kFault + "/target" }
            << "unknown queue 'evnets'; did you mean 'events'?";
        QTest::addRow("percentage on consumer_pause")
            << fault(R"({"at_s": 1, "type": "consumer_pause", "target": "events", "percentage": 5})")
            << QStringList { kFault + "/percentage" }
            << "'percentage' belongs to the delay, abort, error_rate and packet_loss fault types, not consumer_pause";
        QTest::addRow("breaker fault without breaker")
            << faultWithBreaker(R"({"at_s": 1, "type": "breaker", "target": "front", "state": "force_open"})")
            << QStringList { kFault } << "missing required key 'breaker'";
        QTest::addRow("breaker fault without state")
            << faultWithBreaker(R"({"at_s": 1, "type": "breaker", "target": "front", "breaker": "back"})")
            << QStringList { kFault } << "missing required key 'state'";
        QTest::addRow("unknown breaker state")
            << faultWithBreaker(
                   R"({"at_s": 1, "type": "breaker", "target": "front", "breaker": "back", "state": "open"})")
            << QStringList { kFault + "/state" } << "must be 'force_open', 'close', 'disable' or 'automatic'";
        QTest::addRow("breaker fault on a service without breakers")
            << fault(R"({"at_s": 1, "type": "breaker", "target": "back", "breaker": "x", "state": "close"})")
            << QStringList { kFault + "/breaker" } << "the service 'back' has no circuit breaker";
        QTest::addRow("breaker fault naming no breaker of the target")
            << faultWithBreaker(
                   R"({"at_s": 1, "type": "breaker", "target": "front", "breaker": "bak", "state": "close"})")
            << QStringList { kFault + "/breaker" }
            << "the service 'front' has no breaker named 'bak' (its breakers: 'back'); did you mean 'back'?";
        QTest::addRow("breaker fault naming the callee of a named breaker") << QByteArray(
            R"([{"op": "add", "path": "/services/0/operations/0/steps/0/circuit_breaker", "value": {"name": "back-cb"}},
                   {"op": "add", "path": "/faults", "value": [{"at_s": 1, "type": "breaker", "target": "front", "breaker": "back", "state": "close"}]}])")
                                                                            << QStringList { kFault + "/breaker" }
                                                                            << "(its breakers: 'back-cb')";
        QTest::addRow("breaker fault on an unknown service is reported once")
            << faultWithBreaker(
                   R"({"at_s": 1, "type": "breaker", "target": "frnt", "breaker": "back", "state": "close"})")
            << QStringList { kFault + "/target" } << "did you mean 'front'?";
    }

    void reportsEachFaultProblemAtItsPointer()
    {
        QFETCH(QByteArray, patch);
        QFETCH(QStringList, expected);
        QFETCH(QString, message);
        expectErrorsAt(patch, expected, message);
    }

    void faultsOfEveryTypeLoad_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<ScheduledFault>("expected");

        ScheduledFault delay = scheduled(10, 60, FaultType::Delay, "back");
        delay.fault.delay_ms = 2000;
        delay.fault.percentage = 50;
        QTest::addRow("delay with the default duration")
            << QByteArray(R"({"at_s": 10, "type": "delay", "target": "back", "delay_ms": 2000, "percentage": 50})")
            << delay;
        ScheduledFault abort = scheduled(0, 5, FaultType::Abort, "back");
        abort.fault.percentage = 100;
        QTest::addRow("abort with the default status")
            << QByteArray(R"({"at_s": 0, "duration_s": 5, "type": "abort", "target": "back", "percentage": 100})")
            << abort;
        ScheduledFault grpcAbort = abort;
        grpcAbort.fault.status = 14; // UNAVAILABLE
        grpcAbort.fault.percentage = 0;
        QTest::addRow("abort with a gRPC status") << QByteArray(R"({"at_s": 0, "duration_s": 5, "type": "abort",
            "target": "back", "status": 14, "percentage": 0})")
                                                  << grpcAbort;
        ScheduledFault errorRate = scheduled(1.5, 2.5, FaultType::ErrorRate, "front");
        errorRate.fault.percentage = 12.5;
        QTest::addRow("error_rate") << QByteArray(R"({"at_s": 1.5, "duration_s": 2.5, "type": "error_rate",
            "target": "front", "percentage": 12.5})")
                                    << errorRate;
        ScheduledFault slowdown = scheduled(1, 60, FaultType::Slowdown, "back");
        slowdown.fault.factor = 0.5;
        QTest::addRow("slowdown below 1 speeds up")
            << QByteArray(R"({"at_s": 1, "type": "slowdown", "target": "back", "factor": 0.5})") << slowdown;
        QTest::addRow("crash of every instance") << QByteArray(R"({"at_s": 1, "type": "crash", "target": "back"})")
                                                 << scheduled(1, 60, FaultType::Crash, "back");
        ScheduledFault crashOne = scheduled(1, 60, FaultType::Crash, "back");
        crashOne.fault.instance = 2;
        QTest::addRow("crash of the last instance")
            << QByteArray(R"({"at_s": 1, "type": "crash", "target": "back", "instance": 2})") << crashOne;
        ScheduledFault pause = scheduled(1, 60, FaultType::Pause, "front");
        pause.fault.instance = 0;
        QTest::addRow("pause of one instance")
            << QByteArray(R"({"at_s": 1, "type": "pause", "target": "front", "instance": 0})") << pause;
        ScheduledFault partition = scheduled(1, 60, FaultType::Partition, "front");
        partition.fault.peer = "back";
        QTest::addRow("partition") << QByteArray(
            R"({"at_s": 1, "type": "partition", "target": "front", "peer": "back"})")
                                   << partition;
        ScheduledFault loss = scheduled(1, 60, FaultType::PacketLoss, "back");
        loss.fault.percentage = 3;
        QTest::addRow("packet_loss") << QByteArray(
            R"({"at_s": 1, "type": "packet_loss", "target": "back", "percentage": 3})")
                                     << loss;
        QTest::addRow("consumer_pause") << QByteArray(R"({"at_s": 1, "type": "consumer_pause", "target": "events"})")
                                        << scheduled(1, 60, FaultType::ConsumerPause, "events");
        QTest::addRow("broker_down") << QByteArray(R"({"at_s": 1, "type": "broker_down", "target": "events"})")
                                     << scheduled(1, 60, FaultType::BrokerDown, "events");
        const char* verbs[] = { "force_open", "close", "disable", "automatic" };
        for (int v = 0; v < 4; ++v) {
            ScheduledFault breaker = scheduled(1, 60, FaultType::BreakerOverride, "front");
            breaker.fault.peer = "back";
            breaker.fault.verb = static_cast<BreakerOverrideVerb>(v);
            QTest::addRow("breaker %s", verbs[v]) << (QByteArray("{\"at_s\": 1, \"type\": \"breaker\", \"target\": "
                                                                 "\"front\", \"breaker\": \"back\", \"state\": \"")
                + QByteArray(verbs[v]) + "\"}") << breaker;
        }
    }

    void faultsOfEveryTypeLoad()
    {
        QFETCH(QByteArray, json);
        QFETCH(ScheduledFault, expected);
        const auto result = ScenarioLoader::fromString(patched(faultWithBreaker(json)));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        QCOMPARE(result.scenario->faults.size(), size_t(1));
        const ScheduledFault& actual = result.scenario->faults[0];
        const Fault& f = actual.fault;
        const Fault& e = expected.fault;
        QCOMPARE(actual.at_s, expected.at_s);
        QCOMPARE(f.duration_s, e.duration_s);
        QCOMPARE(int(f.type), int(e.type)); // toString(FaultType) is not QTest's
        QCOMPARE(f.target, e.target);
        QCOMPARE(f.peer, e.peer);
        QCOMPARE(f.instance, e.instance);
        QCOMPARE(f.delay_ms, e.delay_ms);
        QCOMPARE(f.percentage, e.percentage);
        QCOMPARE(f.status, e.status);
        QCOMPARE(f.factor, e.factor);
        QCOMPARE(int(f.verb), int(e.verb));
    }

    void breakerFaultsFindBreakersByNameOrCallee()
    {
        // front calls back with an unnamed breaker (known as "back") and, in a parallel group, back.write
        // with one named "writes".
        const auto result = ScenarioLoader::fromString(patched(R"([
            {"op": "add", "path": "/services/0/operations/0/steps/0/circuit_breaker", "value": {"flavor": "hystrix"}},
            {"op": "add", "path": "/services/0/operations/0/steps/-",
             "value": {"parallel": [{"call": "back", "operation": "write", "circuit_breaker": {"name": "writes"}}]}},
            {"op": "add", "path": "/faults", "value": [
              {"at_s": 1, "type": "breaker", "target": "front", "breaker": "back", "state": "force_open"},
              {"at_s": 2, "type": "breaker", "target": "front", "breaker": "writes", "state": "disable"}]}])"));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        QCOMPARE(result.scenario->faults.size(), size_t(2));
        QCOMPARE(result.scenario->faults[0].fault.peer, std::string("back"));
        QCOMPARE(result.scenario->faults[1].fault.peer, std::string("writes"));
        QCOMPARE(int(result.scenario->faults[1].fault.verb), int(BreakerOverrideVerb::Disable));
    }

    void faultsKeepDocumentOrderAndReportEveryError()
    {
        const auto result = ScenarioLoader::fromString(patched(addAt("/faults", R"([
            {"at_s": 30, "type": "crash", "target": "back"},
            {"at_s": 10, "type": "delay", "target": "back", "delay_ms": 5},
            {"at_s": 20, "type": "slowdown", "target": "nowhere", "factor": -1}])")));
        QCOMPARE(pointers(result), (QStringList { "/faults/1", "/faults/2/target", "/faults/2/factor" }));

        const auto valid = ScenarioLoader::fromString(patched(addAt("/faults", R"([
            {"at_s": 30, "type": "crash", "target": "back"},
            {"at_s": 10, "type": "pause", "target": "back"}])")));
        QVERIFY2(valid.ok(), qPrintable(allErrors(valid)));
        QCOMPARE(valid.scenario->faults.at(0).at_s, 30.0);
        QCOMPARE(valid.scenario->faults.at(1).at_s, 10.0);
    }
};

QTEST_APPLESS_MAIN(tst_FaultLoader)
#include "tst_faultloader.moc"
