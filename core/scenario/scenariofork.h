#pragma once
// "Fork to simulation": turns a fleet being watched (its graph snapshot and the operations profiled from
// its recent traces) into a scenario the simulator runs, so the user can break it without touching the
// real fleet.

#include "graph/graphsnapshot.h"
#include "graph/tracestore.h"
#include "scenario/scenario.h"

#include <string>
#include <vector>

namespace faultline {

struct ForkOptions {
    std::string name = "Forked from live";
    uint64_t seed = 1;
    double duration_s = 300.0;
    /// Worker slots per instance are not observable; each service gets enough for four times the load it
    /// carried (Little's law on its rate and latency), at least this many.
    int min_concurrency = 16;
    /// Empirical service-time distributions have this many buckets at even quantiles up to the 90th
    /// percentile, and finer ones above (the 93rd to the 99.9th, and the maximum).
    int max_buckets = 30;
};

struct ForkResult {
    Scenario scenario;
    /// What was guessed rather than observed, for the user to review ("concurrency of orders: 16 per
    /// instance, not observable"), and what could not be forked.
    std::vector<std::string> notes;
};

/// Builds the scenario: services, databases, externals and queues as observed in `snapshot`; each
/// operation from `profile` with an empirical service time fitted to its self times, its own error rate,
/// and its calls in observed order with their observed ratio per request (`probability` below one,
/// repeated calls above); entry rates from the user nodes' edges; a default Resilience4j breaker where the
/// snapshot saw one. The result passes the scenario loader's checks.
ForkResult forkScenario(
    const GraphSnapshot& snapshot, const std::vector<OperationProfile>& profile, const ForkOptions& options = {});

/// An empirical distribution at quantiles of the samples (ms): `bodyBuckets` even steps up to the 90th
/// percentile, then the 93rd, 95th, 97th, 98th, 99th, 99.5th, 99.8th, 99.9th and the maximum. Each range's
/// bucket is placed so that its uniform draw has the mean of the range's samples (zero-weight buckets fill
/// the gaps), so the distribution's mean is the samples' mean.
Distribution empiricalFromSamples(std::vector<double> samples, int bodyBuckets);

} // namespace faultline
