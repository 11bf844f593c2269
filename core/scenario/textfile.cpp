#include "scenario/textfile.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace faultline {

std::optional<std::string> readTextFile(const std::string& path, size_t max_bytes, const char* what, std::string& why)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        why = "it is a directory";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::generic_category().message(errno);
        return std::nullopt;
    }
    std::string text;
    char buffer[64 * 1024];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<size_t>(in.gcount()));
        if (text.size() > max_bytes) {
            why = "it is larger than " + std::to_string(max_bytes / (1024 * 1024)) + " MiB, the limit for " + what;
            return std::nullopt;
        }
    }
    if (in.bad()) {
        why = "read error";
        return std::nullopt;
    }
    return text;
}

bool writeTextFile(const std::string& path, const std::string& text, std::string* error)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (out) out.close();
    if (!out) {
        if (error) *error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

} // namespace faultline
