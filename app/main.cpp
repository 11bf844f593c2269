// faultline: the command on the PATH. It runs what needs neither Qt nor gRPC (help, version, the list of
// built-in scenarios, --validate, and headless simulation and replay) in this small process, which starts
// in about a millisecond instead of the 13 ms that loading Qt and gRPC's hundred libraries takes, and
// hands everything else (the window, --listen, --export-otlp) to faultline-full with the same arguments.

#include "commandline.h"
#include "headless.h"
#include "launcher.h"

#include <iostream>

#include <malloc.h>

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
            // A batch job whose span batches (2 MB each) are made on one thread and freed on another: by
            // default glibc serves them with mmap, or trims them off the heap when a few come free
            // together, so every batch was fresh pages from the kernel (30,000 page faults, a fifth of a
            // run). Keep freed memory for the next batch instead; the pipe's bound caps how much.
            mallopt(M_MMAP_THRESHOLD, 64 << 20);
            mallopt(M_TRIM_THRESHOLD, 256 << 20);
            return runHeadless(cl);
        }
        break;
    case CommandLine::Mode::Gui:
        break;
    }
    return execFullProgram(argv);
}
