#pragma once

#include "commandline.h"
#include "scenario/recording.h"
#include "scenario/scenario.h"

#include <optional>
#include <string>

namespace faultline {

/// Loads a scenario named on the command line (a file, "builtin:NAME", or empty for the default),
/// printing every error to stderr as `WHERE: /pointer: message`. Returns nothing on failure; `exitCode`
/// then says why (1 invalid, 3 unreadable).
std::optional<Scenario> loadScenarioForCommandLine(const std::string& name, int& exitCode);

/// Loads a recording named on the command line, printing every error as `FILE: /pointer: message`.
/// Returns nothing on failure; `exitCode` then says why (1 invalid, 3 unreadable).
std::optional<Recording> loadRecordingForCommandLine(const std::string& path, int& exitCode);

/// `faultline --validate FILE...`
int runValidate(const CommandLine& cl);

/// `faultline --headless ...`: simulate as fast as possible, then write the snapshot.
int runHeadless(const CommandLine& cl);

/// `faultline --list-scenarios`
int runListScenarios();

} // namespace faultline
