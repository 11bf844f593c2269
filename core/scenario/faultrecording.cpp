#include "scenario/faultrecording.h"

#include <algorithm>

namespace faultline {

std::vector<ScheduledFault> recordedFaults(const std::vector<FaultRecord>& log)
{
    std::vector<ScheduledFault> out;
    for (const FaultRecord& r : log) {
        if (r.scripted) continue;
        ScheduledFault f;
        f.at_s = static_cast<double>(r.applied_ns) / 1e9;
        f.fault = r.fault;
        if (r.reverted_ns >= 0) f.fault.duration_s = static_cast<double>(r.reverted_ns - r.applied_ns) / 1e9;
        // A fault reverted in the instant it was applied did nothing; a scenario fault must last.
        if (f.fault.duration_s <= 0.0) continue;
        out.push_back(std::move(f));
    }
    return out;
}

Scenario withRecordedFaults(Scenario scenario, const std::vector<FaultRecord>& log)
{
    for (ScheduledFault& f : recordedFaults(log))
        scenario.faults.push_back(std::move(f));
    std::stable_sort(scenario.faults.begin(), scenario.faults.end(),
        [](const ScheduledFault& a, const ScheduledFault& b) { return a.at_s < b.at_s; });
    return scenario;
}

} // namespace faultline
