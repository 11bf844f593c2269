#pragma once

#include "commandline.h"

namespace faultline {

/// `faultline --headless` with --listen (receive live OTLP for --duration wall seconds, then write the
/// snapshot) or --export-otlp (the simulation as an OTLP load source, paced in wall time). These need
/// gRPC, so only the full program links them; the lean `faultline` hands them over (launcher.h).
int runHeadlessNetwork(const CommandLine& cl);

} // namespace faultline
