#pragma once
// Internal to core (includes jsonchecker.h): the scenario format as JSON values, for formats that embed a
// scenario or its faults (the recording format).

#include "scenario/jsonchecker.h"
#include "scenario/scenario.h"

#include <optional>
#include <string>

namespace faultline {

/// The JSON object ScenarioWriter::toJson() writes.
Json scenarioJson(const Scenario& scenario);
/// A fault as a scenario's `faults` entry writes it, without `at_s`.
Json faultJson(const Fault& fault);

/// Reads a scenario object found at pointer `at` of a larger document, reporting each problem to `checker`
/// under `at`. Returns what was read, valid or not (for checks that depend on it); `valid` says which.
Scenario loadScenarioJson(JsonChecker& checker, const Json& value, const std::string& at, bool& valid);

} // namespace faultline
