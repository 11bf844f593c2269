// The scenario loader: every mistake in a scenario file is reported, at its JSON pointer, in document order;
// valid files load with the documented defaults.

#include "scenario/scenarioloader.h"
#include "support/loaderhelpers.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

using namespace faultline;
using Json = nlohmann::ordered_json;

namespace {

using test::addAt;
using test::allErrors;
using test::pointers;
using test::removeAt;
using test::replaceAt;

// Small but touches every section. Indices the tests patch: services 0 front (calls back.read, publishes
// to events), 1 back (read, write), 2 db (database), 3 worker (consumes events); queue 0 events.
constexpr const char* kBase = R"({
  "format": "faultline.scenario/1",
  "name": "Test",
  "workload": [{"target": "front", "operation": "get", "rate_rps": 10}],
  "services": [
    {"name": "front", "operations": [{"name": "get", "service_time_ms": 1,
      "steps": [{"call": "back", "operation": "read"}, {"publish": "events", "message": "Got"}]}]},
    {"name": "back", "operations": [{"name": "read", "service_time_ms": {"dist": "exponential", "mean": 2}},
                                    {"name": "write", "service_time_ms": 3}]},
    {"name": "db", "kind": "database", "operations": [{"name": "query", "service_time_ms": 1}]},
    {"name": "worker", "operations": [{"name": "handle", "service_time_ms": 5}]}
  ],
  "queues": [{"name": "events", "consumers": [{"service": "worker", "operation": "handle"}]}]
})";

// Paths used by many rows.
const QString kStep0 = "/services/0/operations/0/steps/0";
const QString kStep1 = "/services/0/operations/0/steps/1";
const QString kSteps = "/services/0/operations/0/steps";
const QString kTime = "/services/3/operations/0/service_time_ms";

/// The base scenario with an RFC 6902 JSON patch applied.
std::string patched(const QByteArray& patch)
{
    return test::patched(kBase, patch);
}

ScenarioLoadResult load(const std::string& json)
{
    return ScenarioLoader::fromString(json);
}

const CallStep& callAt(const Operation& op, size_t i)
{
    return std::get<CallStep>(op.steps.at(i));
}

} // namespace

class tst_ScenarioLoader : public QObject {
    Q_OBJECT

private slots:
    void baseScenarioIsValid()
    {
        const auto result = load(kBase);
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
    }

    void reportsEachProblemAtItsPointer_data()
    {
        QTest::addColumn<QByteArray>("patch");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QString>("message");

        // Document
        QTest::addRow("format of another kind of document")
            << replaceAt("/format", "\"faultline.snapshot/1\"") << QStringList { "/format" } << "faultline.scenario/1";
        QTest::addRow("format missing") << removeAt("/format") << QStringList { "" } << "missing required key 'format'";
        QTest::addRow("unknown top-level key suggests the closest") << addAt(
            "/servics", "[]") << QStringList { "/servics" } << "unknown key 'servics'; did you mean 'services'?";
        QTest::addRow("key in the wrong case")
            << addAt("/services/0/Instances", "2") << QStringList { "/services/0/Instances" }
            << "unknown key 'Instances'; did you mean 'instances'?";
        QTest::addRow("unknown key far from any known key")
            << addAt("/services/0/colour", "\"red\"") << QStringList { "/services/0/colour" } << "unknown key 'colour'";
        QTest::addRow("pointer escapes ~ and /")
            << addAt("/services/0/a~0b~1c", "1") << QStringList { "/services/0/a~0b~1c" } << "unknown key 'a~b/c'";
        QTest::addRow("name not a string") << replaceAt("/name", "5") << QStringList { "/name" } << "must be a string";
        QTest::addRow("negative seed") << addAt("/seed", "-1") << QStringList { "/seed" } << "at least 0";
        QTest::addRow("fractional seed") << addAt("/seed", "1.5") << QStringList { "/seed" } << "whole number";
        QTest::addRow("zero duration") << addAt("/duration_s", "0") << QStringList { "/duration_s" }
                                       << "greater than 0";
        QTest::addRow("workload empty") << replaceAt("/workload", "[]") << QStringList { "/workload" }
                                        << "at least one";
        QTest::addRow("workload missing")
            << removeAt("/workload") << QStringList { "" } << "missing required key 'workload'";
        QTest::addRow("services missing")
            << removeAt("/services") << QStringList { "", "/workload/0/target", "/queues/0/consumers/0/service" }
            << "missing required key 'services'";

        QTest::addRow("faults not an array")
            << addAt("/faults", "{}") << QStringList { "/faults" } << "must be an array, but it is an object";

        // Services
        QTest::addRow("misspelt instances")
            << addAt("/services/0/instnaces", "2") << QStringList { "/services/0/instnaces" }
            << "unknown key 'instnaces'; did you mean 'instances'?";
        QTest::addRow("zero instances") << addAt("/services/0/instances", "0")
                                        << QStringList { "/services/0/instances" } << "must be at least 1, but it is 0";
        QTest::addRow("fractional instances")
            << addAt("/services/0/instances", "2.5") << QStringList { "/services/0/instances" } << "whole number";
        QTest::addRow("instances as a string")
            << addAt("/services/0/instances", "\"2\"") << QStringList { "/services/0/instances" } << "the string '2'";
        QTest::addRow("instances beyond int")
            << addAt("/services/0/instances", "3000000000") << QStringList { "/services/0/instances" } << "at most";
        QTest::addRow("zero concurrency")
            << addAt("/services/0/concurrency", "0") << QStringList { "/services/0/concurrency" } << "at least 1";
        QTest::addRow("negative queue_capacity") << addAt("/services/0/queue_capacity", "-1")
                                                 << QStringList { "/services/0/queue_capacity" } << "at least 0";
        QTest::addRow("unknown service kind") << addAt("/services/0/kind", "\"sevice\"")
                                              << QStringList { "/services/0/kind" } << "did you mean 'service'?";
        QTest::addRow("service without operations")
            << addAt("/services/-", R"({"name": "idle", "operations": []})") << QStringList { "/services/4/operations" }
            << "at least one operation";
        QTest::addRow("service missing operations")
            << addAt("/services/-", R"({"name": "idle"})") << QStringList { "/services/4" }
            << "missing required key 'operations'";
        QTest::addRow("service missing name")
            << addAt("/services/-", R"({"operations": [{"name": "x", "service_time_ms": 1}]})")
            << QStringList { "/services/4" } << "missing required key 'name'";
        QTest::addRow("name with a space")
            << addAt("/services/-", R"({"name": "bad name", "operations": [{"name": "x", "service_time_ms": 1}]})")
            << QStringList { "/services/4/name" } << "contains a space";
        QTest::addRow("empty name") << addAt(
            "/services/-", R"({"name": "", "operations": [{"name": "x", "service_time_ms": 1}]})")
                                    << QStringList { "/services/4/name" } << "must not be empty";
        QTest::addRow("name longer than 128") << addAt("/services/-",
            R"({"name": ")" + QByteArray(129, 'a') + R"(", "operations": [{"name": "x", "service_time_ms": 1}]})")
                                              << QStringList { "/services/4/name" } << "at most 128 characters";
        QTest::addRow("duplicate service name")
            << addAt("/services/-", R"({"name": "back", "operations": [{"name": "x", "service_time_ms": 1}]})")
            << QStringList { "/services/4/name" } << "already named 'back' (at /services/1/name)";
        QTest::addRow("duplicate operation name")
            << addAt("/services/1/operations/-", R"({"name": "read", "service_time_ms": 1})")
            << QStringList { "/services/1/operations/2/name" } << "another operation is already named 'read'";
        QTest::addRow("workload client named like a service")
            << addAt("/workload/0/client", "\"back\"") << QStringList { "/workload/0/client" }
            << "same name as the service";
        QTest::addRow("default workload client named like a service")
            << addAt("/services/-", R"({"name": "user", "operations": [{"name": "x", "service_time_ms": 1}]})")
            << QStringList { "/workload/0" } << "'user' (the default)";

        // Operations and steps
        QTest::addRow("error_probability above 1")
            << addAt("/services/1/operations/0/error_probability", "1.5")
            << QStringList { "/services/1/operations/0/error_probability" } << "between 0 and 1";
        QTest::addRow("service_time_ms missing") << removeAt(kTime) << QStringList { "/services/3/operations/0" }
                                                 << "missing required key 'service_time_ms'";
        QTest::addRow("call to unknown service")
            << replaceAt(kStep0 + "/call", "\"bak\"") << QStringList { kStep0 + "/call" }
            << "unknown service 'bak'; did you mean 'back'?";
        QTest::addRow("call to unknown operation")
            << replaceAt(kStep0 + "/operation", "\"raed\"") << QStringList { kStep0 + "/operation" }
            << "the service 'back' has no operation 'raed'; did you mean 'read'?";
        QTest::addRow("call missing operation")
            << removeAt(kStep0 + "/operation") << QStringList { kStep0 } << "missing required key 'operation'";
        QTest::addRow("operation calling itself")
            << addAt("/services/1/operations/0/steps", R"([{"call": "back", "operation": "read"}])")
            << QStringList { "/services/1/operations/0/steps/0/call" } << "calls itself";
        QTest::addRow("operation calling itself inside parallel")
            << addAt("/services/1/operations/0/steps", R"([{"parallel": [{"call": "back", "operation": "read"}]}])")
            << QStringList { "/services/1/operations/0/steps/0/parallel/0/call" } << "calls itself";
        QTest::addRow("async call with a timeout")
            << replaceAt(kStep0, R"({"call": "back", "operation": "read", "kind": "async", "timeout_ms": 100})")
            << QStringList { kStep0 + "/timeout_ms" } << "a timeout only applies to sync calls";
        QTest::addRow("misspelt call kind")
            << addAt(kStep0 + "/kind", "\"sycn\"") << QStringList { kStep0 + "/kind" } << "did you mean 'sync'?";
        QTest::addRow("unknown on_error") << addAt(kStep0 + "/on_error", "\"ignore\"")
                                          << QStringList { kStep0 + "/on_error" } << "'fail' or 'continue'";
        QTest::addRow("negative timeout")
            << addAt(kStep0 + "/timeout_ms", "-5") << QStringList { kStep0 + "/timeout_ms" } << "at least 0";
        QTest::addRow("publish to unknown queue")
            << replaceAt(kStep1 + "/publish", "\"event\"") << QStringList { kStep1 + "/publish" }
            << "unknown queue 'event'; did you mean 'events'?";
        QTest::addRow("publish without message")
            << removeAt(kStep1 + "/message") << QStringList { kStep1 } << "missing required key 'message'";
        QTest::addRow("poison probability above one")
            << addAt(kStep1 + "/poison_probability", "1.5") << QStringList { kStep1 + "/poison_probability" }
            << "between 0 and 1";
        QTest::addRow("call probability above one")
            << addAt(kStep0 + "/probability", "1.01") << QStringList { kStep0 + "/probability" } << "between 0 and 1";
        QTest::addRow("negative publish probability")
            << addAt(kStep1 + "/probability", "-0.1") << QStringList { kStep1 + "/probability" } << "between 0 and 1";
        QTest::addRow("key of a call on a publish")
            << addAt(kStep1 + "/timeout_ms", "5") << QStringList { kStep1 + "/timeout_ms" }
            << "unknown key 'timeout_ms'";
        QTest::addRow("step of no kind") << addAt(kSteps + "/-", R"({"operation": "read"})")
                                         << QStringList { kSteps + "/2" } << "needs one of";
        QTest::addRow("step of two kinds")
            << addAt(kSteps + "/-", R"({"call": "back", "operation": "read", "publish": "events"})")
            << QStringList { kSteps + "/2" } << "more than one";
        QTest::addRow("step not an object")
            << addAt(kSteps + "/-", "5") << QStringList { kSteps + "/2" } << "must be an object";
        QTest::addRow("empty parallel") << addAt(kSteps + "/-", R"({"parallel": []})")
                                        << QStringList { kSteps + "/2/parallel" } << "at least one step";
        QTest::addRow("parallel inside parallel")
            << addAt(kSteps + "/-", R"({"parallel": [{"parallel": [{"publish": "events", "message": "M"}]}]})")
            << QStringList { kSteps + "/2/parallel/0" } << "not another parallel group";
        QTest::addRow("database with steps")
            << addAt("/services/2/operations/0/steps", R"([{"call": "back", "operation": "read"}])")
            << QStringList { "/services/2/operations/0/steps" } << "may not have steps";

        // Distributions
        QTest::addRow("negative constant shorthand") << replaceAt(kTime, "-1") << QStringList { kTime } << "at least 0";
        QTest::addRow("distribution as a string")
            << replaceAt(kTime, "\"5ms\"") << QStringList { kTime } << "number of milliseconds or a distribution";
        QTest::addRow("unknown distribution")
            << replaceAt(kTime, R"({"dist": "normal", "mean": 5})") << QStringList { kTime + "/dist" } << "'lognormal'";
        QTest::addRow("distribution without dist")
            << replaceAt(kTime, R"({"mean": 5})") << QStringList { kTime } << "missing required key 'dist'";
        QTest::addRow("constant without value")
            << replaceAt(kTime, R"({"dist": "constant"})") << QStringList { kTime } << "missing required key 'value'";
        QTest::addRow("exponential with zero mean") << replaceAt(kTime, R"({"dist": "exponential", "mean": 0})")
                                                    << QStringList { kTime + "/mean" } << "greater than 0";
        QTest::addRow("key of another distribution")
            << replaceAt(kTime, R"({"dist": "exponential", "mean": 5, "max": 9})") << QStringList { kTime + "/max" }
            << "unknown key 'max'";
        QTest::addRow("uniform with min above max") << replaceAt(kTime, R"({"dist": "uniform", "min": 9, "max": 1})")
                                                    << QStringList { kTime + "/max" } << "at least min (9)";
        QTest::addRow("lognormal with p99 below median")
            << replaceAt(kTime, R"({"dist": "lognormal", "median": 10, "p99": 8})") << QStringList { kTime + "/p99" }
            << "greater than the median (10)";
        QTest::addRow("lognormal with p99 equal to median")
            << replaceAt(kTime, R"({"dist": "lognormal", "median": 10, "p99": 10})") << QStringList { kTime + "/p99" }
            << "greater than the median";
        QTest::addRow("lognormal with zero median")
            << replaceAt(kTime, R"({"dist": "lognormal", "median": 0, "p99": 8})") << QStringList { kTime + "/median" }
            << "greater than 0";
        QTest::addRow("empirical without buckets") << replaceAt(kTime, R"({"dist": "empirical", "buckets": []})")
                                                   << QStringList { kTime + "/buckets" } << "at least one bucket";
        QTest::addRow("empirical first bound not above min")
            << replaceAt(kTime, R"({"dist": "empirical", "min": 5, "buckets": [{"upper_ms": 5, "weight": 1}]})")
            << QStringList { kTime + "/buckets/0/upper_ms" } << "greater than min (5)";
        QTest::addRow("empirical bounds not ascending") << replaceAt(kTime,
            R"({"dist": "empirical", "buckets": [{"upper_ms": 10, "weight": 1}, {"upper_ms": 10, "weight": 1}]})")
                                                        << QStringList { kTime + "/buckets/1/upper_ms" }
                                                        << "greater than the previous upper_ms (10)";
        QTest::addRow("empirical negative weight")
            << replaceAt(kTime, R"({"dist": "empirical", "buckets": [{"upper_ms": 10, "weight": -1}]})")
            << QStringList { kTime + "/buckets/0/weight" } << "at least 0";
        QTest::addRow("empirical weights all zero")
            << replaceAt(kTime, R"({"dist": "empirical", "buckets": [{"upper_ms": 10, "weight": 0}]})")
            << QStringList { kTime + "/buckets" } << "must not all be zero";

        // Workload
        QTest::addRow("workload target unknown") << replaceAt("/workload/0/target", "\"frnt\"")
                                                 << QStringList { "/workload/0/target" } << "did you mean 'front'?";
        QTest::addRow("workload operation unknown")
            << replaceAt("/workload/0/operation", "\"put\"") << QStringList { "/workload/0/operation" }
            << "has no operation 'put'";
        QTest::addRow("rate_rps and schedule both") << addAt("/workload/0/schedule", R"([{"at_s": 0, "rate_rps": 1}])")
                                                    << QStringList { "/workload/0" } << "not both";
        QTest::addRow("neither rate_rps nor schedule")
            << removeAt("/workload/0/rate_rps") << QStringList { "/workload/0" } << "needs a request rate";
        QTest::addRow("negative rate") << replaceAt("/workload/0/rate_rps", "-1")
                                       << QStringList { "/workload/0/rate_rps" } << "at least 0";
        QTest::addRow("schedule not starting at 0")
            << QByteArray(R"([{"op": "remove", "path": "/workload/0/rate_rps"},
                   {"op": "add", "path": "/workload/0/schedule", "value": [{"at_s": 5, "rate_rps": 1}]}])")
            << QStringList { "/workload/0/schedule/0/at_s" } << "first point of a schedule must be at 0 s";
        QTest::addRow("schedule not ascending")
            << QByteArray(R"([{"op": "remove", "path": "/workload/0/rate_rps"},
                   {"op": "add", "path": "/workload/0/schedule",
                    "value": [{"at_s": 0, "rate_rps": 1}, {"at_s": 10, "rate_rps": 2}, {"at_s": 10, "rate_rps": 3}]}])")
            << QStringList { "/workload/0/schedule/2/at_s" } << "later than the previous point's at_s (10)";
        QTest::addRow("schedule empty") << QByteArray(R"([{"op": "remove", "path": "/workload/0/rate_rps"},
                   {"op": "add", "path": "/workload/0/schedule", "value": []}])")
                                        << QStringList { "/workload/0/schedule" } << "at least one point";
        QTest::addRow("misspelt arrival") << addAt("/workload/0/arrival", "\"poison\"")
                                          << QStringList { "/workload/0/arrival" } << "did you mean 'poisson'?";

        // Queues
        QTest::addRow("queue without consumers key")
            << removeAt("/queues/0/consumers") << QStringList { "/queues/0" } << "has no consumers";
        QTest::addRow("queue with empty consumers")
            << replaceAt("/queues/0/consumers", "[]") << QStringList { "/queues/0/consumers" } << "has no consumers";
        QTest::addRow("duplicate queue name")
            << addAt("/queues/-", R"({"name": "events", "consumers": [{"service": "worker", "operation": "handle"}]})")
            << QStringList { "/queues/1/name" } << "another queue is already named 'events'";
        QTest::addRow("queue named like a service")
            << addAt("/queues/-", R"({"name": "back", "consumers": [{"service": "worker", "operation": "handle"}]})")
            << QStringList { "/queues/1/name" } << "same name as the service at /services/1";
        QTest::addRow("consumer of unknown service")
            << replaceAt("/queues/0/consumers/0/service", "\"wroker\"")
            << QStringList { "/queues/0/consumers/0/service" } << "did you mean 'worker'?";
        QTest::addRow("consumer of unknown operation")
            << replaceAt("/queues/0/consumers/0/operation", "\"handel\"")
            << QStringList { "/queues/0/consumers/0/operation" } << "did you mean 'handle'?";
        QTest::addRow("zero prefetch") << addAt("/queues/0/consumers/0/prefetch", "0")
                                       << QStringList { "/queues/0/consumers/0/prefetch" } << "at least 1";
        QTest::addRow("zero capacity") << addAt("/queues/0/capacity", "0") << QStringList { "/queues/0/capacity" }
                                       << "at least 1";
        QTest::addRow("negative delivery_limit")
            << addAt("/queues/0/delivery_limit", "-1") << QStringList { "/queues/0/delivery_limit" } << "at least 0";
        QTest::addRow("negative message_ttl_ms")
            << addAt("/queues/0/message_ttl_ms", "-1") << QStringList { "/queues/0/message_ttl_ms" } << "at least 0";
        QTest::addRow("requeue_on_failure as a string")
            << addAt("/queues/0/requeue_on_failure", "\"false\"") << QStringList { "/queues/0/requeue_on_failure" }
            << "must be true or false, but it is the string 'false'";
        QTest::addRow("misspelt message_ttl_ms")
            << addAt("/queues/0/message_ttl", "5") << QStringList { "/queues/0/message_ttl" }
            << "did you mean 'message_ttl_ms'?";
        QTest::addRow("unknown dead_letter_queue")
            << addAt("/queues/0/dead_letter_queue", "\"events.dlq\"") << QStringList { "/queues/0/dead_letter_queue" }
            << "unknown queue 'events.dlq'";
        QTest::addRow("unknown overflow")
            << addAt("/queues/0/overflow", "\"drop-tail\"") << QStringList { "/queues/0/overflow" } << "'drop-head'";
        QTest::addRow("misspelt system") << addAt("/queues/0/system", "\"kafak\"") << QStringList { "/queues/0/system" }
                                         << "did you mean 'kafka'?";
        QTest::addRow("workload client named like a queue")
            << addAt("/workload/0/client", "\"events\"") << QStringList { "/workload/0/client" }
            << "same name as the queue";
    }

    void reportsEachProblemAtItsPointer()
    {
        QFETCH(QByteArray, patch);
        QFETCH(QStringList, expected);
        QFETCH(QString, message);

        const auto result = load(patched(patch));
        QVERIFY(!result.ok());
        QCOMPARE(pointers(result), expected);
        QVERIFY2(
            QString::fromStdString(result.errors.front().message).contains(message), qPrintable(allErrors(result)));
    }

    void acceptsValidVariants_data()
    {
        QTest::addColumn<QByteArray>("patch");
        QTest::addRow("call to another operation of the same service")
            << addAt("/services/1/operations/0/steps", R"([{"call": "back", "operation": "write"}])");
        QTest::addRow("dead-letter queue without consumers")
            << QByteArray(R"([{"op": "add", "path": "/queues/0/dead_letter_queue", "value": "events.dlq"},
                   {"op": "add", "path": "/queues/-", "value": {"name": "events.dlq"}}])");
        QTest::addRow("integer written as 2.0") << addAt("/services/0/instances", "2.0");
        QTest::addRow("largest seed") << addAt("/seed", "18446744073709551615");
        QTest::addRow("zero rate, capacity and delivery limit")
            << QByteArray(R"([{"op": "replace", "path": "/workload/0/rate_rps", "value": 0},
                   {"op": "add", "path": "/services/0/queue_capacity", "value": 0},
                   {"op": "add", "path": "/queues/0/delivery_limit", "value": 0}])");
        QTest::addRow("error_probability of 1") << addAt("/services/1/operations/0/error_probability", "1");
        QTest::addRow("async call with on_error continue")
            << replaceAt(kStep0, R"({"call": "back", "operation": "read", "kind": "async", "on_error": "continue"})");
        QTest::addRow("parallel calls and publishes") << addAt(kSteps + "/-",
            R"({"parallel": [{"call": "back", "operation": "write"}, {"publish": "events", "message": "M"}]})");
        QTest::addRow("database with empty steps") << addAt("/services/2/operations/0/steps", "[]");
        QTest::addRow("poisoned publish") << addAt(kStep1 + "/poison_probability", "0.01");
        QTest::addRow("conditional call and publish")
            << QByteArray(R"([{"op": "add", "path": "/services/0/operations/0/steps/0/probability", "value": 0.25},
                   {"op": "add", "path": "/services/0/operations/0/steps/1/probability", "value": 0}])");
        QTest::addRow("ramped schedule") << QByteArray(R"([{"op": "remove", "path": "/workload/0/rate_rps"},
                   {"op": "add", "path": "/workload/0/schedule",
                    "value": [{"at_s": 0, "rate_rps": 1}, {"at_s": 30, "rate_rps": 100, "ramp_s": 10}]}])");
        QTest::addRow("empirical with zero-weight bucket") << replaceAt(kTime,
            R"({"dist": "empirical", "min": 1, "buckets": [{"upper_ms": 2, "weight": 0}, {"upper_ms": 3, "weight": 1}]})");
        QTest::addRow("uniform with min equal to max")
            << replaceAt(kTime, R"({"dist": "uniform", "min": 4, "max": 4})");
        QTest::addRow("all three overflow policies") << addAt("/queues/0/overflow", "\"reject-publish-dlx\"");
    }

    void acceptsValidVariants()
    {
        QFETCH(QByteArray, patch);
        const auto result = load(patched(patch));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
    }

    void reportsEveryErrorNotJustTheFirst()
    {
        const auto result = load(patched(R"([
            {"op": "add", "path": "/services/0/instnaces", "value": 2},
            {"op": "replace", "path": "/services/0/operations/0/steps/0/call", "value": "nowhere"},
            {"op": "replace", "path": "/services/3/operations/0/service_time_ms", "value": {"dist": "uniform", "min": 9, "max": 1}},
            {"op": "replace", "path": "/queues/0/consumers", "value": []},
            {"op": "replace", "path": "/workload/0/target", "value": "frnt"},
            {"op": "add", "path": "/faults", "value": [5]}])"));
        QVERIFY(!result.ok());
        QCOMPARE(pointers(result),
            (QStringList { "/workload/0/target", "/services/0/operations/0/steps/0/call", "/services/0/instnaces",
                "/services/3/operations/0/service_time_ms/max", "/queues/0/consumers", "/faults/0" }));
    }

    void reportsErrorsInDocumentOrderWhateverTheSectionOrder()
    {
        // Queues before services before workload: references are checked after declarations are known, yet
        // the errors still come out in the order a reader meets them.
        const auto result = load(R"({
          "queues": [{"name": "q", "consumers": [{"service": "nope", "operation": "x"}]}],
          "services": [{"name": "a", "instances": 0,
                        "operations": [{"name": "op", "service_time_ms": 1,
                                        "steps": [{"publish": "missing", "message": "M"}]}]}],
          "workload": [{"target": "a", "operation": "op", "rate_rps": -1}],
          "format": "faultline.scenario/1"
        })");
        QCOMPARE(pointers(result),
            (QStringList { "/queues/0/consumers/0/service", "/services/0/instances",
                "/services/0/operations/0/steps/0/publish", "/workload/0/rate_rps" }));
    }

    void reportsSyntaxErrorWithLineAndColumn()
    {
        const auto result = load("{\n  \"format\": \"faultline.scenario/1\",\n  \"name\": ,\n}");
        QCOMPARE(result.errors.size(), size_t(1));
        QCOMPARE(result.errors[0].pointer, std::string());
        const QString message = QString::fromStdString(result.errors[0].message);
        QVERIFY2(message.contains("not valid JSON at line 3, column 11"), qPrintable(message));
    }

    void reportsEmptyDocumentAsSyntaxError()
    {
        const auto result = load("");
        QCOMPARE(result.errors.size(), size_t(1));
        QCOMPARE(result.errors[0].pointer, std::string());
        QVERIFY(QString::fromStdString(result.errors[0].message).contains("not valid JSON"));
    }

    void reportsNumberBeyondADouble()
    {
        const auto result = load(R"({"format": "faultline.scenario/1", "seed": 1e400})");
        QCOMPARE(pointers(result), QStringList { "" });
        QVERIFY2(QString::fromStdString(result.errors[0].message).contains("not valid JSON: number overflow"),
            result.errors[0].message.c_str());
    }

    void reportsDocumentThatIsNotAnObject()
    {
        const auto result = load("[1, 2]");
        QCOMPARE(pointers(result), QStringList { "" });
        QVERIFY(QString::fromStdString(result.errors[0].message).contains("must be a JSON object"));
    }

    void reportsKeysGivenTwice()
    {
        // nlohmann_json keeps only the last value; a silently ignored first value would be worse than an error.
        std::string text = kBase;
        text.replace(text.find("{\"name\": \"back\","), 16, "{\"name\": \"back\", \"instances\": 1, \"instances\": 2,");
        const auto result = load(text);
        QCOMPARE(pointers(result), QStringList { "/services/1/instances" });
        QVERIFY(QString::fromStdString(result.errors[0].message).contains("more than once"));
    }

    void reportsHostileNestingWithoutCrashing()
    {
        const std::string text = std::string(100000, '[') + std::string(100000, ']');
        const auto result = load(text);
        QCOMPARE(pointers(result), QStringList { "" });
        QVERIFY(QString::fromStdString(result.errors[0].message).contains("nests deeper"));
    }

    void loadsShippedCheckoutScenario()
    {
        const auto result = ScenarioLoader::fromFile(FAULTLINE_SOURCE_DIR "/resources/scenarios/checkout.json");
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const Scenario& s = *result.scenario;
        QCOMPARE(s.name, std::string("Checkout"));
        QCOMPARE(s.seed, uint64_t(42));
        QCOMPARE(s.duration_s, 300.0);
        QCOMPARE(s.services.size(), size_t(9));
        QCOMPARE(s.queues.size(), size_t(1));
        QCOMPARE(s.workload.size(), size_t(1));
        QCOMPARE(s.workload[0].schedule.size(), size_t(1));
        QCOMPARE(s.workload[0].schedule[0].rate_rps, 50.0);

        const Service* orders = s.findService("orders");
        QVERIFY(orders);
        QCOMPARE(orders->operations.at(0).steps.size(), size_t(4));
        QCOMPARE(callAt(orders->operations[0], 1).service, std::string("orders-db"));
        QCOMPARE(callAt(orders->operations[0], 1).protocol, std::string("postgresql"));
        QVERIFY(std::holds_alternative<PublishStep>(orders->operations[0].steps[3]));
        QCOMPARE(s.findService("orders-db")->kind, ServiceKind::Database);
        QCOMPARE(s.findService("bank")->kind, ServiceKind::External);
        QCOMPARE(s.findService("inventory")->operations.at(0).service_time.kind, Distribution::Kind::Lognormal);

        const Queue* events = s.findQueue("order-events");
        QVERIFY(events);
        QCOMPARE(events->system, std::string("kafka"));
        QCOMPARE(events->consumers.size(), size_t(2));
        QCOMPARE(events->consumers[1].service, std::string("shipping"));
        QVERIFY(!s.findQueue("orders"));
        QVERIFY(!s.findService("order-events"));
    }

    void documentedExampleIsValid()
    {
        // The first JSON block of docs/scenario-format.md is the complete example users copy from.
        std::ifstream in(FAULTLINE_SOURCE_DIR "/docs/scenario-format.md");
        const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const size_t start = doc.find("```json\n");
        QVERIFY(start != std::string::npos);
        const size_t end = doc.find("```", start + 8);
        const auto result = load(doc.substr(start + 8, end - start - 8));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        QCOMPARE(result.scenario->queues.size(), size_t(2));
    }

    void appliesDefaults()
    {
        const auto result = load(R"({
          "format": "faultline.scenario/1",
          "workload": [{"target": "a", "operation": "op", "rate_rps": 5}],
          "services": [
            {"name": "a", "operations": [{"name": "op", "service_time_ms": 2,
              "steps": [{"call": "b", "operation": "op"}, {"call": "db", "operation": "q"}]}]},
            {"name": "b", "operations": [{"name": "op", "service_time_ms": 2,
              "steps": [{"publish": "q", "message": "M"}]}]},
            {"name": "db", "kind": "database", "operations": [{"name": "q", "service_time_ms": 1}]}
          ],
          "queues": [{"name": "q", "consumers": [{"service": "b", "operation": "op"}]}]
        })");
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const Scenario& s = *result.scenario;
        QCOMPARE(s.name, std::string());
        QCOMPARE(s.description, std::string());
        QCOMPARE(s.seed, uint64_t(1));
        QCOMPARE(s.duration_s, 300.0);

        const Workload& w = s.workload.at(0);
        QCOMPARE(w.client, std::string("user"));
        QCOMPARE(w.arrival, Arrival::Poisson);
        QCOMPARE(w.protocol, std::string("http"));
        QCOMPARE(w.timeout_ms, 0.0);
        QCOMPARE(w.schedule.size(), size_t(1));
        QCOMPARE(w.schedule[0].at_s, 0.0);
        QCOMPARE(w.schedule[0].rate_rps, 5.0);
        QCOMPARE(w.schedule[0].ramp_s, 0.0);

        const Service& a = s.services.at(0);
        QCOMPARE(a.kind, ServiceKind::Service);
        QCOMPARE(a.instances, 1);
        QCOMPARE(a.concurrency, 16);
        QCOMPARE(a.queue_capacity, 128);
        QCOMPARE(a.operations.at(0).error_probability, 0.0);
        QCOMPARE(a.operations[0].service_time.kind, Distribution::Kind::Constant);
        QCOMPARE(a.operations[0].service_time.value_ms, 2.0);

        const CallStep& toB = callAt(a.operations[0], 0);
        QCOMPARE(toB.kind, CallKind::Sync);
        QCOMPARE(toB.protocol, std::string("http"));
        QCOMPARE(toB.timeout_ms, 0.0);
        QCOMPARE(toB.continue_on_error, false);
        QVERIFY(!toB.retry && !toB.circuit_breaker && !toB.bulkhead && !toB.limits && !toB.outlier_detection);
        QVERIFY(!toB.hedging && !toB.adaptive_throttling);
        QCOMPARE(toB.load_balancing, LoadBalancing::RoundRobin);
        QCOMPARE(toB.propagate_deadline, false);
        QCOMPARE(callAt(a.operations[0], 1).protocol, std::string("postgresql"));

        const Queue& q = s.queues.at(0);
        QCOMPARE(q.system, std::string("rabbitmq"));
        QCOMPARE(q.capacity, int64_t(100000));
        QCOMPARE(q.overflow, QueueOverflow::DropHead);
        QCOMPARE(q.dead_letter_queue, std::string());
        QCOMPARE(q.delivery_limit, 0);
        QCOMPARE(q.message_ttl_ms, 0.0);
        QCOMPARE(q.requeue_on_failure, true);
        QCOMPARE(q.consumers.at(0).prefetch, 10);
        QVERIFY(s.faults.empty());
    }

    void readsEveryExplicitValue()
    {
        const auto result = load(patched(R"([
            {"op": "add", "path": "/seed", "value": 7},
            {"op": "add", "path": "/description", "value": "D"},
            {"op": "add", "path": "/duration_s", "value": 12.5},
            {"op": "add", "path": "/workload/0/client", "value": "mobile"},
            {"op": "add", "path": "/workload/0/arrival", "value": "constant"},
            {"op": "add", "path": "/workload/0/protocol", "value": "grpc"},
            {"op": "add", "path": "/workload/0/timeout_ms", "value": 900},
            {"op": "add", "path": "/services/1/kind", "value": "external"},
            {"op": "add", "path": "/services/1/instances", "value": 3},
            {"op": "add", "path": "/services/1/concurrency", "value": 4},
            {"op": "add", "path": "/services/1/queue_capacity", "value": 5},
            {"op": "replace", "path": "/services/0/operations/0/steps/0",
             "value": {"call": "back", "operation": "read", "kind": "sync", "protocol": "grpc", "timeout_ms": 250,
                       "on_error": "continue"}},
            {"op": "add", "path": "/queues/0/system", "value": "kafka"},
            {"op": "add", "path": "/queues/0/capacity", "value": 5000000000},
            {"op": "add", "path": "/queues/0/overflow", "value": "reject-publish"},
            {"op": "add", "path": "/queues/0/delivery_limit", "value": 4},
            {"op": "add", "path": "/queues/0/message_ttl_ms", "value": 1500.5},
            {"op": "add", "path": "/queues/0/requeue_on_failure", "value": false},
            {"op": "add", "path": "/queues/0/consumers/0/prefetch", "value": 2}])"));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const Scenario& s = *result.scenario;
        QCOMPARE(s.seed, uint64_t(7));
        QCOMPARE(s.description, std::string("D"));
        QCOMPARE(s.duration_s, 12.5);
        QCOMPARE(s.workload[0].client, std::string("mobile"));
        QCOMPARE(s.workload[0].arrival, Arrival::Constant);
        QCOMPARE(s.workload[0].protocol, std::string("grpc"));
        QCOMPARE(s.workload[0].timeout_ms, 900.0);
        const Service& back = s.services.at(1);
        QCOMPARE(back.kind, ServiceKind::External);
        QCOMPARE(back.instances, 3);
        QCOMPARE(back.concurrency, 4);
        QCOMPARE(back.queue_capacity, 5);
        const CallStep& call = callAt(s.services[0].operations[0], 0);
        QCOMPARE(call.protocol, std::string("grpc"));
        QCOMPARE(call.timeout_ms, 250.0);
        QCOMPARE(call.continue_on_error, true);
        const PublishStep& publish = std::get<PublishStep>(s.services[0].operations[0].steps.at(1));
        QCOMPARE(publish.queue, std::string("events"));
        QCOMPARE(publish.message, std::string("Got"));
        const Queue& q = s.queues.at(0);
        QCOMPARE(q.system, std::string("kafka"));
        QCOMPARE(q.capacity, int64_t(5000000000));
        QCOMPARE(q.overflow, QueueOverflow::RejectPublish);
        QCOMPARE(q.delivery_limit, 4);
        QCOMPARE(q.message_ttl_ms, 1500.5);
        QCOMPARE(q.requeue_on_failure, false);
        QCOMPARE(q.consumers[0].prefetch, 2);
    }

    void readsStepProbabilities()
    {
        const auto result
            = load(patched(R"([{"op": "add", "path": "/services/0/operations/0/steps/0/probability", "value": 0.25},
                   {"op": "add", "path": "/services/0/operations/0/steps/1/probability", "value": 0.5}])"));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const auto& steps = result.scenario->services[0].operations[0].steps;
        QCOMPARE(std::get<CallStep>(steps.at(0)).probability, 0.25);
        QCOMPARE(std::get<PublishStep>(steps.at(1)).probability, 0.5);
        // Left out, a step always runs.
        const auto plain = load(kBase);
        QCOMPARE(std::get<CallStep>(plain.scenario->services[0].operations[0].steps.at(0)).probability, 1.0);
    }

    void keepsParallelGroupsNested()
    {
        const auto result = load(patched(addAt(kSteps + "/-",
            R"({"parallel": [{"call": "back", "operation": "write", "kind": "async"}, {"publish": "events", "message": "M"}]})")));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const auto& group = std::get<ParallelStep>(result.scenario->services[0].operations[0].steps.at(2));
        QCOMPARE(group.steps.size(), size_t(2));
        QCOMPARE(std::get<CallStep>(group.steps[0]).kind, CallKind::Async);
        QCOMPARE(std::get<PublishStep>(group.steps[1]).queue, std::string("events"));
    }

    void computesDistributionMeans_data()
    {
        QTest::addColumn<QByteArray>("distribution");
        QTest::addColumn<double>("mean");
        const double sigma = (std::log(80.0) - std::log(10.0)) / 2.3263478740408408;
        QTest::addRow("bare number is constant") << QByteArray("5") << 5.0;
        QTest::addRow("constant") << QByteArray(R"({"dist": "constant", "value": 7})") << 7.0;
        QTest::addRow("exponential") << QByteArray(R"({"dist": "exponential", "mean": 5})") << 5.0;
        QTest::addRow("uniform") << QByteArray(R"({"dist": "uniform", "min": 1, "max": 9})") << 5.0;
        QTest::addRow("lognormal by median and p99") << QByteArray(R"({"dist": "lognormal", "median": 10, "p99": 80})")
                                                     << std::exp(std::log(10.0) + sigma * sigma / 2.0);
        // Uniform within each bucket: (3 * 5 + 1 * 15) / 4.
        QTest::addRow("empirical from 0") << QByteArray(
            R"({"dist": "empirical", "buckets": [{"upper_ms": 10, "weight": 3}, {"upper_ms": 20, "weight": 1}]})")
                                          << 7.5;
        // (1 * 6 + 1 * 15) / 2: the first bucket starts at min.
        QTest::addRow("empirical from min") << QByteArray(
            R"({"dist": "empirical", "min": 2, "buckets": [{"upper_ms": 10, "weight": 1}, {"upper_ms": 20, "weight": 1}]})")
                                            << 10.5;
    }

    void computesDistributionMeans()
    {
        QFETCH(QByteArray, distribution);
        QFETCH(double, mean);
        const auto result = load(patched(replaceAt(kTime, distribution)));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const double actual = result.scenario->services.at(3).operations.at(0).service_time.mean();
        QVERIFY2(std::abs(actual - mean) < 1e-9 * mean, qPrintable(QString("%1 != %2").arg(actual).arg(mean)));
    }

    void lognormalMeanExceedsMedian()
    {
        // A check on the formula from another side: a right-skewed distribution's mean lies above its median.
        Distribution d;
        d.kind = Distribution::Kind::Lognormal;
        d.median_ms = 6;
        d.p99_ms = 40;
        QVERIFY(d.mean() > 6.0);
        QVERIFY(d.mean() < 40.0);
    }

    void fromFileReportsUnreadableFile()
    {
        const std::string path = "/nonexistent/faultline/scenario.json";
        const auto result = ScenarioLoader::fromFile(path);
        QCOMPARE(result.errors.size(), size_t(1));
        QCOMPARE(result.errors[0].pointer, std::string());
        QCOMPARE(result.errors[0].message, "cannot read " + path + ": No such file or directory");
    }

    void fromFileReportsDirectory()
    {
        QTemporaryDir dir;
        const auto result = ScenarioLoader::fromFile(dir.path().toStdString());
        QCOMPARE(result.errors.size(), size_t(1));
        QVERIFY(QString::fromStdString(result.errors[0].message).contains("is a directory"));
    }

    void fromFileRejectsFilesOver16MiB()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("big.json").toStdString();
        {
            std::ofstream out(path, std::ios::binary);
            out << std::string(16 * 1024 * 1024 + 1, ' ');
        }
        const auto result = ScenarioLoader::fromFile(path);
        QCOMPARE(result.errors.size(), size_t(1));
        QCOMPARE(result.errors[0].pointer, std::string());
        QVERIFY2(QString::fromStdString(result.errors[0].message).contains("larger than 16 MiB"),
            result.errors[0].message.c_str());
    }

    void fromFileLoadsWhatFromStringLoads()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("s.json").toStdString();
        {
            std::ofstream out(path, std::ios::binary);
            out << kBase;
        }
        const auto result = ScenarioLoader::fromFile(path);
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        QCOMPARE(result.scenario->services.size(), size_t(4));
    }

    void errorToStringJoinsPointerAndMessage()
    {
        QCOMPARE((ScenarioError { "/services/0/instances", "must be at least 1" }.toString()),
            std::string("/services/0/instances: must be at least 1"));
        QCOMPARE((ScenarioError { "", "not valid JSON" }.toString()), std::string("(document): not valid JSON"));
    }
};

QTEST_APPLESS_MAIN(tst_ScenarioLoader)
#include "tst_scenarioloader.moc"
