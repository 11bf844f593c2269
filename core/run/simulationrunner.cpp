#include "run/simulationrunner.h"

#include "sim/simulator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>

namespace faultline {

namespace {

using Clock = std::chrono::steady_clock;

struct PauseCommand {
    bool paused;
};
struct SpeedCommand {
    double factor;
};
struct StepCommand {
    double seconds;
};
struct ResetCommand { };
struct FaultCommand {
    Fault fault;
    uint64_t id;
};
struct RevertCommand {
    uint64_t id; ///< 0 = every active fault
};
struct WatchCommand {
    DetailKey key;
};
struct WaterfallCommand {
    TraceId id;
};
using Command = std::variant<PauseCommand, SpeedCommand, StepCommand, ResetCommand, FaultCommand, RevertCommand,
    WatchCommand, WaterfallCommand>;

/// Where the simulator's spans go: the trace store keeps what it needs of them, the graph takes them.
class TracedGraphSink final : public TelemetrySink {
public:
    TracedGraphSink(GraphAggregator& graph, TracePublisher& traces)
        : m_graph(graph)
        , m_traces(traces)
    {
    }
    void onSpans(SpanBatch&& batch) override
    {
        m_traces.add(batch);
        m_graph.onSpans(std::move(batch));
    }
    void onMetrics(std::vector<MetricPoint>&& points) override { m_graph.onMetrics(std::move(points)); }
    void onClock(int64_t now_ns) override { m_graph.onClock(now_ns); }

private:
    GraphAggregator& m_graph;
    TracePublisher& m_traces;
};

constexpr size_t kMaxBreakerEvents = 10000;

/// Events processed between checks for commands and snapshot deadlines: small enough that a command
/// never waits long, large enough that the checks cost nothing.
constexpr uint64_t kEventSlice = 20000;

} // namespace

class SimulationRunnerImpl {
public:
    SimulationRunnerImpl(Scenario scenario, SimulationRunner::Options options)
        : m_scenario(std::make_shared<const Scenario>(std::move(scenario)))
        , m_options(options)
        , m_seed(options.seed != 0 ? options.seed : m_scenario->seed)
        , m_aggregator(options.aggregator)
        , m_paused(options.start_paused)
        , m_speed(std::clamp(options.speed, SimulationRunner::kMinSpeed, SimulationRunner::kMaxSpeed))
    {
        m_schedule = CommandSchedule(options.replay);
        m_latest.store(m_aggregator.snapshot("simulation"));
        m_faultLog.store(std::make_shared<const std::vector<FaultRecord>>());
        m_breakerEvents.store(std::make_shared<const std::vector<BreakerEvent>>());
        m_simulator = std::make_unique<Simulator>(m_scenario, m_seed, &m_sink);
        m_recording.store(std::make_shared<const Recording>(Recording { m_scenario, m_seed, {}, 0 }));
    }

    ~SimulationRunnerImpl() { stop(); }

    void start()
    {
        m_thread = std::thread([this] { run(); });
    }

    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable()) m_thread.join();
    }

    void post(Command command)
    {
        {
            std::lock_guard lock(m_mutex);
            m_commands.push_back(command);
            m_idle = false;
        }
        m_wake.notify_all();
    }

    void run();
    void apply(const Command& command);
    void publish();
    /// Applies a command that changes the outcome and, when it did, adds it to the recording.
    void applyAndRecord(RecordedCommand command);

    std::shared_ptr<const Scenario> m_scenario;
    SimulationRunner::Options m_options;
    uint64_t m_seed;
    GraphAggregator m_aggregator; // owned by the simulation thread after start()
    TracePublisher m_traces; // likewise
    TracedGraphSink m_sink { m_aggregator, m_traces };
    std::unique_ptr<Simulator> m_simulator;

    std::mutex m_mutex; // guards m_commands, m_stop and m_callback only
    std::condition_variable m_wake;
    std::deque<Command> m_commands;
    bool m_stop = false;
    std::thread m_thread;

    std::atomic<std::shared_ptr<const GraphSnapshot>> m_latest;
    std::atomic<std::shared_ptr<const std::vector<FaultRecord>>> m_faultLog;
    std::atomic<std::shared_ptr<const std::vector<BreakerEvent>>> m_breakerEvents;
    std::atomic<std::shared_ptr<const DetailSnapshot>> m_detail;
    std::atomic<std::shared_ptr<const Recording>> m_recording;
    CommandSchedule m_schedule; // simulation thread only, like the two below
    std::vector<RecordedCommand> m_recorded;
    DetailKey m_watch; // simulation thread only
    std::atomic<uint64_t> m_nextFaultId { kFirstInjectedFaultId };
    std::vector<BreakerEvent> m_breakerHistory; // simulation thread only
    std::atomic<bool> m_paused;
    std::atomic<double> m_speed;
    std::atomic<int64_t> m_simulatedNs { 0 };
    std::atomic<bool> m_idle { false }; // written under m_mutex, read without
    std::function<void()> m_callback;

    // Simulation thread only.
    Clock::time_point m_wallBase;
    int64_t m_virtualBase = 0;
    /// Where the pending step() ends, in virtual ns; -1 = none. Absolute, so that a step longer than one
    /// slice of events ends where it was asked to rather than moving on with every slice.
    int64_t m_stepTarget = -1;
};

void SimulationRunnerImpl::apply(const Command& command)
{
    std::visit(
        [this](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, PauseCommand>) {
                m_paused = c.paused;
                if (c.paused) publish(); // the paused picture shows exactly where the clock stopped
            } else if constexpr (std::is_same_v<T, SpeedCommand>) {
                m_speed = std::clamp(c.factor, SimulationRunner::kMinSpeed, SimulationRunner::kMaxSpeed);
            } else if constexpr (std::is_same_v<T, StepCommand>) {
                if (c.seconds > 0.0) {
                    const int64_t from = m_stepTarget >= 0 ? m_stepTarget : m_simulator->now();
                    m_stepTarget = from + static_cast<int64_t>(c.seconds * 1e9);
                }
            } else if constexpr (std::is_same_v<T, ResetCommand>) {
                m_aggregator.reset();
                m_traces.clear();
                m_simulator = std::make_unique<Simulator>(m_scenario, m_seed, &m_sink);
                m_breakerHistory.clear();
                m_recorded.clear();
                m_schedule.rewind();
                m_simulatedNs = 0;
                m_stepTarget = -1;
                publish();
            } else if constexpr (std::is_same_v<T, FaultCommand>) {
                applyAndRecord(RecordedCommand { RecordedCommand::Kind::InjectFault, 0, c.id, c.fault });
                publish(); // the fault shows at once, even while paused
            } else if constexpr (std::is_same_v<T, RevertCommand>) {
                applyAndRecord(RecordedCommand {
                    c.id == 0 ? RecordedCommand::Kind::RevertAllFaults : RecordedCommand::Kind::RevertFault, 0, c.id,
                    {} });
                publish();
            } else if constexpr (std::is_same_v<T, WatchCommand>) {
                m_watch = c.key;
                publish(); // the new selection's detail shows at once, even while paused
            } else if constexpr (std::is_same_v<T, WaterfallCommand>) {
                m_traces.answerWaterfall(c.id);
                publish();
            }
        },
        command);
    // Any change of pace restarts the mapping of wall time to virtual time from here.
    m_wallBase = Clock::now();
    m_virtualBase = m_simulator->now();
}

void SimulationRunnerImpl::applyAndRecord(RecordedCommand command)
{
    command.at_ns = m_simulator->now();
    if (applyRecordedCommand(*m_simulator, command)) m_recorded.push_back(std::move(command));
}

void SimulationRunnerImpl::publish()
{
    // A snapshot (and the recording ending with it) shows whole instants: a run stopped partway through
    // one by a slice of events finishes it, so that a replay to this time gives this very snapshot.
    m_simulator->runUntil(m_simulator->now());
    for (BreakerEvent& e : m_simulator->takeBreakerEvents())
        m_breakerHistory.push_back(std::move(e));
    if (m_breakerHistory.size() > kMaxBreakerEvents)
        m_breakerHistory.erase(m_breakerHistory.begin(),
            m_breakerHistory.begin() + static_cast<std::ptrdiff_t>(m_breakerHistory.size() - kMaxBreakerEvents));
    m_breakerEvents.store(std::make_shared<const std::vector<BreakerEvent>>(m_breakerHistory));
    m_faultLog.store(std::make_shared<const std::vector<FaultRecord>>(m_simulator->faultLog()));
    auto snapshot = m_aggregator.snapshot("simulation");
    m_detail.store(
        m_watch.empty() ? nullptr : buildDetail(m_aggregator, *snapshot, m_watch, &m_breakerHistory, m_scenario));
    m_traces.publish(m_watch, m_paused);
    m_latest.store(std::move(snapshot));
    m_recording.store(
        std::make_shared<const Recording>(Recording { m_scenario, m_seed, m_recorded, m_simulator->now() }));
    m_simulatedNs = m_simulator->now();
    std::function<void()> callback;
    {
        std::lock_guard lock(m_mutex);
        callback = m_callback;
    }
    if (callback) callback();
}

void SimulationRunnerImpl::run()
{
    const auto frame = std::chrono::duration<double>(1.0 / std::max(1.0, m_options.snapshot_hz));
    m_wallBase = Clock::now();
    m_virtualBase = m_simulator->now();
    auto nextPublish = Clock::now();
    while (true) {
        std::deque<Command> commands;
        {
            std::unique_lock lock(m_mutex);
            if (m_stop) return;
            commands.swap(m_commands);
        }
        for (const Command& c : commands)
            apply(c);

        if (m_paused && m_stepTarget < 0) {
            std::unique_lock lock(m_mutex);
            if (m_commands.empty() && !m_stop) m_idle = true;
            m_wake.wait(lock, [this] { return m_stop || !m_commands.empty(); });
            continue;
        }

        int64_t wanted;
        if (m_paused) {
            wanted = std::max(m_stepTarget, m_simulator->now());
        } else {
            const double wall = std::chrono::duration<double>(Clock::now() - m_wallBase).count();
            wanted = m_virtualBase + static_cast<int64_t>(wall * m_speed * 1e9);
        }
        // A replayed command stops the run at its time, to be applied after every event of that instant.
        const int64_t target = m_schedule.cap(wanted);
        const bool reached = m_simulator->runUntil(target, kEventSlice);
        if (reached) m_schedule.applyDue(*m_simulator, &m_recorded);
        if (reached && target != wanted) continue; // on to where the pace (or the step) wanted to be
        if (m_paused && reached) {
            m_stepTarget = -1;
            publish();
            nextPublish = Clock::now() + std::chrono::duration_cast<Clock::duration>(frame);
            continue;
        }

        const auto now = Clock::now();
        if (now >= nextPublish) {
            publish();
            nextPublish = now + std::chrono::duration_cast<Clock::duration>(frame);
        }
        if (!reached) {
            // Behind schedule. If more than a second behind, stop trying to catch up: run as fast as we can
            // from here rather than building an ever larger debt.
            const double lagWall = static_cast<double>(target - m_simulator->now()) / 1e9 / m_speed;
            if (lagWall > 1.0) {
                m_wallBase = now;
                m_virtualBase = m_simulator->now();
            }
            continue;
        }
        std::unique_lock lock(m_mutex);
        m_wake.wait_until(lock, nextPublish, [this] { return m_stop || !m_commands.empty(); });
    }
}

SimulationRunner::SimulationRunner(Scenario scenario, Options options)
    : d(std::make_unique<SimulationRunnerImpl>(std::move(scenario), options))
{
    d->start();
}

SimulationRunner::~SimulationRunner() = default;

void SimulationRunner::setPaused(bool paused)
{
    d->m_paused = paused; // visible at once to callers of paused()
    d->post(PauseCommand { paused });
}

void SimulationRunner::setSpeed(double factor)
{
    d->m_speed = std::clamp(factor, kMinSpeed, kMaxSpeed);
    d->post(SpeedCommand { factor });
}

void SimulationRunner::step(double virtual_seconds)
{
    d->post(StepCommand { virtual_seconds });
}

void SimulationRunner::reset()
{
    d->post(ResetCommand {});
}

uint64_t SimulationRunner::injectFault(const Fault& fault)
{
    const uint64_t id = d->m_nextFaultId++;
    d->post(FaultCommand { fault, id });
    return id;
}

void SimulationRunner::revertFault(uint64_t id)
{
    if (id != 0) d->post(RevertCommand { id });
}

void SimulationRunner::revertAllFaults()
{
    d->post(RevertCommand { 0 });
}

std::shared_ptr<const std::vector<FaultRecord>> SimulationRunner::faultLog() const
{
    return d->m_faultLog.load();
}

std::shared_ptr<const Recording> SimulationRunner::recording() const
{
    return d->m_recording.load();
}

std::shared_ptr<const std::vector<BreakerEvent>> SimulationRunner::breakerEvents() const
{
    return d->m_breakerEvents.load();
}

std::shared_ptr<const GraphSnapshot> SimulationRunner::latestSnapshot() const
{
    return d->m_latest.load();
}

void SimulationRunner::watch(DetailKey key)
{
    d->post(WatchCommand { std::move(key) });
}

std::shared_ptr<const DetailSnapshot> SimulationRunner::latestDetail() const
{
    return d->m_detail.load();
}

std::shared_ptr<const TraceList> SimulationRunner::latestTraces() const
{
    return d->m_traces.latestTraces();
}

void SimulationRunner::requestWaterfall(const TraceId& id)
{
    d->post(WaterfallCommand { id });
}

std::shared_ptr<const WaterfallResult> SimulationRunner::latestWaterfall() const
{
    return d->m_traces.latestWaterfall();
}

bool SimulationRunner::paused() const
{
    return d->m_paused;
}

bool SimulationRunner::idle() const
{
    return d->m_idle;
}

double SimulationRunner::speed() const
{
    return d->m_speed;
}

double SimulationRunner::simulatedSeconds() const
{
    return static_cast<double>(d->m_simulatedNs.load()) / 1e9;
}

const Scenario& SimulationRunner::scenario() const
{
    return *d->m_scenario;
}

void SimulationRunner::setSnapshotCallback(std::function<void()> callback)
{
    std::lock_guard lock(d->m_mutex);
    d->m_callback = std::move(callback);
}

} // namespace faultline
