// The trace store: which recent traces went through a node or an edge, and one trace as a waterfall,
// within a memory budget; fed from hand-made spans and from the simulator.

#include "graph/graphaggregator.h"
#include "graph/tracestore.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"

#include <QtTest>

#include <deque>
#include <set>
#include <string>

using namespace faultline;

namespace {

/// Builds spans whose strings it owns for as long as the builder lives.
class Spans {
public:
    Span& add(uint64_t trace, SpanId id, SpanId parent, SpanKind kind, const std::string& service,
        const std::string& name, double start_ms, double end_ms, bool error = false)
    {
        Span s;
        s.trace_id = TraceId { 0, trace };
        s.span_id = id;
        s.parent_span_id = parent;
        s.kind = kind;
        s.status = error ? StatusCode::Error : StatusCode::Unset;
        s.service = keep(service);
        s.name = keep(name);
        s.start_ns = static_cast<int64_t>(start_ms * 1e6);
        s.end_ns = static_cast<int64_t>(end_ms * 1e6);
        batch.spans.push_back(s);
        return batch.spans.back();
    }
    std::string_view keep(const std::string& s) { return m_strings.emplace_back(s); }
    SpanBatch batch;

private:
    std::deque<std::string> m_strings;
};

/// gateway -> orders (http), orders -> payments (grpc), orders publishes to order-events, email consumes.
void addCheckoutTrace(Spans& b, uint64_t trace, double paymentsMs, bool paymentsFails = false)
{
    const SpanId base = trace * 100;
    b.add(trace, base + 1, 0, SpanKind::Server, "gateway", "POST /checkout", 0, 20 + paymentsMs, paymentsFails);
    b.add(trace, base + 2, base + 1, SpanKind::Client, "gateway", "POST /orders", 1, 19 + paymentsMs, paymentsFails)
        .peer_service
        = "orders";
    b.add(trace, base + 3, base + 2, SpanKind::Server, "orders", "create", 2, 18 + paymentsMs, paymentsFails);
    b.add(trace, base + 4, base + 3, SpanKind::Client, "orders", "charge", 3, 4 + paymentsMs, paymentsFails);
    b.add(trace, base + 5, base + 4, SpanKind::Server, "payments", "charge", 3.5, 3.5 + paymentsMs, paymentsFails);
    b.add(trace, base + 6, base + 3, SpanKind::Producer, "orders", "order-events publish", 5, 6).messaging_destination
        = "order-events";
    b.add(trace, base + 7, base + 6, SpanKind::Consumer, "email", "order-events process", 30, 70).messaging_destination
        = "order-events";
}

QStringList roots(const std::vector<TraceSummary>& list)
{
    QStringList out;
    for (const auto& t : list)
        out << QString::number(t.id.lo);
    return out;
}

} // namespace

class TestTraceStore : public QObject {
    Q_OBJECT
private slots:
    void nodeQueryFindsEveryTraceTouchingTheNode()
    {
        Spans b;
        addCheckoutTrace(b, 1, 10);
        b.add(2, 201, 0, SpanKind::Server, "catalog", "GET /items", 0, 5);
        TraceStore store;
        store.add(b.batch);
        QCOMPARE(roots(store.query(TraceQuery::ofNode("payments"))), QStringList { "1" });
        QCOMPARE(roots(store.query(TraceQuery::ofNode("catalog"))), QStringList { "2" });
        // A queue is no service: the producer and consumer spans name it.
        QCOMPARE(roots(store.query(TraceQuery::ofNode("order-events"))), QStringList { "1" });
        QVERIFY(store.query(TraceQuery::ofNode("nobody")).empty());
    }

    void edgeQueryMatchesCallerAndCalleeSides()
    {
        Spans b;
        addCheckoutTrace(b, 1, 10);
        // Trace 2: orders calls payments but the client span names no peer; only the server span's parent
        // ties the two together, as when a live client has no peer.service.
        b.add(2, 201, 0, SpanKind::Server, "orders", "create", 0, 30);
        b.add(2, 202, 201, SpanKind::Client, "orders", "charge", 1, 25);
        b.add(2, 203, 202, SpanKind::Server, "payments", "charge", 2, 24);
        // Trace 3: only catalog.
        b.add(3, 301, 0, SpanKind::Server, "catalog", "GET", 0, 5);
        TraceStore store;
        store.add(b.batch);

        auto viaPayments = store.query(TraceQuery::ofEdge("orders", "payments"));
        QCOMPARE(viaPayments.size(), size_t(2));
        // Slowest first: trace 2 spent 24 ms on the call, trace 1 11 ms (its client span).
        QCOMPARE(viaPayments[0].id.lo, uint64_t(2));
        QCOMPARE(viaPayments[0].matched_ms, 24.0);
        QCOMPARE(viaPayments[1].matched_ms, 11.0);

        QCOMPARE(roots(store.query(TraceQuery::ofEdge("gateway", "orders"))), QStringList { "1" });
        QCOMPARE(roots(store.query(TraceQuery::ofEdge("orders", "order-events"))), QStringList { "1" });
        QCOMPARE(roots(store.query(TraceQuery::ofEdge("order-events", "email"))), QStringList { "1" });
        // A root server span is a request from outside: the aggregator's "user" node calls it.
        QCOMPARE(roots(store.query(TraceQuery::ofEdge("user", "catalog"))), QStringList { "3" });
        QVERIFY(store.query(TraceQuery::ofEdge("payments", "orders")).empty());
    }

    void failedFirstThenSlowestThenNewest()
    {
        Spans b;
        addCheckoutTrace(b, 1, 10);
        addCheckoutTrace(b, 2, 500);
        addCheckoutTrace(b, 3, 5, true);
        addCheckoutTrace(b, 4, 10);
        TraceStore store;
        store.add(b.batch);
        const auto list = store.query(TraceQuery::ofNode("payments"));
        QCOMPARE(roots(list), (QStringList { "3", "2", "4", "1" }));
        QVERIFY(list[0].error);
        QVERIFY(!list[1].error);
        QCOMPARE(list[1].root_service, std::string("gateway"));
        QCOMPARE(list[1].root_operation, std::string("POST /checkout"));
        QCOMPARE(list[1].span_count, 7);
        QCOMPARE(list[1].duration_ms, 520.0);
        QCOMPARE(roots(store.query(TraceQuery::ofNode("payments", 2))), (QStringList { "3", "2" }));
    }

    void waterfallNestsChildrenByStartTime()
    {
        Spans b;
        addCheckoutTrace(b, 7, 10);
        TraceStore store;
        store.add(b.batch);
        const auto w = store.waterfall(TraceId { 0, 7 });
        QVERIFY(w.has_value());
        QCOMPARE(w->rows.size(), size_t(7));
        QStringList shape;
        for (const auto& r : w->rows)
            shape << QString("%1%2 %3").arg(
                QString(r.depth, '.'), QString::fromStdString(r.service), QString::fromStdString(r.operation));
        QCOMPARE(shape,
            (QStringList { "gateway POST /checkout", ".gateway POST /orders", "..orders create", "...orders charge",
                "....payments charge", "...orders order-events publish", "....email order-events process" }));
        QCOMPARE(w->rows[3].peer, std::string());
        QCOMPARE(w->rows[1].peer, std::string("orders"));
        QCOMPARE(w->rows[5].peer, std::string("order-events"));
        QCOMPARE(w->rows[4].start_ms, 3.5);
        QCOMPARE(w->rows[4].duration_ms, 10.0);
        QCOMPARE(w->duration_ms, 70.0);
        QVERIFY(!store.waterfall(TraceId { 0, 8 }));
    }

    void malformedTracesStillShowEverySpan()
    {
        Spans b;
        // A span whose parent never arrived, one that is its own parent, and two that are each other's.
        b.add(9, 1, 77, SpanKind::Server, "a", "orphan", 0, 10);
        b.add(9, 2, 2, SpanKind::Server, "b", "self", 1, 2);
        b.add(9, 3, 4, SpanKind::Server, "c", "loop-3", 2, 3);
        b.add(9, 4, 3, SpanKind::Server, "c", "loop-4", 3, 4);
        // Invalid trace ids are not traces.
        b.add(0, 5, 0, SpanKind::Server, "d", "invalid", 0, 1);
        TraceStore store;
        store.add(b.batch);
        const auto w = store.waterfall(TraceId { 0, 9 });
        QVERIFY(w.has_value());
        QCOMPARE(w->rows.size(), size_t(4));
        QVERIFY(w->rows[0].orphan);
        std::set<std::string> ops;
        for (const auto& r : w->rows)
            ops.insert(r.operation);
        QCOMPARE(ops.size(), size_t(4));
        QCOMPARE(store.stats().traces, uint64_t(1));
    }

    void theBudgetKeepsTheNewestTracesAndCountsTheRest()
    {
        TraceStore store({ .max_spans = 70, .max_names = 1000, .max_spans_per_trace = 5 });
        Spans b;
        for (uint64_t t = 1; t <= 20; ++t)
            addCheckoutTrace(b, t, 10);
        store.add(b.batch);
        const TraceStoreStats s = store.stats();
        QVERIFY(s.spans <= 70);
        QCOMPARE(s.spans_truncated, uint64_t(20 * 2)); // 7 spans per trace, 5 kept
        QCOMPARE(s.traces, uint64_t(14));
        QCOMPARE(s.traces_evicted, uint64_t(6));
        QVERIFY(!store.waterfall(TraceId { 0, 6 }));
        QVERIFY(store.waterfall(TraceId { 0, 7 }));
        QVERIFY(store.waterfall(TraceId { 0, 20 }));
        store.clear();
        QCOMPARE(store.stats().spans, uint64_t(0));
        QVERIFY(store.query(TraceQuery::ofNode("gateway")).empty());
    }

    void distinctNamesAreBounded()
    {
        TraceStore store({ .max_spans = 10'000, .max_names = 10, .max_spans_per_trace = 100 });
        Spans b;
        for (int i = 0; i < 50; ++i)
            b.add(1, static_cast<SpanId>(i + 1), 0, SpanKind::Server, "svc", "GET /user/" + std::to_string(i), 0, 1);
        store.add(b.batch);
        QVERIFY(store.stats().names_truncated > 0);
        const auto w = store.waterfall(TraceId { 0, 1 });
        QCOMPARE(w->rows.size(), size_t(50));
        QCOMPARE(w->rows.back().operation, std::string("…"));
    }

    void traceIdsSpellAsThirtyTwoHexDigits()
    {
        const TraceId id { 0x0123456789abcdefull, 0xfedcba9876543210ull };
        QCOMPARE(toHex(id), std::string("0123456789abcdeffedcba9876543210"));
        QCOMPARE(traceIdFromHex("0123456789ABCDEFfedcba9876543210"), std::optional<TraceId>(id));
        QVERIFY(!traceIdFromHex("0123"));
        QVERIFY(!traceIdFromHex("0123456789abcdeffedcba987654321g"));
    }

    void simulatedTracesThroughTheBreakerEdge()
    {
        auto loaded = ScenarioLoader::fromString(builtinScenario("checkout"));
        QVERIFY(loaded.ok());
        auto scenario = std::make_shared<const Scenario>(std::move(*loaded.scenario));

        // The same span stream feeds the graph and the trace store, as the runners do.
        struct Tee final : TelemetrySink {
            GraphAggregator graph;
            TraceStore traces;
            void onSpans(SpanBatch&& batch) override
            {
                traces.add(batch);
                graph.onSpans(std::move(batch));
            }
            void onMetrics(std::vector<MetricPoint>&& points) override { graph.onMetrics(std::move(points)); }
            void onClock(int64_t now_ns) override { graph.onClock(now_ns); }
        } tee;
        Simulator sim(scenario, scenario->seed, &tee);
        sim.runUntil(static_cast<int64_t>(5e9));

        const auto snapshot = tee.graph.snapshot("simulation");
        QVERIFY(snapshot->findEdge("orders", "payments") >= 0);
        const auto list = tee.traces.query(TraceQuery::ofEdge("orders", "payments", 10));
        QCOMPARE(list.size(), size_t(10));
        for (size_t i = 1; i < list.size(); ++i)
            QVERIFY(list[i - 1].matched_ms >= list[i].matched_ms);
        // Every trace through a call of the graph opens as a waterfall that contains both of its ends.
        const auto w = tee.traces.waterfall(list.front().id);
        QVERIFY(w.has_value());
        bool orders = false;
        bool payments = false;
        for (const auto& r : w->rows) {
            orders = orders || r.service == "orders";
            payments = payments || r.service == "payments";
            QVERIFY(r.start_ms >= 0.0);
            QVERIFY(r.start_ms + r.duration_ms <= w->duration_ms + 1e-6);
        }
        QVERIFY(orders && payments);
        QCOMPARE(w->rows.front().depth, 0);
        // And every edge of the snapshot has traces.
        for (const auto& e : snapshot->edges) {
            const auto& source = snapshot->nodes[e.source].id;
            const auto& target = snapshot->nodes[e.target].id;
            QVERIFY2(
                !tee.traces.query(TraceQuery::ofEdge(source, target, 1)).empty(), (source + " -> " + target).c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestTraceStore)
#include "tst_tracestore.moc"
