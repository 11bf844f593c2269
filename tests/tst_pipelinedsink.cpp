// The pipelined sink that puts the simulator and the graph aggregator on two cores (`faultline
// --headless`): the aggregator sees the same calls in the same order, so the snapshot is byte for byte the
// one of a direct connection; a source that runs ahead waits (nothing dropped); a failure in the sink
// reaches the source's thread.

#include "graph/graphaggregator.h"
#include "graph/snapshotjson.h"
#include "sim/simulator.h"
#include "support/builtins.h"
#include "telemetry/pipelinedsink.h"

#include <QTest>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace faultline;
using namespace faultline::test;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

/// Logs every call as text ("spans 3", "metrics 1", "clock 5"), and the thread it came on.
class LogSink final : public TelemetrySink {
public:
    void onSpans(SpanBatch&& batch) override
    {
        gate();
        note("spans " + std::to_string(batch.spans.size()));
        if (throwOnSpans && --throwOnSpans == 0) throw std::runtime_error("the sink failed");
    }
    void onMetrics(std::vector<MetricPoint>&& points) override { note("metrics " + std::to_string(points.size())); }
    void onClock(int64_t now_ns) override { note("clock " + std::to_string(now_ns)); }

    /// While closed, onSpans waits; `entered` counts the calls that reached the gate.
    void close()
    {
        std::lock_guard lock(mutex);
        closed = true;
    }
    void open()
    {
        {
            std::lock_guard lock(mutex);
            closed = false;
        }
        changed.notify_all();
    }
    int enteredGate() const
    {
        std::lock_guard lock(mutex);
        return entered;
    }

    std::vector<std::string> log;
    std::vector<std::thread::id> threads;
    int throwOnSpans = 0; ///< the n-th onSpans throws

private:
    void gate()
    {
        std::unique_lock lock(mutex);
        ++entered;
        changed.wait(lock, [&] { return !closed; });
    }
    void note(std::string entry)
    {
        log.push_back(std::move(entry));
        threads.push_back(std::this_thread::get_id());
    }
    mutable std::mutex mutex;
    std::condition_variable changed;
    bool closed = false;
    int entered = 0;
};

SpanBatch batchOf(size_t n)
{
    SpanBatch batch;
    batch.spans.resize(n);
    return batch;
}

/// The snapshot after `seconds` of the scenario, its aggregator fed directly or through a pipe.
std::string snapshotOf(const Scenario& scenario, double seconds, bool piped)
{
    auto shared = std::make_shared<const Scenario>(scenario);
    GraphAggregator aggregator;
    PipelinedSink pipe(aggregator, 4 * 8192, true);
    Simulator simulator(shared, 11, piped ? static_cast<TelemetrySink*>(&pipe) : &aggregator);
    for (int64_t t = 0, end = static_cast<int64_t>(seconds * kSecond); t < end;) {
        t = std::min(end, t + kSecond);
        simulator.runUntil(t);
    }
    pipe.drain();
    return snapshotToJson(*aggregator.snapshot("simulation"));
}

} // namespace

class tst_pipelinedsink : public QObject {
    Q_OBJECT
private slots:
    void theSnapshotIsTheOneOfADirectConnection_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<double>("seconds");
        // Breakers, retries and metrics (checkout), a retry storm, queues with redelivery and a dead-letter queue.
        QTest::newRow("checkout") << QStringLiteral("checkout") << 120.0;
        QTest::newRow("retry storm") << QStringLiteral("retry-storm") << 90.0;
        QTest::newRow("poison messages") << QStringLiteral("poison-messages") << 90.0;
    }
    void theSnapshotIsTheOneOfADirectConnection()
    {
        QFETCH(QString, scenario);
        QFETCH(double, seconds);
        const Scenario s = builtin(scenario.toStdString());
        const std::string direct = snapshotOf(s, seconds, false);
        QVERIFY(direct.find("\"edges\"") != std::string::npos);
        QCOMPARE(snapshotOf(s, seconds, true), direct);
    }

    void callsArriveInOrderOnThePipesThread()
    {
        LogSink sink;
        PipelinedSink pipe(sink, 1000, true);
        QVERIFY(pipe.threaded());
        std::vector<std::string> expected;
        for (int i = 0; i < 200; ++i) {
            pipe.onSpans(batchOf(static_cast<size_t>(i % 7)));
            expected.push_back("spans " + std::to_string(i % 7));
            if (i % 3 == 0) {
                pipe.onMetrics(std::vector<MetricPoint>(2));
                expected.emplace_back("metrics 2");
            }
            pipe.onClock(i);
            expected.push_back("clock " + std::to_string(i));
        }
        pipe.drain();
        QCOMPARE(sink.log, expected);
        for (const auto& id : sink.threads)
            QVERIFY(id != std::this_thread::get_id());
    }

    void ticksAloneAreDeliveredByDrain()
    {
        LogSink sink;
        PipelinedSink pipe(sink, 1000, true);
        pipe.onClock(5); // a tick alone does not wake the pipe's thread; drain must
        pipe.drain();
        QCOMPARE(sink.log, std::vector<std::string> { "clock 5" });
    }

    void aSourceAheadOfItsSinkWaitsAndNothingIsDropped()
    {
        LogSink sink;
        sink.close();
        PipelinedSink pipe(sink, 250, true);
        std::thread source([&] {
            for (int i = 0; i < 10; ++i)
                pipe.onSpans(batchOf(100));
        });
        // The sink holds the first batch; two more fit under the bound of 250 (100 being delivered + 100
        // waiting), the next one must wait.
        QTRY_VERIFY_WITH_TIMEOUT(sink.enteredGate() == 1 && pipe.sourceWaits() == 1, 20000);
        QCOMPARE(pipe.peakQueued(), size_t(200));
        QCOMPARE(sink.log.size(), size_t(0));
        sink.open();
        source.join();
        pipe.drain();
        QCOMPARE(sink.log, std::vector<std::string>(10, "spans 100"));
        QCOMPARE(pipe.peakQueued(), size_t(200));
    }

    void aBatchHeavierThanTheBoundStillPasses()
    {
        LogSink sink;
        PipelinedSink pipe(sink, 10, true);
        pipe.onSpans(batchOf(50));
        pipe.onSpans(batchOf(50));
        pipe.drain();
        QCOMPARE(sink.log, (std::vector<std::string> { "spans 50", "spans 50" }));
        QCOMPARE(pipe.peakQueued(), size_t(50));
    }

    void aFailureInTheSinkReachesDrainAndWhatFollowsIsDiscarded()
    {
        LogSink sink;
        sink.throwOnSpans = 2;
        PipelinedSink pipe(sink, 1000, true);
        pipe.onSpans(batchOf(1));
        pipe.onSpans(batchOf(2));
        pipe.onSpans(batchOf(3));
        pipe.onClock(9);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, pipe.drain());
        QCOMPARE(sink.log, (std::vector<std::string> { "spans 1", "spans 2" }));
        pipe.drain(); // reported once
    }

    void withoutAThreadCallsAreDeliveredAtOnce()
    {
        LogSink sink;
        PipelinedSink pipe(sink, 10, false);
        QVERIFY(!pipe.threaded());
        pipe.onSpans(batchOf(4));
        QCOMPARE(sink.log, std::vector<std::string> { "spans 4" });
        pipe.onClock(3);
        QCOMPARE(sink.threads.back(), std::this_thread::get_id());
        pipe.drain();
        QCOMPARE(sink.log.size(), size_t(2));
    }

    void theDestructorDeliversWhatIsQueued()
    {
        LogSink sink;
        sink.close();
        {
            PipelinedSink pipe(sink, 1000, true);
            pipe.onSpans(batchOf(600)); // over half the bound: wakes the pipe's thread
            pipe.onSpans(batchOf(2));
            pipe.onClock(7);
            QTRY_VERIFY_WITH_TIMEOUT(sink.enteredGate() == 1, 20000);
            sink.open();
        }
        QCOMPARE(sink.log, (std::vector<std::string> { "spans 600", "spans 2", "clock 7" }));
    }
};

QTEST_GUILESS_MAIN(tst_pipelinedsink)
#include "tst_pipelinedsink.moc"
