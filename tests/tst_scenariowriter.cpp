// ScenarioWriter: what it writes loads back into the same scenario, for every built-in scenario and for the
// documented examples that use every policy and fault type.

#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "scenario/scenariowriter.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <sstream>

using namespace faultline;

namespace {

Scenario load(std::string_view json)
{
    const ScenarioLoadResult result = ScenarioLoader::fromString(json);
    if (!result.ok()) {
        for (const ScenarioError& e : result.errors)
            qWarning("%s", e.toString().c_str());
        return {};
    }
    return *result.scenario;
}

/// The complete scenario examples in docs/scenario-format.md (the JSON blocks with a "format" key).
QStringList documentedScenarios()
{
    QFile file(QStringLiteral(FAULTLINE_SOURCE_DIR "/docs/scenario-format.md"));
    if (!file.open(QIODevice::ReadOnly)) return {};
    const QString text = QString::fromUtf8(file.readAll());
    QStringList out;
    static const QRegularExpression block(
        QStringLiteral("```json\\n(.*?)```"), QRegularExpression::DotMatchesEverythingOption);
    for (auto it = block.globalMatch(text); it.hasNext();) {
        const QString json = it.next().captured(1);
        if (json.contains(QStringLiteral("\"format\""))) out << json;
    }
    return out;
}

} // namespace

class tst_ScenarioWriter : public QObject {
    Q_OBJECT

private slots:
    void roundTrips_data()
    {
        QTest::addColumn<QString>("json");
        for (const BuiltinScenario& b : builtinScenarios())
            QTest::newRow(std::string(b.id).c_str()) << QString::fromUtf8(b.json.data(), qsizetype(b.json.size()));
        const QStringList docs = documentedScenarios();
        QVERIFY(docs.size() >= 2); // the small example and the one with every policy
        for (qsizetype i = 0; i < docs.size(); ++i)
            QTest::newRow(qPrintable(QStringLiteral("docs example %1").arg(i))) << docs[i];
    }

    // load -> write -> load -> write: the loader accepts what was written (so it holds no unknown key and
    // every value is in range), and the second text is byte for byte the first.
    void roundTrips()
    {
        QFETCH(QString, json);
        const Scenario original = load(json.toStdString());
        QVERIFY(!original.services.empty());
        const std::string first = ScenarioWriter::toJson(original);
        const ScenarioLoadResult reloaded = ScenarioLoader::fromString(first);
        for (const ScenarioError& e : reloaded.errors)
            qWarning("%s", e.toString().c_str());
        QVERIFY(reloaded.ok());
        const std::string second = ScenarioWriter::toJson(*reloaded.scenario);
        QCOMPARE(QString::fromStdString(second), QString::fromStdString(first));

        const Scenario& copy = *reloaded.scenario;
        QCOMPARE(copy.name, original.name);
        QCOMPARE(copy.description, original.description);
        QCOMPARE(copy.seed, original.seed);
        QCOMPARE(copy.duration_s, original.duration_s);
        QCOMPARE(copy.services.size(), original.services.size());
        QCOMPARE(copy.queues.size(), original.queues.size());
        QCOMPARE(copy.workload.size(), original.workload.size());
        QCOMPARE(copy.faults.size(), original.faults.size());
        for (size_t i = 0; i < copy.services.size(); ++i) {
            QCOMPARE(copy.services[i].name, original.services[i].name);
            QCOMPARE(copy.services[i].instances, original.services[i].instances);
            QCOMPARE(copy.services[i].operations.size(), original.services[i].operations.size());
            for (size_t j = 0; j < copy.services[i].operations.size(); ++j)
                QCOMPARE(copy.services[i].operations[j].service_time.mean(),
                    original.services[i].operations[j].service_time.mean());
        }
        for (size_t i = 0; i < copy.faults.size(); ++i)
            QCOMPARE(describe(copy.faults[i].fault), describe(original.faults[i].fault));
        // The lesson comes back whole: a built-in saved and reopened still teaches.
        QCOMPARE(copy.lesson.has_value(), original.lesson.has_value());
        if (original.lesson) {
            QCOMPARE(copy.lesson->idea, original.lesson->idea);
            QCOMPARE(copy.lesson->explanation, original.lesson->explanation);
            QCOMPARE(copy.lesson->watch, original.lesson->watch);
            QCOMPARE(copy.lesson->steps.size(), original.lesson->steps.size());
            for (size_t i = 0; i < copy.lesson->steps.size(); ++i) {
                QCOMPARE(copy.lesson->steps[i].text, original.lesson->steps[i].text);
                QCOMPARE(copy.lesson->steps[i].fault.has_value(), original.lesson->steps[i].fault.has_value());
                if (original.lesson->steps[i].fault)
                    QCOMPARE(
                        describe(copy.lesson->steps[i].fault->fault), describe(original.lesson->steps[i].fault->fault));
            }
        }
    }

    void keepsStepProbabilities()
    {
        Scenario s = load(builtinScenario("checkout"));
        auto& steps = const_cast<std::vector<Step>&>(s.findService("orders")->operations.at(0).steps);
        std::get<CallStep>(steps.at(0)).probability = 0.25;
        std::get<PublishStep>(steps.at(3)).probability = 0.5;
        const Scenario copy = load(ScenarioWriter::toJson(s));
        const auto& again = copy.findService("orders")->operations.at(0).steps;
        QCOMPARE(std::get<CallStep>(again.at(0)).probability, 0.25);
        QCOMPARE(std::get<PublishStep>(again.at(3)).probability, 0.5);
    }

    // The documented example with every policy keeps each policy's settings, not just its presence.
    void keepsEveryPolicy()
    {
        const QStringList docs = documentedScenarios();
        QVERIFY(docs.size() >= 2);
        const Scenario original = load(docs.last().toStdString());
        const Scenario copy = load(ScenarioWriter::toJson(original));
        const auto& steps = copy.services.at(0).operations.at(0).steps;
        QCOMPARE(steps.size(), size_t(6));
        const auto& cart = std::get<CallStep>(steps[0]);
        QVERIFY(cart.retry && cart.circuit_breaker && cart.bulkhead);
        QCOMPARE(cart.retry->count, 3);
        QVERIFY(cart.retry->backoff.kind == BackoffKind::Exponential);
        QVERIFY(cart.retry->backoff.jitter == Jitter::Randomized);
        QCOMPARE(cart.retry->backoff.randomization_factor, 0.5);
        QCOMPARE(cart.retry->per_try_timeout_ms, 200.0);
        QCOMPARE(cart.circuit_breaker->name, std::string("cart-breaker"));
        QCOMPARE(cart.circuit_breaker->slow_call_duration_threshold_ms, 300.0);
        QCOMPARE(cart.bulkhead->max_wait_ms, 10.0);
        QVERIFY(cart.load_balancing == LoadBalancing::LeastRequest);
        QVERIFY(cart.propagate_deadline);
        const auto& payments = std::get<CallStep>(steps[1]);
        QVERIFY(payments.retry->flavor == RetryFlavor::Urllib3);
        QCOMPARE(payments.retry->count, 2);
        QCOMPARE(payments.retry->backoff.initial_ms, 100.0); // backoff_factor 0.1 s
        QCOMPARE(payments.retry->method, std::string("PUT"));
        QVERIFY(payments.circuit_breaker->flavor == BreakerFlavor::ConsecutiveFailures);
        QCOMPARE(payments.limits->max_pending_requests, 50);
        QCOMPARE(payments.outlier_detection->max_ejection_percent, 50.0);
        QCOMPARE(payments.adaptive_throttling->window_ms, 120000.0);
        const auto& catalog = std::get<CallStep>(steps[2]);
        QCOMPARE(catalog.hedging->max_attempts, 3);
        QVERIFY(catalog.circuit_breaker->flavor == BreakerFlavor::Hystrix);
        const auto& reserve = std::get<CallStep>(steps[3]);
        QVERIFY(reserve.retry->flavor == RetryFlavor::Grpc);
        QVERIFY(reserve.retry->throttling);
        QCOMPARE(reserve.retry->throttling->token_ratio, 0.1);
        QVERIFY(!reserve.retry->retry_on.timeout && reserve.retry->retry_on.rejected);
        const auto& check = std::get<CallStep>(steps[4]);
        QVERIFY(check.retry->flavor == RetryFlavor::Envoy);
        QCOMPARE(check.retry->budget->min_retry_concurrency, 3);
        QCOMPARE(copy.queues.at(0).delivery_limit, 3);
        QCOMPARE(copy.queues.at(0).dead_letter_queue, std::string("orders.dlq"));
        QVERIFY(copy.queues.at(1).consumers.empty());
        QCOMPARE(copy.faults.size(), size_t(12));
        QCOMPARE(copy.faults.at(4).fault.instance, 0);
        QVERIFY(copy.faults.at(10).fault.verb == BreakerOverrideVerb::ForceOpen);
        QCOMPARE(copy.faults.at(10).fault.peer, std::string("cart-breaker"));
    }

    void writesNumbersReadably()
    {
        Scenario s = load(builtinScenario("checkout"));
        s.duration_s = 120.0;
        s.services.at(0).operations.at(0).error_probability = 0.015;
        const std::string json = ScenarioWriter::toJson(s);
        QVERIFY(json.find("\"duration_s\": 120,") != std::string::npos);
        QVERIFY(json.find("\"error_probability\": 0.015") != std::string::npos);
        QVERIFY(json.find("\"format\": \"faultline.scenario/1\"") != std::string::npos);
        QVERIFY(json.ends_with('\n'));
    }

    void writesAFileTheLoaderReads()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const Scenario s = load(builtinScenario("retry-storm"));
        const std::string path = dir.filePath(QStringLiteral("saved.json")).toStdString();
        std::string error;
        QVERIFY(ScenarioWriter::toFile(s, path, &error));
        QVERIFY(error.empty());
        const ScenarioLoadResult back = ScenarioLoader::fromFile(path);
        QVERIFY(back.ok());
        QCOMPARE(ScenarioWriter::toJson(*back.scenario), ScenarioWriter::toJson(s));
    }

    void reportsAnUnwritablePath()
    {
        QTemporaryDir dir;
        const Scenario s = load(builtinScenario("checkout"));
        std::string error;
        const std::string path = dir.filePath(QStringLiteral("no/such/dir/x.json")).toStdString();
        QVERIFY(!ScenarioWriter::toFile(s, path, &error));
        QVERIFY2(error.find("cannot write") != std::string::npos, error.c_str());
    }
};

QTEST_GUILESS_MAIN(tst_ScenarioWriter)
#include "tst_scenariowriter.moc"
