#pragma once
// Writes a Scenario back as scenario JSON (docs/scenario-format.md) that ScenarioLoader reads into the
// same scenario: every setting is written explicitly, in the order the format documents, so that
// load -> write -> load -> write gives byte-identical text.

#include "scenario/scenario.h"

#include <string>

namespace faultline {

class ScenarioWriter {
public:
    /// The scenario as `faultline.scenario/1` JSON, indented, ending with a newline.
    static std::string toJson(const Scenario& scenario);
    /// Writes toJson() to `path` (replacing the file). False with `error` set when it cannot be written.
    static bool toFile(const Scenario& scenario, const std::string& path, std::string* error = nullptr);
};

} // namespace faultline
