#include "run/liverunner.h"

#include "scenario/scenariofork.h"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <variant>

namespace faultline {

namespace {

int64_t wallNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

class LiveRunnerImpl {
public:
    explicit LiveRunnerImpl(LiveRunner::Options options)
        : m_options(std::move(options))
        , m_receiver(m_options.receiver)
        , m_aggregator(m_options.aggregator)
        , m_traces(m_options.traces)
    {
        m_latest.store(m_aggregator.snapshot("live"));
    }

    ~LiveRunnerImpl()
    {
        m_stop = true;
        m_receiver.stop(); // wakes pop()
        if (m_thread.joinable()) m_thread.join();
    }

    void run()
    {
        using namespace std::chrono;
        const auto frame
            = duration_cast<steady_clock::duration>(duration<double>(1.0 / std::max(1.0, m_options.snapshot_hz)));
        auto nextPublish = steady_clock::now() + frame;
        while (!m_stop) {
            const auto wait = duration_cast<milliseconds>(nextPublish - steady_clock::now());
            if (auto item = m_receiver.pop(std::max(milliseconds(1), wait))) {
                if (auto* spans = std::get_if<SpanBatch>(&*item)) {
                    m_traces.add(*spans);
                    m_aggregator.onSpans(std::move(*spans));
                } else
                    m_aggregator.onMetrics(std::move(std::get<std::vector<MetricPoint>>(*item)));
            }
            if (steady_clock::now() >= nextPublish || m_watchChanged.exchange(false)) {
                publish();
                nextPublish = steady_clock::now() + frame;
            }
            std::vector<std::function<void()>> requests;
            {
                std::lock_guard lock(m_mutex);
                requests.swap(m_requests);
            }
            for (auto& request : requests)
                request();
        }
    }

    void publish()
    {
        m_aggregator.onClock(wallNowNs()); // windows roll and pairings expire even when nothing arrives
        const ReceiverStats stats = m_receiver.stats();
        if (stats.spans_rejected > m_droppedReported) {
            m_aggregator.addDroppedSpans(stats.spans_rejected - m_droppedReported);
            m_droppedReported = stats.spans_rejected;
        }
        auto snapshot = m_aggregator.snapshot("live");
        m_breakers.observe(*snapshot);
        DetailKey watch;
        std::function<void()> callback;
        {
            std::lock_guard lock(m_mutex);
            callback = m_callback;
            watch = m_watch;
        }
        m_detail.store(
            watch.empty() ? nullptr : buildDetail(m_aggregator, *snapshot, watch, &m_breakers.events(), nullptr));
        m_traces.publish(watch);
        m_latest.store(std::move(snapshot));
        if (callback) callback();
    }

    LiveRunner::Options m_options;
    OtlpReceiver m_receiver;
    GraphAggregator m_aggregator; // the runner's thread only
    uint64_t m_droppedReported = 0;
    std::atomic<std::shared_ptr<const GraphSnapshot>> m_latest;
    std::atomic<std::shared_ptr<const DetailSnapshot>> m_detail;
    BreakerTransitionTracker m_breakers; // the runner's thread only
    TracePublisher m_traces; // the runner's thread only, but for its latest...() readers
    std::atomic<std::shared_ptr<const ForkResult>> m_fork;
    std::atomic<bool> m_stop { false };
    std::atomic<bool> m_watchChanged { false };
    std::mutex m_mutex; // guards m_callback, m_request and m_watch
    DetailKey m_watch;
    std::function<void()> m_callback;
    std::vector<std::function<void()>> m_requests; // jobs for the runner's thread
    std::thread m_thread;
};

LiveRunner::LiveRunner(Options options)
    : d(std::make_unique<LiveRunnerImpl>(std::move(options)))
{
}

LiveRunner::~LiveRunner() = default;

bool LiveRunner::start(std::string& error)
{
    if (!d->m_receiver.start(error)) return false;
    d->m_thread = std::thread([this] { d->run(); });
    return true;
}

std::shared_ptr<const GraphSnapshot> LiveRunner::latestSnapshot() const
{
    return d->m_latest.load();
}

std::shared_ptr<const GraphSnapshot> LiveRunner::snapshotNow()
{
    if (!d->m_thread.joinable()) return d->m_latest.load();
    // The aggregator belongs to the runner's thread: ask it to publish, and wait for that.
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    {
        std::lock_guard lock(d->m_mutex);
        d->m_requests.push_back([this, done] {
            d->publish();
            done->set_value();
        });
    }
    future.wait();
    return d->m_latest.load();
}

ReceiverStats LiveRunner::receiverStats() const
{
    return d->m_receiver.stats();
}

void LiveRunner::watch(DetailKey key)
{
    {
        std::lock_guard lock(d->m_mutex);
        d->m_watch = std::move(key);
    }
    d->m_watchChanged = true;
}

std::shared_ptr<const DetailSnapshot> LiveRunner::latestDetail() const
{
    return d->m_detail.load();
}

void LiveRunner::setSnapshotCallback(std::function<void()> callback)
{
    std::lock_guard lock(d->m_mutex);
    d->m_callback = std::move(callback);
}

void LiveRunner::requestWaterfall(const TraceId& id)
{
    std::lock_guard lock(d->m_mutex);
    d->m_requests.push_back([this, id] { d->m_traces.answerWaterfall(id); });
}

std::shared_ptr<const TraceList> LiveRunner::latestTraces() const
{
    return d->m_traces.latestTraces();
}

std::shared_ptr<const WaterfallResult> LiveRunner::latestWaterfall() const
{
    return d->m_traces.latestWaterfall();
}

void LiveRunner::requestFork(ForkOptions options)
{
    std::lock_guard lock(d->m_mutex);
    d->m_requests.push_back([this, options = std::move(options)] {
        d->publish(); // fork what the window shows now
        auto result
            = std::make_shared<ForkResult>(forkScenario(*d->m_latest.load(), d->m_traces.store().profile(), options));
        d->m_fork.store(std::move(result));
        std::function<void()> callback;
        {
            std::lock_guard inner(d->m_mutex);
            callback = d->m_callback;
        }
        if (callback) callback();
    });
}

std::shared_ptr<const ForkResult> LiveRunner::latestFork() const
{
    return d->m_fork.load();
}

} // namespace faultline
