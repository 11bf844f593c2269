#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace faultline {

/// The command line of docs/command-line.md, parsed without Qt so headless runs never need a display.
struct CommandLine {
    enum class Mode { Gui, Headless, Validate, Help, Version, ListScenarios };
    Mode mode = Mode::Gui;
    std::string scenario; ///< a file path, or "builtin:NAME"; empty = the default built-in scenario
    std::optional<double> duration_s;
    std::optional<uint64_t> seed;
    std::string snapshot_path; ///< empty or "-" = standard output
    std::string listen; ///< OTLP/gRPC address to receive live telemetry on; empty = simulate
    std::string control; ///< address to host the control service for agents on; empty = off
    std::string control_token; ///< --control-token, or FAULTLINE_CONTROL_TOKEN from the environment
    std::string replay; ///< a recording (docs/recording-format.md) to replay; it holds its scenario and seed
    std::string export_otlp; ///< HOST:PORT to send the simulation's telemetry to, paced in wall time
    std::optional<double> speed;
    bool start_paused = false;
    bool presenter = false; ///< open the window in presenter mode
    bool quiet = false;
    std::vector<std::string> validate_files;
    /// Qt's own options (-platform NAME, -style NAME, -qwindowgeometry WxH+X+Y, -reverse, ...), as given:
    /// they stay in argv for QApplication, which reads and removes them. The window only.
    std::vector<std::string> qt_options;
};

struct CommandLineResult {
    std::optional<CommandLine> command_line;
    std::string error; ///< one line, when command_line is empty
};

CommandLineResult parseCommandLine(const std::vector<std::string>& args);

/// The text of `faultline --help`.
std::string helpText();

} // namespace faultline
