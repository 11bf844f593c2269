// The textbook claims, each shown by a scenario shipped in resources/scenarios and checked the way a user
// would see it: from the snapshot the aggregator derives from the simulator's telemetry.

#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "support/lessonrun.h"

#include <QTest>

#include <cmath>

using namespace faultline;
using namespace faultline::test;

class tst_textbook : public QObject {
    Q_OBJECT
private slots:
    void everyShippedScenarioLoads()
    {
        QVERIFY(builtinScenarios().size() >= 15);
        for (const auto& builtin : builtinScenarios()) {
            const auto result = ScenarioLoader::fromString(builtin.json);
            QVERIFY2(result.ok(), std::string(builtin.id).c_str());
            QVERIFY2(!result.scenario->description.empty(), std::string(builtin.id).c_str());
        }
    }

    void fiveServicesAt99PercentGive95Point1PercentEndToEnd()
    {
        Run lesson("series-availability");
        const auto snapshot = lesson.at(300);
        const Totals& totals = Run::edge(*snapshot, "user", "s1").traffic.totals;
        QVERIFY(totals.requests > 55000);
        const double success = 1.0 - static_cast<double>(totals.errors) / static_cast<double>(totals.requests);
        qInfo("end-to-end success %.4f over %llu requests (0.99^5 = %.4f)", success,
            static_cast<unsigned long long>(totals.requests), std::pow(0.99, 5));
        QVERIFY(std::abs(success - std::pow(0.99, 5)) < 0.005);
    }

    void twoSequential50msCallsCostAtLeast100ms()
    {
        Run lesson("latency-adds-up");
        const auto snapshot = lesson.at(120);
        const EdgeSnapshot& entry = Run::edge(*snapshot, "user", "front");
        QVERIFY(entry.traffic.totals.requests > 2000);
        QVERIFY(entry.traffic.totals.mean_ms >= 100.0);
        QVERIFY(entry.traffic.latency.p50_ms >= 100.0 * 0.98); // histogram buckets are within 2 %
        QCOMPARE(Run::edge(*snapshot, "front", "back").traffic.totals.mean_ms, 50.0);
    }

    void withoutBreakersASlowBankTakesBrowsingDownToo()
    {
        Run lesson("cascade-without-breaker");
        const auto before = lesson.at(55);
        QCOMPARE(Run::edge(*before, "shoppers", "gateway").traffic.error_rate, 0.0);
        const auto during = lesson.at(150);
        const EdgeSnapshot& browse = Run::edge(*during, "shoppers", "gateway");
        qInfo("browsing during the fault: %.1f %% errors, p99 %.0f ms", 100 * browse.traffic.error_rate,
            browse.traffic.latency.p99_ms);
        // Browsing never touches the bank, yet the gateway's shared worker pool is full of checkouts.
        QVERIFY(browse.traffic.error_rate > 0.3);
        QVERIFY(browse.traffic.latency.p99_ms > 1000);
        QVERIFY(Run::node(*during, "gateway").health == Health::Failing);
    }

    void aBreakerOnTheBankContainsTheCascade()
    {
        Run lesson("cascade-with-breaker");
        const auto during = lesson.at(150);
        const EdgeSnapshot& browse = Run::edge(*during, "shoppers", "gateway");
        qInfo("browsing during the fault: %.1f %% errors, p99 %.0f ms", 100 * browse.traffic.error_rate,
            browse.traffic.latency.p99_ms);
        QCOMPARE(browse.traffic.error_rate, 0.0);
        QVERIFY(browse.traffic.latency.p99_ms < 200);
        const EdgeSnapshot& bank = Run::edge(*during, "payments", "bank");
        QVERIFY(bank.breaker.has_value());
        QVERIFY(bank.breaker->state == BreakerState::Open || bank.breaker->state == BreakerState::HalfOpen);
        // Checkouts fail, but fast: they no longer hold the gateway's workers.
        QVERIFY(Run::edge(*during, "buyers", "gateway").traffic.error_rate > 0.9);
        // After the bank recovers, the breaker closes again and checkouts succeed.
        const auto after = lesson.at(240);
        QVERIFY(Run::edge(*after, "payments", "bank").breaker->state == BreakerState::Closed);
        QVERIFY(Run::edge(*after, "buyers", "gateway").traffic.error_rate < 0.01);
    }

    void threeRetriesAtThreeLayersPut64AttemptsOnTheFailingService()
    {
        Run lesson("retry-storm");
        lesson.at(10.9); // requests at 1 .. 10 s, the one at 10 s already under the fault
        const uint64_t before = lesson.arrivals("storage");
        const uint64_t requestsBefore = lesson.sim->stats().workload_requests;
        lesson.at(28.9); // requests at 11 .. 28 s, each done within a second
        const uint64_t attempts = lesson.arrivals("storage") - before;
        const uint64_t requests = lesson.sim->stats().workload_requests - requestsBefore;
        QCOMPARE(requests, uint64_t(18));
        QCOMPARE(attempts, 64 * requests);
        lesson.at(40);
        // The request at 29 s still meets the fault; those at 30 .. 39 s find storage healthy: one attempt each.
        QCOMPARE(lesson.arrivals("storage") - before - attempts, uint64_t(64 + 10));
    }

    void aQueueAbsorbsASpikeThatOverflowsTheSyncPath()
    {
        Run lesson("queue-absorbs-spike");
        const auto atPeak = lesson.at(70);
        const EdgeSnapshot& sync = Run::edge(*atPeak, "sync-users", "sync-front");
        const EdgeSnapshot& queued = Run::edge(*atPeak, "queued-users", "queued-front");
        qInfo("during the spike: sync path %.1f %% errors; queued path %.1f %% errors, depth %.0f",
            100 * sync.traffic.error_rate, 100 * queued.traffic.error_rate, Run::node(*atPeak, "jobs").queue->depth);
        QVERIFY(sync.traffic.error_rate > 0.2);
        QCOMPARE(queued.traffic.totals.errors, uint64_t(0));
        QVERIFY(queued.traffic.latency.p99_ms < 10);
        QVERIFY(Run::node(*atPeak, "jobs").queue->depth > 1000);
        const auto later = lesson.at(150);
        QVERIFY(Run::node(*later, "jobs").queue->depth < 50); // drained
        QCOMPARE(Run::edge(*later, "queued-users", "queued-front").traffic.totals.errors, uint64_t(0));
    }

    void poisonMessagesEndInTheDeadLetterQueueAfterTheDeliveryLimit()
    {
        Run lesson("poison-messages");
        const auto snapshot = lesson.at(300);
        const QueueRunStats events = lesson.sim->stats().queues.front();
        QVERIFY(events.published > 14000);
        const double share = static_cast<double>(events.dead_lettered) / static_cast<double>(events.published);
        QVERIFY(std::abs(share - 0.01) < 0.003);
        QCOMPARE(events.delivery_limit, events.dead_lettered);
        // Six failed deliveries for each dead-lettered message; beyond those, only the failures of the few poison
        // messages still being redelivered when the run stops (at most five each).
        QVERIFY2(events.consumer_failures >= 6 * events.dead_lettered
                && events.consumer_failures - 6 * events.dead_lettered < 30,
            qPrintable(QStringLiteral("%1 failures, %2 dead-lettered")
                           .arg(events.consumer_failures)
                           .arg(events.dead_lettered)));
        // The dead-letter queue is its own node, fed by the queue.
        const EdgeSnapshot& dead = Run::edge(*snapshot, "order-events", "order-events.dlq");
        QVERIFY(dead.kind == EdgeKind::Async);
        QVERIFY(Run::node(*snapshot, "order-events.dlq").kind == NodeKind::Queue);
        QCOMPARE(Run::node(*snapshot, "order-events.dlq").queue->depth, static_cast<double>(events.dead_lettered));
    }

    void aSlowWorkerSlowsTheSyncCallerButNotTheAsyncPublisher()
    {
        Run lesson("sync-vs-async");
        const auto start = lesson.at(30);
        const Between syncBefore = between({}, Run::edge(*start, "sync-users", "sync-front"));
        const Between asyncBefore = between({}, Run::edge(*start, "async-users", "async-front"));
        // 2 ms of sync-front's own plus the worker's exponential 20 ms; publishing takes only the 2 ms.
        QVERIFY(syncBefore.requests > 500);
        QVERIFY2(std::abs(syncBefore.mean_ms - 22.0) < 3.0, qPrintable(QString::number(syncBefore.mean_ms)));
        QVERIFY(std::abs(asyncBefore.mean_ms - 2.0) < 0.1);

        lesson.play(1); // the worker ten times slower for a minute
        const auto from = lesson.at(35); // what started before the slowdown has finished
        const auto to = lesson.at(88);
        const Between sync
            = between(Run::edge(*from, "sync-users", "sync-front"), Run::edge(*to, "sync-users", "sync-front"));
        const Between async
            = between(Run::edge(*from, "async-users", "async-front"), Run::edge(*to, "async-users", "async-front"));
        qInfo("during the slowdown: sync users wait %.1f ms (theory 2 + 10 x 20 = 202), async users %.2f ms",
            sync.mean_ms, async.mean_ms);
        // Over some 1,000 requests the standard error of the mean is about 6 ms.
        QVERIFY(std::abs(sync.mean_ms - 202.0) < 25.0);
        QVERIFY(std::abs(async.mean_ms - 2.0) < 0.1);
        QCOMPARE(sync.errors + async.errors, uint64_t(0));

        // Every job was still done: after the slowdown the queue is empty again and nothing was dropped.
        lesson.at(100);
        const QueueRunStats jobs = lesson.queueStats("jobs");
        QCOMPARE(jobs.dropped, uint64_t(0));
        QVERIFY(jobs.published - jobs.acked < 20);
    }

    void timeoutsBoundEachWaitButNotHowManyWorkersWait()
    {
        Run lesson("timeouts-alone");
        const auto before = lesson.at(30);
        QCOMPARE(Run::edge(*before, "shoppers", "gateway").traffic.totals.errors, uint64_t(0));
        lesson.play(1); // the bank 5 s slow for two minutes
        const auto from = lesson.at(45);
        const auto to = lesson.at(85);
        // No call waits longer than its timeout: every bank call ends at payments' 1 s, every checkout soon after.
        const LatencyStats bank = Run::edge(*to, "payments", "bank").traffic.latency;
        QVERIFY(bank.p50_ms >= 1000 * 0.98 && bank.p99_ms <= 1000 * 1.02); // histogram buckets are within 2 %
        QVERIFY(Run::edge(*to, "gateway", "payments").traffic.latency.p99_ms < 1500);
        // Yet each checkout holds a gateway worker for about 2 + 10 + 1000 ms and each browse for 3 + 10 ms:
        // 20 x 1.012 + 60 x 0.013 = 21 workers wanted, 16 there. With the queue full, the gateway serves
        // 16 / (mean hold) requests a second of the 80 offered and turns the rest away, browsing included.
        const double meanHold = (20 * 1.012 + 60 * 0.013) / 80;
        const double expected = 1.0 - 16.0 / (80 * meanHold);
        const Between browse = between(Run::edge(*from, "shoppers", "gateway"), Run::edge(*to, "shoppers", "gateway"));
        qInfo("browsing with the bank slow: %.1f %% turned away (theory %.1f %%), p50 %.0f ms",
            100 * browse.errorRate(), 100 * expected, Run::edge(*to, "shoppers", "gateway").traffic.latency.p50_ms);
        QVERIFY(std::abs(browse.errorRate() - expected) < 0.05);
        QVERIFY(Run::edge(*to, "shoppers", "gateway").traffic.latency.p50_ms > 500); // queued behind checkouts

        lesson.play(2); // from 85 s to 115 s the bank refuses at once, as an open breaker would
        const auto fast = lesson.at(88);
        const auto later = lesson.at(112);
        const Between browseFast
            = between(Run::edge(*fast, "shoppers", "gateway"), Run::edge(*later, "shoppers", "gateway"));
        const Between checkouts
            = between(Run::edge(*fast, "buyers", "gateway"), Run::edge(*later, "buyers", "gateway"));
        QCOMPARE(browseFast.errors, uint64_t(0));
        QVERIFY(Run::edge(*later, "shoppers", "gateway").traffic.latency.p99_ms < 100);
        QCOMPARE(checkouts.errors, checkouts.requests);
        QVERIFY(checkouts.mean_ms < 50); // failing fast
    }

    void retryingAtOneLayerWithABudgetPutsOneAttemptPerRequestOnAFailingStorage()
    {
        Run lesson("retries-tamed");
        const auto before = lesson.at(30);
        // Storage's 2 % blips are mended by one retry in both fleets: 1 / 0.98 attempts per request.
        for (const char* fleet : { "storm", "tamed" }) {
            const std::string users = std::string(fleet) + "-users", edge = std::string(fleet) + "-edge";
            const std::string inner = std::string(fleet) + "-inner";
            QCOMPARE(Run::edge(*before, users.c_str(), edge.c_str()).traffic.totals.errors, uint64_t(0));
            const double perRequest
                = static_cast<double>(Run::edge(*before, inner.c_str(), "storage").traffic.totals.requests)
                / static_cast<double>(lesson.arrivals(inner));
            const double sd = std::sqrt(0.02 * 0.98 / static_cast<double>(lesson.arrivals(inner)));
            QVERIFY2(std::abs(perRequest - 1 / 0.98) < 4 * sd, fleet);
        }

        const uint64_t tamedRequestsBefore = lesson.arrivals("tamed-inner");
        lesson.play(1); // storage fails every call from 30 s to 50 s
        const auto from = lesson.at(31);
        const uint64_t stormFrom = lesson.arrivals("storm-edge");
        const auto to = lesson.at(49);
        const uint64_t stormRequests = lesson.arrivals("storm-edge") - stormFrom;
        const uint64_t stormAttempts
            = between(Run::edge(*from, "storm-inner", "storage"), Run::edge(*to, "storm-inner", "storage")).requests;
        const double amplification = static_cast<double>(stormAttempts) / static_cast<double>(stormRequests);
        qInfo("in the outage: storm %.1f attempts per request (4 x 4 x 4 = 64)", amplification);
        QCOMPARE(stormRequests, uint64_t(180));
        QVERIFY(std::abs(amplification - 64) < 1);

        // The tamed fleet: every failure spends one of ten tokens and retries stop once half are gone, so the
        // whole outage costs at most five retries; every other request is a single attempt.
        const auto after = lesson.at(51);
        const uint64_t tamedRequests = lesson.arrivals("tamed-inner") - tamedRequestsBefore;
        const uint64_t tamedAttempts
            = between(Run::edge(*before, "tamed-inner", "storage"), Run::edge(*after, "tamed-inner", "storage"))
                  .requests;
        qInfo("in the outage: tamed %llu attempts for %llu requests", static_cast<unsigned long long>(tamedAttempts),
            static_cast<unsigned long long>(tamedRequests));
        QVERIFY(tamedRequests > 200);
        QVERIFY(tamedAttempts + 1 >= tamedRequests && tamedAttempts <= tamedRequests + 5 + 1); // 1: the window's edge
        QVERIFY(lesson.sim->stats().policies.retries_denied > 0);
    }

    void withoutDeadlinePropagationTheBackEndWorksForCallersThatHaveGone()
    {
        const double scale = statisticsScale();
        Run lesson("deadline-propagation");
        lesson.at(10 + 150 * scale);
        // middle takes a lognormal time S (median 100 ms, p99 1 s), then calls its back end, which takes 5 ms;
        // the front gives up at 300 ms. A late request, S >= 295 ms, is work for nobody.
        const double sigma = std::log(1000.0 / 100.0) / 2.3263478740408408;
        auto later = [&](double ms) { return 0.5 * std::erfc(std::log(ms / 100.0) / sigma / std::sqrt(2.0)); };
        auto wasted = [&](const char* front, const char* back) {
            const ServiceRunStats f = lesson.serviceStats(front), b = lesson.serviceStats(back);
            const double useful = static_cast<double>(f.completed - f.failed);
            return (static_cast<double>(b.completed) - useful) / static_cast<double>(b.completed);
        };
        const ServiceRunStats plain = lesson.serviceStats("plain-back"),
                              deadline = lesson.serviceStats("deadline-back");
        const double n = static_cast<double>(plain.completed);
        const double tolerance = 4 * std::sqrt(later(295) * (1 - later(295)) / n) + 0.005;
        const double plainWaste = wasted("plain-front", "plain-back");
        const double deadlineWaste = wasted("deadline-front", "deadline-back");
        const double dropped = static_cast<double>(deadline.deadline_dropped) / static_cast<double>(deadline.arrivals);
        qInfo("wasted work: plain-back %.1f %% (theory P(S > 295 ms) = %.1f %%), deadline-back %.2f %%, which dropped "
              "%.1f %% unexecuted (theory P(S > 300 ms) = %.1f %%)",
            100 * plainWaste, 100 * later(295), 100 * deadlineWaste, 100 * dropped, 100 * later(300));
        QVERIFY(std::abs(plainWaste - later(295)) < tolerance);
        QCOMPARE(plain.deadline_dropped, uint64_t(0));
        QVERIFY(std::abs(dropped - later(300)) < tolerance);
        QVERIFY(deadlineWaste < 0.005 / std::sqrt(scale) + 2 * (later(295) - later(300)));
        // The users see the same: what fails is middle's lateness, not the propagation.
        const double plainFailed = static_cast<double>(lesson.serviceStats("plain-front").failed)
            / static_cast<double>(lesson.serviceStats("plain-front").completed);
        const double deadlineFailed = static_cast<double>(lesson.serviceStats("deadline-front").failed)
            / static_cast<double>(lesson.serviceStats("deadline-front").completed);
        QVERIFY(std::abs(plainFailed - later(295)) < tolerance && std::abs(deadlineFailed - later(295)) < tolerance);
    }

    void aCrashedParticipantFailsTheOrchestrationButOnlyDelaysTheChoreography()
    {
        Run lesson("orchestration-vs-choreography");
        const auto before = lesson.at(30);
        QCOMPARE(Run::edge(*before, "orchestrated-orders", "orchestrator").traffic.totals.errors, uint64_t(0));
        lesson.play(1); // shipping crashed from 30 s to 60 s
        const uint64_t publishedBefore = lesson.queueStats("payment-taken").published;
        const auto from = lesson.at(31);
        const auto to = lesson.at(59);
        const Between orchestrated = between(Run::edge(*from, "orchestrated-orders", "orchestrator"),
            Run::edge(*to, "orchestrated-orders", "orchestrator"));
        const Between charged
            = between(Run::edge(*from, "orchestrator", "payments"), Run::edge(*to, "orchestrator", "payments"));
        const Between choreographed = between(Run::edge(*from, "choreographed-orders", "order-service"),
            Run::edge(*to, "choreographed-orders", "order-service"));
        const double depth = Run::node(*to, "payment-taken").queue->depth;
        qInfo("shipping down: %llu of %llu orchestrated orders failed (%llu charged first); %llu choreographed, none "
              "failed; %.0f PaymentTaken waiting",
            static_cast<unsigned long long>(orchestrated.errors),
            static_cast<unsigned long long>(orchestrated.requests),
            static_cast<unsigned long long>(charged.requests - charged.errors),
            static_cast<unsigned long long>(choreographed.requests), depth);
        QVERIFY(orchestrated.requests > 400);
        QCOMPARE(orchestrated.errors, orchestrated.requests);
        QCOMPARE(charged.errors, uint64_t(0)); // charged, then failed: the saga has to compensate
        QVERIFY(charged.requests + 3 >= orchestrated.requests && charged.requests <= orchestrated.requests + 3);
        QVERIFY(choreographed.requests > 400);
        QCOMPARE(choreographed.errors, uint64_t(0));
        // Every PaymentTaken since the crash is waiting for shipping: 20 a second for 29 s (Poisson: sd about 24).
        const double waiting = static_cast<double>(lesson.queueStats("payment-taken").published - publishedBefore);
        QVERIFY(std::abs(depth - waiting) <= 3);
        QVERIFY(std::abs(waiting - 20 * 29) < 100);

        const auto after = lesson.at(75);
        QVERIFY(Run::node(*after, "payment-taken").queue->depth < 20); // drained
        const QueueRunStats shipped = lesson.queueStats("payment-taken");
        QCOMPARE(shipped.dropped + shipped.dead_lettered + shipped.consumer_failures, uint64_t(0));
        QVERIFY(shipped.published - shipped.acked < 20);
        QVERIFY(Run::edge(*after, "orchestrated-orders", "orchestrator").traffic.error_rate < 0.01);
    }

    void hedgingCutsTheP99ForAFewPercentMoreCalls()
    {
        const double scale = statisticsScale();
        Run lesson("hedging-tail");
        lesson.spans.watch("plain-users", SpanKind::Client);
        lesson.spans.watch("hedged-users", SpanKind::Client);
        const double end = 10 + 100 * scale;
        const auto snapshot = lesson.at(end);
        const auto plain = lesson.spans.durations("plain-users", SpanKind::Client, 5, end - 3);
        const auto hedged = lesson.spans.durations("hedged-users", SpanKind::Client, 5, end - 3);
        // backend: 95 % uniform in 5-15 ms, 5 % in 500-1000 ms; the front adds 1 ms. Unhedged, P(T > t) = 0.01
        // at t = 1 + 900. Hedged after 20 ms, only a slow first call is hedged and T = 1 + 20 + X2, so
        // P(T > t) = 0.05 (0.95 (35 - (t - 1)) / 10 + 0.05) = 0.01 at t = 1 + 33.42.
        const double plainTheory = 901.0, hedgedTheory = 1 + 35 - 0.15 * 10 / 0.95;
        const double plainP99 = quantile(plain, 0.99), hedgedP99 = quantile(hedged, 0.99);
        const double hedgeShare = static_cast<double>(lesson.sim->stats().policies.hedges)
            / static_cast<double>(lesson.arrivals("hedged-front"));
        qInfo("p99: plain %.1f ms (theory %.1f), hedged %.1f ms (theory %.1f); %.2f %% of calls hedged (theory 5 %%)",
            plainP99, plainTheory, hedgedP99, hedgedTheory, 100 * hedgeShare);
        // Standard errors over some 5,000 calls: 14 ms and 0.3 ms for the quantiles, 0.3 % for the share.
        const double widen = 1 / std::sqrt(scale);
        QVERIFY(std::abs(plainP99 - plainTheory) < 60 * widen);
        QVERIFY(std::abs(hedgedP99 - hedgedTheory) < 2 * widen);
        QVERIFY(std::abs(hedgeShare - 0.05) < 0.012 * widen);
        // The copies are real calls: the edge carries them, cancelled or not.
        const double perRequest
            = static_cast<double>(Run::edge(*snapshot, "hedged-front", "backend").traffic.totals.requests)
            / static_cast<double>(Run::edge(*snapshot, "hedged-users", "hedged-front").traffic.totals.requests);
        QVERIFY(std::abs(perRequest - 1.05) < 0.015 * widen);

        // When the whole backend is slow, nearly every call outlasts the hedging delay: the load doubles.
        const uint64_t hedgesBefore = lesson.sim->stats().policies.hedges;
        const uint64_t requestsBefore = lesson.arrivals("hedged-front");
        lesson.play(1);
        lesson.at(end + 20);
        const double slowShare = static_cast<double>(lesson.sim->stats().policies.hedges - hedgesBefore)
            / static_cast<double>(lesson.arrivals("hedged-front") - requestsBefore);
        qInfo("backend four times slower: %.1f %% of calls hedged", 100 * slowShare);
        QVERIFY(slowShare > 0.95);
    }

    void aFanOutToNLeavesIsSlowOneMinus099ToTheNOfTheTime()
    {
        const double scale = statisticsScale();
        Run lesson("tail-at-scale");
        const int fanOuts[] = { 1, 10, 100 };
        for (int n : fanOuts)
            lesson.spans.watch("front-" + std::to_string(n), SpanKind::Server);
        lesson.spans.watch("leaf", SpanKind::Server);
        const double end = 10 + 100 * scale;
        const auto snapshot = lesson.at(end);
        // A front request is slow (over 1 s) unless all of its N leaf calls are fast.
        for (int n : fanOuts) {
            const std::string front = "front-" + std::to_string(n);
            const auto durations = lesson.spans.durations(front, SpanKind::Server, 2, end - 2);
            const double share = shareAbove(durations, 500);
            const double theory = 1 - std::pow(0.99, n);
            const double sd = std::sqrt(theory * (1 - theory) / static_cast<double>(durations.size()));
            qInfo("%s: %.1f %% slow of %zu (theory 1 - 0.99^%d = %.1f %%)", front.c_str(), 100 * share,
                durations.size(), n, 100 * theory);
            QVERIFY(durations.size() > 1000 * scale);
            QVERIFY2(std::abs(share - theory) < 4 * sd + 0.002, front.c_str());
        }
        QVERIFY(std::abs(shareAbove(lesson.spans.durations("leaf", SpanKind::Server, 2, end - 2), 500) - 0.01)
            < 0.002 / std::sqrt(scale));
        // What the window shows: front-100's median is in the slow mode, leaf's in the fast one.
        QVERIFY(Run::node(*snapshot, "front-100").traffic.latency.p50_ms > 1000);
        QVERIFY(Run::node(*snapshot, "leaf").traffic.latency.p50_ms < 16);
        const auto front10 = lesson.spans.durations("front-10", SpanKind::Server, 2, end - 2);
        QVERIFY(quantile(front10, 0.5) < 16 && quantile(front10, 0.95) > 1000);
    }
};

QTEST_APPLESS_MAIN(tst_textbook)
#include "tst_textbook.moc"
