#pragma once

#include "graph/graphaggregator.h"
#include "graph/graphsnapshot.h"
#include "otlp/otlpreceiver.h"
#include "run/detailsnapshot.h"
#include "run/tracepublisher.h"
#include "scenario/scenariofork.h"

#include <functional>
#include <memory>
#include <string>

namespace faultline {

class LiveRunnerImpl;

/// Live telemetry: an OTLP/gRPC receiver feeding the graph aggregator on its own thread, with windows on
/// the wall clock, publishing snapshots (source "live") at a steady rate. The live counterpart of
/// SimulationRunner; every public function returns at once and is safe from any thread.
class LiveRunner {
public:
    struct Options {
        ReceiverConfig receiver;
        AggregatorConfig aggregator;
        TraceStoreConfig traces; ///< the store behind latestTraces(), waterfalls and forks
        double snapshot_hz = 10.0;
    };

    explicit LiveRunner(Options options);
    ~LiveRunner(); ///< stops the receiver and joins the thread
    LiveRunner(const LiveRunner&) = delete;
    LiveRunner& operator=(const LiveRunner&) = delete;

    /// Binds the receiver and starts the thread. False with `error` set when the address cannot be bound.
    bool start(std::string& error);

    /// The most recent snapshot; never null (the first one is empty).
    std::shared_ptr<const GraphSnapshot> latestSnapshot() const;
    /// Publishes a snapshot now and returns it: for a headless run's final answer.
    std::shared_ptr<const GraphSnapshot> snapshotNow();
    ReceiverStats receiverStats() const;

    /// Which node or edge to publish a DetailSnapshot for with every snapshot from now on (an empty key
    /// stops them); a snapshot with its detail follows promptly. Its breaker transitions are the state
    /// changes the reported breaker metrics showed from one snapshot to the next.
    void watch(DetailKey key);
    /// The detail of the watched item, published with the latest snapshot; null when nothing is watched.
    std::shared_ptr<const DetailSnapshot> latestDetail() const;
    /// The recent traces through the watched item, refreshed about once a second; null when nothing is
    /// watched. The store behind them keeps the last Options::traces.max_spans spans received (200,000).
    std::shared_ptr<const TraceList> latestTraces() const;
    /// Asks for one trace's spans; latestWaterfall() has them shortly (within one snapshot period).
    void requestWaterfall(const TraceId& id);
    std::shared_ptr<const WaterfallResult> latestWaterfall() const;
    /// "Fork to simulation": builds a scenario from the graph as it is now and the operations profiled from
    /// the kept traces (forkScenario), on the runner's thread; latestFork() has it when the snapshot
    /// callback next runs.
    void requestFork(ForkOptions options = {});
    std::shared_ptr<const ForkResult> latestFork() const;

    /// Called on the runner's thread after each snapshot is published; keep it short and thread-safe.
    void setSnapshotCallback(std::function<void()> callback);

private:
    std::unique_ptr<LiveRunnerImpl> d;
};

} // namespace faultline
