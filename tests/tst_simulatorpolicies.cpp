// Resilience policies and faults inside the simulator: the state machines are pinned by
// tst_circuitbreaker and tst_retry; these tests pin what the simulator does with them, on the spans it
// emits and its ground-truth counters.

#include "graph/graphaggregator.h"
#include "sim/simulator.h"
#include "support/recordingsink.h"
#include "support/scenariobuilder.h"

#include <QTest>

#include <algorithm>
#include <memory>

using namespace faultline;
using namespace faultline::test;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

int64_t at(double seconds)
{
    return static_cast<int64_t>(seconds * 1e9);
}

/// user -> front -> back, with `call` as front's step.
Scenario chain(CallStep call, Distribution backTime = Distribution::constant(10), double backErrors = 0.0,
    double rate = 10, int backInstances = 1)
{
    Scenario s;
    call.service = "back";
    call.operation = "op";
    s.services.push_back(service("front", { operation("op", Distribution::constant(1), { call }) }));
    s.services.push_back(service("back", { operation("op", backTime, {}, backErrors) }, backInstances));
    s.workload.push_back(workload("front", "op", rate, Arrival::Constant));
    return s;
}

struct Run {
    RecordingSink sink;
    std::unique_ptr<Simulator> sim;
    explicit Run(Scenario s, uint64_t seed = 3)
        : sim(std::make_unique<Simulator>(std::make_shared<const Scenario>(std::move(s)), seed, &sink))
    {
    }
    void until(double seconds) { sim->runUntil(at(seconds)); }
    std::vector<RecordedSpan> clients() const { return sink.select(SpanKind::Client, "front"); }
    ServiceRunStats service(const std::string& name) const
    {
        for (const auto& s : sim->stats().services)
            if (s.name == name) return s;
        return {};
    }
    PolicyStats policies() const { return sim->stats().policies; }
};

CircuitBreakerConfig smallBreaker()
{
    CircuitBreakerConfig b;
    b.sliding_window_size = 10;
    b.minimum_number_of_calls = 10;
    b.wait_duration_in_open_state_ms = 5000;
    b.permitted_number_of_calls_in_half_open_state = 2;
    return b;
}

Fault fault(FaultType type, std::string target, double seconds)
{
    Fault f;
    f.type = type;
    f.target = std::move(target);
    f.duration_s = seconds;
    return f;
}

} // namespace

class tst_simulatorpolicies : public QObject {
    Q_OBJECT
private slots:
    void resilience4jRetryMakesThreeAttemptsWaiting500msBetween()
    {
        CallStep call;
        call.retry = RetryConfig {}; // Resilience4j defaults: 3 attempts, fixed 500 ms
        Run run(chain(call, Distribution::constant(10), 1.0, 0.5));
        run.until(3.9); // one request, at 2 s: attempts at 2.001, 2.511 and 3.021 s
        const auto attempts = run.clients();
        QCOMPARE(attempts.size(), size_t(3));
        QCOMPARE(attempts[0].start_ns, at(2.001));
        QCOMPARE(attempts[1].start_ns, attempts[0].end_ns + 500 * 1'000'000);
        QCOMPARE(attempts[2].start_ns, attempts[1].end_ns + 500 * 1'000'000);
        QCOMPARE(run.service("back").arrivals, uint64_t(3));
        QCOMPARE(run.policies().retries, uint64_t(2));
        for (const auto& server : run.sink.select(SpanKind::Server, "front"))
            QVERIFY(server.failed());
    }

    void urllib3DoesNotRetryPost()
    {
        CallStep call;
        call.retry = RetryConfig {};
        call.retry->flavor = RetryFlavor::Urllib3;
        call.retry->count = 3;
        call.retry->method = "POST";
        call.retry->retry_on.error = true;
        Run run(chain(call, Distribution::constant(10), 1.0, 0.5));
        run.until(2.5);
        QCOMPARE(run.clients().size(), size_t(1));
    }

    void retriesStopAtTheOverallDeadline()
    {
        CallStep call;
        call.timeout_ms = 1200; // covers every attempt and backoff
        call.retry = RetryConfig {};
        call.retry->count = 10;
        Run run(chain(call, Distribution::constant(10), 1.0, 0.5));
        run.until(5.9); // requests at 2 and 4 s
        // Attempts at 0, 510 and 1020 ms into each; the next would start at 1530 ms, past the deadline.
        QCOMPARE(run.clients().size(), size_t(3 * 2));
        QVERIFY(run.policies().retries_denied >= 2);
    }

    void breakerOpensThenShortCircuitsWithoutSpans()
    {
        CallStep call;
        call.circuit_breaker = smallBreaker();
        Run run(chain(call, Distribution::constant(10), 1.0, 20));
        run.until(3);
        // Ten failed calls trip it; afterwards nothing is sent until the 5 s wait is over.
        QCOMPARE(run.clients().size(), size_t(10));
        QVERIFY(run.policies().not_permitted > 40);
        QVERIFY(*run.sim->breakerState("front", "back") == BreakerState::Open);
        const auto events = run.sim->takeBreakerEvents();
        QCOMPARE(events.size(), size_t(1));
        QVERIFY(events[0].from == BreakerState::Closed && events[0].to == BreakerState::Open);
        QCOMPARE(events[0].service, std::string("front"));
        QCOMPARE(events[0].name, std::string("back"));
    }

    void breakerProbesAfterItsWaitAndClosesWhenTheCalleeRecovered()
    {
        CallStep call;
        call.circuit_breaker = smallBreaker();
        Run run(chain(call, Distribution::constant(10), 0.0, 20));
        run.sim->injectFault([] {
            Fault f = fault(FaultType::ErrorRate, "back", 2);
            f.percentage = 100;
            return f;
        }());
        run.until(2.0);
        QVERIFY(*run.sim->breakerState("front", "back") == BreakerState::Open);
        run.until(10);
        QVERIFY(*run.sim->breakerState("front", "back") == BreakerState::Closed);
        std::vector<BreakerState> path;
        for (const auto& e : run.sim->takeBreakerEvents())
            path.push_back(e.to);
        QVERIFY(
            path == std::vector<BreakerState>({ BreakerState::Open, BreakerState::HalfOpen, BreakerState::Closed }));
    }

    void breakerStateReachesTheSnapshotEdge()
    {
        CallStep call;
        call.circuit_breaker = smallBreaker();
        GraphAggregator aggregator;
        Simulator sim(
            std::make_shared<const Scenario>(chain(call, Distribution::constant(10), 1.0, 20)), 1, &aggregator);
        sim.runUntil(at(3));
        const auto snapshot = aggregator.snapshot("simulation");
        const int e = snapshot->findEdge("front", "back");
        QVERIFY(e >= 0);
        const auto& breaker = snapshot->edges[static_cast<size_t>(e)].breaker;
        QVERIFY(breaker.has_value());
        QVERIFY(breaker->state == BreakerState::Open);
        QCOMPARE(breaker->failure_rate, 100.0);
        QVERIFY(breaker->not_permitted_calls > 0);
    }

    void aBreakerWithItsOwnNameStillLandsOnItsEdge()
    {
        CallStep call;
        call.circuit_breaker = smallBreaker();
        call.circuit_breaker->name = "backendBreaker";
        GraphAggregator aggregator;
        Simulator sim(
            std::make_shared<const Scenario>(chain(call, Distribution::constant(10), 1.0, 20)), 1, &aggregator);
        sim.runUntil(at(3));
        const auto snapshot = aggregator.snapshot("simulation");
        const auto& breaker = snapshot->edges[static_cast<size_t>(snapshot->findEdge("front", "back"))].breaker;
        QVERIFY(breaker.has_value());
        QCOMPARE(breaker->name, std::string("backendBreaker"));
        QVERIFY(breaker->state == BreakerState::Open);
        QVERIFY(snapshot->nodes[static_cast<size_t>(snapshot->findNode("front"))].breakers.empty());
    }

    void forcedOpenOverrideRevertsWhenItsTimeIsUp()
    {
        CallStep call;
        call.circuit_breaker = smallBreaker();
        Run run(chain(call));
        run.until(1);
        Fault f = fault(FaultType::BreakerOverride, "front", 5);
        f.peer = "back";
        f.verb = BreakerOverrideVerb::ForceOpen;
        QVERIFY(run.sim->injectFault(f) != 0);
        run.until(5.5);
        QVERIFY(*run.sim->breakerState("front", "back") == BreakerState::ForcedOpen);
        const size_t during = run.clients().size();
        run.until(7);
        QVERIFY(*run.sim->breakerState("front", "back") == BreakerState::Closed);
        QVERIFY(run.clients().size() > during);
        QCOMPARE(run.sim->faultLog().front().reverted_ns, at(6));
    }

    void delayFaultAddsLatencyUntilReverted()
    {
        Run run(chain(CallStep {}));
        Fault f = fault(FaultType::Delay, "back", 2);
        f.delay_ms = 300;
        run.sim->injectFault(f);
        run.until(4);
        for (const auto& c : run.clients())
            QCOMPARE(c.durationMs(), c.start_ns < at(2) ? 310.0 : 10.0);
    }

    void abortFaultFailsItsShareOfCalls()
    {
        Run run(chain(CallStep {}, Distribution::constant(10), 0.0, 1000));
        Fault f = fault(FaultType::Abort, "back", 100);
        f.percentage = 30;
        f.status = 500;
        run.sim->injectFault(f);
        run.until(10);
        const auto calls = run.clients();
        const double failed
            = static_cast<double>(std::count_if(calls.begin(), calls.end(), [](auto& c) { return c.failed(); }));
        QVERIFY(std::abs(failed / static_cast<double>(calls.size()) - 0.30) < 0.02); // 10,000 calls: sigma 0.5 %
        QVERIFY(run.service("back").arrivals < calls.size()); // aborted calls never reach the callee
    }

    void crashLosesInFlightWorkAndCallersSeeAReset()
    {
        Run run(chain(CallStep {}, Distribution::constant(5000), 0.0, 1));
        run.until(3.5); // three requests in flight at back
        QVERIFY(run.sim->injectFault(fault(FaultType::Crash, "back", 2)) != 0);
        QCOMPARE(run.service("back").lost, uint64_t(3));
        QCOMPARE(run.service("back").in_system, int64_t(0));
        run.until(4.5); // a call at 4 s finds it down
        QCOMPARE(run.policies().connect_failures, uint64_t(1));
        for (const auto& c : run.clients()) {
            QVERIFY(c.failed());
            QVERIFY(c.error_type == "connect_failure");
        }
        run.until(6.5); // restarted at 5.5 s
        QCOMPARE(run.service("back").arrivals, uint64_t(4)); // the call at 6.001 s reached it
    }

    void partitionCutsOnlyTheNamedPair()
    {
        Scenario s = chain(CallStep {});
        s.services.push_back(
            service("other", { operation("op", Distribution::constant(1), { syncCall("back", "op") }) }));
        s.workload.push_back(workload("other", "op", 10, Arrival::Constant));
        Run run(std::move(s));
        Fault f = fault(FaultType::Partition, "front", 100);
        f.peer = "back";
        run.sim->injectFault(f);
        run.until(2);
        for (const auto& c : run.clients())
            QVERIFY(c.failed());
        for (const auto& c : run.sink.select(SpanKind::Client, "other"))
            QVERIFY(!c.failed());
    }

    void packetLossLeavesTheCallerWaitingForItsTimeout()
    {
        CallStep call;
        call.timeout_ms = 700;
        Run run(chain(call));
        Fault f = fault(FaultType::PacketLoss, "back", 100);
        f.percentage = 100;
        run.sim->injectFault(f);
        run.until(3);
        QVERIFY(!run.clients().empty());
        for (const auto& c : run.clients()) {
            QCOMPARE(c.durationMs(), 700.0);
            QCOMPARE(c.error_type, std::string("timeout"));
        }
        QCOMPARE(run.service("back").arrivals, uint64_t(0));
    }

    void pausedInstanceFinishesNothingUntilResumed()
    {
        Run run(chain(CallStep {}, Distribution::constant(100), 0.0, 10));
        run.sim->injectFault(fault(FaultType::Pause, "back", 1));
        run.until(0.99);
        QVERIFY(run.sink.select(SpanKind::Server, "back").empty());
        run.until(1.105);
        // The nine requests that waited start when it resumes at 1 s and finish 100 ms later, with the
        // one that arrived at 1.001 s.
        const auto served = run.sink.select(SpanKind::Server, "back");
        QCOMPARE(served.size(), size_t(10));
        QCOMPARE(served.front().end_ns, at(1.1));
    }

    void slowdownMultipliesServiceTime()
    {
        Run run(chain(CallStep {}));
        Fault f = fault(FaultType::Slowdown, "back", 100);
        f.factor = 3;
        run.sim->injectFault(f);
        run.until(2);
        for (const auto& c : run.clients())
            QCOMPARE(c.durationMs(), 30.0);
    }

    void bulkheadRejectsBeyondMaxConcurrentCalls()
    {
        CallStep call;
        call.bulkhead = BulkheadConfig { 2, 0.0 };
        Run run(chain(call, Distribution::constant(1000), 0.0, 10));
        run.until(0.95);
        // 9 calls in 0.9 s against 1 s of work each: two in flight, seven refused at once.
        QCOMPARE(run.policies().bulkhead_rejected, uint64_t(7));
        QCOMPARE(run.service("back").arrivals, uint64_t(2));
    }

    void pendingRequestsTimeOutAtTheCallsDeadline()
    {
        CallStep call;
        call.timeout_ms = 300;
        call.limits = ConnectionLimitsConfig { 1, 100, 1024, 3 };
        Run run(chain(call, Distribution::constant(1000), 0.0, 10));
        run.until(0.95);
        // One connection, held a second per call: the others wait as pending and give up at their deadline,
        // and each timed-out call frees the connection for the next one in line.
        QCOMPARE(run.policies().limit_overflows, uint64_t(0));
        QVERIFY(run.service("back").arrivals < 5);
        const auto served = run.sink.select(SpanKind::Server, "front");
        QVERIFY(served.size() >= 5);
        for (const auto& s : served)
            QCOMPARE(s.durationMs(), 301.0);
    }

    void bulkheadWithMaxWaitQueuesThenRejects()
    {
        CallStep call;
        call.bulkhead = BulkheadConfig { 1, 150.0 };
        Run run(chain(call, Distribution::constant(200), 0.0, 10));
        run.until(1.0);
        // Calls every 100 ms: the one at 0.2 s waits for the slot freed at 0.301 s; 0.3 s waits past 150 ms.
        QVERIFY(run.policies().bulkhead_rejected > 0);
        QVERIFY(run.service("back").arrivals >= 3);
    }

    void envoyLimitsQueuePendingRequestsThenFailFast()
    {
        // HTTP/1.1: two connections, three pending; nine calls in 0.9 s against a second of work each.
        CallStep call;
        call.limits = ConnectionLimitsConfig { 2, 3, 1024, 3 };
        Run run(chain(call, Distribution::constant(1000), 0.0, 10));
        run.until(0.95);
        QCOMPARE(run.service("back").arrivals, uint64_t(2));
        QCOMPARE(run.policies().limit_overflows, uint64_t(4));
        const auto calls = run.clients();
        QCOMPARE(std::count_if(calls.begin(), calls.end(), [](auto& c) { return c.error_type == "overloaded"; }), 4);
        run.until(1.102); // the first connection frees at 1.101 s: the first pending call goes out
        QCOMPARE(run.service("back").arrivals, uint64_t(3));
    }

    void envoyLimitsBoundHttp2StreamsByMaxRequests()
    {
        CallStep call;
        call.protocol = "grpc"; // streams share a connection: max_connections does not bound them
        call.limits = ConnectionLimitsConfig { 1, 1, 3, 3 };
        Run run(chain(call, Distribution::constant(1000), 0.0, 10));
        run.until(0.95);
        QCOMPARE(run.service("back").arrivals, uint64_t(3));
        QCOMPARE(run.policies().limit_overflows, uint64_t(5));
        const auto calls = run.clients();
        QCOMPARE(std::count_if(calls.begin(), calls.end(), [](auto& c) { return c.error_type == "overloaded"; }), 5);
    }

    void outlierDetectionEjectsAnUnresponsiveInstance()
    {
        CallStep call;
        call.timeout_ms = 200;
        call.outlier_detection = OutlierDetectionConfig {};
        call.outlier_detection->max_ejection_percent = 50;
        Run run(chain(call, Distribution::constant(10), 0.0, 50, 2));
        Fault f = fault(FaultType::Pause, "back", 100);
        f.instance = 1;
        run.sim->injectFault(f);
        run.until(5);
        QCOMPARE(run.policies().ejections, uint64_t(1));
        // After five consecutive timeouts, instance 1 gets no more traffic for 30 s.
        const auto calls = run.clients();
        const auto late
            = std::count_if(calls.begin(), calls.end(), [](auto& c) { return c.start_ns > at(1) && c.failed(); });
        QCOMPARE(late, 0);
    }

    void propagatedDeadlineDropsExpiredWorkAndRecoversFasterAfterASpike()
    {
        // One worker, 50 ms of work (20 rps capacity); 10 rps, a 40 rps spike from 5 to 10 s, 10 rps again.
        // The spike leaves a backlog of requests whose callers gave up long ago.
        auto scenario = [](bool propagate) {
            CallStep call;
            call.timeout_ms = 300;
            call.propagate_deadline = propagate;
            Scenario s = chain(std::move(call), Distribution::constant(50), 0.0, 10);
            s.services[1].concurrency = 1;
            s.services[1].queue_capacity = 10000;
            s.workload[0].schedule = { { 0, 10, 0 }, { 5, 40, 0 }, { 10, 10, 0 } };
            return s;
        };
        auto succeededAfterSpike = [](const Run& r) {
            const auto calls = r.clients();
            return std::count_if(calls.begin(), calls.end(),
                [](auto& c) { return c.start_ns >= at(10) && c.start_ns < at(15) && !c.failed(); });
        };
        Run with(scenario(true));
        with.until(16);
        Run without(scenario(false));
        without.until(16);
        QVERIFY(with.service("back").deadline_dropped > 50);
        QCOMPARE(without.service("back").deadline_dropped, uint64_t(0));
        qInfo("successful calls in the 5 s after the spike: %ld with propagation, %ld without",
            long(succeededAfterSpike(with)), long(succeededAfterSpike(without)));
        // Without it the worker spends seconds on answers nobody waits for; with it, new calls succeed at once.
        QVERIFY(succeededAfterSpike(with) >= 45);
        QVERIFY(succeededAfterSpike(without) < succeededAfterSpike(with) / 2);
    }

    void poisonMessageIsDeadLetteredAfterTheDeliveryLimit()
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "jobs";
        s.services.push_back(service("producer", { operation("op", Distribution::constant(0), { publish }) }));
        s.services.push_back(service("worker", { operation("job", Distribution::constant(10), {}, 1.0) }));
        Queue jobs = queue("jobs", { Consumer { "worker", "job", 1 } });
        jobs.delivery_limit = 5;
        jobs.dead_letter_queue = "jobs.dlq";
        s.queues.push_back(jobs);
        s.queues.push_back(queue("jobs.dlq", {}));
        Workload w = workload("producer", "op", 0.5, Arrival::Constant);
        s.workload.push_back(w);
        Run run(std::move(s));
        run.until(3); // one message, at 2 s
        const QueueRunStats q = run.sim->stats().queues.front();
        QCOMPARE(q.delivered, uint64_t(6)); // the first delivery and five redeliveries, then it exceeds the limit
        QCOMPARE(q.requeued, uint64_t(5));
        QCOMPARE(q.delivery_limit, uint64_t(1));
        QCOMPARE(q.dead_lettered, uint64_t(1));
        QCOMPARE(run.sim->stats().queues.back().published, uint64_t(1));
        const auto republished = run.sink.select(SpanKind::Producer, "jobs");
        QCOMPARE(republished.size(), size_t(1));
        QCOMPARE(republished.front().messaging_destination, std::string("jobs.dlq"));
    }

    void poisonMessagesFailEveryDeliveryWhileOthersPass()
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "jobs";
        publish.poison_probability = 0.05;
        s.services.push_back(service("producer", { operation("op", Distribution::constant(0), { publish }) }));
        s.services.push_back(service("worker", { operation("job", Distribution::constant(5)) }));
        Queue jobs = queue("jobs", { Consumer { "worker", "job", 10 } });
        jobs.delivery_limit = 3;
        jobs.dead_letter_queue = "jobs.dlq";
        s.queues.push_back(jobs);
        s.queues.push_back(queue("jobs.dlq", {}));
        s.workload.push_back(workload("producer", "op", 100, Arrival::Constant));
        Run run(std::move(s));
        run.until(100.447); // the last message, published at 100.44 s, was handled by 100.445 s
        const QueueRunStats q = run.sim->stats().queues.front();
        // About 500 of 10,000 are poison (sigma 22): each is delivered four times, then dead-lettered.
        QVERIFY(q.dead_lettered > 430 && q.dead_lettered < 570);
        QCOMPARE(q.delivery_limit, q.dead_lettered);
        QCOMPARE(q.consumer_failures, 4 * q.dead_lettered);
        QCOMPARE(q.acked + q.dead_lettered, q.published);
    }

    void messageTtlExpiresAtTheHead()
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "slow";
        s.services.push_back(service("producer", { operation("op", Distribution::constant(0), { publish }) }));
        s.services.push_back(service("worker", { operation("job", Distribution::constant(1000)) }, 1, 1));
        Queue q = queue("slow", { Consumer { "worker", "job", 1 } });
        q.message_ttl_ms = 2500;
        s.queues.push_back(q);
        s.workload.push_back(workload("producer", "op", 10, Arrival::Constant));
        Run run(std::move(s));
        run.until(20);
        const QueueRunStats stats = run.sim->stats().queues.front();
        QVERIFY(stats.expired > 100);
        QCOMPARE(stats.dropped, stats.expired); // no dead-letter queue: expired messages are gone
        QVERIFY(stats.acked <= 20);
    }

    void consumerCrashRequeuesItsUnackedMessages()
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "jobs";
        s.services.push_back(service("producer", { operation("op", Distribution::constant(0), { publish }) }));
        s.services.push_back(service("worker", { operation("job", Distribution::constant(3000)) }, 1, 4));
        s.queues.push_back(queue("jobs", { Consumer { "worker", "job", 4 } }));
        s.workload.push_back(workload("producer", "op", 2, Arrival::Constant));
        Run run(std::move(s));
        run.until(2.1); // four messages in hand
        run.sim->injectFault(fault(FaultType::Crash, "worker", 1));
        QCOMPARE(run.sim->stats().queues.front().requeued, uint64_t(4));
        QVERIFY(run.sink.select(SpanKind::Consumer, "worker").empty()); // the crash took their spans with it
        run.until(8);
        // The messages the dead consumer held (published at 0.5 .. 2 s) are processed after its restart.
        const auto producers = run.sink.select(SpanKind::Producer, "producer");
        const auto consumed = run.sink.select(SpanKind::Consumer, "worker");
        for (size_t i = 0; i < 4; ++i) {
            auto it = std::find_if(consumed.begin(), consumed.end(),
                [&](const RecordedSpan& c) { return c.trace_id == producers[i].trace_id; });
            QVERIFY(it != consumed.end());
            QVERIFY(it->start_ns >= at(3.1));
        }
    }

    void brokerDownFailsPublishesAndStopsDeliveries()
    {
        Scenario s;
        PublishStep publish;
        publish.queue = "jobs";
        s.services.push_back(service("producer", { operation("op", Distribution::constant(0), { publish }) }));
        s.services.push_back(service("worker", { operation("job", Distribution::constant(10)) }));
        s.queues.push_back(queue("jobs", { Consumer { "worker", "job", 4 } }));
        s.workload.push_back(workload("producer", "op", 10, Arrival::Constant));
        Run run(std::move(s));
        run.sim->injectFault(fault(FaultType::BrokerDown, "jobs", 1));
        run.until(0.95);
        QCOMPARE(run.sim->stats().queues.front().publish_failures, uint64_t(9));
        for (const auto& p : run.sink.select(SpanKind::Producer, "producer"))
            QVERIFY(p.failed());
        QVERIFY(run.sink.select(SpanKind::Consumer, "worker").empty());
    }

    void threeRetriesAtThreeLayersPut64AttemptsOnTheBottom()
    {
        auto retrying = [](std::string target) {
            CallStep c = syncCall(std::move(target), "op");
            c.retry = RetryConfig {};
            c.retry->count = 4; // 3 retries
            c.retry->backoff.initial_ms = 10;
            return c;
        };
        Scenario s;
        s.services.push_back(service("l1", { operation("op", Distribution::constant(1), { retrying("l2") }) }));
        s.services.push_back(service("l2", { operation("op", Distribution::constant(1), { retrying("l3") }) }));
        s.services.push_back(service("l3", { operation("op", Distribution::constant(1), { retrying("bottom") }) }));
        s.services.push_back(service("bottom", { operation("op", Distribution::constant(1), {}, 1.0) }));
        s.workload.push_back(workload("l1", "op", 0.1, Arrival::Constant));
        Run run(std::move(s));
        run.until(19); // one user request, at 10 s
        QCOMPARE(run.sim->stats().workload_requests, uint64_t(1));
        QCOMPARE(run.service("bottom").arrivals, uint64_t(64));
        QCOMPARE(run.service("l3").arrivals, uint64_t(16));
        QCOMPARE(run.service("l2").arrivals, uint64_t(4));
    }

    void hedgingCutsTheTailAndCancelsTheLosers()
    {
        // back answers in 10 ms, except one call in ten that takes a second.
        Distribution bimodal;
        bimodal.kind = Distribution::Kind::Empirical;
        bimodal.min_ms = 9;
        bimodal.buckets = { { 11, 9 }, { 999, 0 }, { 1001, 1 } };
        auto slowShare = [&](bool hedge) {
            CallStep call;
            if (hedge) call.hedging = HedgingConfig { 2, 50.0 };
            Run run(chain(call, bimodal, 0.0, 50, 2));
            run.until(100);
            const auto served = run.sink.select(SpanKind::Server, "front");
            const double slow = static_cast<double>(
                std::count_if(served.begin(), served.end(), [](auto& s) { return s.durationMs() > 500; }));
            return std::pair { slow / static_cast<double>(served.size()), run.policies() };
        };
        const auto [without, plain] = slowShare(false);
        const auto [with, hedged] = slowShare(true);
        qInfo("calls over 500 ms: %.2f %% without hedging, %.2f %% with; %llu hedges, %llu cancelled", 100 * without,
            100 * with, (unsigned long long)hedged.hedges, (unsigned long long)hedged.hedges_cancelled);
        QVERIFY(without > 0.08 && without < 0.12);
        QVERIFY(with < 0.02); // both copies must be slow: about 1 %
        QCOMPARE(plain.hedges, uint64_t(0));
        // A second copy goes out only for calls still unanswered after 50 ms: about one in ten.
        QVERIFY(hedged.hedges > 400 && hedged.hedges < 600);
        QVERIFY(hedged.hedges_cancelled > 350); // the slow first copy is cancelled when the hedge wins
    }

    void hedgingSendsTheNextCopyAtOnceAfterANonFatalFailure()
    {
        CallStep call;
        call.hedging = HedgingConfig { 3, 1000.0 };
        Run run(chain(call));
        Fault abort = fault(FaultType::Abort, "back", 100);
        abort.percentage = 100;
        abort.status = 503; // UNAVAILABLE: non-fatal
        run.sim->injectFault(abort);
        run.until(0.15);
        // Three copies, all at 0.101 s, none waiting for the hedging delay; then the call fails.
        const auto copies = run.clients();
        QCOMPARE(copies.size(), size_t(3));
        for (const auto& c : copies)
            QCOMPARE(c.start_ns, at(0.101));
        for (const auto& s : run.sink.select(SpanKind::Server, "front"))
            QVERIFY(s.failed());
    }

    void scriptedFaultsApplyAtTheirTimes()
    {
        Scenario s = chain(CallStep {});
        Fault f = fault(FaultType::Delay, "back", 1);
        f.delay_ms = 100;
        s.faults.push_back({ 2.0, f });
        Run run(std::move(s));
        run.until(4);
        QCOMPARE(run.sim->faultLog().size(), size_t(1));
        QCOMPARE(run.sim->faultLog().front().applied_ns, at(2));
        QCOMPARE(run.sim->faultLog().front().reverted_ns, at(3));
        for (const auto& c : run.clients())
            QCOMPARE(c.durationMs(), c.start_ns >= at(2) && c.start_ns < at(3) ? 110.0 : 10.0);
    }

    void revertAllRestoresEverything()
    {
        Run run(chain(CallStep {}));
        run.sim->injectFault(fault(FaultType::Crash, "back", 100));
        Fault d = fault(FaultType::Delay, "back", 100);
        d.delay_ms = 50;
        run.sim->injectFault(d);
        run.until(1);
        run.sim->revertAllFaults();
        for (const auto& r : run.sim->faultLog())
            QCOMPARE(r.reverted_ns, at(1));
        const size_t before = run.clients().size();
        run.until(2);
        const auto calls = run.clients();
        for (size_t i = before; i < calls.size(); ++i) {
            QVERIFY(!calls[i].failed());
            QCOMPARE(calls[i].durationMs(), 10.0);
        }
    }

    void faultsOnUnknownTargetsAreRefused()
    {
        Run run(chain(CallStep {}));
        QCOMPARE(run.sim->injectFault(fault(FaultType::Crash, "nowhere", 10)), uint64_t(0));
        Fault b = fault(FaultType::BreakerOverride, "front", 10);
        b.peer = "back"; // front has no breaker on back
        QCOMPARE(run.sim->injectFault(b), uint64_t(0));
        QVERIFY(run.sim->faultLog().empty());
    }
};

QTEST_APPLESS_MAIN(tst_simulatorpolicies)
#include "tst_simulatorpolicies.moc"
