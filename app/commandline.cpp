#include "commandline.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace faultline {

namespace {

std::optional<double> parseDouble(const std::string& text)
{
    try {
        size_t used = 0;
        const double value = std::stod(text, &used);
        if (used != text.size() || !std::isfinite(value)) return std::nullopt;
        return value;
    } catch (...) {
        return std::nullopt;
    }
}

/// For one of Qt's own command-line options (QGuiApplication's and QApplication's, with one dash or two,
/// as Qt accepts them): how many values follow it (0 or 1). Nothing for any other argument.
std::optional<int> qtOptionValues(const std::string& arg)
{
    if (arg.size() < 2 || arg[0] != '-') return std::nullopt;
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t equals = name.find('=');
    const bool inlineValue = equals != std::string::npos;
    if (inlineValue) name.resize(equals);
    static const char* const withValue[] = { "platform", "platformpluginpath", "platformtheme", "plugin",
        "qwindowgeometry", "qwindowtitle", "qwindowicon", "display", "geometry", "session", "style", "stylesheet" };
    static const char* const flags[] = { "reverse", "widgetcount", "nograb", "dograb", "sync" };
    for (const char* option : withValue)
        if (name == option) return inlineValue ? 0 : 1;
    for (const char* option : flags)
        if (name == option && !inlineValue) return 0;
    if (name == "qmljsdebugger" && inlineValue) return 0;
    return std::nullopt;
}

std::optional<uint64_t> parseUnsigned(const std::string& text)
{
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

} // namespace

std::string helpText()
{
    return R"(Usage: faultline [OPTIONS] [SCENARIO]

Shows a fleet of services calling each other, and lets you break things on purpose.
With no arguments, opens the window on the built-in checkout scenario, simulated.

Options:
  --scenario FILE         Run the scenario in FILE (or builtin:NAME, see --list-scenarios).
                          A lone SCENARIO argument means the same.
  --headless              Run without a window: simulate as fast as possible, then write
                          the final snapshot as JSON.
  --replay FILE           Replay a recording (File > Save Recording in the window): its scenario
                          and seed, with its faults injected and reverted at the same virtual
                          times. With --headless, runs to the recording's end (or --duration) and
                          writes the snapshot, the same as the recorded run's at that time.
  --listen ADDR           Receive live OpenTelemetry (OTLP/gRPC) on ADDR, e.g. 127.0.0.1:4317, and
                          show it in the window; with --headless, for --duration wall-clock seconds,
                          then write the snapshot. Listens on loopback unless ADDR names another interface.
  --control ADDR          With --listen: host the control service on ADDR (e.g. 127.0.0.1:4320), so agents
                          in the live services apply the faults and breaker overrides injected in the window,
                          each until its time to live. Loopback unless ADDR names another interface, which
                          then needs --control-token. Agents revert everything when the window goes away.
  --control-token TOKEN   Shared secret agents must present (16 characters or more for a non-loopback
                          address); FAULTLINE_CONTROL_TOKEN in the environment keeps it out of ps.
  --export-otlp HOST:PORT With --headless: run the simulation paced in wall time (--speed simulated
                          seconds per second, default 1) and send its spans and metrics to the
                          OTLP/gRPC receiver at HOST:PORT (insecure). Writes no snapshot; prints how
                          many spans were sent and dropped.
  --duration SECONDS      Simulated seconds to run headless (default: the scenario's duration_s);
                          with --listen, wall-clock seconds to listen.
  --seed N                Random seed (default: the scenario's seed). Same seed, same run.
  --snapshot OUT.json     Where headless writes its snapshot (default: standard output; - too).
  --validate FILE...      Check scenario files; print every error as FILE: /json/pointer: message
                          and exit 1 if any is invalid.
  --speed FACTOR          Start the window at this speed (0.1 to 100 simulated s per second);
                          with --export-otlp, the pace of the export.
  --paused                Start the window paused.
  --presenter             Open the window in presenter mode: large, high-contrast canvas with a
                          clock, driven from the keyboard (F5 toggles it, Esc leaves it).
  --list-scenarios        List the built-in scenarios.
  --quiet                 No progress or summary on standard error.
  -h, --help              Show this help.
  --version               Show the version.

The window also takes Qt's own options, such as -platform NAME, -style NAME, -reverse and
-qwindowgeometry WIDTHxHEIGHT+X+Y.

Exit status: 0 success, 1 invalid scenario, 2 bad command line, 3 could not read or write a file,
4 could not listen on (or export to) the address or faultline-full is missing, 5 --export-otlp
delivered none of its spans.
Documentation: docs/command-line.md, docs/scenario-format.md, docs/snapshot-format.md,
docs/recording-format.md, docs/live.md.
)";
}

CommandLineResult parseCommandLine(const std::vector<std::string>& args)
{
    CommandLine cl;
    auto fail = [](std::string message) { return CommandLineResult { std::nullopt, std::move(message) }; };
    bool headless = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](const char* what) -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            (void)what;
            return args[++i];
        };
        if (arg == "-h" || arg == "--help") {
            cl.mode = CommandLine::Mode::Help;
            return { cl, {} };
        } else if (arg == "--version") {
            cl.mode = CommandLine::Mode::Version;
            return { cl, {} };
        } else if (arg == "--list-scenarios") {
            cl.mode = CommandLine::Mode::ListScenarios;
            return { cl, {} };
        } else if (arg == "--headless") {
            headless = true;
        } else if (arg == "--paused") {
            cl.start_paused = true;
        } else if (arg == "--presenter") {
            cl.presenter = true;
        } else if (arg == "--quiet") {
            cl.quiet = true;
        } else if (arg == "--scenario") {
            auto v = value("FILE");
            if (!v) return fail("--scenario needs a FILE");
            if (!cl.scenario.empty()) return fail("only one scenario can be given");
            cl.scenario = *v;
        } else if (arg == "--replay") {
            auto v = value("FILE");
            if (!v || v->empty()) return fail("--replay needs a FILE (a recording)");
            cl.replay = *v;
        } else if (arg == "--duration") {
            auto v = value("SECONDS");
            const auto d = v ? parseDouble(*v) : std::nullopt;
            if (!d || *d <= 0) return fail("--duration needs a positive number of seconds");
            cl.duration_s = d;
        } else if (arg == "--seed") {
            auto v = value("N");
            const auto s = v ? parseUnsigned(*v) : std::nullopt;
            if (!s) return fail("--seed needs a non-negative whole number");
            cl.seed = s;
        } else if (arg == "--snapshot") {
            auto v = value("OUT.json");
            if (!v || v->empty()) return fail("--snapshot needs a file name (or - for standard output)");
            cl.snapshot_path = *v;
        } else if (arg == "--speed") {
            auto v = value("FACTOR");
            const auto s = v ? parseDouble(*v) : std::nullopt;
            if (!s || *s < 0.1 || *s > 100) return fail("--speed needs a factor from 0.1 to 100");
            cl.speed = s;
        } else if (arg == "--validate") {
            cl.mode = CommandLine::Mode::Validate;
            while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
                cl.validate_files.push_back(args[++i]);
            if (cl.validate_files.empty()) return fail("--validate needs at least one FILE");
        } else if (arg == "--listen") {
            auto v = value("ADDR");
            if (!v || v->empty() || v->find(':') == std::string::npos)
                return fail("--listen needs an address with a port, e.g. 127.0.0.1:4317");
            cl.listen = *v;
        } else if (arg == "--control") {
            auto v = value("ADDR");
            if (!v || v->empty() || v->find(':') == std::string::npos)
                return fail("--control needs an address with a port, e.g. 127.0.0.1:4320");
            cl.control = *v;
        } else if (arg == "--control-token") {
            auto v = value("TOKEN");
            if (!v || v->empty()) return fail("--control-token needs a TOKEN");
            cl.control_token = *v;
        } else if (arg == "--export-otlp") {
            auto v = value("HOST:PORT");
            const size_t colon = v ? v->rfind(':') : std::string::npos;
            const auto port = colon == std::string::npos ? std::nullopt : parseUnsigned(v->substr(colon + 1));
            if (!v || colon == 0 || !port || *port == 0 || *port > 65535)
                return fail("--export-otlp needs HOST:PORT, e.g. 127.0.0.1:4317");
            cl.export_otlp = *v;
        } else if (const std::optional<int> values = qtOptionValues(arg)) {
            cl.qt_options.push_back(arg);
            if (*values == 1) {
                auto v = value("VALUE");
                if (!v) return fail(arg + " needs a value (it is Qt's option for the window)");
                cl.qt_options.push_back(*v);
            }
        } else if (arg.rfind("-", 0) == 0 && arg != "-") {
            return fail("unknown option " + arg + " (see faultline --help)");
        } else {
            if (!cl.scenario.empty()) return fail("unexpected argument " + arg + ": only one scenario can be given");
            cl.scenario = arg;
        }
    }
    if (!cl.qt_options.empty() && (headless || cl.mode == CommandLine::Mode::Validate))
        return fail(cl.qt_options.front() + " is Qt's option for the window, not for --headless or --validate");
    if (cl.mode == CommandLine::Mode::Validate) {
        if (headless) return fail("--validate and --headless cannot be combined");
        if (cl.presenter) return fail("--presenter applies to the window, not to --validate");
        if (!cl.replay.empty()) return fail("--validate and --replay cannot be combined");
        return { cl, {} };
    }
    if (!cl.replay.empty()) {
        if (!cl.scenario.empty())
            return fail("--replay and a scenario cannot be combined: the recording holds its own scenario");
        if (!cl.listen.empty()) return fail("--replay and --listen cannot be combined: a replay is a simulation");
        if (cl.seed) return fail("--seed cannot be combined with --replay: the recording holds its own seed");
        if (!cl.export_otlp.empty()) return fail("--replay and --export-otlp cannot be combined");
    }
    if (!cl.control.empty() || !cl.control_token.empty()) {
        if (cl.control.empty()) return fail("--control-token goes with --control ADDR");
        if (cl.listen.empty() || headless)
            return fail("--control acts on live services: it needs --listen, in the window (not --headless)");
    }
    if (!cl.listen.empty()) {
        if (!cl.scenario.empty())
            return fail("--listen and a scenario cannot be combined: live telemetry or simulation, not both");
        if (headless && !cl.duration_s)
            return fail("--headless --listen needs --duration SECONDS (wall-clock seconds to listen)");
        if (cl.seed) return fail("--seed applies to simulation, not to --listen");
        if (!headless && (cl.speed || cl.start_paused))
            return fail("--speed and --paused apply to simulation, not to --listen");
    }
    if (headless && cl.presenter) return fail("--presenter applies to the window, not to --headless");
    if (!cl.export_otlp.empty()) {
        if (!headless) return fail("--export-otlp works with --headless");
        if (!cl.listen.empty()) return fail("--export-otlp and --listen cannot be combined");
        if (!cl.snapshot_path.empty())
            return fail("--export-otlp sends telemetry and writes no snapshot; --snapshot cannot be combined with it");
        if (cl.start_paused) return fail("--paused applies to the window, not to --headless");
        cl.mode = CommandLine::Mode::Headless;
        return { cl, {} };
    }
    if (headless) {
        cl.mode = CommandLine::Mode::Headless;
        if (cl.speed || cl.start_paused)
            return fail("--speed and --paused apply to the window (and to --export-otlp), not to --headless");
    } else if (cl.duration_s || !cl.snapshot_path.empty()) {
        return fail("--duration and --snapshot need --headless");
    }
    return { cl, {} };
}

} // namespace faultline
