#pragma once
// "Record faults into scenario": the faults a user injected while a simulation ran become scripted faults
// of the scenario, so the demonstration replays exactly.

#include "scenario/scenario.h"
#include "sim/simulator.h"

#include <vector>

namespace faultline {

/// The faults injected while running (not the scenario's own scripted ones), each at the simulated time it
/// was applied and lasting as long as it did: until it was reverted, or its full time to live when it is
/// still active at the end of the log.
std::vector<ScheduledFault> recordedFaults(const std::vector<FaultRecord>& log);

/// The scenario with the recorded faults added to its `faults`, all in time order.
Scenario withRecordedFaults(Scenario scenario, const std::vector<FaultRecord>& log);

} // namespace faultline
