#include "run/recordingplayer.h"

#include <algorithm>

namespace faultline {

bool applyRecordedCommand(Simulator& simulator, const RecordedCommand& command)
{
    // A run that stopped partway through an instant (a slice of events ran out) finishes it first.
    simulator.runUntil(simulator.now());
    switch (command.kind) {
    case RecordedCommand::Kind::InjectFault:
        return simulator.injectFault(command.fault, command.id) == command.id;
    case RecordedCommand::Kind::RevertFault:
        return simulator.revertFault(command.id);
    case RecordedCommand::Kind::RevertAllFaults: {
        const auto& log = simulator.faultLog();
        const bool anyActive
            = std::any_of(log.begin(), log.end(), [](const FaultRecord& r) { return r.reverted_ns < 0; });
        simulator.revertAllFaults();
        return anyActive;
    }
    }
    return false;
}

CommandSchedule::CommandSchedule(std::vector<RecordedCommand> commands)
    : m_commands(std::move(commands))
{
}

int64_t CommandSchedule::cap(int64_t target) const
{
    return m_next < m_commands.size() ? std::min(target, m_commands[m_next].at_ns) : target;
}

bool CommandSchedule::applyDue(Simulator& simulator, std::vector<RecordedCommand>* applied)
{
    bool any = false;
    for (; m_next < m_commands.size() && m_commands[m_next].at_ns <= simulator.now(); ++m_next) {
        any = true;
        RecordedCommand command = m_commands[m_next];
        command.at_ns = simulator.now();
        if (applyRecordedCommand(simulator, command) && applied) applied->push_back(std::move(command));
    }
    return any;
}

RecordingPlayer::RecordingPlayer(const Recording& recording, TelemetrySink* sink)
    : m_simulator(std::make_unique<Simulator>(recording.scenario, recording.seed, sink))
    , m_schedule(recording.commands)
{
}

void RecordingPlayer::runUntil(int64_t until_ns)
{
    while (true) {
        const int64_t to = m_schedule.cap(until_ns);
        m_simulator->runUntil(to);
        m_schedule.applyDue(*m_simulator, nullptr);
        if (to == until_ns) return;
    }
}

} // namespace faultline
