// The graph aggregator: which nodes and edges each shape of telemetry gives (spec/telemetry.md section 2),
// the bounded pairing store, cardinality caps, and health. What metrics say (breakers, queues, instances)
// is in tst_graphmetrics.

#include "graph/graphaggregator.h"
#include "graph/metricmapping.h"
#include "graph/snapshotjson.h"

#include "support/aggregatortest.h"

#include <QTest>

#include <cmath>
#include <vector>

using namespace faultline;
using namespace faultline::test;

Q_DECLARE_METATYPE(std::vector<faultline::Span>)

class tst_GraphAggregator : public QObject {
    Q_OBJECT

private slots:
    void derivesNodesAndEdgesFromSpanShapes_data();
    void derivesNodesAndEdgesFromSpanShapes();
    void keepsCallerAndCalleeLatencyOnSyncEdges();
    void pairingStoreEvictsOldestWhenFull();
    void pairingStorePairsThousandsWaitingAtOnce();
    void unpairedSpansExpireAfterTtlOfTelemetryTime();
    void duplicateSpanIdDoesNotLeakPendingEntries();
    void cardinalityCapsRejectAndCount_data();
    void cardinalityCapsRejectAndCount();
    void healthFollowsErrorRateThresholds_data();
    void healthFollowsErrorRateThresholds();
    void userAndQueueHealthFollowTheirEdges();
    void hostileTimesAndGaugesNeitherOverflowNorBreakTheJson();
    void lateObservationsCountInTotalsOnly();
    void snapshotIsSortedAndSequenced();
    void historyIsReachableForNodesAndEdges();
    void resetDropsEverything();
};

void tst_GraphAggregator::derivesNodesAndEdgesFromSpanShapes_data()
{
    QTest::addColumn<std::vector<Span>>("spans");
    QTest::addColumn<double>("clock_s"); ///< onClock after the spans, to let pairings expire
    QTest::addColumn<QStringList>("nodes");
    QTest::addColumn<QStringList>("edges");
    QTest::addColumn<int>("expired");

    const QStringList gatewayOrders { "gateway service", "orders service" };
    QTest::addRow("client then server pair into a sync edge")
        << std::vector<Span> { client("gateway", 10).rpc("grpc"), server("orders", 11, 10) } << 1.1 << gatewayOrders
        << QStringList { "gateway->orders sync grpc 1/0" } << 0;
    QTest::addRow("server then client pair into a sync edge")
        << std::vector<Span> { server("orders", 11, 10).rpc("grpc"), client("gateway", 10) } << 1.1 << gatewayOrders
        << QStringList { "gateway->orders sync grpc 1/0" } << 0;
    QTest::addRow("http method gives protocol http")
        << std::vector<Span> { client("gateway", 10).http(), server("orders", 11, 10).http() } << 1.1 << gatewayOrders
        << QStringList { "gateway->orders sync http 1/0" } << 0;
    QTest::addRow("no protocol attributes give an empty protocol")
        << std::vector<Span> { client("gateway", 10), server("orders", 11, 10) } << 1.1 << gatewayOrders
        << QStringList { "gateway->orders sync - 1/0" } << 0;
    QTest::addRow("error on the client side fails the edge")
        << std::vector<Span> { client("gateway", 10).failed(), server("orders", 11, 10) } << 1.1 << gatewayOrders
        << QStringList { "gateway->orders sync - 1/1" } << 0;
    QTest::addRow("error on the server side fails the edge")
        << std::vector<Span> { client("gateway", 10), server("orders", 11, 10).failed() } << 1.1 << gatewayOrders
        << QStringList { "gateway->orders sync - 1/1" } << 0;
    QTest::addRow("pairing needs the same trace")
        << std::vector<Span> { client("gateway", 10), server("orders", 11, 10).trace(2) } << 9.0 << gatewayOrders
        << QStringList {} << 2;
    QTest::addRow("root server span gets an edge from a virtual user")
        << std::vector<Span> { server("gateway", 5, 0).http() } << 1.1
        << QStringList { "gateway service", "user user virtual" } << QStringList { "user->gateway sync http 1/0" } << 0;
    QTest::addRow("a workload client of kind user is a real user node")
        << std::vector<Span> { client("user", 4).nodeKind("user").http(), server("gateway", 5, 4) } << 1.1
        << QStringList { "gateway service", "user user" } << QStringList { "user->gateway sync http 1/0" } << 0;
    QTest::addRow("producer and consumer with a destination go through a queue node")
        << std::vector<Span> { producer("orders", 7).messaging("rabbitmq", "order-events"),
               consumer("email", 8, 7).messaging("rabbitmq", "order-events") }
        << 1.1 << QStringList { "email service", "order-events queue", "orders service" }
        << QStringList { "order-events->email async rabbitmq 1/0", "orders->order-events async rabbitmq 1/0" } << 0;
    QTest::addRow("producer and consumer without destination pair by parent")
        << std::vector<Span> { producer("orders", 7).messaging("kafka"), consumer("email", 8, 7).messaging("kafka") }
        << 1.1 << QStringList { "email service", "orders service" } << QStringList { "orders->email async kafka 1/0" }
        << 0;
    QTest::addRow("consumer in a new trace pairs through its link")
        << std::vector<Span> { producer("orders", 7).messaging("kafka"),
               consumer("email", 8, 0).trace(2).links({ &kLinkToProducer7, 1 }) }
        << 1.1 << QStringList { "email service", "orders service" } << QStringList { "orders->email async kafka 1/0" }
        << 0;
    QTest::addRow("consumer linked before its producer arrives still pairs")
        << std::vector<Span> { consumer("email", 8, 0).trace(2).links({ &kLinkToProducer7, 1 }).messaging("kafka"),
               producer("orders", 7) }
        << 1.1 << QStringList { "email service", "orders service" } << QStringList { "orders->email async kafka 1/0" }
        << 0;
    QTest::addRow("database client completes at once to a database node")
        << std::vector<Span> { client("orders", 10).db("postgresql", "orders-db") } << 1.1
        << QStringList { "orders service", "orders-db database" }
        << QStringList { "orders->orders-db sync postgresql 1/0" } << 0;
    QTest::addRow("database client without db.name is named after db.system")
        << std::vector<Span> { client("orders", 10).db("redis", "").failed() } << 1.1
        << QStringList { "orders service", "redis database" } << QStringList { "orders->redis sync redis 1/1" } << 0;
    QTest::addRow("unpaired client expires to its peer.service")
        << std::vector<Span> { client("orders", 10).rpc("grpc").peer("payments").address("10.0.0.7") } << 5.0
        << QStringList { "orders service", "payments external virtual" }
        << QStringList { "orders->payments sync grpc 1/0" } << 1;
    QTest::addRow("unpaired client expires to its server.address")
        << std::vector<Span> { client("orders", 10).http().address("api.stripe.com").failed() } << 5.0
        << QStringList { "api.stripe.com external virtual", "orders service" }
        << QStringList { "orders->api.stripe.com sync http 1/1" } << 1;
    QTest::addRow("expired client to a peer that reports itself joins the real node")
        << std::vector<Span> { client("orders", 10).peer("payments"), server("payments", 20, 0).time(1.0, 5) } << 5.0
        << QStringList { "orders service", "payments service", "user user virtual" }
        << QStringList { "orders->payments sync - 1/0", "user->payments sync - 1/0" } << 1;
    QTest::addRow("unpaired client without peer attributes is only counted")
        << std::vector<Span> { client("orders", 10) } << 5.0 << QStringList { "orders service" } << QStringList {} << 1;
    QTest::addRow("unpaired non-root server expires with no edge")
        << std::vector<Span> { server("payments", 11, 99) } << 5.0 << QStringList { "payments service" }
        << QStringList {} << 1;
    QTest::addRow("unpaired client still waiting within the ttl gives no edge yet")
        << std::vector<Span> { client("orders", 10).peer("payments") } << 2.5 << QStringList { "orders service" }
        << QStringList {} << 0;
    QTest::addRow("missing service name becomes unknown_service")
        << std::vector<Span> { client("", 10), server("orders", 11, 10) } << 1.1
        << QStringList { "orders service", "unknown_service service" }
        << QStringList { "unknown_service->orders sync - 1/0" } << 0;
    QTest::addRow("node kind attribute sets the node kind")
        << std::vector<Span> { client("gateway", 10), server("legacy-db", 11, 10).nodeKind("database") } << 1.1
        << QStringList { "gateway service", "legacy-db database" } << QStringList { "gateway->legacy-db sync - 1/0" }
        << 0;
}

void tst_GraphAggregator::derivesNodesAndEdgesFromSpanShapes()
{
    QFETCH(std::vector<Span>, spans);
    QFETCH(double, clock_s);
    QFETCH(QStringList, nodes);
    QFETCH(QStringList, edges);
    QFETCH(int, expired);

    GraphAggregator g;
    const auto count = spans.size();
    feed(g, std::move(spans));
    g.onClock(at(clock_s));
    const auto snap = g.snapshot("test");
    QCOMPARE(describeNodes(*snap), nodes);
    QCOMPARE(describeEdges(*snap), edges);
    QCOMPARE(snap->counters.unpaired_expired, uint64_t(expired));
    QCOMPARE(snap->counters.spans_received, uint64_t(count));
    QCOMPARE(snap->counters.pairing_evicted, uint64_t(0));
    QCOMPARE(snap->counters.cardinality_rejected, uint64_t(0));
}

void tst_GraphAggregator::keepsCallerAndCalleeLatencyOnSyncEdges()
{
    GraphAggregator g;
    feed(g, { server("orders", 11, 10).time(1.01, 30), client("gateway", 10).time(1.0, 50) });
    const auto snap = g.snapshot("test");
    const int e = snap->findEdge("gateway", "orders");
    QVERIFY(e >= 0);
    const EdgeSnapshot& edge = snap->edges[static_cast<size_t>(e)];
    QVERIFY(edge.traffic.latency.valid && edge.server_latency.valid);
    QCOMPARE(edge.traffic.latency.mean_ms, 50.0);
    QCOMPARE(edge.server_latency.mean_ms, 30.0);
    const NodeSnapshot& orders = snap->nodes[static_cast<size_t>(snap->findNode("orders"))];
    QCOMPARE(orders.traffic.latency.mean_ms, 30.0); // what the service spent
    QCOMPARE(snap->counters.edges_observed, uint64_t(1));
    QCOMPARE(snap->time_s, 1.05);
}

void tst_GraphAggregator::pairingStoreEvictsOldestWhenFull()
{
    AggregatorConfig config;
    config.pairing_capacity = 2;
    GraphAggregator g(config);
    feed(g, { client("gateway", 10).peer("a"), client("gateway", 11).peer("b"), client("gateway", 12).peer("c") });
    auto snap = g.snapshot("test");
    QCOMPARE(snap->counters.pairing_evicted, uint64_t(1));
    QCOMPARE(snap->counters.pairing_pending, uint64_t(2));
    // The evicted (oldest) client can no longer pair; the others still can.
    feed(g, { server("b", 21, 11), server("a", 20, 10) });
    snap = g.snapshot("test");
    QVERIFY(snap->findEdge("gateway", "b") >= 0);
    QCOMPARE(snap->findEdge("gateway", "a"), -1);
    QCOMPARE(snap->counters.pairing_evicted, uint64_t(1));
    QCOMPARE(snap->counters.pairing_pending, uint64_t(2)); // client 12 and server "a"
    // A full store makes room by evicting the oldest again.
    feed(g, { server("c", 22, 77) });
    QCOMPARE(g.snapshot("test")->counters.pairing_evicted, uint64_t(2));
}

void tst_GraphAggregator::pairingStorePairsThousandsWaitingAtOnce()
{
    // Far more spans wait at once than the store's table starts with, so it grows while they wait; at
    // the capacity the oldest are still the ones evicted.
    AggregatorConfig config;
    config.pairing_capacity = 3000;
    GraphAggregator g(config);
    std::vector<Span> clients;
    for (SpanId id = 1; id <= 5000; ++id)
        clients.push_back(client("gateway", id).trace(id % 7 + 1).peer("orders"));
    feed(g, clients);
    auto snap = g.snapshot("test");
    QCOMPARE(snap->counters.pairing_evicted, uint64_t(2000));
    QCOMPARE(snap->counters.pairing_pending, uint64_t(3000));
    std::vector<Span> servers;
    for (SpanId id = 5000; id >= 1; --id)
        servers.push_back(server("orders", 100000 + id, id).trace(id % 7 + 1));
    feed(g, servers);
    snap = g.snapshot("test");
    // Clients 2001..5000 pair; the servers of the 2000 evicted clients wait, and push out nothing paired.
    const int e = snap->findEdge("gateway", "orders");
    QVERIFY(e >= 0);
    QCOMPARE(snap->edges[static_cast<size_t>(e)].traffic.totals.requests, uint64_t(3000));
    QCOMPARE(snap->counters.pairing_pending, uint64_t(2000));
    QCOMPARE(snap->counters.pairing_evicted, uint64_t(2000));
}

void tst_GraphAggregator::unpairedSpansExpireAfterTtlOfTelemetryTime()
{
    AggregatorConfig config;
    config.pairing_ttl_s = 2.0;
    GraphAggregator g(config);
    feed(g, { client("gateway", 10).time(1.0, 10).peer("orders") }); // waits from t = 1.01
    g.onClock(at(2.9));
    QCOMPARE(g.snapshot("t")->counters.unpaired_expired, uint64_t(0));
    QCOMPARE(g.snapshot("t")->counters.pairing_pending, uint64_t(1));
    g.onClock(at(3.02));
    auto snap = g.snapshot("t");
    QCOMPARE(snap->counters.unpaired_expired, uint64_t(1));
    QCOMPARE(snap->counters.pairing_pending, uint64_t(0));
    QVERIFY(snap->findEdge("gateway", "orders") >= 0);
    // Span end times move the clock too: a later batch expires what waited too long.
    feed(g, { server("orders", 30, 29).time(4.0, 1) });
    feed(g, { server("orders", 31, 0).time(7.0, 1) });
    QCOMPARE(g.snapshot("t")->counters.unpaired_expired, uint64_t(2));
}

void tst_GraphAggregator::duplicateSpanIdDoesNotLeakPendingEntries()
{
    GraphAggregator g;
    feed(g, { server("orders", 11, 10), server("orders", 12, 10) }); // two servers under one non-client parent
    auto snap = g.snapshot("t");
    QCOMPARE(snap->counters.pairing_pending, uint64_t(1));
    QCOMPARE(snap->counters.unpaired_expired, uint64_t(1));
}

void tst_GraphAggregator::cardinalityCapsRejectAndCount_data()
{
    QTest::addColumn<int>("maxNodes");
    QTest::addColumn<int>("maxEdges");
    QTest::addColumn<int>("nodes");
    QTest::addColumn<int>("edges");
    QTest::addColumn<int>("rejected");
    // Spans: a->b, a->c, a->d (client/server pairs) plus a root server in a.
    QTest::addRow("no cap reached") << 100 << 100 << 5 << 4 << 0;
    QTest::addRow("node cap") << 3 << 100 << 3 << 2 << 2; // d and the user node refused
    QTest::addRow("edge cap") << 100 << 2 << 5 << 2 << 2;
}

void tst_GraphAggregator::cardinalityCapsRejectAndCount()
{
    QFETCH(int, maxNodes);
    QFETCH(int, maxEdges);
    AggregatorConfig config;
    config.max_nodes = static_cast<size_t>(maxNodes);
    config.max_edges = static_cast<size_t>(maxEdges);
    GraphAggregator g(config);
    feed(g,
        { client("a", 10), server("b", 11, 10), client("a", 20), server("c", 21, 20), client("a", 30),
            server("d", 31, 30), server("a", 40, 0) });
    const auto snap = g.snapshot("t");
    QTEST(static_cast<int>(snap->nodes.size()), "nodes");
    QTEST(static_cast<int>(snap->edges.size()), "edges");
    QTEST(static_cast<int>(snap->counters.cardinality_rejected), "rejected");
}

void tst_GraphAggregator::healthFollowsErrorRateThresholds_data()
{
    QTest::addColumn<int>("requests");
    QTest::addColumn<int>("errors");
    QTest::addColumn<double>("clock_s");
    QTest::addColumn<Health>("health");
    QTest::addRow("no errors is healthy") << 1000 << 0 << 5.0 << Health::Healthy;
    QTest::addRow("just under 0.1 percent is healthy") << 10000 << 9 << 5.0 << Health::Healthy;
    QTest::addRow("0.1 percent is degraded") << 1000 << 1 << 5.0 << Health::Degraded;
    QTest::addRow("10 percent is still degraded") << 1000 << 100 << 5.0 << Health::Degraded;
    QTest::addRow("over 10 percent is failing") << 1000 << 101 << 5.0 << Health::Failing;
    QTest::addRow("no traffic in the window is idle") << 1000 << 500 << 60.0 << Health::Idle;
}

void tst_GraphAggregator::healthFollowsErrorRateThresholds()
{
    QFETCH(int, requests);
    QFETCH(int, errors);
    QFETCH(double, clock_s);
    QFETCH(Health, health);
    GraphAggregator g;
    std::vector<Span> spans;
    for (int i = 0; i < requests; ++i) {
        const auto id = static_cast<SpanId>(2 * i + 10);
        const double start = 1.0 + 3.0 * i / requests;
        spans.push_back(client("orders", id).time(start, 2));
        auto s = server("payments", id + 1, id).time(start, 1);
        if (i < errors) s.failed();
        spans.push_back(s);
    }
    feed(g, std::move(spans));
    g.onClock(at(clock_s));
    const auto snap = g.snapshot("t");
    QCOMPARE(spelling(snap->nodes[static_cast<size_t>(snap->findNode("payments"))].health), spelling(health));
    QCOMPARE(spelling(snap->edges[static_cast<size_t>(snap->findEdge("orders", "payments"))].health), spelling(health));
    // orders is never called: a source of traffic, healthy while its calls go out (whatever they meet),
    // idle once they stop, like a user node.
    QCOMPARE(spelling(snap->nodes[static_cast<size_t>(snap->findNode("orders"))].health),
        spelling(health == Health::Idle ? Health::Idle : Health::Healthy));
}

void tst_GraphAggregator::userAndQueueHealthFollowTheirEdges()
{
    GraphAggregator g;
    feed(g,
        { server("gateway", 5, 0).failed(), producer("gateway", 7).messaging("rabbitmq", "events"),
            consumer("email", 8, 7).messaging("rabbitmq", "events") });
    auto snap = g.snapshot("t");
    QCOMPARE(spelling(snap->nodes[static_cast<size_t>(snap->findNode("user"))].health), spelling(Health::Healthy));
    QCOMPARE(spelling(snap->nodes[static_cast<size_t>(snap->findNode("events"))].health), spelling(Health::Healthy));
    QCOMPARE(spelling(snap->nodes[static_cast<size_t>(snap->findNode("gateway"))].health), spelling(Health::Failing));
    // A service that is called is not a traffic source: gateway's own calls do not make it healthy.
    QVERIFY(snap->findEdge("gateway", "events") >= 0);
    g.onClock(at(30));
    snap = g.snapshot("t");
    QCOMPARE(spelling(snap->nodes[static_cast<size_t>(snap->findNode("user"))].health), spelling(Health::Idle));
    QCOMPARE(spelling(snap->nodes[static_cast<size_t>(snap->findNode("events"))].health), spelling(Health::Idle));
}

void tst_GraphAggregator::hostileTimesAndGaugesNeitherOverflowNorBreakTheJson()
{
    // Found by fuzz/fuzz_otlp_traces and fuzz_otlp_metrics. OTLP times are unsigned, so a span can end at
    // INT64_MAX (after the decoder's clamp) and drag the clock there: the pairing deadline once overflowed.
    // And a gauge can carry anything: a negative instance count once made JSON that did not read back.
    GraphAggregator g;
    Span farFuture = client("gateway", 10);
    farFuture.end_ns = INT64_MAX;
    feed(g, { farFuture });
    g.onMetrics({ metric("faultline.service.instances", "orders", {}, -3),
        metric("faultline_service_in_flight", "orders", {}, std::nan("")),
        metric("faultline.service.instances", "payments", {}, 1e300),
        metric("faultline_service_in_flight", "payments", {}, -1) });
    g.onClock(INT64_MAX);
    const auto snap = g.snapshot("t");
    const NodeSnapshot& orders = snap->nodes[static_cast<size_t>(snap->findNode("orders"))];
    QCOMPARE(orders.instances, 0);
    QCOMPARE(orders.in_flight, 0.0);
    const NodeSnapshot& payments = snap->nodes[static_cast<size_t>(snap->findNode("payments"))];
    QCOMPARE(payments.instances, 0);
    QCOMPARE(payments.in_flight, 0.0);
    std::string error;
    QVERIFY2(snapshotFromJson(snapshotToJson(*snap), &error), error.c_str());
}

void tst_GraphAggregator::lateObservationsCountInTotalsOnly()
{
    GraphAggregator g;
    feed(g, { server("gateway", 1, 0).time(60.0, 1) });
    feed(g, { server("gateway", 2, 0).time(10.0, 1) }); // 50 s older than the clock
    const auto snap = g.snapshot("t");
    QCOMPARE(snap->counters.late_observations, uint64_t(2)); // the node's and the user edge's
    const NodeSnapshot& gateway = snap->nodes[static_cast<size_t>(snap->findNode("gateway"))];
    QCOMPARE(gateway.traffic.totals.requests, uint64_t(2));
    QCOMPARE(gateway.traffic.rps > 0.0, true);

    // An edge quiet for a long time judges lateness by the aggregator's clock, not by its own last call.
    feed(g, { server("orders", 3, 0).time(120.0, 1) });
    feed(g, { server("gateway", 4, 0).time(100.0, 1) });
    QCOMPARE(g.snapshot("t")->counters.late_observations, uint64_t(4));
}

void tst_GraphAggregator::snapshotIsSortedAndSequenced()
{
    GraphAggregator g;
    feed(g,
        { client("zeta", 10), server("alpha", 11, 10), client("alpha", 12), server("beta", 13, 12),
            producer("alpha", 14).messaging("kafka"), consumer("beta", 15, 14), client("alpha", 16).db("pg", "aaa") });
    const auto first = g.snapshot("simulation");
    const auto second = g.snapshot("simulation");
    QCOMPARE(second->sequence, first->sequence + 1);
    QCOMPARE(first->source, std::string("simulation"));
    QCOMPARE(first->window_s, 10.0);
    QCOMPARE(describeNodes(*first), (QStringList { "aaa database", "alpha service", "beta service", "zeta service" }));
    QCOMPARE(describeEdges(*first),
        (QStringList { "alpha->aaa sync pg 1/0", "alpha->beta sync - 1/0", "alpha->beta async kafka 1/0",
            "zeta->alpha sync - 1/0" }));
    QCOMPARE(first->findEdge("alpha", "beta"), 1);
    QCOMPARE(first->findEdge("beta", "alpha"), -1);
    QCOMPARE(first->findNode("nope"), -1);
}

void tst_GraphAggregator::historyIsReachableForNodesAndEdges()
{
    GraphAggregator g;
    std::vector<Span> spans;
    for (int s = 0; s < 20; ++s)
        spans.push_back(server("gateway", static_cast<SpanId>(s + 1), 0).time(s + 0.5, 4));
    feed(g, std::move(spans));
    const History node = g.nodeHistory("gateway");
    QCOMPARE(node.points.size(), size_t(900));
    QCOMPARE(node.points.back().count, 1u);
    QCOMPARE(node.points.back().mean_ms, 4.0f);
    QCOMPARE(node.points[node.points.size() - 20].count, 1u);
    QCOMPARE(node.points[node.points.size() - 21].count, 0u);
    QCOMPARE(g.edgeHistory("user", "gateway", EdgeKind::Sync).points.back().count, 1u);
    QVERIFY(g.edgeHistory("user", "gateway", EdgeKind::Async).points.empty());
    QVERIFY(g.nodeHistory("nope").points.empty());
}

void tst_GraphAggregator::resetDropsEverything()
{
    GraphAggregator g;
    feed(g, { server("gateway", 1, 0), client("gateway", 5) });
    const uint64_t before = g.snapshot("t")->sequence;
    g.reset();
    const auto snap = g.snapshot("t");
    QVERIFY(snap->nodes.empty());
    QCOMPARE(snap->counters.spans_received, uint64_t(0));
    QCOMPARE(snap->counters.pairing_pending, uint64_t(0));
    QCOMPARE(snap->time_s, 0.0);
    QVERIFY(snap->sequence > before);
}

QTEST_APPLESS_MAIN(tst_GraphAggregator)
#include "tst_graphaggregator.moc"
