#pragma once
// The recording format, "faultline.recording/1" (docs/recording-format.md): a scenario, a seed and the
// commands that changed the run's outcome, each at its virtual time, so that the run replays exactly.

#include "resilience/fault.h"
#include "scenario/scenario.h"
#include "scenario/scenarioloader.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

/// Ids of faults injected while a simulation runs live above the ids the simulator gives the scenario's
/// own (scripted) faults, which count from 1.
inline constexpr uint64_t kFirstInjectedFaultId = uint64_t(1) << 40;
/// Virtual times and ids in a recording stay below 2^53, where JSON readers everywhere keep integers exact.
inline constexpr int64_t kMaxRecordingNs = int64_t(1) << 53;

/// One command that changes a simulation's outcome. Pausing, speed and stepping change only how fast
/// virtual time passes, so they are not commands here.
struct RecordedCommand {
    enum class Kind { InjectFault, RevertFault, RevertAllFaults };
    Kind kind = Kind::InjectFault;
    int64_t at_ns = 0; ///< virtual time it took effect, after every event of that instant
    uint64_t id = 0; ///< InjectFault: the id the fault gets; RevertFault: the fault to revert
    Fault fault; ///< InjectFault only
};

struct Recording {
    std::shared_ptr<const Scenario> scenario; ///< never null in a loaded recording
    uint64_t seed = 0;
    std::vector<RecordedCommand> commands; ///< in the order they were applied, at_ns non-decreasing
    int64_t end_ns = 0; ///< where the recording stops: a replay runs to here
};

struct RecordingLoadResult {
    std::optional<Recording> recording; ///< set only when errors is empty
    std::vector<ScenarioError> errors; ///< every problem found, each with its JSON pointer, in document order
    bool ok() const { return recording.has_value(); }
};

class RecordingFile {
public:
    /// The recording as indented JSON ending with a newline; the scenario embedded as ScenarioWriter writes it.
    static std::string toJson(const Recording& recording);
    /// Writes toJson() to `path`. False with `error` set when it cannot be written.
    static bool toFile(const Recording& recording, const std::string& path, std::string* error = nullptr);
    /// Parses and validates a recording, reporting every problem with its pointer.
    static RecordingLoadResult fromString(std::string_view json);
    static RecordingLoadResult fromFile(const std::string& path);
};

} // namespace faultline
