#pragma once
// Replaying a recording (docs/recording-format.md): the commands that change a run's outcome, applied at
// the same point of the simulator's event sequence as when they were recorded, so that the replay's
// telemetry, and every snapshot built from it, is the original's.

#include "scenario/recording.h"
#include "sim/simulator.h"
#include "telemetry/telemetrysink.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace faultline {

/// Applies `command` to `simulator` at its current virtual time (command.at_ns is not read), after first
/// finishing every event of that instant: the one point of the event sequence a replay can reproduce
/// however the original run was sliced. True when it changed the run (a fault taken, a fault reverted);
/// a refused fault or the revert of an inactive one changes nothing and is not worth recording.
bool applyRecordedCommand(Simulator& simulator, const RecordedCommand& command);

/// Recorded commands waiting for the simulator's clock to reach their times.
class CommandSchedule {
public:
    CommandSchedule() = default;
    explicit CommandSchedule(std::vector<RecordedCommand> commands);
    /// `target`, or the time of the next command if that comes first: run no further before applyDue().
    int64_t cap(int64_t target) const;
    /// Applies every command due at simulator.now() or before; appends those that changed the run to
    /// `applied` (when not null). True when any was applied.
    bool applyDue(Simulator& simulator, std::vector<RecordedCommand>* applied);
    /// From the first command again (the run starts over).
    void rewind() { m_next = 0; }

private:
    std::vector<RecordedCommand> m_commands;
    size_t m_next = 0;
};

/// A recording's simulation (its scenario and seed) with its commands applied on the way.
class RecordingPlayer {
public:
    /// `sink` may be null, else must outlive the player.
    RecordingPlayer(const Recording& recording, TelemetrySink* sink);
    /// Runs to `until_ns`, applying the commands due on the way (those at `until_ns` too).
    void runUntil(int64_t until_ns);
    Simulator& simulator() { return *m_simulator; }

private:
    std::unique_ptr<Simulator> m_simulator;
    CommandSchedule m_schedule;
};

} // namespace faultline
