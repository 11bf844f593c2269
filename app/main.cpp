// faultline: the command on the PATH. It runs what needs neither Qt nor gRPC (help, version, the list of
// built-in scenarios, --validate, and headless simulation and replay) in this small process, which starts
// in about a millisecond instead of the 13 ms that loading Qt and gRPC's hundred libraries takes, and
// hands everything else (the window, --listen, --export-otlp) to faultline-full with the same arguments.

#include "commandline.h"
#include "headless.h"
#include "launcher.h"

#include "telemetry/batchmemory.h"

#include <optional>

using namespace faultline;

int main(int argc, char** argv)
{
    CommandLine cl;
    if (const std::optional<int> done = parseAndRunSimpleModes(argc, argv, cl)) return *done;
    if (cl.mode == CommandLine::Mode::Headless && cl.listen.empty() && cl.export_otlp.empty()) {
        keepFreedMemoryForReuse(); // a batch run: see batchmemory.h
        return runHeadless(cl);
    }
    return execFullProgram(argv);
}
