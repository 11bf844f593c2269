// faultline: the command on the PATH. It runs what needs neither Qt nor gRPC (help, version, the list of
// built-in scenarios, --validate, and headless simulation and replay) in this small process, which starts
// in about a millisecond instead of the 13 ms that loading Qt and gRPC's hundred libraries takes, and
// hands everything else (the window, --listen, --export-otlp) to faultline-full with the same arguments.

#include "commandline.h"
#include "headless.h"
#include "launcher.h"

#include "telemetry/batchmemory.h"

#include <iostream>

using namespace faultline;

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    const CommandLineResult parsed = parseCommandLine(args);
    if (!parsed.command_line) {
        std::cerr << "faultline: " << parsed.error << '\n';
        return 2;
    }
    const CommandLine& cl = *parsed.command_line;
    switch (cl.mode) {
    case CommandLine::Mode::Help:
        std::cout << helpText();
        return 0;
    case CommandLine::Mode::Version:
        std::cout << "faultline " << FAULTLINE_VERSION << '\n';
        return 0;
    case CommandLine::Mode::ListScenarios:
        return runListScenarios();
    case CommandLine::Mode::Validate:
        return runValidate(cl);
    case CommandLine::Mode::Headless:
        if (cl.listen.empty() && cl.export_otlp.empty()) {
            keepFreedMemoryForReuse(); // a batch run: see batchmemory.h
            return runHeadless(cl);
        }
        break;
    case CommandLine::Mode::Gui:
        break;
    }
    return execFullProgram(argv);
}
