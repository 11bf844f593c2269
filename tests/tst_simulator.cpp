// The simulator's semantics: what each step, queue and limit does, checked on the spans it emits (the
// same telemetry a live fleet would send) and on its own ground-truth counters.

#include "sim/simulator.h"
#include "support/recordingsink.h"
#include "support/scenariobuilder.h"

#include <QTest>

#include <algorithm>
#include <map>
#include <memory>

using namespace faultline;
using namespace faultline::test;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

struct Run {
    RecordingSink sink;
    std::unique_ptr<Simulator> simulator;
    Run(Scenario scenario, double seconds, uint64_t seed = 7)
    {
        simulator = std::make_unique<Simulator>(std::make_shared<const Scenario>(std::move(scenario)), seed, &sink);
        simulator->runUntil(static_cast<int64_t>(seconds * 1e9));
    }
    const ServiceRunStats& service(const std::string& name) const
    {
        m_stats = simulator->stats();
        for (const auto& s : m_stats.services)
            if (s.name == name) return s;
        qFatal("no service %s", name.c_str());
    }
    mutable SimulationStats m_stats;
};

/// user -> a, where a spends 50 ms and then calls b, which spends 50 ms.
Scenario twoServiceChain()
{
    Scenario s;
    s.services.push_back(service("a", { operation("work", Distribution::constant(50), { syncCall("b", "work") }) }));
    s.services.push_back(service("b", { operation("work", Distribution::constant(50)) }));
    s.workload.push_back(workload("a", "work", 5, Arrival::Constant));
    return s;
}

} // namespace

class tst_simulator : public QObject {
    Q_OBJECT
private slots:
    void syncChainOfTwo50msServicesCostsAtLeast100ms()
    {
        Run run(twoServiceChain(), 20);
        const auto user = run.sink.select(SpanKind::Client, "user");
        QVERIFY(user.size() >= 95);
        for (const auto& span : user) {
            QVERIFY2(span.durationMs() >= 100.0, qPrintable(QString::number(span.durationMs())));
            QCOMPARE(span.durationMs(), 100.0); // no contention at 5 rps: latency is exactly additive
        }
        // What the caller felt on a -> b is b's own 50 ms.
        for (const auto& span : run.sink.select(SpanKind::Client, "a"))
            QCOMPARE(span.durationMs(), 50.0);
    }

    void clientAndServerSpansShareTraceAndParentage()
    {
        Run run(twoServiceChain(), 1);
        const auto clients = run.sink.select(SpanKind::Client, "a");
        const auto servers = run.sink.select(SpanKind::Server, "b");
        QVERIFY(!clients.empty());
        QCOMPARE(clients.size(), servers.size());
        for (const auto& server : servers) {
            auto it = std::find_if(clients.begin(), clients.end(),
                [&](const RecordedSpan& c) { return c.span_id == server.parent_span_id; });
            QVERIFY(it != clients.end());
            QVERIFY(it->trace_id == server.trace_id);
            QCOMPARE(it->peer_service, std::string("b"));
        }
        for (const auto& root : run.sink.select(SpanKind::Client, "user"))
            QCOMPARE(root.parent_span_id, SpanId(0));
    }

    void asyncPublishAddsNothingToProducerLatency()
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "events";
        publish.message = "Happened";
        s.services.push_back(service("producer", { operation("work", Distribution::constant(10), { publish }) }));
        s.services.push_back(service("consumer", { operation("handle", Distribution::constant(500)) }, 1, 1));
        s.queues.push_back(queue("events", { Consumer { "consumer", "handle", 1 } }));
        s.workload.push_back(workload("producer", "work", 20, Arrival::Constant));
        Run run(std::move(s), 10.02); // arrivals at 0.05 .. 10.00 s, each published 10 ms later

        for (const auto& span : run.sink.select(SpanKind::Client, "user"))
            QCOMPARE(span.durationMs(), 10.0); // the 500 ms consumer never shows upstream
        const auto producers = run.sink.select(SpanKind::Producer, "producer");
        QCOMPARE(producers.size(), size_t(200));
        for (const auto& p : producers) {
            QCOMPARE(p.durationMs(), 0.0);
            QCOMPARE(p.messaging_destination, std::string("events"));
        }
        // The consumer, at 2 msg/s capacity against 20 msg/s, builds a backlog instead of slowing the producer.
        QVERIFY(run.sink.select(SpanKind::Consumer, "consumer").size() <= 21);
    }

    void asyncCallDoesNotWaitForCallee()
    {
        Scenario s;
        CallStep call = syncCall("worker", "job");
        call.kind = CallKind::Async;
        s.services.push_back(service("front", { operation("submit", Distribution::constant(5), { call }) }));
        s.services.push_back(service("worker", { operation("job", Distribution::constant(300)) }));
        s.workload.push_back(workload("front", "submit", 10, Arrival::Constant));
        Run run(std::move(s), 5);
        for (const auto& span : run.sink.select(SpanKind::Client, "user"))
            QCOMPARE(span.durationMs(), 5.0);
        const auto consumers = run.sink.select(SpanKind::Consumer, "worker");
        QVERIFY(!consumers.empty());
        QCOMPARE(consumers.front().durationMs(), 300.0);
    }

    void timedOutCallIsAbandonedWhileCalleeFinishes()
    {
        Scenario s;
        s.services.push_back(
            service("caller", { operation("go", Distribution::constant(0), { syncCall("slow", "op", 200) }) }));
        s.services.push_back(service("slow", { operation("op", Distribution::constant(1000)) }));
        s.workload.push_back(workload("caller", "go", 1, Arrival::Constant));
        Run run(std::move(s), 11.5); // calls at 1 .. 11 s time out; the callee finishes those up to 10 s

        const auto clients = run.sink.select(SpanKind::Client, "caller");
        QCOMPARE(clients.size(), size_t(11));
        for (const auto& c : clients) {
            QCOMPARE(c.durationMs(), 200.0); // the caller gave up at its timeout...
            QVERIFY(c.failed());
            QCOMPARE(c.error_type, std::string("timeout"));
        }
        for (const auto& caller : run.sink.select(SpanKind::Server, "caller")) {
            QCOMPARE(caller.durationMs(), 200.0); // ...and moved on, failing its request
            QVERIFY(caller.failed());
        }
        const auto callee = run.sink.select(SpanKind::Server, "slow");
        QCOMPARE(callee.size(), size_t(10));
        for (const auto& c : callee) {
            QCOMPARE(c.durationMs(), 1000.0); // while the callee worked on to the end, unaware
            QVERIFY(!c.failed());
        }
        const SimulationStats stats = run.simulator->stats();
        QCOMPARE(stats.calls_timed_out, uint64_t(clients.size()));
        QCOMPARE(stats.late_replies, uint64_t(callee.size()));
    }

    void fullQueueTurnsIntoCountedRejections()
    {
        Scenario s;
        s.services.push_back(service("tiny", { operation("op", Distribution::constant(10000)) }, 1, 1, 2));
        s.workload.push_back(workload("tiny", "op", 10, Arrival::Constant));
        Run run(std::move(s), 1.0);
        // Arrivals at 0.1 s .. 1.0 s: one is served, two wait, seven are turned away at once.
        const ServiceRunStats& stats = run.service("tiny");
        QCOMPARE(stats.arrivals, uint64_t(10));
        QCOMPARE(stats.rejected, uint64_t(7));
        const auto rejectedSpans = run.sink.select(SpanKind::Server, "tiny");
        QCOMPARE(rejectedSpans.size(), size_t(7));
        for (const auto& r : rejectedSpans) {
            QVERIFY(r.failed());
            QCOMPARE(r.error_type, std::string("rejected"));
            QCOMPARE(r.durationMs(), 0.0);
        }
        const auto user = run.sink.select(SpanKind::Client, "user");
        QCOMPARE(std::count_if(user.begin(), user.end(), [](const RecordedSpan& s) { return s.failed(); }), 7);
    }

    void parallelStepWaitsForAllCalls()
    {
        Scenario s;
        ParallelStep both;
        both.steps = { syncCall("fast", "op"), syncCall("slower", "op") };
        s.services.push_back(service("fan", { operation("op", Distribution::constant(1), { both }) }));
        s.services.push_back(service("fast", { operation("op", Distribution::constant(50)) }));
        s.services.push_back(service("slower", { operation("op", Distribution::constant(80)) }));
        s.workload.push_back(workload("fan", "op", 2, Arrival::Constant));
        Run run(std::move(s), 5);
        for (const auto& span : run.sink.select(SpanKind::Client, "user"))
            QCOMPARE(span.durationMs(), 81.0); // max(50, 80) + 1, not 50 + 80 + 1
    }

    // Round robin keeps one position per caller and callee, as a client's balancer does per cluster, not one
    // per call site: the four calls of a fan-out to a four-instance service land on four instances, not
    // all on the same one at the same moment.
    void roundRobinSpreadsAFanOutOverTheInstances()
    {
        Scenario s;
        ParallelStep fan;
        fan.steps = { syncCall("leaf", "op"), syncCall("leaf", "op"), syncCall("leaf", "op"), syncCall("leaf", "op") };
        s.services.push_back(service("front", { operation("op", Distribution::constant(1), { fan }) }));
        s.services.push_back(service("leaf", { operation("op", Distribution::constant(20)) }, 4, 1));
        s.workload.push_back(workload("front", "op", 2, Arrival::Constant));
        Run run(std::move(s), 5);
        const auto leaf = run.sink.select(SpanKind::Server, "leaf");
        QVERIFY(leaf.size() >= 32);
        std::map<std::string, int> perInstance;
        for (const auto& span : leaf)
            ++perInstance[span.instance];
        QCOMPARE(perInstance.size(), size_t(4));
        for (const auto& [instance, n] : perInstance)
            QCOMPARE(n, static_cast<int>(leaf.size() / 4));
        // One worker each and no waiting: every front request takes 1 + 20 ms, as it would on four machines.
        for (const auto& span : run.sink.select(SpanKind::Client, "user"))
            QCOMPARE(span.durationMs(), 21.0);
    }

    void failedSyncStepFailsCallerAndSkipsTheRest()
    {
        Scenario s;
        s.services.push_back(service("front",
            { operation("op", Distribution::constant(1), { syncCall("broken", "op"), syncCall("never", "op") }) }));
        s.services.push_back(service("broken", { operation("op", Distribution::constant(5), {}, 1.0) }));
        s.services.push_back(service("never", { operation("op", Distribution::constant(5)) }));
        s.workload.push_back(workload("front", "op", 5, Arrival::Constant));
        Run run(std::move(s), 2);
        QVERIFY(run.sink.select(SpanKind::Server, "never").empty());
        for (const auto& span : run.sink.select(SpanKind::Server, "front"))
            QVERIFY(span.failed());
        for (const auto& span : run.sink.select(SpanKind::Client, "user"))
            QVERIFY(span.failed());
    }

    void callProbabilityMakesTheCallOnThatShareOfRequests()
    {
        Scenario s;
        CallStep sometimes = syncCall("cache-miss", "op");
        sometimes.probability = 0.3;
        CallStep never = syncCall("never", "op");
        never.probability = 0.0;
        PublishStep note;
        note.queue = "notes";
        note.message = "Note";
        note.probability = 0.5;
        ParallelStep both;
        both.steps = { syncCall("always", "op"), never };
        s.services.push_back(
            service("front", { operation("op", Distribution::constant(1), { sometimes, both, note }) }));
        s.services.push_back(service("cache-miss", { operation("op", Distribution::constant(2)) }));
        s.services.push_back(service("always", { operation("op", Distribution::constant(2)) }));
        s.services.push_back(service("never", { operation("op", Distribution::constant(2)) }));
        s.services.push_back(service("reader", { operation("read", Distribution::constant(1)) }));
        s.queues.push_back(queue("notes", { Consumer { "reader", "read", 10 } }));
        s.workload.push_back(workload("front", "op", 100, Arrival::Constant));
        Run run(std::move(s), 100);
        const double n = static_cast<double>(run.sink.select(SpanKind::Server, "front").size());
        QVERIFY(n >= 9990);
        const auto share = [&](SpanKind kind, const char* service) {
            return static_cast<double>(run.sink.select(kind, service).size()) / n;
        };
        // Binomial: 4 standard deviations of the share over 10,000 requests is under 0.02.
        QVERIFY2(std::abs(share(SpanKind::Server, "cache-miss") - 0.3) < 0.02,
            qPrintable(QString::number(share(SpanKind::Server, "cache-miss"))));
        QCOMPARE(share(SpanKind::Server, "always"), 1.0);
        QCOMPARE(share(SpanKind::Server, "never"), 0.0);
        QVERIFY2(std::abs(share(SpanKind::Producer, "front") - 0.5) < 0.02,
            qPrintable(QString::number(share(SpanKind::Producer, "front"))));
        // A request that skips a call still succeeds and still runs its later steps.
        for (const auto& span : run.sink.select(SpanKind::Server, "front"))
            QVERIFY(!span.failed());
    }

    void continueOnErrorKeepsCallerHealthy()
    {
        Scenario s;
        s.services.push_back(service("front",
            { operation(
                "op", Distribution::constant(1), { syncCall("broken", "op", 0, true), syncCall("after", "op") }) }));
        s.services.push_back(service("broken", { operation("op", Distribution::constant(5), {}, 1.0) }));
        s.services.push_back(service("after", { operation("op", Distribution::constant(5)) }));
        s.workload.push_back(workload("front", "op", 5, Arrival::Constant));
        Run run(std::move(s), 2);
        QVERIFY(!run.sink.select(SpanKind::Server, "after").empty());
        for (const auto& span : run.sink.select(SpanKind::Server, "front"))
            QVERIFY(!span.failed());
        for (const auto& span : run.sink.select(SpanKind::Client, "front"))
            if (span.peer_service == "broken") QVERIFY(span.failed()); // the edge still shows the failure
    }

    void rabbitmqConsumersCompeteForEachMessage()
    {
        Scenario s = fanOutScenario("rabbitmq");
        Run run(std::move(s), 10.01);
        const size_t a = run.sink.select(SpanKind::Consumer, "a").size();
        const size_t b = run.sink.select(SpanKind::Consumer, "b").size();
        QCOMPARE(a + b, size_t(100)); // each message handled once, by one of them
        QVERIFY(a > 0 && b > 0);
    }

    void kafkaConsumerGroupsEachGetEveryMessage()
    {
        Scenario s = fanOutScenario("kafka");
        Run run(std::move(s), 10.01); // 100 publishes at 0.101 .. 10.001 s, each handled in 5 ms
        QCOMPARE(run.sink.select(SpanKind::Consumer, "a").size(), size_t(100));
        QCOMPARE(run.sink.select(SpanKind::Consumer, "b").size(), size_t(100));
    }

    void prefetchBoundsUnackedDeliveries()
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "jobs";
        s.services.push_back(service("producer", { operation("op", Distribution::constant(0), { publish }) }));
        s.services.push_back(service("worker", { operation("job", Distribution::constant(1000)) }, 1, 10));
        s.queues.push_back(queue("jobs", { Consumer { "worker", "job", 2 } }));
        s.workload.push_back(workload("producer", "op", 10, Arrival::Constant));
        Run run(std::move(s), 10.05);
        // Ten workers, but prefetch 2 lets only two messages be in hand at once: 2 per second finish.
        const auto done = run.sink.select(SpanKind::Consumer, "worker");
        QCOMPARE(done.size(), size_t(18));
        QVERIFY(run.service("worker").in_system <= 2);
        const QueueRunStats q = run.simulator->stats().queues.front();
        QCOMPARE(q.published, uint64_t(100));
        QCOMPARE(q.delivered, uint64_t(20));
    }

    void dropHeadOverflowCountsDroppedMessages()
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "small";
        s.services.push_back(service("producer", { operation("op", Distribution::constant(0), { publish }) }));
        s.services.push_back(service("worker", { operation("job", Distribution::constant(100000)) }, 1, 1));
        Queue q = queue("small", { Consumer { "worker", "job", 1 } });
        q.capacity = 5;
        s.queues.push_back(q);
        s.workload.push_back(workload("producer", "op", 10, Arrival::Constant));
        Run run(std::move(s), 2.0);
        const QueueRunStats stats = run.simulator->stats().queues.front();
        QCOMPARE(stats.published, uint64_t(20));
        QCOMPARE(stats.delivered, uint64_t(1));
        QCOMPARE(stats.dropped, uint64_t(20 - 5)); // capacity counts the unacked one as well
    }

    void sameSeedGivesTheSameRunAndAnotherSeedDoesNot()
    {
        auto trace = [](uint64_t seed) {
            Scenario s;
            s.services.push_back(service(
                "a", { operation("op", Distribution::exponential(20), { syncCall("b", "op") }, 0.05) }, 2, 4, 10));
            s.services.push_back(service("b", { operation("op", Distribution::exponential(30)) }, 1, 8, 10));
            s.workload.push_back(workload("a", "op", 100));
            Run run(std::move(s), 30, seed);
            std::vector<std::tuple<int64_t, int64_t, int, std::string>> out;
            for (const auto& span : run.sink.spans)
                out.emplace_back(span.start_ns, span.end_ns, int(span.status), span.service);
            return out;
        };
        const auto first = trace(11);
        QVERIFY(first.size() > 5000);
        QVERIFY(first == trace(11));
        QVERIFY(first != trace(12));
    }

    void runUntilStopsAtTheEventBudgetAndResumes()
    {
        Scenario s = twoServiceChain();
        Simulator sim(std::make_shared<const Scenario>(s), 1, nullptr);
        QVERIFY(!sim.runUntil(10 * kSecond, 5));
        QVERIFY(sim.now() < 10 * kSecond);
        QVERIFY(sim.runUntil(10 * kSecond));
        QCOMPARE(sim.now(), 10 * kSecond);
        QCOMPARE(sim.stats().workload_requests, uint64_t(50));
    }

    void emitsQueueAndServiceMetricsEverySecond()
    {
        Scenario s = fanOutScenario("rabbitmq");
        Run run(std::move(s), 3.5);
        int ready = 0;
        int inFlight = 0;
        for (const auto& m : run.sink.metrics) {
            ready += m.name == "rabbitmq_queue_messages_ready" && m.attribute("queue") == "events";
            inFlight += m.name == "faultline.service.in_flight" && m.service == "a";
        }
        QCOMPARE(ready, 4); // at 0, 1, 2 and 3 s
        QCOMPARE(inFlight, 4);
    }

private:
    static Scenario fanOutScenario(const std::string& system)
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "events";
        s.services.push_back(service("producer", { operation("op", Distribution::constant(1), { publish }) }));
        s.services.push_back(service("a", { operation("handle", Distribution::constant(5)) }));
        s.services.push_back(service("b", { operation("handle", Distribution::constant(5)) }));
        s.queues.push_back(queue("events", { Consumer { "a", "handle", 5 }, Consumer { "b", "handle", 5 } }, system));
        s.workload.push_back(workload("producer", "op", 10, Arrival::Constant));
        return s;
    }
};

QTEST_APPLESS_MAIN(tst_simulator)
#include "tst_simulator.moc"
