#pragma once

#include "commandline.h"
#include "graph/graphsnapshot.h"
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

/// Writes the snapshot's JSON to `path` (atomically), or to standard output for "" and "-"; prints why
/// not on stderr and returns false if it cannot.
bool writeSnapshotForCommandLine(const std::string& path, const GraphSnapshot& snapshot);

/// `faultline --headless ...` without --listen or --export-otlp: simulate (or replay a recording) as fast
/// as possible, then write the snapshot. The network modes are in headlessnet.h.
int runHeadless(const CommandLine& cl);

/// `faultline --list-scenarios`
int runListScenarios();

/// What both programs do alike before anything else: parse the command line (a bad one prints one line and
/// gives exit status 2) and run the modes that open nothing: help, version, --list-scenarios, --validate.
/// Returns the exit status when that is all there is to do; otherwise nothing, and `cl` is the command line.
std::optional<int> parseAndRunSimpleModes(int argc, char** argv, CommandLine& cl);

} // namespace faultline
