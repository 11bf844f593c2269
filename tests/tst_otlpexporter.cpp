// The OTLP/gRPC exporter: the simulator as an OTLP source. Its requests go through a real OtlpReceiver over
// loopback and must decode back to what was sent; a scenario exported and received must build the same
// graph as the simulation seen directly; a full queue drops and counts instead of blocking.
#include "otlp/otlpexporter.h"

#include "graph/graphaggregator.h"
#include "graph/graphsnapshot.h"
#include "otlp/otlpreceiver.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>

using namespace faultline;

namespace {

constexpr auto kPopTimeout = std::chrono::milliseconds(5000);

std::unique_ptr<OtlpReceiver> startReceiver(std::string& address)
{
    ReceiverConfig config;
    config.address = "127.0.0.1:0";
    auto receiver = std::make_unique<OtlpReceiver>(config);
    std::string error;
    if (!receiver->start(error)) return nullptr;
    address = receiver->stats().listening_on;
    return receiver;
}

/// Pops until `spans` spans and `points` metric points arrived (or a pop times out), in arrival order.
std::vector<ReceivedItem> popAll(OtlpReceiver& receiver, uint64_t spans, uint64_t points)
{
    std::vector<ReceivedItem> items;
    uint64_t gotSpans = 0, gotPoints = 0;
    while (gotSpans < spans || gotPoints < points) {
        auto item = receiver.pop(kPopTimeout);
        if (!item) break;
        if (auto* batch = std::get_if<SpanBatch>(&*item))
            gotSpans += batch->spans.size();
        else
            gotPoints += std::get<std::vector<MetricPoint>>(*item).size();
        items.push_back(std::move(*item));
    }
    return items;
}

/// Feeds one simulation both to an aggregator directly and to the exporter, and notes after how many spans
/// each clock tick came, so the receiving side can replay the ticks in the same place.
class Tee final : public TelemetrySink {
public:
    Tee(GraphAggregator& direct, OtlpExporter& exporter)
        : m_direct(direct)
        , m_exporter(exporter)
    {
    }
    void onSpans(SpanBatch&& batch) override
    {
        SpanBatch copy = batch;
        m_direct.onSpans(std::move(copy));
        spans += batch.spans.size();
        m_exporter.onSpans(std::move(batch));
    }
    void onMetrics(std::vector<MetricPoint>&& points) override
    {
        auto copy = points;
        m_direct.onMetrics(std::move(copy));
        m_exporter.onMetrics(std::move(points));
    }
    void onClock(int64_t now) override
    {
        m_direct.onClock(now);
        clocks.emplace_back(spans, now);
    }

    uint64_t spans = 0;
    std::vector<std::pair<uint64_t, int64_t>> clocks; ///< (spans delivered before the tick, tick)

private:
    GraphAggregator& m_direct;
    OtlpExporter& m_exporter;
};

} // namespace

class TestOtlpExporter : public QObject {
    Q_OBJECT

private slots:
    void spansDecodeBackFieldByField()
    {
        std::string address;
        auto receiver = startReceiver(address);
        QVERIFY(receiver);
        OtlpExporter exporter(address);
        std::string error;
        QVERIFY2(exporter.start(error), error.c_str());

        static const std::vector<KeyValue> attributes { { "http.route", "/cart" }, { "faultline.operation", "get" } };
        static const std::vector<SpanLink> links { { { 7, 8 }, 9 } };
        SpanBatch batch;
        Span user;
        user.trace_id = { 0x0102030405060708ULL, 0x1112131415161718ULL };
        user.span_id = 0xa1a2a3a4a5a6a7a8ULL;
        user.kind = SpanKind::Client;
        user.status = StatusCode::Error;
        user.start_ns = 0; // simulated time starts at zero
        user.end_ns = 150'000'000;
        user.service = "users";
        user.node_kind = "user";
        user.name = "GET /cart";
        user.http_method = "GET";
        user.peer_service = "front";
        user.server_address = "front.local";
        user.attributes = attributes;
        batch.spans.push_back(user);
        Span server;
        server.trace_id = user.trace_id;
        server.span_id = 2;
        server.parent_span_id = user.span_id;
        server.kind = SpanKind::Server;
        server.status = StatusCode::Ok;
        server.start_ns = 1'000'000;
        server.end_ns = 149'000'000;
        server.service = "front";
        server.service_instance = "front-1";
        server.name = "page";
        server.rpc_system = "grpc";
        batch.spans.push_back(server);
        Span producer;
        producer.trace_id = { 0, 42 };
        producer.span_id = 3;
        producer.kind = SpanKind::Producer;
        producer.start_ns = 5;
        producer.end_ns = 6;
        producer.service = "front";
        producer.service_instance = "front-2";
        producer.name = "publish";
        producer.messaging_system = "rabbitmq";
        producer.messaging_destination = "orders";
        producer.links = links;
        batch.spans.push_back(producer);
        Span query;
        query.trace_id = { 0, 43 };
        query.span_id = 4;
        query.kind = SpanKind::Client;
        query.start_ns = 10;
        query.end_ns = 20;
        query.service = "back";
        query.name = "SELECT";
        query.db_system = "postgresql";
        query.db_name = "shop";
        batch.spans.push_back(query);
        const std::vector<Span> sent = batch.spans;
        exporter.onSpans(std::move(batch));
        exporter.flush();
        QCOMPARE(exporter.stats().spans_sent, uint64_t(4));
        QCOMPARE(exporter.stats().spans_dropped, uint64_t(0));

        const auto items = popAll(*receiver, 4, 0);
        std::map<SpanId, Span> received;
        for (const auto& item : items)
            for (const Span& s : std::get<SpanBatch>(item).spans)
                received[s.span_id] = s;
        QCOMPARE(received.size(), size_t(4));
        for (const Span& want : sent) {
            QVERIFY(received.count(want.span_id));
            const Span& got = received[want.span_id];
            QVERIFY(got.trace_id == want.trace_id);
            QCOMPARE(got.parent_span_id, want.parent_span_id);
            QCOMPARE(int(got.kind), int(want.kind));
            QCOMPARE(int(got.status), int(want.status));
            QCOMPARE(got.start_ns, want.start_ns);
            QCOMPARE(got.end_ns, want.end_ns);
            QCOMPARE(got.service, want.service);
            QCOMPARE(got.service_instance, want.service_instance);
            QCOMPARE(got.node_kind, want.node_kind);
            QCOMPARE(got.name, want.name);
            QCOMPARE(got.rpc_system, want.rpc_system);
            QCOMPARE(got.http_method, want.http_method);
            QCOMPARE(got.messaging_system, want.messaging_system);
            QCOMPARE(got.messaging_destination, want.messaging_destination);
            QCOMPARE(got.db_system, want.db_system);
            QCOMPARE(got.db_name, want.db_name);
            QCOMPARE(got.peer_service, want.peer_service);
            QCOMPARE(got.server_address, want.server_address);
            QCOMPARE(got.attributes.size(), want.attributes.size());
            for (size_t i = 0; i < want.attributes.size(); ++i) {
                QCOMPARE(got.attributes[i].key, want.attributes[i].key);
                QCOMPARE(got.attributes[i].value, want.attributes[i].value);
            }
            QCOMPARE(got.links.size(), want.links.size());
            for (size_t i = 0; i < want.links.size(); ++i) {
                QVERIFY(got.links[i].trace_id == want.links[i].trace_id);
                QCOMPARE(got.links[i].span_id, want.links[i].span_id);
            }
        }
    }

    void metricPointsDecodeBack()
    {
        std::string address;
        auto receiver = startReceiver(address);
        QVERIFY(receiver);
        OtlpExporter exporter(address);
        std::string error;
        QVERIFY2(exporter.start(error), error.c_str());

        std::vector<MetricPoint> points(4);
        points[0] = { "faultline.service.in_flight", "front", "front-1", {}, MetricType::Gauge, 3.5, 1'000'000'000 };
        points[1] = { "faultline.queue.dropped", "rabbitmq", "", { { "queue", "orders" } }, MetricType::CumulativeSum,
            12.0, 2'000'000'000 };
        points[2] = { "requests", "back", "", { { "a", "1" }, { "b", "x" } }, MetricType::DeltaSum, 7.0, 0 };
        points[3] = { "faultline.service.in_flight", "front", "front-1", {}, MetricType::Gauge, 4.0, 3'000'000'000 };
        const auto sent = points;
        exporter.onMetrics(std::move(points));
        exporter.flush();
        QCOMPARE(exporter.stats().metric_points_sent, uint64_t(4));

        const auto items = popAll(*receiver, 0, 4);
        std::vector<MetricPoint> received;
        for (const auto& item : items)
            for (const MetricPoint& p : std::get<std::vector<MetricPoint>>(item))
                received.push_back(p);
        QCOMPARE(received.size(), sent.size());
        for (const MetricPoint& want : sent) {
            const auto it = std::find_if(received.begin(), received.end(),
                [&](const MetricPoint& p) { return p.name == want.name && p.time_ns == want.time_ns; });
            QVERIFY(it != received.end());
            QCOMPARE(it->service, want.service);
            QCOMPARE(it->service_instance, want.service_instance);
            QCOMPARE(int(it->type), int(want.type));
            QCOMPARE(it->value, want.value);
            QVERIFY(it->attributes == want.attributes);
        }
    }

    /// The round trip: a scenario simulated into the exporter, received over OTLP/gRPC and aggregated, gives
    /// the graph that the same simulation gives when aggregated directly.
    void exportedSimulationBuildsTheSameGraph()
    {
        auto loaded = ScenarioLoader::fromFile(FAULTLINE_SOURCE_DIR "/resources/scenarios/latency-adds-up.json");
        QVERIFY(loaded.ok());
        auto scenario = std::make_shared<const Scenario>(std::move(*loaded.scenario));

        std::string address;
        auto receiver = startReceiver(address);
        QVERIFY(receiver);
        OtlpExporter exporter(address);
        std::string error;
        QVERIFY2(exporter.start(error), error.c_str());

        GraphAggregator direct;
        Tee tee(direct, exporter);
        Simulator simulator(scenario, scenario->seed, &tee);
        // The simulator's times are virtual and start at 0 ns. LiveRunner clocks its aggregator with the
        // wall clock, which would make every one of them "late"; so the receiving aggregator is fed here from
        // receiver.pop() and clocked with the simulator's own ticks, replayed where they came in the stream.
        std::vector<ReceivedItem> items;
        uint64_t poppedSpans = 0, poppedPoints = 0;
        const int64_t end = 60'000'000'000;
        for (int64_t t = 0; t < end;) {
            t += 1'000'000'000;
            simulator.runUntil(t);
            exporter.flush(); // keeps the bounded queue from filling: this loop runs far faster than real time
            const ExporterStats s = exporter.stats();
            auto more = popAll(*receiver, s.spans_sent - poppedSpans, s.metric_points_sent - poppedPoints);
            for (auto& item : more) {
                if (auto* batch = std::get_if<SpanBatch>(&item))
                    poppedSpans += batch->spans.size();
                else
                    poppedPoints += std::get<std::vector<MetricPoint>>(item).size();
                items.push_back(std::move(item));
            }
        }
        const ExporterStats s = exporter.stats();
        QCOMPARE(s.spans_dropped, uint64_t(0));
        QCOMPARE(s.requests_failed, uint64_t(0));
        QCOMPARE(s.spans_sent, tee.spans);
        QCOMPARE(poppedSpans, tee.spans);
        QVERIFY(tee.spans > 1000);

        GraphAggregator received;
        uint64_t consumed = 0;
        size_t tick = 0;
        auto ticksUpTo = [&](uint64_t spans) {
            for (; tick < tee.clocks.size() && tee.clocks[tick].first <= spans; ++tick)
                received.onClock(tee.clocks[tick].second);
        };
        for (auto& item : items) {
            ticksUpTo(consumed);
            if (auto* batch = std::get_if<SpanBatch>(&item)) {
                consumed += batch->spans.size();
                received.onSpans(std::move(*batch));
            } else {
                received.onMetrics(std::move(std::get<std::vector<MetricPoint>>(item)));
            }
        }
        ticksUpTo(UINT64_MAX);

        const auto want = direct.snapshot("simulation");
        const auto got = received.snapshot("live");
        QCOMPARE(got->counters.spans_received, want->counters.spans_received);
        QCOMPARE(got->nodes.size(), want->nodes.size());
        QVERIFY(want->nodes.size() >= 3); // the users, front and back
        for (size_t i = 0; i < want->nodes.size(); ++i) {
            const NodeSnapshot& w = want->nodes[i];
            const NodeSnapshot& g = got->nodes[i];
            QCOMPARE(g.id, w.id);
            QCOMPARE(int(g.kind), int(w.kind));
            QCOMPARE(g.virtual_node, w.virtual_node);
            QCOMPARE(g.traffic.totals.requests, w.traffic.totals.requests);
            QCOMPARE(g.traffic.totals.errors, w.traffic.totals.errors);
            QVERIFY2(std::abs(g.traffic.totals.mean_ms - w.traffic.totals.mean_ms)
                    <= 0.01 * std::max(1e-9, w.traffic.totals.mean_ms),
                w.id.c_str());
        }
        QCOMPARE(got->edges.size(), want->edges.size());
        QVERIFY(want->edges.size() >= 2);
        for (size_t i = 0; i < want->edges.size(); ++i) {
            const EdgeSnapshot& w = want->edges[i];
            const EdgeSnapshot& g = got->edges[i];
            QCOMPARE(got->nodes[g.source].id, want->nodes[w.source].id);
            QCOMPARE(got->nodes[g.target].id, want->nodes[w.target].id);
            QCOMPARE(int(g.kind), int(w.kind));
            QCOMPARE(g.protocol, w.protocol);
            QCOMPARE(g.traffic.totals.requests, w.traffic.totals.requests);
            QVERIFY(g.traffic.totals.requests > 0);
            QVERIFY(std::abs(g.traffic.totals.mean_ms - w.traffic.totals.mean_ms)
                <= 0.01 * std::max(1e-9, w.traffic.totals.mean_ms));
        }
        const int backEdge = want->findEdge("front", "back");
        QVERIFY(backEdge >= 0);
        QCOMPARE(want->edges[size_t(backEdge)].protocol, std::string("grpc"));
    }

    void timeOffsetShiftsEveryTimestamp()
    {
        std::string address;
        auto receiver = startReceiver(address);
        QVERIFY(receiver);
        OtlpExporter exporter(address);
        constexpr int64_t kOffset = 1'700'000'000'000'000'000;
        exporter.setTimeOffset(kOffset);
        std::string error;
        QVERIFY2(exporter.start(error), error.c_str());
        SpanBatch batch;
        Span span;
        span.trace_id = { 1, 2 };
        span.span_id = 3;
        span.start_ns = 0;
        span.end_ns = 5;
        span.service = "front";
        batch.spans.push_back(span);
        exporter.onSpans(std::move(batch));
        std::vector<MetricPoint> points(1);
        points[0].name = "g";
        points[0].service = "front";
        points[0].time_ns = 7;
        exporter.onMetrics(std::move(points));
        exporter.flush();
        const auto items = popAll(*receiver, 1, 1);
        QCOMPARE(items.size(), size_t(2));
        const Span& got = std::get<SpanBatch>(items[0]).spans.at(0);
        QCOMPARE(got.start_ns, kOffset);
        QCOMPARE(got.end_ns, kOffset + 5);
        QCOMPARE(std::get<std::vector<MetricPoint>>(items[1]).at(0).time_ns, kOffset + 7);
    }

    void fullQueueDropsInsteadOfBlocking()
    {
        // Port 1 on loopback: nothing listens, every call fails UNAVAILABLE and is retried with backoff, so
        // the worker is busy and a one-request queue fills at once.
        OtlpExporter exporter("127.0.0.1:1", 1);
        std::string error;
        QVERIFY2(exporter.start(error), error.c_str());
        constexpr int kBatches = 50;
        constexpr size_t kSpansPerBatch = 10;
        QElapsedTimer timer;
        timer.start();
        for (int b = 0; b < kBatches; ++b) {
            SpanBatch batch;
            for (size_t i = 0; i < kSpansPerBatch; ++i) {
                Span s;
                s.trace_id = { 1, static_cast<uint64_t>(b) + 1 };
                s.span_id = i + 1;
                s.service = "front";
                s.name = "x";
                batch.spans.push_back(s);
            }
            exporter.onSpans(std::move(batch));
        }
        QVERIFY2(timer.elapsed() < 2000, "onSpans blocked on a full queue");
        const ExporterStats before = exporter.stats();
        // At most one request in flight and one queued; everything else was dropped on arrival.
        QVERIFY(before.spans_dropped >= (kBatches - 2) * kSpansPerBatch);
        exporter.flush();
        const ExporterStats after = exporter.stats();
        QCOMPARE(after.spans_sent, uint64_t(0));
        QCOMPARE(after.spans_dropped, uint64_t(kBatches) * kSpansPerBatch);
        QVERIFY(after.requests_failed >= 1);
        QVERIFY(!after.last_error.empty());
    }

    void refusesABadTarget()
    {
        for (const char* target : { "localhost", ":4317", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000" }) {
            OtlpExporter exporter(target);
            std::string error;
            QVERIFY2(!exporter.start(error), target);
            QVERIFY(!error.empty());
        }
    }
};

QTEST_APPLESS_MAIN(TestOtlpExporter)
#include "tst_otlpexporter.moc"
