#pragma once
// The base scenario the resilience-policy and fault loader tests patch, with pointers into it and builders
// for the patches they apply (tst_policyloader, tst_faultloader).

#include "scenario/scenarioloader.h"
#include "support/loaderhelpers.h"

#include <QTest>

#include <string>
#include <variant>

namespace faultline::test {

// Services 0 front (2 instances; step 0 calls back.read, step 1 publishes to events), 1 back (3 instances),
// 2 worker (consumes events); queue 0 events.
inline constexpr const char* kBase = R"({
  "format": "faultline.scenario/1",
  "workload": [{"target": "front", "operation": "get", "rate_rps": 10}],
  "services": [
    {"name": "front", "instances": 2, "operations": [{"name": "get", "service_time_ms": 1,
      "steps": [{"call": "back", "operation": "read"}, {"publish": "events", "message": "Got"}]}]},
    {"name": "back", "instances": 3, "operations": [{"name": "read", "service_time_ms": 2},
                                                   {"name": "write", "service_time_ms": 3}]},
    {"name": "worker", "operations": [{"name": "handle", "service_time_ms": 5}]}
  ],
  "queues": [{"name": "events", "consumers": [{"service": "worker", "operation": "handle"}]}]
})";

inline const QString kStep0 = "/services/0/operations/0/steps/0";
inline const QString kStep1 = "/services/0/operations/0/steps/1";
inline const QString kSteps = "/services/0/operations/0/steps";
inline const QString kRetry = kStep0 + "/retry";
inline const QString kBreaker = kStep0 + "/circuit_breaker";
inline const QString kFault = "/faults/0";

inline std::string patched(const QByteArray& patch)
{
    return test::patched(kBase, patch);
}

/// The base scenario's first call with `key` set to `value`.
inline QByteArray policy(const char* key, const QByteArray& value)
{
    return addAt(kStep0 + "/" + key, value);
}

/// The base scenario with one fault.
inline QByteArray fault(const QByteArray& value)
{
    return addAt("/faults", "[" + value + "]");
}

/// The base scenario with a breaker on front's call to back (named `back` after the callee) and one fault.
inline QByteArray faultWithBreaker(const QByteArray& value)
{
    return "[{\"op\":\"add\",\"path\":\"" + kBreaker.toUtf8() + "\",\"value\":{}},"
        + "{\"op\":\"add\",\"path\":\"/faults\",\"value\":[" + value + "]}]";
}

/// Loads the base scenario with `patch` and returns front's first call; fails the test when it does not load.
inline const CallStep* firstCall(const ScenarioLoadResult& result)
{
    if (!result.ok()) return nullptr;
    return &std::get<CallStep>(result.scenario->services.at(0).operations.at(0).steps.at(0));
}

/// Loads the base scenario with `patch` and checks it fails with exactly the `expected` pointers, the first
/// error's message containing `message`.
inline void expectErrorsAt(const QByteArray& patch, const QStringList& expected, const QString& message)
{
    const auto result = ScenarioLoader::fromString(patched(patch));
    QVERIFY(!result.ok());
    QCOMPARE(pointers(result), expected);
    QVERIFY2(QString::fromStdString(result.errors.front().message).contains(message), qPrintable(allErrors(result)));
}

} // namespace faultline::test
