// The scenario loader's resilience policies and scripted faults: each mistake is reported at its JSON pointer,
// absent keys take the libraries' defaults, given ones land in the model, and the documented examples load.

#include "resilience/retry.h"
#include "scenario/scenarioloader.h"
#include "support/policyscenario.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

using namespace faultline;
using Json = nlohmann::ordered_json;

namespace {

using namespace faultline::test;

std::string readDoc()
{
    std::ifstream in(FAULTLINE_SOURCE_DIR "/docs/scenario-format.md");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// The first ```json block after `heading` (or after the start) in the scenario format document.
std::string jsonBlockAfter(const std::string& doc, size_t from)
{
    const size_t start = doc.find("```json\n", from);
    if (start == std::string::npos) return {};
    const size_t end = doc.find("```", start + 8);
    return doc.substr(start + 8, end - start - 8);
}

QString describeRetry(const RetryConfig& r)
{
    return QString("flavor %1 count %2 backoff kind %3 initial %4 multiplier %5 max %6 jitter %7 factor %8 "
                   "retry_on %9%10%11%12 method %13 per_try %14 budget %15 throttling %16")
        .arg(int(r.flavor))
        .arg(r.count)
        .arg(int(r.backoff.kind))
        .arg(r.backoff.initial_ms)
        .arg(r.backoff.multiplier)
        .arg(r.backoff.max_ms)
        .arg(int(r.backoff.jitter))
        .arg(r.backoff.randomization_factor)
        .arg(int(r.retry_on.timeout))
        .arg(int(r.retry_on.rejected))
        .arg(int(r.retry_on.error))
        .arg(int(r.retry_on.connect_failure))
        .arg(QString::fromStdString(r.method))
        .arg(r.per_try_timeout_ms)
        .arg(r.budget ? QString("%1/%2").arg(r.budget->budget_percent).arg(r.budget->min_retry_concurrency) : "none")
        .arg(r.throttling ? QString("%1/%2").arg(r.throttling->max_tokens).arg(r.throttling->token_ratio) : "none");
}

} // namespace

class tst_PolicyLoader : public QObject {
    Q_OBJECT

private slots:
    void reportsEachProblemAtItsPointer_data()
    {
        QTest::addColumn<QByteArray>("patch");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QString>("message");

        // Retry
        QTest::addRow("retry not an object")
            << policy("retry", "3") << QStringList { kRetry } << "must be an object, but it is 3";
        QTest::addRow("unknown retry flavor") << policy("retry", R"({"flavor": "resilience4"})")
                                              << QStringList { kRetry + "/flavor" } << "did you mean 'resilience4j'?";
        QTest::addRow("misspelt retry key")
            << policy("retry", R"({"max_attempt": 3})") << QStringList { kRetry + "/max_attempt" }
            << "unknown key 'max_attempt'; did you mean 'max_attempts'?";
        QTest::addRow("resilience4j max_attempts 0")
            << policy("retry", R"({"max_attempts": 0})") << QStringList { kRetry + "/max_attempts" }
            << "must be at least 1, but it is 0";
        QTest::addRow("urllib3 negative total") << policy("retry", R"({"flavor": "urllib3", "total": -1})")
                                                << QStringList { kRetry + "/total" } << "at least 0";
        QTest::addRow("grpc max_attempts 1") << policy("retry", R"({"flavor": "grpc", "max_attempts": 1})")
                                             << QStringList { kRetry + "/max_attempts" } << "must be at least 2";
        QTest::addRow("grpc max_attempts 101") << policy("retry", R"({"flavor": "grpc", "max_attempts": 101})")
                                               << QStringList { kRetry + "/max_attempts" } << "must be at most 100";
        QTest::addRow("envoy negative num_retries") << policy("retry", R"({"flavor": "envoy", "num_retries": -1})")
                                                    << QStringList { kRetry + "/num_retries" } << "at least 0";
        QTest::addRow("max_attempts on urllib3")
            << policy("retry", R"({"flavor": "urllib3", "max_attempts": 3})")
            << QStringList { kRetry + "/max_attempts" }
            << "'max_attempts' belongs to the resilience4j and grpc flavors, not urllib3; the urllib3 flavor counts "
               "retries after the first call with 'total'";
        QTest::addRow("total on resilience4j")
            << policy("retry", R"({"total": 3})") << QStringList { kRetry + "/total" }
            << "'total' belongs to the urllib3 flavor, not resilience4j; the resilience4j flavor counts attempts, "
               "the first call included, with 'max_attempts'";
        QTest::addRow("num_retries on grpc")
            << policy("retry", R"({"flavor": "grpc", "num_retries": 3})") << QStringList { kRetry + "/num_retries" }
            << "the grpc flavor counts attempts, the first call included, with "
               "'max_attempts'";
        QTest::addRow("max_attempts on envoy")
            << policy("retry", R"({"flavor": "envoy", "max_attempts": 3})") << QStringList { kRetry + "/max_attempts" }
            << "the envoy flavor counts retries after the first call with "
               "'num_retries'";
        QTest::addRow("backoff_factor on resilience4j")
            << policy("retry", R"({"backoff_factor": 0.5})") << QStringList { kRetry + "/backoff_factor" }
            << "'backoff_factor' belongs to the urllib3 flavor, not resilience4j";
        QTest::addRow("initial_backoff_ms on envoy")
            << policy("retry", R"({"flavor": "envoy", "initial_backoff_ms": 5})")
            << QStringList { kRetry + "/initial_backoff_ms" } << "belongs to the grpc flavor, not envoy";
        QTest::addRow("backoff_factor with backoff initial_ms")
            << policy("retry", R"({"flavor": "urllib3", "backoff_factor": 0.5, "backoff": {"initial_ms": 100}})")
            << QStringList { kRetry + "/backoff_factor" }
            << "'backoff_factor' and 'backoff/initial_ms' set the same thing";
        QTest::addRow("max_backoff_ms with backoff max_ms")
            << policy("retry", R"({"flavor": "grpc", "backoff": {"max_ms": 100}, "max_backoff_ms": 50})")
            << QStringList { kRetry + "/max_backoff_ms" } << "set the same thing";
        QTest::addRow("negative backoff_factor") << policy("retry", R"({"flavor": "urllib3", "backoff_factor": -1})")
                                                 << QStringList { kRetry + "/backoff_factor" } << "at least 0";
        QTest::addRow("zero initial_backoff_ms") << policy("retry", R"({"flavor": "grpc", "initial_backoff_ms": 0})")
                                                 << QStringList { kRetry + "/initial_backoff_ms" } << "greater than 0";
        QTest::addRow("backoff_multiplier below 1")
            << policy("retry", R"({"flavor": "grpc", "backoff_multiplier": 0.5})")
            << QStringList { kRetry + "/backoff_multiplier" } << "at least 1";
        QTest::addRow("backoff not an object")
            << policy("retry", R"({"backoff": 100})") << QStringList { kRetry + "/backoff" } << "must be an object";
        QTest::addRow("unknown backoff type")
            << policy("retry", R"({"backoff": {"type": "linear"}})") << QStringList { kRetry + "/backoff/type" }
            << "must be 'fixed' or 'exponential'";
        QTest::addRow("multiplier below 1") << policy("retry", R"({"backoff": {"multiplier": 0.5}})")
                                            << QStringList { kRetry + "/backoff/multiplier" } << "at least 1";
        QTest::addRow("multiplier on fixed backoff")
            << policy("retry", R"({"backoff": {"type": "fixed", "multiplier": 2}})")
            << QStringList { kRetry + "/backoff/multiplier" } << "only applies to exponential backoff";
        QTest::addRow("negative initial_ms") << policy("retry", R"({"backoff": {"initial_ms": -1}})")
                                             << QStringList { kRetry + "/backoff/initial_ms" } << "at least 0";
        QTest::addRow("negative max_ms") << policy("retry", R"({"backoff": {"max_ms": -1}})")
                                         << QStringList { kRetry + "/backoff/max_ms" } << "at least 0";
        QTest::addRow("misspelt jitter") << policy("retry", R"({"backoff": {"jitter": "ful"}})")
                                         << QStringList { kRetry + "/backoff/jitter" } << "did you mean 'full'?";
        QTest::addRow("randomization_factor above 1")
            << policy("retry", R"({"backoff": {"jitter": "randomized", "randomization_factor": 1.5}})")
            << QStringList { kRetry + "/backoff/randomization_factor" } << "between 0 and 1";
        QTest::addRow("randomization_factor without randomized jitter")
            << policy("retry", R"({"backoff": {"randomization_factor": 0.3}})")
            << QStringList { kRetry + "/backoff/randomization_factor" }
            << "only applies with \"jitter\": \"randomized\"";
        QTest::addRow("randomization_factor with full jitter")
            << policy("retry", R"({"backoff": {"jitter": "full", "randomization_factor": 0.3}})")
            << QStringList { kRetry + "/backoff/randomization_factor" } << "only applies with";
        QTest::addRow("retry_on not an array") << policy("retry", R"({"retry_on": "timeout"})")
                                               << QStringList { kRetry + "/retry_on" } << "must be an array";
        QTest::addRow("unknown retry_on outcome")
            << policy("retry", R"({"retry_on": ["timeout", "5xx"]})") << QStringList { kRetry + "/retry_on/1" }
            << "must be 'timeout', 'rejected', 'error' or 'connect_failure', but it is '5xx'";
        QTest::addRow("retry_on outcome twice")
            << policy("retry", R"({"retry_on": ["timeout", "timeout"]})") << QStringList { kRetry + "/retry_on/1" }
            << "'timeout' appears more than once";
        QTest::addRow("retry_on element not a string")
            << policy("retry", R"({"retry_on": [1]})") << QStringList { kRetry + "/retry_on/0" } << "must be a string";
        QTest::addRow("method in lower case")
            << policy("retry", R"({"method": "get"})") << QStringList { kRetry + "/method" } << "did you mean 'GET'?";
        QTest::addRow("negative per_try_timeout_ms") << policy("retry", R"({"per_try_timeout_ms": -1})")
                                                     << QStringList { kRetry + "/per_try_timeout_ms" } << "at least 0";
        QTest::addRow("budget_percent above 100")
            << policy("retry", R"({"budget": {"budget_percent": 101}})")
            << QStringList { kRetry + "/budget/budget_percent" } << "between 0 and 100";
        QTest::addRow("negative min_retry_concurrency")
            << policy("retry", R"({"budget": {"min_retry_concurrency": -1}})")
            << QStringList { kRetry + "/budget/min_retry_concurrency" } << "at least 0";
        QTest::addRow("unknown budget key") << policy("retry", R"({"budget": {"percent": 5}})")
                                            << QStringList { kRetry + "/budget/percent" } << "unknown key 'percent'";
        QTest::addRow("zero max_tokens") << policy("retry", R"({"throttling": {"max_tokens": 0}})")
                                         << QStringList { kRetry + "/throttling/max_tokens" } << "greater than 0";
        QTest::addRow("max_tokens above 1000") << policy("retry", R"({"throttling": {"max_tokens": 1001}})")
                                               << QStringList { kRetry + "/throttling/max_tokens" } << "at most 1000";
        QTest::addRow("zero token_ratio") << policy("retry", R"({"throttling": {"token_ratio": 0}})")
                                          << QStringList { kRetry + "/throttling/token_ratio" } << "greater than 0";

        // Circuit breaker
        QTest::addRow("breaker not an object")
            << policy("circuit_breaker", "true") << QStringList { kBreaker } << "must be an object, but it is true";
        QTest::addRow("unknown breaker flavor") << policy("circuit_breaker", R"({"flavor": "hystrics"})")
                                                << QStringList { kBreaker + "/flavor" } << "did you mean 'hystrix'?";
        QTest::addRow("misspelt breaker key")
            << policy("circuit_breaker", R"({"failure_rate_treshold": 50})")
            << QStringList { kBreaker + "/failure_rate_treshold" } << "did you mean 'failure_rate_threshold'?";
        QTest::addRow("zero failure_rate_threshold")
            << policy("circuit_breaker", R"({"failure_rate_threshold": 0})")
            << QStringList { kBreaker + "/failure_rate_threshold" } << "greater than 0";
        QTest::addRow("failure_rate_threshold above 100")
            << policy("circuit_breaker", R"({"failure_rate_threshold": 101})")
            << QStringList { kBreaker + "/failure_rate_threshold" } << "at most 100";
        QTest::addRow("zero slow_call_rate_threshold")
            << policy("circuit_breaker", R"({"slow_call_rate_threshold": 0})")
            << QStringList { kBreaker + "/slow_call_rate_threshold" } << "greater than 0";
        QTest::addRow("zero slow_call_duration_threshold_ms")
            << policy("circuit_breaker", R"({"slow_call_duration_threshold_ms": 0})")
            << QStringList { kBreaker + "/slow_call_duration_threshold_ms" } << "greater than 0";
        QTest::addRow("unknown sliding_window_type")
            << policy("circuit_breaker", R"({"sliding_window_type": "count"})")
            << QStringList { kBreaker + "/sliding_window_type" } << "'count_based' or 'time_based'";
        QTest::addRow("zero sliding_window_size") << policy("circuit_breaker", R"({"sliding_window_size": 0})")
                                                  << QStringList { kBreaker + "/sliding_window_size" } << "at least 1";
        QTest::addRow("zero minimum_number_of_calls")
            << policy("circuit_breaker", R"({"minimum_number_of_calls": 0})")
            << QStringList { kBreaker + "/minimum_number_of_calls" } << "at least 1";
        QTest::addRow("negative wait_duration_in_open_state_ms")
            << policy("circuit_breaker", R"({"wait_duration_in_open_state_ms": -1})")
            << QStringList { kBreaker + "/wait_duration_in_open_state_ms" } << "at least 0";
        QTest::addRow("zero permitted calls in half open")
            << policy("circuit_breaker", R"({"permitted_number_of_calls_in_half_open_state": 0})")
            << QStringList { kBreaker + "/permitted_number_of_calls_in_half_open_state" } << "at least 1";
        QTest::addRow("automatic transition as a string")
            << policy("circuit_breaker", R"({"automatic_transition_from_open_to_half_open": "yes"})")
            << QStringList { kBreaker + "/automatic_transition_from_open_to_half_open" }
            << "must be true or false, but it is the string 'yes'";
        QTest::addRow("negative max wait in half open")
            << policy("circuit_breaker", R"({"max_wait_duration_in_half_open_state_ms": -1})")
            << QStringList { kBreaker + "/max_wait_duration_in_half_open_state_ms" } << "at least 0";
        QTest::addRow("consecutive key on resilience4j")
            << policy("circuit_breaker", R"({"failure_threshold": 5})")
            << QStringList { kBreaker + "/failure_threshold" }
            << "'failure_threshold' belongs to the consecutive flavor, not resilience4j";
        QTest::addRow("resilience4j key on consecutive")
            << policy("circuit_breaker", R"({"flavor": "consecutive", "failure_rate_threshold": 50})")
            << QStringList { kBreaker + "/failure_rate_threshold" }
            << "'failure_rate_threshold' belongs to the resilience4j flavor, not consecutive";
        QTest::addRow("hystrix key on consecutive")
            << policy("circuit_breaker", R"({"flavor": "consecutive", "sleep_window_ms": 5})")
            << QStringList { kBreaker + "/sleep_window_ms" } << "belongs to the hystrix flavor, not consecutive";
        QTest::addRow("zero failure_threshold")
            << policy("circuit_breaker", R"({"flavor": "consecutive", "failure_threshold": 0})")
            << QStringList { kBreaker + "/failure_threshold" } << "at least 1";
        QTest::addRow("negative recovery_timeout_ms")
            << policy("circuit_breaker", R"({"flavor": "consecutive", "recovery_timeout_ms": -1})")
            << QStringList { kBreaker + "/recovery_timeout_ms" } << "at least 0";
        QTest::addRow("zero request_volume_threshold")
            << policy("circuit_breaker", R"({"flavor": "hystrix", "request_volume_threshold": 0})")
            << QStringList { kBreaker + "/request_volume_threshold" } << "at least 1";
        QTest::addRow("error_threshold_percentage above 100")
            << policy("circuit_breaker", R"({"flavor": "hystrix", "error_threshold_percentage": 101})")
            << QStringList { kBreaker + "/error_threshold_percentage" } << "between 0 and 100";
        QTest::addRow("negative sleep_window_ms")
            << policy("circuit_breaker", R"({"flavor": "hystrix", "sleep_window_ms": -1})")
            << QStringList { kBreaker + "/sleep_window_ms" } << "at least 0";
        QTest::addRow("rolling_window_ms below a second")
            << policy("circuit_breaker", R"({"flavor": "hystrix", "rolling_window_ms": 999})")
            << QStringList { kBreaker + "/rolling_window_ms" } << "at least 1000";
        QTest::addRow("record_errors as a string")
            << policy("circuit_breaker", R"({"record_errors": "no"})") << QStringList { kBreaker + "/record_errors" }
            << "must be true or false";
        QTest::addRow("breaker name with a space") << policy("circuit_breaker", R"({"name": "my breaker"})")
                                                   << QStringList { kBreaker + "/name" } << "contains a space";

        // Bulkhead, limits, outlier detection, hedging, throttling, balancing, deadlines
        QTest::addRow("zero max_concurrent_calls")
            << policy("bulkhead", R"({"max_concurrent_calls": 0})")
            << QStringList { kStep0 + "/bulkhead/max_concurrent_calls" } << "at least 1";
        QTest::addRow("negative max_wait_ms") << policy("bulkhead", R"({"max_wait_ms": -1})")
                                              << QStringList { kStep0 + "/bulkhead/max_wait_ms" } << "at least 0";
        QTest::addRow("misspelt bulkhead key")
            << policy("bulkhead", R"({"max_concurent_calls": 1})")
            << QStringList { kStep0 + "/bulkhead/max_concurent_calls" } << "did you mean 'max_concurrent_calls'?";
        QTest::addRow("zero max_connections") << policy("limits", R"({"max_connections": 0})")
                                              << QStringList { kStep0 + "/limits/max_connections" } << "at least 1";
        QTest::addRow("zero max_pending_requests")
            << policy("limits", R"({"max_pending_requests": 0})")
            << QStringList { kStep0 + "/limits/max_pending_requests" } << "at least 1";
        QTest::addRow("zero max_requests") << policy("limits", R"({"max_requests": 0})")
                                           << QStringList { kStep0 + "/limits/max_requests" } << "at least 1";
        QTest::addRow("negative max_retries") << policy("limits", R"({"max_retries": -1})")
                                              << QStringList { kStep0 + "/limits/max_retries" } << "at least 0";
        QTest::addRow("zero consecutive_5xx")
            << policy("outlier_detection", R"({"consecutive_5xx": 0})")
            << QStringList { kStep0 + "/outlier_detection/consecutive_5xx" } << "at least 1";
        QTest::addRow("zero interval_ms")
            << policy("outlier_detection", R"({"interval_ms": 0})")
            << QStringList { kStep0 + "/outlier_detection/interval_ms" } << "greater than 0";
        QTest::addRow("zero base_ejection_time_ms")
            << policy("outlier_detection", R"({"base_ejection_time_ms": 0})")
            << QStringList { kStep0 + "/outlier_detection/base_ejection_time_ms" } << "greater than 0";
        QTest::addRow("max ejection below base")
            << policy("outlier_detection", R"({"base_ejection_time_ms": 1000, "max_ejection_time_ms": 500})")
            << QStringList { kStep0 + "/outlier_detection/max_ejection_time_ms" }
            << "must be at least base_ejection_time_ms (1000), but it is 500";
        QTest::addRow("max ejection below the default base")
            << policy("outlier_detection", R"({"max_ejection_time_ms": 10000})")
            << QStringList { kStep0 + "/outlier_detection/max_ejection_time_ms" } << "(30000, the default)";
        QTest::addRow("max_ejection_percent above 100")
            << policy("outlier_detection", R"({"max_ejection_percent": 101})")
            << QStringList { kStep0 + "/outlier_detection/max_ejection_percent" } << "between 0 and 100";
        QTest::addRow("hedging max_attempts 1") << policy("hedging", R"({"max_attempts": 1})")
                                                << QStringList { kStep0 + "/hedging/max_attempts" } << "at least 2";
        QTest::addRow("hedging max_attempts 6") << policy("hedging", R"({"max_attempts": 6})")
                                                << QStringList { kStep0 + "/hedging/max_attempts" } << "at most 5";
        QTest::addRow("negative hedging_delay_ms")
            << policy("hedging", R"({"hedging_delay_ms": -1})") << QStringList { kStep0 + "/hedging/hedging_delay_ms" }
            << "at least 0";
        QTest::addRow("hedging with retry")
            << QByteArray(R"([{"op": "add", "path": "/services/0/operations/0/steps/0/retry", "value": {}},
                   {"op": "add", "path": "/services/0/operations/0/steps/0/hedging", "value": {}}])")
            << QStringList { kStep0 + "/hedging" } << "a call has either 'retry' or 'hedging', not both";
        QTest::addRow("adaptive k below 1") << policy("adaptive_throttling", R"({"k": 0.5})")
                                            << QStringList { kStep0 + "/adaptive_throttling/k" } << "at least 1";
        QTest::addRow("zero adaptive window")
            << policy("adaptive_throttling", R"({"window_ms": 0})")
            << QStringList { kStep0 + "/adaptive_throttling/window_ms" } << "greater than 0";
        QTest::addRow("misspelt load_balancing")
            << policy("load_balancing", "\"round-robin\"") << QStringList { kStep0 + "/load_balancing" }
            << "did you mean 'round_robin'?";
        QTest::addRow("propagate_deadline as a string")
            << policy("propagate_deadline", "\"yes\"") << QStringList { kStep0 + "/propagate_deadline" }
            << "must be true or false";

        // Sync calls only
        const QByteArray asyncCall = R"({"call": "back", "operation": "read", "kind": "async", )";
        QTest::addRow("retry on an async call")
            << QByteArray("[{\"op\": \"replace\", \"path\": \"" + kStep0.toUtf8() + "\", \"value\": " + asyncCall
                   + R"("retry": {}}}])")
            << QStringList { kStep0 + "/retry" }
            << "'retry' only applies to sync calls; an async call does not wait for a reply";
        QTest::addRow("every policy on an async call is reported")
            << QByteArray("[{\"op\": \"replace\", \"path\": \"" + kStep0.toUtf8() + "\", \"value\": " + asyncCall
                   + R"("bulkhead": {}, "propagate_deadline": true}}])")
            << QStringList { kStep0 + "/bulkhead", kStep0 + "/propagate_deadline" } << "only applies to sync calls";
        QTest::addRow("breaker on a publish")
            << addAt(kStep1 + "/circuit_breaker", "{}") << QStringList { kStep1 + "/circuit_breaker" }
            << "'circuit_breaker' only applies to sync calls; a publish does not wait for a reply";
        QTest::addRow("policy on a step of two kinds is not unknown")
            << addAt(kSteps + "/-", R"({"call": "back", "operation": "read", "publish": "events", "retry": {}})")
            << QStringList { kSteps + "/2" } << "more than one";
    }

    void reportsEachProblemAtItsPointer()
    {
        QFETCH(QByteArray, patch);
        QFETCH(QStringList, expected);
        QFETCH(QString, message);

        expectErrorsAt(patch, expected, message);
    }

    void retryStartsFromTheFlavorDefaults_data()
    {
        QTest::addColumn<QByteArray>("retry");
        QTest::addColumn<int>("flavor");
        QTest::addRow("empty object is resilience4j") << QByteArray("{}") << int(RetryFlavor::Resilience4j);
        QTest::addRow("resilience4j") << QByteArray(R"({"flavor": "resilience4j"})") << int(RetryFlavor::Resilience4j);
        QTest::addRow("urllib3") << QByteArray(R"({"flavor": "urllib3"})") << int(RetryFlavor::Urllib3);
        QTest::addRow("grpc") << QByteArray(R"({"flavor": "grpc"})") << int(RetryFlavor::Grpc);
        QTest::addRow("envoy") << QByteArray(R"({"flavor": "envoy"})") << int(RetryFlavor::Envoy);
    }

    void retryStartsFromTheFlavorDefaults()
    {
        QFETCH(QByteArray, retry);
        QFETCH(int, flavor);
        const auto result = ScenarioLoader::fromString(patched(policy("retry", retry)));
        const CallStep* call = firstCall(result);
        QVERIFY2(call, qPrintable(allErrors(result)));
        QVERIFY(call->retry);
        QCOMPARE(describeRetry(*call->retry), describeRetry(defaultRetryConfig(static_cast<RetryFlavor>(flavor))));
    }

    void retryReadsEveryExplicitValue_data()
    {
        QTest::addColumn<QByteArray>("retry");
        QTest::addColumn<QString>("expected");
        RetryConfig r4j = defaultRetryConfig(RetryFlavor::Resilience4j);
        r4j.count = 4;
        r4j.backoff = BackoffConfig { BackoffKind::Exponential, 100, 3, 2000, Jitter::Randomized, 0.25 };
        r4j.retry_on = RetryOn { true, false, true, false };
        r4j.method = "POST";
        r4j.per_try_timeout_ms = 150;
        r4j.budget = RetryBudget { 30, 2 };
        r4j.throttling = RetryThrottling { 20, 0.5 };
        QTest::addRow("resilience4j with every key") << QByteArray(R"({"flavor": "resilience4j", "max_attempts": 4,
            "backoff": {"type": "exponential", "initial_ms": 100, "multiplier": 3, "max_ms": 2000,
                        "jitter": "randomized", "randomization_factor": 0.25},
            "retry_on": ["error", "timeout"], "method": "POST", "per_try_timeout_ms": 150,
            "budget": {"budget_percent": 30, "min_retry_concurrency": 2},
            "throttling": {"max_tokens": 20, "token_ratio": 0.5}})")
                                                     << describeRetry(r4j);

        RetryConfig urllib3 = defaultRetryConfig(RetryFlavor::Urllib3);
        urllib3.count = 0;
        urllib3.backoff.initial_ms = 250; // backoff_factor 0.25 s
        urllib3.method = "DELETE";
        QTest::addRow("urllib3 backoff_factor in seconds")
            << QByteArray(R"({"flavor": "urllib3", "total": 0, "backoff_factor": 0.25, "method": "DELETE"})")
            << describeRetry(urllib3);

        RetryConfig grpc = defaultRetryConfig(RetryFlavor::Grpc);
        grpc.count = 100; // accepted; gRPC counts it as 5
        grpc.backoff.initial_ms = 20;
        grpc.backoff.max_ms = 400;
        grpc.backoff.multiplier = 1.5;
        grpc.retry_on = RetryOn { false, true, false, false };
        QTest::addRow("grpc spellings of the backoff") << QByteArray(R"({"flavor": "grpc", "max_attempts": 100,
            "initial_backoff_ms": 20, "max_backoff_ms": 400, "backoff_multiplier": 1.5, "retry_on": ["rejected"]})")
                                                       << describeRetry(grpc);

        RetryConfig envoy = defaultRetryConfig(RetryFlavor::Envoy);
        envoy.count = 0;
        envoy.backoff.initial_ms = 10;
        envoy.retry_on = RetryOn { false, false, false, false };
        QTest::addRow("envoy with an empty retry_on")
            << QByteArray(R"({"flavor": "envoy", "num_retries": 0, "backoff": {"initial_ms": 10}, "retry_on": []})")
            << describeRetry(envoy);

        RetryConfig exponential = defaultRetryConfig(RetryFlavor::Resilience4j);
        exponential.backoff.kind = BackoffKind::Exponential;
        exponential.backoff.multiplier = 2;
        QTest::addRow("a multiplier makes the backoff exponential")
            << QByteArray(R"({"backoff": {"multiplier": 2}})") << describeRetry(exponential);

        RetryConfig fixed = defaultRetryConfig(RetryFlavor::Grpc);
        fixed.backoff.kind = BackoffKind::Fixed;
        fixed.backoff.jitter = Jitter::None;
        QTest::addRow("grpc with a fixed wait and no jitter")
            << QByteArray(R"({"flavor": "grpc", "backoff": {"type": "fixed", "jitter": "none"}})")
            << describeRetry(fixed);

        RetryConfig randomized = defaultRetryConfig(RetryFlavor::Urllib3);
        randomized.backoff.jitter = Jitter::Randomized;
        randomized.backoff.randomization_factor = 0.5;
        QTest::addRow("randomized jitter takes the Resilience4j factor")
            << QByteArray(R"({"flavor": "urllib3", "backoff": {"jitter": "randomized"}})") << describeRetry(randomized);

        RetryConfig budgetDefaults = defaultRetryConfig(RetryFlavor::Envoy);
        budgetDefaults.budget = RetryBudget {};
        budgetDefaults.throttling = RetryThrottling {};
        QTest::addRow("empty budget and throttling take their defaults")
            << QByteArray(R"({"flavor": "envoy", "budget": {}, "throttling": {}})") << describeRetry(budgetDefaults);
    }

    void retryReadsEveryExplicitValue()
    {
        QFETCH(QByteArray, retry);
        QFETCH(QString, expected);
        const auto result = ScenarioLoader::fromString(patched(policy("retry", retry)));
        const CallStep* call = firstCall(result);
        QVERIFY2(call, qPrintable(allErrors(result)));
        QVERIFY(call->retry);
        QCOMPARE(describeRetry(*call->retry), expected);
    }

    void breakerStartsFromTheLibraryDefaults_data()
    {
        QTest::addColumn<QByteArray>("breaker");
        QTest::addColumn<int>("flavor");
        QTest::addRow("empty object is resilience4j") << QByteArray("{}") << int(BreakerFlavor::Resilience4j);
        QTest::addRow("consecutive") << QByteArray(R"({"flavor": "consecutive"})")
                                     << int(BreakerFlavor::ConsecutiveFailures);
        QTest::addRow("hystrix") << QByteArray(R"({"flavor": "hystrix"})") << int(BreakerFlavor::Hystrix);
    }

    void breakerStartsFromTheLibraryDefaults()
    {
        QFETCH(QByteArray, breaker);
        QFETCH(int, flavor);
        const auto result = ScenarioLoader::fromString(patched(policy("circuit_breaker", breaker)));
        const CallStep* call = firstCall(result);
        QVERIFY2(call, qPrintable(allErrors(result)));
        QVERIFY(call->circuit_breaker);
        const CircuitBreakerConfig& b = *call->circuit_breaker;
        const CircuitBreakerConfig d;
        QCOMPARE(int(b.flavor), flavor);
        QCOMPARE(b.name, std::string());
        QCOMPARE(b.failure_rate_threshold, d.failure_rate_threshold);
        QCOMPARE(b.slow_call_rate_threshold, d.slow_call_rate_threshold);
        QCOMPARE(b.slow_call_duration_threshold_ms, d.slow_call_duration_threshold_ms);
        QCOMPARE(b.sliding_window_type, d.sliding_window_type);
        QCOMPARE(b.sliding_window_size, d.sliding_window_size);
        QCOMPARE(b.minimum_number_of_calls, d.minimum_number_of_calls);
        QCOMPARE(b.wait_duration_in_open_state_ms, d.wait_duration_in_open_state_ms);
        QCOMPARE(b.permitted_number_of_calls_in_half_open_state, d.permitted_number_of_calls_in_half_open_state);
        QCOMPARE(b.automatic_transition_from_open_to_half_open, d.automatic_transition_from_open_to_half_open);
        QCOMPARE(b.max_wait_duration_in_half_open_state_ms, d.max_wait_duration_in_half_open_state_ms);
        QCOMPARE(b.failure_threshold, d.failure_threshold);
        QCOMPARE(b.recovery_timeout_ms, d.recovery_timeout_ms);
        QCOMPARE(b.request_volume_threshold, d.request_volume_threshold);
        QCOMPARE(b.error_threshold_percentage, d.error_threshold_percentage);
        QCOMPARE(b.sleep_window_ms, d.sleep_window_ms);
        QCOMPARE(b.rolling_window_ms, d.rolling_window_ms);
        QCOMPARE(b.record_timeouts, true);
        QCOMPARE(b.record_rejections, true);
        QCOMPARE(b.record_errors, true);
    }

    void breakerReadsEveryExplicitValue()
    {
        const auto result = ScenarioLoader::fromString(patched(policy("circuit_breaker", R"({
            "flavor": "resilience4j", "name": "back-cb", "failure_rate_threshold": 25, "slow_call_rate_threshold": 60,
            "slow_call_duration_threshold_ms": 800, "sliding_window_type": "time_based", "sliding_window_size": 30,
            "minimum_number_of_calls": 7, "wait_duration_in_open_state_ms": 4000,
            "permitted_number_of_calls_in_half_open_state": 2, "automatic_transition_from_open_to_half_open": true,
            "max_wait_duration_in_half_open_state_ms": 9000, "record_timeouts": false, "record_rejections": false,
            "record_errors": false})")));
        const CallStep* call = firstCall(result);
        QVERIFY2(call, qPrintable(allErrors(result)));
        const CircuitBreakerConfig& b = *call->circuit_breaker;
        QCOMPARE(b.flavor, BreakerFlavor::Resilience4j);
        QCOMPARE(b.name, std::string("back-cb"));
        QCOMPARE(b.failure_rate_threshold, 25.0);
        QCOMPARE(b.slow_call_rate_threshold, 60.0);
        QCOMPARE(b.slow_call_duration_threshold_ms, 800.0);
        QCOMPARE(b.sliding_window_type, SlidingWindowType::TimeBased);
        QCOMPARE(b.sliding_window_size, 30);
        QCOMPARE(b.minimum_number_of_calls, 7);
        QCOMPARE(b.wait_duration_in_open_state_ms, 4000.0);
        QCOMPARE(b.permitted_number_of_calls_in_half_open_state, 2);
        QCOMPARE(b.automatic_transition_from_open_to_half_open, true);
        QCOMPARE(b.max_wait_duration_in_half_open_state_ms, 9000.0);
        QCOMPARE(b.record_timeouts, false);
        QCOMPARE(b.record_rejections, false);
        QCOMPARE(b.record_errors, false);

        const auto consecutive = ScenarioLoader::fromString(patched(policy(
            "circuit_breaker", R"({"flavor": "consecutive", "failure_threshold": 3, "recovery_timeout_ms": 1500})")));
        QVERIFY2(consecutive.ok(), qPrintable(allErrors(consecutive)));
        const CircuitBreakerConfig& c = *firstCall(consecutive)->circuit_breaker;
        QCOMPARE(c.flavor, BreakerFlavor::ConsecutiveFailures);
        QCOMPARE(c.failure_threshold, 3);
        QCOMPARE(c.recovery_timeout_ms, 1500.0);

        const auto hystrix = ScenarioLoader::fromString(patched(policy("circuit_breaker",
            R"({"flavor": "hystrix", "request_volume_threshold": 5, "error_threshold_percentage": 0,
                "sleep_window_ms": 2500, "rolling_window_ms": 1000})")));
        QVERIFY2(hystrix.ok(), qPrintable(allErrors(hystrix)));
        const CircuitBreakerConfig& h = *firstCall(hystrix)->circuit_breaker;
        QCOMPARE(h.flavor, BreakerFlavor::Hystrix);
        QCOMPARE(h.request_volume_threshold, 5);
        QCOMPARE(h.error_threshold_percentage, 0.0);
        QCOMPARE(h.sleep_window_ms, 2500.0);
        QCOMPARE(h.rolling_window_ms, 1000.0);
    }

    void emptyPoliciesTakeTheLibraryDefaults()
    {
        const auto result = ScenarioLoader::fromString(patched(R"([
            {"op": "add", "path": "/services/0/operations/0/steps/0/bulkhead", "value": {}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/limits", "value": {}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/outlier_detection", "value": {}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/hedging", "value": {}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/adaptive_throttling", "value": {}}])"));
        const CallStep* call = firstCall(result);
        QVERIFY2(call, qPrintable(allErrors(result)));
        QVERIFY(!call->retry && !call->circuit_breaker);
        QCOMPARE(call->bulkhead->max_concurrent_calls, 25);
        QCOMPARE(call->bulkhead->max_wait_ms, 0.0);
        QCOMPARE(call->limits->max_connections, 1024);
        QCOMPARE(call->limits->max_pending_requests, 1024);
        QCOMPARE(call->limits->max_requests, 1024);
        QCOMPARE(call->limits->max_retries, 3);
        QCOMPARE(call->outlier_detection->consecutive_5xx, 5);
        QCOMPARE(call->outlier_detection->interval_ms, 10000.0);
        QCOMPARE(call->outlier_detection->base_ejection_time_ms, 30000.0);
        QCOMPARE(call->outlier_detection->max_ejection_time_ms, 300000.0);
        QCOMPARE(call->outlier_detection->max_ejection_percent, 10.0);
        QCOMPARE(call->hedging->max_attempts, 2);
        QCOMPARE(call->hedging->hedging_delay_ms, 0.0);
        QCOMPARE(call->adaptive_throttling->k, 2.0);
        QCOMPARE(call->adaptive_throttling->window_ms, 120000.0);
        QCOMPARE(call->load_balancing, LoadBalancing::RoundRobin);
        QCOMPARE(call->propagate_deadline, false);
    }

    void policiesReadEveryExplicitValue()
    {
        const auto result = ScenarioLoader::fromString(patched(R"([
            {"op": "add", "path": "/services/0/operations/0/steps/0/bulkhead",
             "value": {"max_concurrent_calls": 4, "max_wait_ms": 12.5}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/limits",
             "value": {"max_connections": 1, "max_pending_requests": 2, "max_requests": 3, "max_retries": 0}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/outlier_detection",
             "value": {"consecutive_5xx": 2, "interval_ms": 500, "base_ejection_time_ms": 1000,
                       "max_ejection_time_ms": 1000, "max_ejection_percent": 100}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/hedging",
             "value": {"max_attempts": 5, "hedging_delay_ms": 30}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/adaptive_throttling",
             "value": {"k": 1.5, "window_ms": 60000}},
            {"op": "add", "path": "/services/0/operations/0/steps/0/load_balancing", "value": "least_request"},
            {"op": "add", "path": "/services/0/operations/0/steps/0/propagate_deadline", "value": true}])"));
        const CallStep* call = firstCall(result);
        QVERIFY2(call, qPrintable(allErrors(result)));
        QCOMPARE(call->bulkhead->max_concurrent_calls, 4);
        QCOMPARE(call->bulkhead->max_wait_ms, 12.5);
        QCOMPARE(call->limits->max_connections, 1);
        QCOMPARE(call->limits->max_pending_requests, 2);
        QCOMPARE(call->limits->max_requests, 3);
        QCOMPARE(call->limits->max_retries, 0);
        QCOMPARE(call->outlier_detection->consecutive_5xx, 2);
        QCOMPARE(call->outlier_detection->interval_ms, 500.0);
        QCOMPARE(call->outlier_detection->base_ejection_time_ms, 1000.0);
        QCOMPARE(call->outlier_detection->max_ejection_time_ms, 1000.0);
        QCOMPARE(call->outlier_detection->max_ejection_percent, 100.0);
        QCOMPARE(call->hedging->max_attempts, 5);
        QCOMPARE(call->hedging->hedging_delay_ms, 30.0);
        QCOMPARE(call->adaptive_throttling->k, 1.5);
        QCOMPARE(call->adaptive_throttling->window_ms, 60000.0);
        QCOMPARE(call->load_balancing, LoadBalancing::LeastRequest);
        QCOMPARE(call->propagate_deadline, true);

        const auto random = ScenarioLoader::fromString(patched(policy("load_balancing", "\"random\"")));
        QVERIFY2(random.ok(), qPrintable(allErrors(random)));
        QCOMPARE(firstCall(random)->load_balancing, LoadBalancing::Random);
    }

    void policiesWorkInsideParallelGroups()
    {
        const auto result = ScenarioLoader::fromString(patched(addAt(kSteps + "/-",
            R"({"parallel": [{"call": "back", "operation": "write", "retry": {"flavor": "envoy"},
                              "circuit_breaker": {"name": "writes"}}]})")));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const auto& group = std::get<ParallelStep>(result.scenario->services[0].operations[0].steps.at(2));
        const CallStep& call = std::get<CallStep>(group.steps.at(0));
        QCOMPARE(call.retry->flavor, RetryFlavor::Envoy);
        QCOMPARE(call.circuit_breaker->name, std::string("writes"));
    }

    void everyCompleteDocumentedExampleIsValid()
    {
        const std::string doc = readDoc();
        int complete = 0;
        for (size_t at = doc.find("```json\n"); at != std::string::npos; at = doc.find("```json\n", at + 1)) {
            const std::string block = jsonBlockAfter(doc, at);
            if (block.find("\"format\": \"faultline.scenario/1\"") == std::string::npos) continue;
            ++complete;
            const auto result = ScenarioLoader::fromString(block);
            QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        }
        QVERIFY(complete >= 2);
    }

    void documentedPolicyExampleUsesEveryPolicyAndFault()
    {
        const std::string doc = readDoc();
        const size_t heading = doc.find("## A complete example with every policy");
        QVERIFY(heading != std::string::npos);
        const auto result = ScenarioLoader::fromString(jsonBlockAfter(doc, heading));
        QVERIFY2(result.ok(), qPrintable(allErrors(result)));
        const Scenario& s = *result.scenario;

        std::set<RetryFlavor> retries;
        std::set<BreakerFlavor> breakers;
        std::set<LoadBalancing> balancing;
        bool bulkhead = false, limits = false, outliers = false, hedging = false, adaptive = false, deadline = false;
        for (const Step& step : s.findService("web")->operations.at(0).steps) {
            const auto* call = std::get_if<CallStep>(&step);
            if (!call) continue;
            if (call->retry) retries.insert(call->retry->flavor);
            if (call->circuit_breaker) breakers.insert(call->circuit_breaker->flavor);
            balancing.insert(call->load_balancing);
            bulkhead |= bool(call->bulkhead);
            limits |= bool(call->limits);
            outliers |= bool(call->outlier_detection);
            hedging |= bool(call->hedging);
            adaptive |= bool(call->adaptive_throttling);
            deadline |= call->propagate_deadline;
        }
        QCOMPARE(retries.size(), size_t(4));
        QCOMPARE(breakers.size(), size_t(3));
        QCOMPARE(balancing.size(), size_t(3));
        QVERIFY(bulkhead && limits && outliers && hedging && adaptive && deadline);

        std::set<FaultType> types;
        for (const ScheduledFault& f : s.faults)
            types.insert(f.fault.type);
        QCOMPARE(types.size(), size_t(11));

        const Queue* orders = s.findQueue("orders");
        QVERIFY(orders);
        QCOMPARE(orders->message_ttl_ms, 60000.0);
        QCOMPARE(orders->delivery_limit, 3);
    }
};

QTEST_APPLESS_MAIN(tst_PolicyLoader)
#include "tst_policyloader.moc"
