// The snapshot JSON format: the named fields with their types, round trips, byte-identical output.

#include "graph/graphaggregator.h"
#include "graph/snapshotjson.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <set>

using namespace faultline;
using nlohmann::json;

namespace {

constexpr int64_t kMs = 1'000'000;

Span span(SpanKind kind, std::string_view service, SpanId id, SpanId parent, int64_t start_ns, int64_t duration_ns)
{
    Span s;
    s.trace_id = TraceId { 0, 1 };
    s.kind = kind;
    s.service = service;
    s.span_id = id;
    s.parent_span_id = parent;
    s.start_ns = start_ns;
    s.end_ns = start_ns + duration_ns;
    return s;
}

/// A small fleet: user -> gateway -> payments (grpc, breaker), gateway -> order-events -> email, a database.
std::shared_ptr<const GraphSnapshot> sampleSnapshot()
{
    GraphAggregator g;
    SpanBatch batch;
    for (int i = 0; i < 200; ++i) {
        const int64_t t = 1'000 * kMs + i * 20 * kMs;
        const auto base = static_cast<SpanId>(100 * i + 1);
        Span root = span(SpanKind::Server, "gateway", base, 0, t, 30 * kMs);
        root.http_method = "POST";
        Span call = span(SpanKind::Client, "gateway", base + 1, base, t + kMs, 20 * kMs);
        call.rpc_system = "grpc";
        Span served = span(SpanKind::Server, "payments", base + 2, base + 1, t + 2 * kMs, 17 * kMs);
        if (i % 50 == 0) served.status = StatusCode::Error;
        Span publish = span(SpanKind::Producer, "gateway", base + 3, base, t + 22 * kMs, kMs);
        publish.messaging_system = "rabbitmq";
        publish.messaging_destination = "order-events";
        Span consume = span(SpanKind::Consumer, "email", base + 4, base + 3, t + 25 * kMs, 5 * kMs);
        consume.messaging_system = "rabbitmq";
        consume.messaging_destination = "order-events";
        Span query = span(SpanKind::Client, "payments", base + 5, base + 2, t + 3 * kMs, 2 * kMs);
        query.db_system = "postgresql";
        query.db_name = "ledger";
        for (const Span& s : { root, call, served, publish, consume, query })
            batch.spans.push_back(s);
    }
    g.onSpans(std::move(batch));
    MetricPoint state;
    state.name = "resilience4j.circuitbreaker.state";
    state.service = "gateway";
    state.attributes = { { "name", "payments" }, { "state", "closed" } };
    state.value = 1;
    MetricPoint rate = state;
    rate.name = "resilience4j.circuitbreaker.failure.rate";
    rate.attributes = { { "name", "payments" } };
    rate.value = 2.0;
    MetricPoint other = state;
    other.attributes = { { "name", "fraud-check" }, { "state", "open" } };
    MetricPoint depth;
    depth.name = "rabbitmq_queue_messages_ready";
    depth.attributes = { { "queue", "order-events" } };
    depth.value = 12;
    g.onMetrics({ state, rate, other, depth });
    g.onClock(5'100 * kMs);
    return g.snapshot("simulation");
}

} // namespace

class tst_SnapshotJson : public QObject {
    Q_OBJECT

private slots:
    void writesTheNamedFieldsWithTheirTypes();
    void latencyKeysAreNullWithoutObservations();
    void roundTripsThroughTheReader();
    void identicalSnapshotsGiveIdenticalBytes();
    void readerRejectsWhatIsNotASnapshot_data();
    void readerRejectsWhatIsNotASnapshot();
};

void tst_SnapshotJson::writesTheNamedFieldsWithTheirTypes()
{
    const json j = json::parse(snapshotToJson(*sampleSnapshot()));
    QCOMPARE(j.at("format").get<std::string>(), std::string("faultline.snapshot/1"));
    QCOMPARE(j.at("source").get<std::string>(), std::string("simulation"));
    QCOMPARE(j.at("time_s").get<double>(), 5.1);
    QCOMPARE(j.at("window_s").get<double>(), 10.0);

    const std::set<std::string> nodeKinds { "service", "queue", "database", "external", "user" };
    const std::set<std::string> healths { "healthy", "degraded", "failing", "idle" };
    std::set<std::string> ids;
    for (const json& n : j.at("nodes")) {
        ids.insert(n.at("id").get<std::string>());
        QVERIFY(nodeKinds.count(n.at("kind").get<std::string>()));
        QVERIFY(healths.count(n.at("health").get<std::string>()));
        QVERIFY(n.at("instances").is_number_integer());
        for (const char* key : { "rps", "error_rate", "in_flight" })
            QVERIFY2(n.at(key).is_number(), key);
        for (const char* key : { "mean_ms", "p50_ms", "p95_ms", "p99_ms" })
            QVERIFY2(n.at(key).is_number() || n.at(key).is_null(), key);
        QVERIFY(n.at("totals").at("requests").is_number_unsigned());
        QVERIFY(n.at("totals").at("errors").is_number_unsigned());
        QVERIFY(n.at("breakers").is_array());
        QCOMPARE(n.contains("depth"), n.at("kind") == "queue");
    }
    QCOMPARE(ids, (std::set<std::string> { "email", "gateway", "ledger", "order-events", "payments", "user" }));

    const json& payments = *std::find_if(
        j.at("nodes").begin(), j.at("nodes").end(), [](const json& n) { return n.at("id") == "payments"; });
    QCOMPARE(payments.at("totals").at("requests").get<uint64_t>(), uint64_t(200));
    QCOMPARE(payments.at("totals").at("errors").get<uint64_t>(), uint64_t(4));
    QCOMPARE(payments.at("health").get<std::string>(), std::string("degraded"));
    QCOMPARE(payments.at("mean_ms").get<double>(), 17.0);
    const json& queue = *std::find_if(
        j.at("nodes").begin(), j.at("nodes").end(), [](const json& n) { return n.at("id") == "order-events"; });
    QCOMPARE(queue.at("depth").get<double>(), 12.0);
    QCOMPARE(queue.at("dead_lettered").get<uint64_t>(), uint64_t(0));
    const json& gateway = *std::find_if(
        j.at("nodes").begin(), j.at("nodes").end(), [](const json& n) { return n.at("id") == "gateway"; });
    QCOMPARE(gateway.at("breakers").size(), size_t(1)); // fraud-check matches no edge
    QCOMPARE(gateway.at("breakers")[0].at("state").get<std::string>(), std::string("open"));

    bool sawBreaker = false;
    for (const json& e : j.at("edges")) {
        QVERIFY(ids.count(e.at("source").get<std::string>()));
        QVERIFY(ids.count(e.at("target").get<std::string>()));
        QVERIFY(e.at("kind") == "sync" || e.at("kind") == "async");
        QVERIFY(e.at("protocol").is_string());
        QVERIFY(e.at("rps").is_number() && e.at("error_rate").is_number());
        QVERIFY(e.at("breaker").is_null() || e.at("breaker").is_object());
        QVERIFY(e.at("totals").is_object());
        if (e.at("source") == "gateway" && e.at("target") == "payments") {
            const json& b = e.at("breaker");
            QCOMPARE(b.at("state").get<std::string>(), std::string("closed"));
            QCOMPARE(b.at("failure_rate").get<double>(), 2.0);
            QVERIFY(b.at("slow_call_rate").is_null()); // not reported
            QCOMPARE(b.at("not_permitted_calls").get<uint64_t>(), uint64_t(0));
            QCOMPARE(b.at("name").get<std::string>(), std::string("payments"));
            QCOMPARE(e.at("protocol").get<std::string>(), std::string("grpc"));
            QCOMPARE(e.at("mean_ms").get<double>(), 20.0);
            QCOMPARE(e.at("server_mean_ms").get<double>(), 17.0);
            QCOMPARE(e.at("error_rate").get<double>(), 0.02);
            sawBreaker = true;
        }
    }
    QVERIFY(sawBreaker);
    QCOMPARE(j.at("edges").size(), size_t(5));

    const json& p = j.at("pipeline");
    for (const char* key : { "spans_received", "metric_points_received", "edges_observed", "unpaired_expired",
             "pairing_evicted", "pairing_pending", "spans_dropped", "late_observations", "cardinality_rejected" })
        QVERIFY2(p.at(key).is_number_unsigned(), key);
    QCOMPARE(p.at("spans_received").get<uint64_t>(), uint64_t(1200));
}

void tst_SnapshotJson::latencyKeysAreNullWithoutObservations()
{
    GraphSnapshot s;
    s.source = "live";
    NodeSnapshot& n = s.nodes.emplace_back();
    n.id = "quiet";
    const json j = json::parse(snapshotToJson(s));
    const json& node = j.at("nodes")[0];
    for (const char* key : { "mean_ms", "p50_ms", "p95_ms", "p99_ms" })
        QVERIFY2(node.at(key).is_null(), key);
    QVERIFY(node.at("totals").at("mean_ms").is_null());
    QCOMPARE(node.at("health").get<std::string>(), std::string("idle"));
}

void tst_SnapshotJson::roundTripsThroughTheReader()
{
    const std::string first = snapshotToJson(*sampleSnapshot());
    std::string error;
    const auto read = snapshotFromJson(first, &error);
    QVERIFY2(read, error.c_str());
    QCOMPARE(read->nodes.size(), size_t(6));
    QCOMPARE(read->edges.size(), size_t(5));
    QCOMPARE(read->findEdge("gateway", "payments") >= 0, true);
    QCOMPARE(snapshotToJson(*read), first);
    QCOMPARE(snapshotToJson(*read, -1), snapshotToJson(*snapshotFromJson(snapshotToJson(*read, -1)), -1));
}

void tst_SnapshotJson::identicalSnapshotsGiveIdenticalBytes()
{
    auto a = sampleSnapshot();
    auto b = sampleSnapshot();
    QCOMPARE(snapshotToJson(*a), snapshotToJson(*b));
    QCOMPARE(snapshotToJson(*a, 0), snapshotToJson(*b, 0));
}

void tst_SnapshotJson::readerRejectsWhatIsNotASnapshot_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::addRow("not json") << "{nope"
                              << "parse";
    QTest::addRow("wrong format") << R"({"format":"other/1","source":"x","nodes":[],"edges":[]})"
                                  << "/format";
    QTest::addRow("edge to an unknown node")
        << R"({"format":"faultline.snapshot/1","source":"x","nodes":[{"id":"a","kind":"service"}],
               "edges":[{"source":"a","target":"b","kind":"sync"}]})"
        << "/edges/0/target";
    QTest::addRow("unknown node kind")
        << R"({"format":"faultline.snapshot/1","source":"x","nodes":[{"id":"a","kind":"planet"}],"edges":[]})"
        << "/nodes/0/kind";
}

void tst_SnapshotJson::readerRejectsWhatIsNotASnapshot()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    std::string error;
    QVERIFY(!snapshotFromJson(text.toStdString(), &error));
    QVERIFY2(QString::fromStdString(error).contains(expected), error.c_str());
}

QTEST_APPLESS_MAIN(tst_SnapshotJson)
#include "tst_snapshotjson.moc"
