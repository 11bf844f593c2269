// What the graph aggregator reads from metrics (spec/telemetry.md section 3): Resilience4j and Envoy breaker
// state on the edge or node it belongs to, outlier ejections, queue depth and dead letters, instances and
// in-flight gauges, and node kinds when metrics and spans disagree.

#include "graph/graphaggregator.h"
#include "graph/metricmapping.h"
#include "graph/snapshotjson.h"
#include "support/aggregatortest.h"

#include <QTest>

#include <cmath>
#include <vector>

using namespace faultline;
using namespace faultline::test;

class tst_GraphMetrics : public QObject {
    Q_OBJECT

private slots:
    void breakerMetricsAttachToEdgeOrNode_data();
    void breakerMetricsAttachToEdgeOrNode();
    void breakerStatePointsWithZeroAreIgnored();
    void envoyMetricNamesAreRecognised_data();
    void envoyMetricNamesAreRecognised();
    void envoyBreakerAttachesToEdgeOrNode_data();
    void envoyBreakerAttachesToEdgeOrNode();
    void envoyBreakerIsOpenWhileAnyLimitIsOpen();
    void envoyEjectionsGoOnEdgeOrNodeAndIntoJson();
    void queueMetricsGiveDepthAndDeadLetters();
    void instancesAndInFlightFromGaugesOrSpans();
    void ownSpansDecideNodeKindEvenAfterAnEarlierMetric();
    void metricsOfSameLengthNamesLandOnTheirOwnNodes();
};

void tst_GraphMetrics::breakerMetricsAttachToEdgeOrNode_data()
{
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QString>("separator");
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QString>("breakerName");
    QTest::addColumn<bool>("onEdge");
    QTest::addRow("dotted names, breaker named after a called service") << "resilience4j.circuitbreaker."
                                                                        << "."
                                                                        << ""
                                                                        << "payments" << true;
    QTest::addRow("underscored names, breaker named after a called service") << "resilience4j_circuitbreaker_"
                                                                             << "_"
                                                                             << ""
                                                                             << "payments" << true;
    QTest::addRow("prometheus counters with _total") << "resilience4j_circuitbreaker_"
                                                     << "_"
                                                     << "_total"
                                                     << "payments" << true;
    QTest::addRow("dotted names, breaker matching no edge stays on the node") << "resilience4j.circuitbreaker."
                                                                              << "."
                                                                              << ""
                                                                              << "paymentsBackend" << false;
    QTest::addRow("underscored names, breaker matching no edge stays on the node") << "resilience4j_circuitbreaker_"
                                                                                   << "_"
                                                                                   << ""
                                                                                   << "ledger" << false;
}

void tst_GraphMetrics::breakerMetricsAttachToEdgeOrNode()
{
    QFETCH(QString, prefix);
    QFETCH(QString, separator);
    QFETCH(QString, suffix);
    QFETCH(QString, breakerName);
    QFETCH(bool, onEdge);
    const std::string name = breakerName.toStdString();
    const auto metricName = [&](const char* dotted) {
        return (prefix + QString::fromLatin1(dotted).replace(QLatin1Char('.'), separator)).toStdString();
    };

    GraphAggregator g;
    feed(g, { client("orders", 10), server("payments", 11, 10), client("orders", 12), server("inventory", 13, 12) });
    g.onMetrics({
        metric(metricName("state"), "orders", { { "name", name }, { "state", "closed" } }, 0.0),
        metric(metricName("state"), "orders", { { "name", name }, { "state", "half_open" } }, 1.0),
        metric(metricName("state"), "orders", { { "name", name }, { "state", "open" } }, 0.0),
        metric(metricName("failure.rate"), "orders", { { "name", name } }, 62.5),
        metric(metricName("slow.call.rate"), "orders", { { "name", name } }, 5.0),
        metric(metricName("not.permitted.calls") + suffix.toStdString(), "orders", { { "name", name } }, 17,
            MetricType::CumulativeSum),
    });
    const auto snap = g.snapshot("t");
    const NodeSnapshot& orders = snap->nodes[static_cast<size_t>(snap->findNode("orders"))];
    const BreakerInfo* breaker = nullptr;
    if (onEdge) {
        const EdgeSnapshot& edge = snap->edges[static_cast<size_t>(snap->findEdge("orders", name))];
        QVERIFY(edge.breaker);
        breaker = &*edge.breaker;
        QVERIFY(orders.breakers.empty());
    } else {
        QCOMPARE(orders.breakers.size(), size_t(1));
        breaker = &orders.breakers.front();
        for (const EdgeSnapshot& e : snap->edges)
            QVERIFY(!e.breaker);
    }
    QCOMPARE(breaker->name, name);
    QCOMPARE(spelling(breaker->state), spelling(BreakerState::HalfOpen));
    QCOMPARE(breaker->failure_rate, 62.5);
    QCOMPARE(breaker->slow_call_rate, 5.0);
    QCOMPARE(breaker->not_permitted_calls, uint64_t(17));
    QCOMPARE(snap->counters.metric_points_received, uint64_t(6));
}

void tst_GraphMetrics::breakerStatePointsWithZeroAreIgnored()
{
    GraphAggregator g;
    g.onMetrics({ metric("resilience4j.circuitbreaker.state", "orders", { { "name", "x" }, { "state", "open" } }, 1) });
    g.onMetrics({ metric("resilience4j.circuitbreaker.state", "orders", { { "name", "x" }, { "state", "closed" } }, 0),
        metric("resilience4j.circuitbreaker.state", "orders", { { "name", "x" }, { "state", "forced_open" } }, 0) });
    const auto snap = g.snapshot("t");
    const NodeSnapshot& orders = snap->nodes[static_cast<size_t>(snap->findNode("orders"))];
    QCOMPARE(orders.breakers.size(), size_t(1));
    QCOMPARE(spelling(orders.breakers.front().state), spelling(BreakerState::Open));
    QCOMPARE(orders.breakers.front().failure_rate, -1.0); // not reported yet
}

void tst_GraphMetrics::envoyMetricNamesAreRecognised_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("meaning");
    QTest::addColumn<int>("limit");
    const int open = static_cast<int>(MetricMeaning::EnvoyBreakerOpen);
    QTest::addRow("default cx") << "envoy_cluster_circuit_breakers_default_cx_open" << open << 0;
    QTest::addRow("default rq dotted") << "envoy.cluster.circuit_breakers.default.rq_open" << open << 1;
    QTest::addRow("default rq_pending") << "envoy_cluster_circuit_breakers_default_rq_pending_open" << open << 2;
    QTest::addRow("default rq_retry dotted") << "envoy.cluster.circuit_breakers.default.rq_retry_open" << open << 3;
    QTest::addRow("high cx dotted") << "envoy.cluster.circuit_breakers.high.cx_open" << open << 4;
    QTest::addRow("high rq") << "envoy_cluster_circuit_breakers_high_rq_open" << open << 5;
    QTest::addRow("high rq_pending") << "envoy_cluster_circuit_breakers_high_rq_pending_open" << open << 6;
    QTest::addRow("high rq_retry") << "envoy_cluster_circuit_breakers_high_rq_retry_open" << open << 7;
    QTest::addRow("ejections") << "envoy_cluster_outlier_detection_ejections_active"
                               << static_cast<int>(MetricMeaning::EnvoyEjectionsActive) << -1;
    QTest::addRow("ejections dotted") << "envoy.cluster.outlier_detection.ejections_active"
                                      << static_cast<int>(MetricMeaning::EnvoyEjectionsActive) << -1;
    QTest::addRow("remaining, not open") << "envoy_cluster_circuit_breakers_default_remaining_rq"
                                         << static_cast<int>(MetricMeaning::Unknown) << -1;
    QTest::addRow("other envoy stat") << "envoy_cluster_upstream_rq_total" << static_cast<int>(MetricMeaning::Unknown)
                                      << -1;
}

void tst_GraphMetrics::envoyMetricNamesAreRecognised()
{
    QFETCH(QString, name);
    const std::string n = name.toStdString();
    QTEST(static_cast<int>(classifyMetric(n)), "meaning");
    QTEST(envoyBreakerLimit(n), "limit");
}

void tst_GraphMetrics::envoyBreakerAttachesToEdgeOrNode_data()
{
    QTest::addColumn<QString>("metricName");
    QTest::addColumn<QString>("clusterKey");
    QTest::addColumn<QString>("cluster");
    QTest::addColumn<bool>("onEdge");
    QTest::addRow("prometheus name, cluster named after a called service")
        << "envoy_cluster_circuit_breakers_default_rq_open"
        << "envoy_cluster_name"
        << "payments" << true;
    QTest::addRow("dotted name, cluster_name attribute") << "envoy.cluster.circuit_breakers.high.cx_open"
                                                         << "cluster_name"
                                                         << "payments" << true;
    QTest::addRow("istio cluster name") << "envoy_cluster_circuit_breakers_default_rq_pending_open"
                                        << "envoy_cluster_name"
                                        << "outbound|8080||payments.shop.svc.cluster.local" << true;
    QTest::addRow("cluster matching no edge stays on the node")
        << "envoy.cluster.circuit_breakers.default.rq_retry_open"
        << "envoy_cluster_name"
        << "ledger" << false;
}

void tst_GraphMetrics::envoyBreakerAttachesToEdgeOrNode()
{
    QFETCH(QString, metricName);
    QFETCH(QString, clusterKey);
    QFETCH(QString, cluster);
    QFETCH(bool, onEdge);

    GraphAggregator g;
    feed(g, { client("orders", 10), server("payments", 11, 10) });
    g.onMetrics(
        { metric(metricName.toStdString(), "orders", { { clusterKey.toStdString(), cluster.toStdString() } }, 1) });
    const auto snap = g.snapshot("t");
    const NodeSnapshot& orders = snap->nodes[static_cast<size_t>(snap->findNode("orders"))];
    const EdgeSnapshot& edge = snap->edges[static_cast<size_t>(snap->findEdge("orders", "payments"))];
    const BreakerInfo* breaker = nullptr;
    if (onEdge) {
        QVERIFY(edge.breaker);
        QVERIFY(orders.breakers.empty());
        breaker = &*edge.breaker;
    } else {
        QVERIFY(!edge.breaker);
        QCOMPARE(orders.breakers.size(), size_t(1));
        breaker = &orders.breakers.front();
    }
    QCOMPARE(breaker->name, "envoy:" + cluster.toStdString());
    QCOMPARE(spelling(breaker->state), spelling(BreakerState::Open));
    QCOMPARE(breaker->failure_rate, -1.0);
    QCOMPARE(snap->nodes.size(), size_t(2)); // a cluster name makes no node of its own
}

void tst_GraphMetrics::envoyBreakerIsOpenWhileAnyLimitIsOpen()
{
    GraphAggregator g;
    feed(g, { client("orders", 10), server("payments", 11, 10) });
    const auto point = [](const char* name, double value) {
        return metric(name, "orders", { { "envoy_cluster_name", "payments" } }, value);
    };
    const auto state = [&] {
        const auto snap = g.snapshot("t");
        const EdgeSnapshot& edge = snap->edges[static_cast<size_t>(snap->findEdge("orders", "payments"))];
        return edge.breaker ? spelling(edge.breaker->state) : QStringLiteral("none");
    };
    // All limits reported closed: a closed breaker.
    g.onMetrics({ point("envoy_cluster_circuit_breakers_default_cx_open", 0),
        point("envoy_cluster_circuit_breakers_default_rq_open", 0),
        point("envoy_cluster_circuit_breakers_high_rq_open", 0) });
    QCOMPARE(state(), spelling(BreakerState::Closed));
    g.onMetrics({ point("envoy_cluster_circuit_breakers_default_cx_open", 1),
        point("envoy_cluster_circuit_breakers_high_rq_open", 1) });
    QCOMPARE(state(), spelling(BreakerState::Open));
    g.onMetrics({ point("envoy_cluster_circuit_breakers_default_cx_open", 0) });
    QCOMPARE(state(), spelling(BreakerState::Open)); // high rq still open
    g.onMetrics({ point("envoy.cluster.circuit_breakers.high.rq_open", 0) });
    QCOMPARE(state(), spelling(BreakerState::Closed));
    // A point without a cluster name says nothing about any breaker.
    g.onMetrics({ metric("envoy_cluster_circuit_breakers_default_cx_open", "orders", {}, 1) });
    QCOMPARE(state(), spelling(BreakerState::Closed));
    const auto snap = g.snapshot("t");
    QVERIFY(snap->nodes[static_cast<size_t>(snap->findNode("orders"))].breakers.empty());
}

void tst_GraphMetrics::envoyEjectionsGoOnEdgeOrNodeAndIntoJson()
{
    GraphAggregator g;
    feed(g, { client("orders", 10), server("payments", 11, 10), client("orders", 12), server("inventory", 13, 12) });
    g.onMetrics({
        metric("envoy_cluster_outlier_detection_ejections_active", "orders",
            { { "envoy_cluster_name", "outbound|80||payments.shop.svc.cluster.local" } }, 2),
        metric("envoy.cluster.outlier_detection.ejections_active", "orders", { { "cluster_name", "ledger" } }, 1),
        metric("envoy_cluster_outlier_detection_ejections_active", "orders", { { "envoy_cluster_name", "audit" } }, 3),
    });
    auto snap = g.snapshot("t");
    const auto& payments = snap->edges[static_cast<size_t>(snap->findEdge("orders", "payments"))];
    const auto& inventory = snap->edges[static_cast<size_t>(snap->findEdge("orders", "inventory"))];
    const NodeSnapshot& orders = snap->nodes[static_cast<size_t>(snap->findNode("orders"))];
    QCOMPARE(payments.ejections_active, std::optional<double>(2.0));
    QVERIFY(!inventory.ejections_active);
    QCOMPARE(orders.ejections_active, std::optional<double>(4.0)); // ledger + audit match no edge
    QVERIFY(!payments.breaker); // ejections alone do not make a breaker
    QVERIFY(orders.breakers.empty());

    // The extra field round-trips through the snapshot JSON and is absent where not reported.
    const std::string json = snapshotToJson(*snap, -1);
    QVERIFY(json.find("\"ejections_active\":2") != std::string::npos);
    std::string error;
    const auto back = snapshotFromJson(json, &error);
    QVERIFY2(back, error.c_str());
    QCOMPARE(back->edges[static_cast<size_t>(back->findEdge("orders", "payments"))].ejections_active,
        std::optional<double>(2.0));
    QVERIFY(!back->edges[static_cast<size_t>(back->findEdge("orders", "inventory"))].ejections_active);
    QCOMPARE(back->nodes[static_cast<size_t>(back->findNode("orders"))].ejections_active, std::optional<double>(4.0));

    // The gauge drops back: the latest value counts.
    g.onMetrics({ metric("envoy_cluster_outlier_detection_ejections_active", "orders",
        { { "envoy_cluster_name", "outbound|80||payments.shop.svc.cluster.local" } }, 0) });
    snap = g.snapshot("t");
    QCOMPARE(snap->edges[static_cast<size_t>(snap->findEdge("orders", "payments"))].ejections_active,
        std::optional<double>(0.0));
}

void tst_GraphMetrics::queueMetricsGiveDepthAndDeadLetters()
{
    GraphAggregator g;
    g.onMetrics({
        metric("rabbitmq_queue_messages_ready", "rabbit", { { "queue", "order-events" }, { "vhost", "/" } }, 12),
        metric("rabbitmq_queue_messages_unacked", "rabbit", { { "queue", "order-events" } }, 3),
        metric(
            "faultline.queue.dead_lettered", "rabbitmq", { { "queue", "order-events" } }, 2, MetricType::CumulativeSum),
        metric("faultline_queue_dropped", "rabbitmq", { { "queue", "order-events" } }, 1, MetricType::CumulativeSum),
        metric("kafka_consumergroup_lag", "exporter", { { "topic", "clicks" }, { "partition", "0" } }, 100),
        metric("kafka_consumergroup_lag", "exporter", { { "topic", "clicks" }, { "partition", "1" } }, 50),
        metric("kafka_consumergroup_lag", "exporter", { { "topic", "clicks" }, { "partition", "0" } }, 80),
        metric("some.unrelated.metric", "x", {}, 1),
    });
    const auto snap = g.snapshot("t");
    QCOMPARE(describeNodes(*snap), (QStringList { "clicks queue", "order-events queue" }));
    const NodeSnapshot& rabbit = snap->nodes[static_cast<size_t>(snap->findNode("order-events"))];
    QVERIFY(rabbit.queue);
    QCOMPARE(rabbit.queue->depth, 15.0);
    QCOMPARE(rabbit.queue->ready, 12.0);
    QCOMPARE(rabbit.queue->unacked, 3.0);
    QCOMPARE(rabbit.queue->dead_lettered, uint64_t(2));
    QCOMPARE(rabbit.queue->dropped, uint64_t(1));
    const NodeSnapshot& kafka = snap->nodes[static_cast<size_t>(snap->findNode("clicks"))];
    QCOMPARE(kafka.queue->depth, 130.0); // latest value per partition, summed
    QCOMPARE(snap->counters.metric_points_received, uint64_t(8));
}

void tst_GraphMetrics::instancesAndInFlightFromGaugesOrSpans()
{
    GraphAggregator g;
    std::vector<Span> spans;
    // payments: 100 rps for 4 s, 50 ms each, over two instances; no gauges.
    for (int i = 0; i < 400; ++i)
        spans.push_back(server("payments", static_cast<SpanId>(i + 1), 0)
                            .time(1.0 + i * 0.01, 50)
                            .instance(i % 2 ? "payments-1" : "payments-2"));
    spans.push_back(server("orders", 9999, 0).time(4.0, 1).instance("orders-1"));
    feed(g, std::move(spans));
    g.onMetrics({ metric("faultline.service.instances", "orders", {}, 3),
        metric("faultline_service_in_flight", "orders", {}, 7) });
    g.onClock(at(5.0));
    const auto snap = g.snapshot("t");
    const NodeSnapshot& payments = snap->nodes[static_cast<size_t>(snap->findNode("payments"))];
    QCOMPARE(payments.instances, 2);
    QVERIFY2(std::fabs(payments.in_flight - 100.0 * 0.05) < 0.3, qPrintable(QString::number(payments.in_flight)));
    const NodeSnapshot& orders = snap->nodes[static_cast<size_t>(snap->findNode("orders"))];
    QCOMPARE(orders.instances, 3);
    QCOMPARE(orders.in_flight, 7.0);
}

void tst_GraphMetrics::ownSpansDecideNodeKindEvenAfterAnEarlierMetric()
{
    GraphAggregator g;
    // The instance gauge comes first (as the simulator's does at t = 0); the node's spans say what it is.
    g.onMetrics({ metric("faultline.service.instances", "bank", {}, 1) });
    feed(g, { server("bank", 7, 0).nodeKind("external").time(1.0, 80) });
    g.onClock(at(2.0));
    const auto snap = g.snapshot("t");
    QVERIFY(snap->nodes[static_cast<size_t>(snap->findNode("bank"))].kind == NodeKind::External);
}

void tst_GraphMetrics::metricsOfSameLengthNamesLandOnTheirOwnNodes()
{
    // "gateway" and "catalog" have the same length: a name cache keyed by address once mixed them up
    // when the metric path built its strings in the same temporary.
    GraphAggregator g;
    g.onMetrics({ metric("faultline.service.instances", "gateway", {}, 1),
        metric("faultline.service.instances", "catalog", {}, 2),
        metric("faultline.service.instances", "payment", {}, 3) });
    g.onClock(at(1.0));
    const auto snap = g.snapshot("t");
    QCOMPARE(snap->nodes.size(), size_t(3));
    QCOMPARE(snap->nodes[static_cast<size_t>(snap->findNode("gateway"))].instances, 1);
    QCOMPARE(snap->nodes[static_cast<size_t>(snap->findNode("catalog"))].instances, 2);
    QCOMPARE(snap->nodes[static_cast<size_t>(snap->findNode("payment"))].instances, 3);
}

QTEST_APPLESS_MAIN(tst_GraphMetrics)
#include "tst_graphmetrics.moc"
