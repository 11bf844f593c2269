#pragma once

#include "scenario/scenario.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

/// One problem found in a scenario: where (RFC 6901 JSON pointer, "" for the whole document) and what.
struct ScenarioError {
    std::string pointer;
    std::string message;
    std::string toString() const; ///< "/services/0/instances: must be at least 1"
};

struct ScenarioLoadResult {
    std::optional<Scenario> scenario; ///< set only when errors is empty
    std::vector<ScenarioError> errors; ///< every problem found, in document order
    bool ok() const { return scenario.has_value(); }
};

/// Parses and validates scenario JSON (docs/scenario-format.md), reporting every error it finds.
class ScenarioLoader {
public:
    static ScenarioLoadResult fromString(std::string_view json);
    static ScenarioLoadResult fromFile(const std::string& path);
};

} // namespace faultline
