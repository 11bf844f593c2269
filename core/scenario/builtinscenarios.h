#pragma once

#include <string_view>
#include <vector>

namespace faultline {

/// A scenario shipped in resources/scenarios and compiled into the program.
struct BuiltinScenario {
    std::string_view id; ///< file stem, e.g. "checkout"
    std::string_view json;
};

const std::vector<BuiltinScenario>& builtinScenarios();

/// The JSON of the built-in scenario with this id, or an empty view.
std::string_view builtinScenario(std::string_view id);

/// The built-in lessons in teaching order, by id, as the window's Lessons menu lists them (docs/lessons.md):
/// calls and latency first, then failure and the policies that contain it, messaging, and the tail last.
inline constexpr std::string_view kLessonOrder[]
    = { "sync-vs-async", "latency-adds-up", "series-availability", "cascade-without-breaker", "timeouts-alone",
          "cascade-with-breaker", "retry-storm", "retries-tamed", "deadline-propagation", "queue-absorbs-spike",
          "poison-messages", "orchestration-vs-choreography", "checkout", "hedging-tail", "tail-at-scale" };

/// The scenario that `faultline` with no arguments runs.
inline constexpr std::string_view kDefaultScenarioId = "checkout";

} // namespace faultline
