// libFuzzer target: recording JSON from arbitrary bytes (the recording reader with the scenario and fault
// loaders it embeds). Any input must give either a recording or a list of errors, never a crash. An accepted
// recording must write back as JSON that reads into the same recording (the same bytes again), and be safe
// to replay, for a bounded number of events.

#include "run/recordingplayer.h"
#include "scenario/recording.h"
#include "sim/simulator.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace faultline;
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    RecordingLoadResult result = RecordingFile::fromString(json);
    if (!result.ok()) {
        if (result.errors.empty()) std::abort(); // a rejection must say why
        for (const auto& error : result.errors)
            (void)error.toString();
        return 0;
    }
    const Recording& recording = *result.recording;
    const std::string written = RecordingFile::toJson(recording);
    const RecordingLoadResult again = RecordingFile::fromString(written);
    if (!again.ok()) std::abort(); // what the writer writes, the reader reads
    if (RecordingFile::toJson(*again.recording) != written) std::abort();

    // Replay up to 2 s of virtual time, at most 20,000 events, with the commands at their times.
    Simulator simulator(recording.scenario, recording.seed, nullptr);
    CommandSchedule schedule(recording.commands);
    const int64_t until = std::min<int64_t>(recording.end_ns, 2'000'000'000);
    constexpr uint64_t kBudget = 20'000;
    while (simulator.stats().events < kBudget) {
        const int64_t to = schedule.cap(until);
        const bool reached = simulator.runUntil(to, kBudget - simulator.stats().events);
        if (!reached) break;
        schedule.applyDue(simulator, nullptr);
        if (to == until) break;
    }
    (void)simulator.stats();
    return 0;
}
