// Overload on the live path: a LiveRunner (what `faultline --listen` runs) with a small hand-off queue, flooded
// over loopback gRPC by several senders with more than it can take, and senders that vanish mid-call. The
// answers are counted exactly, everything refused reaches the snapshot, memory stays bounded, and nothing
// wedges. No wall-time assertion: waits are for conditions, with generous limits.
#include "run/liverunner.h"
#include "support/otlpflood.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

using namespace faultline;
using namespace faultline::test;

namespace {

constexpr size_t kQueueCapacity = 3000; // spans: three requests
constexpr int kPairsPerRequest = 500; // 1000 spans a request
constexpr int kUnusablePerRequest = 3; // in every fourth request
constexpr int kSenders = 6;
constexpr int kCycles = 3; // the first one warms up
constexpr size_t kTraceStoreSpans = 20'000;
constexpr int kWaitMs = 120'000; // for conditions that hold within milliseconds when all is well

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssIsMeaningful = false; // ASan's quarantine holds freed memory back
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRssIsMeaningful = false;
#else
constexpr bool kRssIsMeaningful = true;
#endif
#else
constexpr bool kRssIsMeaningful = true;
#endif

/// FAULTLINE_STATISTICS_SCALE (0 < s <= 1) sends fewer requests, for sanitizer builds.
double loadScale()
{
    const QByteArray value = qgetenv("FAULTLINE_STATISTICS_SCALE");
    bool ok = false;
    const double scale = value.toDouble(&ok);
    return ok && scale > 0.0 && scale <= 1.0 ? scale : 1.0;
}

int requestsPerSender(int full)
{
    return std::max(4, static_cast<int>(full * loadScale()));
}

/// Holds the runner's thread inside its snapshot callback while closed: a consumer that has stopped taking
/// from the hand-off queue (a machine whose CPU is taken by something else), so the queue fills for certain.
class ConsumerGate {
public:
    void close()
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_held = false;
    }
    /// Until the runner's thread is held; false if it never came.
    bool waitHeld()
    {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, std::chrono::milliseconds(kWaitMs), [this] { return m_held; });
    }
    void open()
    {
        std::lock_guard lock(m_mutex);
        m_closed = false;
        m_changed.notify_all();
    }
    void pass() // on the runner's thread
    {
        std::unique_lock lock(m_mutex);
        if (!m_closed) return;
        m_held = true;
        m_changed.notify_all();
        m_changed.wait(lock, [this] { return !m_closed; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_closed = false;
    bool m_held = false;
};

/// Opens the gate however the test function leaves, so the runner can be destroyed.
struct GateOpener {
    ConsumerGate& gate;
    ~GateOpener() { gate.open(); }
};

/// Samples VmRSS every few milliseconds on its own thread; the peak since the last reset.
class RssSampler {
public:
    RssSampler()
        : m_thread([this] {
            while (!m_stop) {
                const uint64_t now = residentBytes();
                uint64_t peak = m_peak.load();
                while (now > peak && !m_peak.compare_exchange_weak(peak, now)) { }
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
        })
    {
    }
    ~RssSampler()
    {
        m_stop = true;
        m_thread.join();
    }
    void reset() { m_peak = residentBytes(); }
    uint64_t peak() const { return m_peak.load(); }

private:
    std::atomic<bool> m_stop { false };
    std::atomic<uint64_t> m_peak { 0 };
    std::thread m_thread;
};

LiveRunner::Options smallRunner()
{
    LiveRunner::Options options;
    options.receiver.address = "127.0.0.1:0";
    options.receiver.queue_capacity_spans = kQueueCapacity;
    options.traces.max_spans = kTraceStoreSpans;
    return options;
}

/// Every sender sends `requests` requests of kPairsPerRequest pairs, each thread its own trace ids (hi =
/// sender + 1, lo counting up across calls); every fourth request carries unusable spans if `withUnusable`.
SenderTally flood(const std::string& address, int requests, std::vector<uint64_t>& nextLo, bool withUnusable = true)
{
    std::vector<SenderTally> tallies(kSenders);
    std::vector<std::thread> threads;
    for (int s = 0; s < kSenders; ++s) {
        threads.emplace_back([&, s] {
            PairSender sender(address, s);
            for (int r = 0; r < requests; ++r) {
                uint64_t& lo = nextLo[static_cast<size_t>(s)];
                const PairRequest request = pairRequest(static_cast<uint64_t>(s) + 1, lo, kPairsPerRequest,
                    withUnusable && (lo / kPairsPerRequest) % 4 == 3 ? kUnusablePerRequest : 0);
                lo += kPairsPerRequest;
                sender.send(request, tallies[static_cast<size_t>(s)]);
            }
        });
    }
    for (std::thread& t : threads)
        t.join();
    SenderTally total;
    for (const SenderTally& t : tallies)
        total += t;
    return total;
}

uint64_t portOf(const std::string& address)
{
    return std::stoull(address.substr(address.rfind(':') + 1));
}

/// The snapshot once the runner has taken everything the receiver accepted.
std::shared_ptr<const GraphSnapshot> drained(LiveRunner& runner)
{
    std::shared_ptr<const GraphSnapshot> snapshot;
    for (int i = 0; i < kWaitMs / 10; ++i) {
        snapshot = runner.snapshotNow();
        if (snapshot->counters.spans_received == runner.receiverStats().spans_received) return snapshot;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return snapshot;
}

const EdgeSnapshot* edge(const GraphSnapshot& snapshot, const char* source, const char* target)
{
    const int i = snapshot.findEdge(source, target);
    return i < 0 ? nullptr : &snapshot.edges[static_cast<size_t>(i)];
}

} // namespace

class tst_Overload : public QObject {
    Q_OBJECT

private slots:
    void floodIsRefusedCountedExactlyAndMemoryStaysBounded()
    {
        ConsumerGate gate;
        GateOpener opener { gate };
        LiveRunner runner(smallRunner());
        runner.setSnapshotCallback([&gate] { gate.pass(); });
        std::string error;
        QVERIFY2(runner.start(error), error.c_str());
        const std::string address = runner.receiverStats().listening_on;
        const uint64_t requestSpans = 2 * kPairsPerRequest + kUnusablePerRequest;
        const uint64_t requestBytes = pairRequest(1, 1, kPairsPerRequest, kUnusablePerRequest).bytes.size();

        RssSampler rss;
        uint64_t warmRss = 0;
        uint64_t bytesAfterWarmUp = 0;
        SenderTally total;
        std::vector<uint64_t> nextLo(kSenders, 1);
        const int stalledRequests = requestsPerSender(100);
        const int freeRequests = requestsPerSender(20);
        for (int cycle = 0; cycle < kCycles; ++cycle) {
            // The consumer stops: the queue fills, and everything beyond it is refused.
            gate.close();
            QVERIFY2(gate.waitHeld(), "the runner's thread never published a snapshot");
            const ReceiverStats before = runner.receiverStats();
            const SenderTally stalled = flood(address, stalledRequests, nextLo);
            QVERIFY2(stalled.other == 0, stalled.other_status.c_str());
            QVERIFY(stalled.exhausted > 0);
            // Never more in the queue than its capacity (or one request, when it was empty).
            QVERIFY2(stalled.spans_accepted <= std::max<uint64_t>(kQueueCapacity, requestSpans),
                qPrintable(
                    QStringLiteral("%1 spans accepted while the consumer stood still").arg(stalled.spans_accepted)));
            QCOMPARE(runner.receiverStats().spans_refused - before.spans_refused, stalled.spans_refused);
            gate.open();

            // The consumer runs again, as fast as it can, against senders as fast as they can.
            const SenderTally running = flood(address, freeRequests, nextLo);
            QVERIFY2(running.other == 0, running.other_status.c_str());
            total += stalled;
            total += running;
            if (cycle > 0) bytesAfterWarmUp += (stalled.calls + running.calls) * requestBytes;
            if (cycle == 0) {
                rss.reset(); // warmed up: the queue, the trace store and gRPC's buffers have been full
                warmRss = rss.peak();
            }
        }
        const uint64_t peakRss = rss.peak();

        // What the senders saw adds up, and is what the receiver counted.
        QVERIFY(total.partial > 0);
        QCOMPARE(total.spans_sent, total.spans_accepted + total.spans_unusable + total.spans_refused);
        const std::shared_ptr<const GraphSnapshot> snapshot = drained(runner);
        const ReceiverStats stats = runner.receiverStats();
        QCOMPARE(stats.requests, total.calls);
        QCOMPARE(stats.spans_received, total.spans_accepted);
        QCOMPARE(stats.spans_unusable, total.spans_unusable);
        QCOMPARE(stats.spans_refused, total.spans_refused);
        QCOMPARE(stats.spans_rejected, total.spans_unusable + total.spans_refused);
        QCOMPARE(stats.malformed_requests, uint64_t(0));
        QCOMPARE(stats.unreadable_requests, uint64_t(0));

        // The snapshot has every accepted span, counts every refused one, and graphs exactly the accepted pairs.
        QCOMPARE(snapshot->counters.spans_received, total.spans_accepted);
        QCOMPARE(snapshot->counters.spans_dropped, total.spans_unusable + total.spans_refused);
        QCOMPARE(snapshot->counters.unpaired_expired, uint64_t(0));
        QCOMPARE(snapshot->counters.pairing_evicted, uint64_t(0));
        QCOMPARE(snapshot->counters.pairing_pending, uint64_t(0));
        const EdgeSnapshot* call = edge(*snapshot, "frontend", "cart");
        QVERIFY(call);
        QCOMPARE(call->traffic.totals.requests, total.pairs_accepted);
        QCOMPARE(call->traffic.totals.errors, total.error_pairs_accepted);
        const int cart = snapshot->findNode("cart");
        QVERIFY(cart >= 0);
        QCOMPARE(snapshot->nodes[static_cast<size_t>(cart)].traffic.totals.requests, total.pairs_accepted);
        QCOMPARE(snapshot->nodes[static_cast<size_t>(cart)].traffic.totals.errors, total.error_pairs_accepted);

        // Memory: what may be held after warm-up is the queue (its spans decoded: well under 1 KiB a span of
        // this shape once the parsed message is freed, so 2 KiB), each sender's call in flight (the bytes,
        // gRPC's copy, the decoder's copy, its message: 4 x), doubled for the allocator's slack, plus 16 MiB.
        // A receiver that kept what it cannot take yet would grow by several times the bytes sent (a queue of
        // 300,000 spans, when decoded requests still kept their messages, peaked 280 MiB above the start).
        const uint64_t bound = 2 * (kQueueCapacity * 2048 + kSenders * 4 * requestBytes) + (16u << 20);
        std::printf("RSS: %.1f MiB after warm-up, %.1f MiB at peak (bound %.1f MiB); %.1f MiB sent after warm-up; "
                    "%llu of %llu calls answered RESOURCE_EXHAUSTED\n",
            warmRss / 1048576.0, peakRss / 1048576.0, (warmRss + bound) / 1048576.0, bytesAfterWarmUp / 1048576.0,
            static_cast<unsigned long long>(total.exhausted), static_cast<unsigned long long>(total.calls));
        if (kRssIsMeaningful && loadScale() == 1.0) {
            QVERIFY(warmRss > 0);
            QVERIFY2(bytesAfterWarmUp > 2 * bound, "the flood is too small to tell buffering from bounded memory");
            QVERIFY2(peakRss <= warmRss + bound,
                qPrintable(QStringLiteral("RSS peaked at %1 MiB, over %2 MiB")
                               .arg(peakRss / 1048576.0)
                               .arg((warmRss + bound) / 1048576.0)));
        }
    }

    void aSenderThatNeverFinishesItsMessageIsCutOffWithItsConnection()
    {
        LiveRunner::Options options = smallRunner();
        options.receiver.max_connection_age_ms = 300;
        options.receiver.max_connection_age_grace_ms = 300;
        LiveRunner runner(options);
        std::string error;
        QVERIFY2(runner.start(error), error.c_str());
        const std::string address = runner.receiverStats().listening_on;
        const PairRequest request = pairRequest(98, 1, kPairsPerRequest);

        // Half a message, and then the sender neither sends the rest nor leaves.
        HalfMessageSender stuck(static_cast<uint16_t>(portOf(address)), request.bytes);
        QVERIFY(stuck.sent());
        QTRY_COMPARE_WITH_TIMEOUT(runner.receiverStats().calls_in_progress, uint64_t(1), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(runner.receiverStats().calls_in_progress, uint64_t(0), kWaitMs);
        QCOMPARE(runner.receiverStats().unreadable_requests, uint64_t(1));
        QVERIFY(stuck.closedByPeer());

        // A well-behaved exporter on connections that keep being retired still gets everything through.
        std::vector<uint64_t> nextLo(kSenders, 1);
        const SenderTally sent = flood(address, 3, nextLo, false);
        QVERIFY2(sent.other == 0, sent.other_status.c_str());
        QCOMPARE(sent.ok + sent.exhausted, sent.calls);
        QVERIFY(sent.spans_accepted > 0);
        QCOMPARE(runner.receiverStats().spans_received, sent.spans_accepted);
    }

    void sendersThatVanishMidCallNeitherLeakNorWedgeTheReceiver()
    {
        LiveRunner runner(smallRunner());
        std::string error;
        QVERIFY2(runner.start(error), error.c_str());
        const std::string address = runner.receiverStats().listening_on;
        const auto port = static_cast<uint16_t>(portOf(address));
        const PairRequest request = pairRequest(99, 1, kPairsPerRequest);

        // Exporters that die half-way through a message, the connection closed or reset; one at a time, so
        // that the receiver is seen to have opened each call before its sender goes. First, while nothing else
        // is in flight: a call cancelled by its client can reach the receiver after the client has moved on,
        // and would be counted among these.
        const int halfMessages = requestsPerSender(10);
        QTRY_COMPARE_WITH_TIMEOUT(runner.receiverStats().calls_in_progress, uint64_t(0), kWaitMs);
        const uint64_t unreadableBefore = runner.receiverStats().unreadable_requests;
        for (int i = 0; i < halfMessages; ++i) {
            HalfMessageSender half(port, request.bytes);
            QVERIFY(half.sent());
            // The receiver has the call open, waiting for the rest of the message; then the sender goes away.
            QTRY_COMPARE_WITH_TIMEOUT(runner.receiverStats().calls_in_progress, uint64_t(1), kWaitMs);
            half.close(i % 2 == 1);
            QTRY_COMPARE_WITH_TIMEOUT(runner.receiverStats().calls_in_progress, uint64_t(0), kWaitMs);
        }
        QCOMPARE(runner.receiverStats().unreadable_requests - unreadableBefore, uint64_t(halfMessages));

        // A flood in the background, so the disconnects meet a queue that is often full.
        std::vector<uint64_t> nextLo(kSenders, 1);
        auto background
            = std::async(std::launch::async, [&] { return flood(address, requestsPerSender(20), nextLo, false); });

        // Calls cancelled at once, after a moment, or by a deadline too short to answer within.
        constexpr int kCancellers = 4;
        const int callsEach = requestsPerSender(40);
        std::vector<std::thread> cancellers;
        for (int t = 0; t < kCancellers; ++t) {
            cancellers.emplace_back([&, t] {
                PairSender sender(address, 100 + t);
                grpc::Slice slice(request.bytes);
                for (int i = 0; i < callsEach; ++i) {
                    grpc::ClientContext context;
                    if (i % 3 == 2)
                        context.set_deadline(std::chrono::system_clock::now() + std::chrono::microseconds(300));
                    grpc::ByteBuffer requestBuffer(&slice, 1);
                    grpc::ByteBuffer responseBuffer;
                    std::promise<void> done;
                    sender.stub().UnaryCall(&context, kTraceExportMethod, grpc::StubOptions(), &requestBuffer,
                        &responseBuffer, [&done](grpc::Status) { done.set_value(); });
                    if (i % 3 == 1)
                        for (int spin = 0; spin < (i * 37) % 2000; ++spin)
                            std::this_thread::yield();
                    if (i % 3 != 2) context.TryCancel();
                    done.get_future().wait(); // the context must outlive its call
                }
            });
        }

        for (std::thread& t : cancellers)
            t.join();
        const SenderTally flooded = background.get();
        QVERIFY2(flooded.other == 0, flooded.other_status.c_str());

        // Every call ends: none is left open inside the receiver, and each is accounted for once, as a
        // request handled (its spans accepted or refused) or one that could not be read.
        QTRY_COMPARE_WITH_TIMEOUT(runner.receiverStats().calls_in_progress, uint64_t(0), kWaitMs);
        ReceiverStats stats = runner.receiverStats();
        std::printf("calls: %llu reached the receiver, %llu could not be read; spans: %llu accepted, %llu refused\n",
            static_cast<unsigned long long>(stats.requests), static_cast<unsigned long long>(stats.unreadable_requests),
            static_cast<unsigned long long>(stats.spans_received),
            static_cast<unsigned long long>(stats.spans_refused));
        QCOMPARE((stats.spans_received + stats.spans_rejected) % request.spans, uint64_t(0));
        QCOMPARE(
            stats.requests, (stats.spans_received + stats.spans_rejected) / request.spans + stats.unreadable_requests);
        QCOMPARE(stats.malformed_requests, uint64_t(0));

        // And the receiver still serves: a normal request is answered OK, counted, and graphed.
        const uint64_t receivedBefore = drained(runner)->counters.spans_received;
        QCOMPARE(receivedBefore, stats.spans_received);
        SenderTally normal;
        const grpc::Status status = PairSender(address, 200).send(pairRequest(98, 1, kPairsPerRequest), normal);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QCOMPARE(normal.spans_accepted, request.spans);
        stats = runner.receiverStats();
        QCOMPARE(stats.spans_received, receivedBefore + request.spans);
        const std::shared_ptr<const GraphSnapshot> snapshot = drained(runner);
        QCOMPARE(snapshot->counters.spans_received, stats.spans_received);
        QCOMPARE(snapshot->counters.spans_dropped, stats.spans_rejected);
        const EdgeSnapshot* call = edge(*snapshot, "frontend", "cart");
        QVERIFY(call);
        QCOMPARE(call->traffic.totals.requests, stats.spans_received / 2); // every accepted span is half a pair
        QCOMPARE(runner.receiverStats().calls_in_progress, uint64_t(0));
    }
};

QTEST_APPLESS_MAIN(tst_Overload)
#include "tst_overload.moc"
