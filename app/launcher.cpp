#include "launcher.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <system_error>

#include <unistd.h>

namespace faultline {

namespace {

constexpr const char* kFullProgram = "faultline-full";

bool isExecutable(const std::filesystem::path& p)
{
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

} // namespace

std::string fullProgramPath()
{
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    const std::filesystem::path dir = self.parent_path();
    for (const std::filesystem::path& candidate :
        { dir / kFullProgram, (dir / FAULTLINE_LIBEXEC_FROM_BIN / kFullProgram).lexically_normal() })
        if (isExecutable(candidate)) return candidate.string();
    return {};
}

int execFullProgram(char** argv)
{
    const std::string path = fullProgramPath();
    if (path.empty()) {
        std::cerr << "faultline: cannot start the window or the network modes: " << kFullProgram
                  << " is neither next to this program nor in " << FAULTLINE_LIBEXEC_FROM_BIN
                  << " from it; reinstall Faultline\n";
        return 4;
    }
    ::execv(path.c_str(), argv);
    std::cerr << "faultline: cannot run " << path << ": " << std::strerror(errno) << '\n';
    return 4;
}

} // namespace faultline
