// "Fork to simulation": a fleet watched through its telemetry becomes a scenario that reproduces it. The
// fleet here is a simulated scenario observed only through its spans, exactly as a live one would be.

#include "graph/graphaggregator.h"
#include "graph/tracestore.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenariofork.h"
#include "scenario/scenarioloader.h"
#include "scenario/scenariowriter.h"
#include "sim/simulator.h"

#include <QtTest>

#include <cmath>
#include <numeric>

using namespace faultline;

namespace {

/// A fleet watched through its spans: the graph and the recent traces, as the live runner keeps them.
struct Watched final : TelemetrySink {
    GraphAggregator graph;
    TraceStore traces;
    explicit Watched(double window_s)
        : graph([&] {
            AggregatorConfig c;
            c.window_s = window_s;
            return c;
        }())
    {
    }
    void onSpans(SpanBatch&& batch) override
    {
        traces.add(batch);
        graph.onSpans(std::move(batch));
    }
    void onMetrics(std::vector<MetricPoint>&& points) override { graph.onMetrics(std::move(points)); }
    void onClock(int64_t now_ns) override { graph.onClock(now_ns); }
};

std::shared_ptr<const GraphSnapshot> watch(const Scenario& scenario, uint64_t seed, double seconds, Watched& w)
{
    Simulator sim(std::make_shared<const Scenario>(scenario), seed, &w);
    sim.runUntil(static_cast<int64_t>(seconds * 1e9));
    return w.graph.snapshot("live");
}

Scenario builtin(const char* id)
{
    auto loaded = ScenarioLoader::fromString(builtinScenario(id));
    if (!loaded.ok()) qFatal("%s does not load", id);
    return std::move(*loaded.scenario);
}

double relative(double a, double b)
{
    return std::abs(a - b) / std::max(std::abs(b), 1e-9);
}

} // namespace

class TestScenarioFork : public QObject {
    Q_OBJECT
private slots:
    void empiricalBucketsFollowTheSamples()
    {
        std::vector<double> samples;
        for (int i = 1; i <= 1000; ++i)
            samples.push_back(i * 0.1); // uniform over (0, 100]
        const Distribution d = empiricalFromSamples(samples, 20);
        QCOMPARE(d.kind, Distribution::Kind::Empirical);
        QCOMPARE(d.min_ms, 0.1);
        double weight = 0;
        double lower = d.min_ms;
        int weighted = 0;
        for (const auto& b : d.buckets) {
            QVERIFY(b.upper_ms > lower);
            lower = b.upper_ms;
            weight += b.weight;
            weighted += b.weight > 0 ? 1 : 0;
        }
        QCOMPARE(weighted, 18 + 9); // 18 steps of 5 % to the 90th percentile, then the tail
        QCOMPARE(weight, 1000.0);
        QVERIFY(std::abs(d.buckets.back().upper_ms - 100.0) < 0.1);
        // Each bucket has its samples' mean, so the whole has theirs.
        QVERIFY2(relative(d.mean(), 50.05) < 1e-9, qPrintable(QString::number(d.mean(), 'g', 12)));

        // A heavy tail keeps its mean too.
        std::vector<double> heavy;
        double heavySum = 0;
        for (int i = 1; i <= 5000; ++i) {
            heavy.push_back(std::exp(4.0 * i / 5000.0) + (i % 7));
            heavySum += heavy.back();
        }
        QVERIFY(relative(empiricalFromSamples(heavy, 30).mean(), heavySum / 5000) < 1e-9);

        // Degenerate inputs still give a valid distribution.
        QCOMPARE(empiricalFromSamples({}, 10).kind, Distribution::Kind::Constant);
        QCOMPARE(empiricalFromSamples({ 5, 5, 5 }, 10).value_ms, 5.0);
        const Distribution tied = empiricalFromSamples({ 1, 1, 1, 1, 2, 2, 2, 9 }, 4);
        lower = tied.min_ms;
        for (const auto& b : tied.buckets) {
            QVERIFY(b.upper_ms > lower);
            lower = b.upper_ms;
        }
        QCOMPARE(empiricalFromSamples({ -1, NAN, 3, 4 }, 10).min_ms, 3.0);
    }

    void profilesSeparateSelfTimeFromCalls()
    {
        Watched w(60);
        watch(builtin("checkout"), 3, 30, w);
        const auto profile = w.traces.profile();
        auto find = [&](const char* service, const char* op) -> const OperationProfile& {
            for (const auto& p : profile)
                if (p.service == service && p.operation == op) return p;
            qFatal("no profile of %s %s", service, op);
        };
        // orders.create: 8 ms exponential of its own, then inventory, the database, payments, a publish.
        const OperationProfile& create = find("orders", "create");
        const double selfMean = std::accumulate(create.self_ms.begin(), create.self_ms.end(), 0.0)
            / static_cast<double>(create.self_ms.size());
        QVERIFY2(relative(selfMean, 8.0) < 0.1, qPrintable(QString::number(selfMean)));
        QCOMPARE(create.calls.size(), size_t(4));
        QCOMPARE(create.calls[0].callee, std::string("inventory"));
        QCOMPARE(create.calls[1].callee, std::string("orders-db"));
        QCOMPARE(create.calls[2].callee, std::string("payments"));
        QCOMPARE(create.calls[3].callee, std::string("order-events"));
        QVERIFY(create.calls[3].publish);
        QCOMPARE(create.calls[0].count, create.requests);
        // The database sends no spans: its operation comes from the callers' client spans.
        const OperationProfile& insert = find("orders-db", "insert");
        // (Calls made by requests still in flight at the end count too: a few more than completed creates.)
        QVERIFY(insert.requests >= create.calls[1].count);
        QVERIFY(relative(static_cast<double>(insert.requests), static_cast<double>(create.calls[1].count)) < 0.01);
        // Entry: the gateway's checkouts come from the user node.
        const OperationProfile& checkout = find("gateway", "checkout");
        QCOMPARE(checkout.entry_requests, checkout.requests);
        QCOMPARE(checkout.entry_client, std::string("user"));
        const OperationProfile& email = find("email", "send-confirmation");
        QCOMPARE(email.kind, SpanKind::Consumer);
        QCOMPARE(email.queue, std::string("order-events"));
    }

    void forkReproducesRatesAndLatencies()
    {
        const double seconds = 120;
        Watched live(60);
        const auto observed = watch(builtin("checkout"), 11, seconds, live);
        const ForkResult fork = forkScenario(*observed, live.traces.profile());
        QVERIFY(!fork.scenario.workload.empty());
        QVERIFY(!fork.notes.empty());

        // The fork saves as a scenario file the loader accepts, like any other.
        const auto reloaded = ScenarioLoader::fromString(ScenarioWriter::toJson(fork.scenario));
        for (const auto& e : reloaded.errors)
            qWarning("%s", e.toString().c_str());
        QVERIFY(reloaded.ok());

        // The fork's breaker is where the fleet had one.
        const Service* orders = fork.scenario.findService("orders");
        QVERIFY(orders);
        bool breaker = false;
        for (const auto& step : orders->operations.at(0).steps)
            if (const auto* call = std::get_if<CallStep>(&step))
                breaker = breaker || (call->service == "payments" && call->circuit_breaker.has_value());
        QVERIFY(breaker);
        QCOMPARE(fork.scenario.findService("orders-db")->kind, ServiceKind::Database);
        QCOMPARE(fork.scenario.findService("bank")->kind, ServiceKind::External);
        QCOMPARE(fork.scenario.findQueue("order-events")->system, std::string("kafka"));

        Watched forked(60);
        const auto replayed = watch(fork.scenario, 12, seconds, forked);
        // Same graph...
        QCOMPARE(replayed->nodes.size(), observed->nodes.size());
        QCOMPARE(replayed->edges.size(), observed->edges.size());
        for (const auto& e : observed->edges)
            QVERIFY(replayed->findEdge(observed->nodes[e.source].id, observed->nodes[e.target].id) >= 0);
        // ...same rates and latencies within 10 %.
        double worstRate = 0;
        double worstMean = 0;
        double worstP50 = 0;
        std::string worstMeanNode;
        for (const auto& n : observed->nodes) {
            if (n.kind == NodeKind::User || n.traffic.rps < 1.0) continue;
            const auto& m = replayed->nodes[static_cast<size_t>(replayed->findNode(n.id))];
            worstRate = std::max(worstRate, relative(m.traffic.rps, n.traffic.rps));
            if (n.kind != NodeKind::Queue) {
                if (relative(m.traffic.latency.mean_ms, n.traffic.latency.mean_ms) > worstMean) worstMeanNode = n.id;
                worstMean = std::max(worstMean, relative(m.traffic.latency.mean_ms, n.traffic.latency.mean_ms));
                worstP50 = std::max(worstP50, relative(m.traffic.latency.p50_ms, n.traffic.latency.p50_ms));
            }
            QVERIFY2(relative(m.traffic.rps, n.traffic.rps) < 0.10,
                qPrintable(QString("%1 rps %2 vs %3")
                               .arg(QString::fromStdString(n.id))
                               .arg(m.traffic.rps)
                               .arg(n.traffic.rps)));
            if (n.kind == NodeKind::Queue) continue; // a queue's figures are its publishes
            QVERIFY2(relative(m.traffic.latency.mean_ms, n.traffic.latency.mean_ms) < 0.10,
                qPrintable(QString("%1 mean %2 vs %3 ms")
                               .arg(QString::fromStdString(n.id))
                               .arg(m.traffic.latency.mean_ms)
                               .arg(n.traffic.latency.mean_ms)));
            QVERIFY2(relative(m.traffic.latency.p50_ms, n.traffic.latency.p50_ms) < 0.10,
                qPrintable(QString("%1 p50 %2 vs %3 ms")
                               .arg(QString::fromStdString(n.id))
                               .arg(m.traffic.latency.p50_ms)
                               .arg(n.traffic.latency.p50_ms)));
        }
        qInfo("fork vs observed, worst node: rate %.1f %%, mean latency %.1f %% (%s), p50 %.1f %%", 100 * worstRate,
            100 * worstMean, worstMeanNode.c_str(), 100 * worstP50);
    }

    void conditionalCallsBecomeProbabilities()
    {
        // A cache in front of a database: 30 % of reads miss and go to the database.
        const char* json = R"({"format": "faultline.scenario/1", "name": "cache",
            "workload": [{"target": "api", "operation": "read", "rate_rps": 200}],
            "services": [
              {"name": "api", "operations": [{"name": "read", "service_time_ms": 2,
                 "steps": [{"call": "db", "operation": "select", "probability": 0.3},
                           {"call": "audit", "operation": "log"}, {"call": "audit", "operation": "log"}]}]},
              {"name": "audit", "operations": [{"name": "log", "service_time_ms": 1}]},
              {"name": "db", "kind": "database", "operations": [{"name": "select", "service_time_ms": 5}]}]})";
        auto loaded = ScenarioLoader::fromString(json);
        QVERIFY(loaded.ok());
        Watched live(60);
        const auto observed = watch(*loaded.scenario, 5, 60, live);
        const ForkResult fork = forkScenario(*observed, live.traces.profile());
        const Operation& read = fork.scenario.findService("api")->operations.at(0);
        int toDb = 0;
        int toAudit = 0;
        for (const auto& step : read.steps) {
            const auto& call = std::get<CallStep>(step);
            if (call.service == "db") {
                ++toDb;
                QVERIFY2(std::abs(call.probability - 0.3) < 0.02, qPrintable(QString::number(call.probability)));
            } else {
                ++toAudit;
                QCOMPARE(call.probability, 1.0); // called twice on every request: two steps
            }
        }
        QCOMPARE(toDb, 1);
        QCOMPARE(toAudit, 2);
        QCOMPARE(fork.scenario.findService("db")->kind, ServiceKind::Database);
    }
};

QTEST_GUILESS_MAIN(TestScenarioFork)
#include "tst_scenariofork.moc"
