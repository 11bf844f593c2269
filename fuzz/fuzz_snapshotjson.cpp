// libFuzzer target: snapshot JSON ("faultline.snapshot/1") from arbitrary bytes, as tools and tests read
// it. Whatever reads must write, and what that writes must read back to the same bytes.

#include "graph/snapshotjson.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace faultline;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto snapshot = snapshotFromJson(json, &error);
    if (!snapshot) {
        if (error.empty()) std::abort(); // a refusal must say why
        return 0;
    }
    const std::string written = snapshotToJson(*snapshot);
    const auto reread = snapshotFromJson(written, &error);
    if (!reread) {
        std::fprintf(stderr, "written snapshot does not read back: %s\n%s\n", error.c_str(), written.c_str());
        std::abort();
    }
    if (snapshotToJson(*reread) != written) {
        std::fprintf(stderr, "snapshot JSON is not stable across a round trip\n");
        std::abort();
    }
    return 0;
}
