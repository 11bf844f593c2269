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

/// The scenario that `faultline` with no arguments runs.
inline constexpr std::string_view kDefaultScenarioId = "checkout";

} // namespace faultline
