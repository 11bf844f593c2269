#pragma once

#include "graph/graphaggregator.h"
#include "graph/graphsnapshot.h"
#include "resilience/fault.h"
#include "run/detailsnapshot.h"
#include "run/recordingplayer.h"
#include "run/tracepublisher.h"
#include "scenario/scenario.h"
#include "sim/simulator.h"

#include <cstdint>
#include <functional>
#include <memory>

namespace faultline {

class SimulationRunnerImpl;

/// Runs a scenario's simulation on its own thread, paced to wall time by a speed factor, and publishes
/// graph snapshots at a steady rate. Every public function is safe to call from any thread and returns at
/// once: control calls are queued and take effect at the simulator's next event boundary.
class SimulationRunner {
public:
    struct Options {
        uint64_t seed = 0; ///< 0 = the scenario's own seed
        double speed = 1.0; ///< virtual seconds per wall second
        bool start_paused = false;
        double snapshot_hz = 20.0;
        AggregatorConfig aggregator;
        /// Commands to apply at their virtual times, as they were recorded: a replay (docs/recording-format.md).
        /// They are applied again after reset(); commands given while replaying add to them.
        std::vector<RecordedCommand> replay;
    };
    static constexpr double kMinSpeed = 0.1;
    static constexpr double kMaxSpeed = 100.0;

    SimulationRunner(Scenario scenario, Options options);
    ~SimulationRunner(); ///< stops and joins the thread
    SimulationRunner(const SimulationRunner&) = delete;
    SimulationRunner& operator=(const SimulationRunner&) = delete;

    void setPaused(bool paused);
    /// Clamped to [kMinSpeed, kMaxSpeed].
    void setSpeed(double factor);
    /// While paused: advance virtual time by this much, then publish a snapshot.
    void step(double virtual_seconds);
    /// Start the same scenario again from time 0 with the same seed.
    void reset();

    /// Injects a fault at the next event boundary; it reverts on its own after fault.duration_s. Returns
    /// the id it will have (the fault log shows whether it took: unknown targets are refused).
    uint64_t injectFault(const Fault& fault);
    void revertFault(uint64_t id);
    /// Reverts every active fault, scripted or injected.
    void revertAllFaults();

    /// Every fault applied so far, as of the latest snapshot; never null.
    std::shared_ptr<const std::vector<FaultRecord>> faultLog() const;
    /// The run so far as a recording, as of the latest snapshot: the scenario, the seed, every command that
    /// changed the outcome (injected and reverted faults, replayed ones too) and the snapshot's virtual time as
    /// its end. Replaying it gives that snapshot again. Never null; starts over with reset().
    std::shared_ptr<const Recording> recording() const;
    /// Breaker transitions, oldest first, as of the latest snapshot (the last 10,000); never null.
    std::shared_ptr<const std::vector<BreakerEvent>> breakerEvents() const;

    /// The most recent snapshot; never null once constructed (the first one is empty).
    std::shared_ptr<const GraphSnapshot> latestSnapshot() const;
    /// Which node or edge to publish a DetailSnapshot for with every snapshot from now on (an empty key
    /// stops them). Queued; a snapshot with the new item's detail follows at once, even while paused.
    void watch(DetailKey key);
    /// The detail of the watched item, published with the latest snapshot; null when nothing is watched.
    std::shared_ptr<const DetailSnapshot> latestDetail() const;
    /// The recent traces through the watched item, refreshed about once a second; null when nothing is
    /// watched. The store behind them keeps the last 200,000 spans.
    std::shared_ptr<const TraceList> latestTraces() const;
    /// Asks for one trace's spans; latestWaterfall() has them after the next snapshot.
    void requestWaterfall(const TraceId& id);
    std::shared_ptr<const WaterfallResult> latestWaterfall() const;
    bool paused() const;
    /// True once the runner is paused with every posted command applied: its clock stands still until
    /// the next command.
    bool idle() const;
    double speed() const;
    double simulatedSeconds() const;
    const Scenario& scenario() const;

    /// Called on the simulation thread after each snapshot is published. Keep it short and thread-safe
    /// (the UI posts an event to itself); pass an empty function to stop the calls.
    void setSnapshotCallback(std::function<void()> callback);

private:
    std::unique_ptr<SimulationRunnerImpl> d;
};

} // namespace faultline
