#pragma once
// Reading and writing the JSON files Faultline's formats live in (scenarios, recordings): whole files, with
// a size limit on reading and a reason for every failure, so each loader and writer says the same things.

#include <cstddef>
#include <optional>
#include <string>

namespace faultline {

/// The file's bytes, or nothing with `why` set ("it is a directory", "No such file or directory", "it is
/// larger than 16 MiB, the limit for a scenario file") when it cannot be read or exceeds `max_bytes`;
/// `what` names the kind of file in that last message.
std::optional<std::string> readTextFile(const std::string& path, size_t max_bytes, const char* what, std::string& why);

/// Writes `text` to `path`, replacing it. False with `error` set ("cannot write PATH: reason") otherwise.
bool writeTextFile(const std::string& path, const std::string& text, std::string* error);

} // namespace faultline
