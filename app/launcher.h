#pragma once

#include <string>

namespace faultline {

/// Where faultline-full is, for the `faultline` running now: next to it (a build tree), else in
/// `<prefix>/libexec/faultline/` for `<prefix>/bin/faultline` (an installation). Empty if in neither.
std::string fullProgramPath();

/// Replaces this process with faultline-full, passing `argv` on unchanged (same process id, so signals,
/// and whoever waits for the process, reach the window). Returns only on failure, after printing why:
/// then the exit code to use.
int execFullProgram(char** argv);

} // namespace faultline
