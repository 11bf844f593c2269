// Writes a synthetic fleet (bench/fleetgen.h) as a scenario the simulator runs:
//   build/dev/bench/fleetgen --services 1000 --scenario fleet.json [--seed N] [--edges-per-service 3]
//   build/dev/app/faultline --scenario fleet.json

#include "fleetgen.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

int usage(const char* argv0)
{
    std::fprintf(stderr,
        "usage: %s --services N --scenario OUT.json [--seed N] [--edges-per-service X] [--name TEXT]\n"
        "Writes a synthetic fleet of N nodes (services, queues, databases, externals) as a\n"
        "faultline.scenario/1 file.\n",
        argv0);
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    faultline::fleetgen::Options options;
    std::string out;
    std::string name;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") return usage(argv[0]), 0;
        if (i + 1 >= argc) return usage(argv[0]);
        const char* value = argv[++i];
        char* end = nullptr;
        if (arg == "--services") {
            const long n = std::strtol(value, &end, 10);
            if (*end || n < 8 || n > 100000) {
                std::fprintf(stderr, "--services wants a whole number from 8 to 100000, not '%s'\n", value);
                return 2;
            }
            options.services = static_cast<int>(n);
        } else if (arg == "--seed") {
            options.seed = std::strtoull(value, &end, 10);
            if (*end) return usage(argv[0]);
        } else if (arg == "--edges-per-service") {
            options.edgesPerService = std::strtod(value, &end);
            if (*end || options.edgesPerService < 1.0 || options.edgesPerService > 20.0) {
                std::fprintf(stderr, "--edges-per-service wants a number from 1 to 20, not '%s'\n", value);
                return 2;
            }
        } else if (arg == "--scenario") {
            out = value;
        } else if (arg == "--name") {
            name = value;
        } else {
            std::fprintf(stderr, "unknown option '%s'\n", arg.c_str());
            return usage(argv[0]);
        }
    }
    if (out.empty()) return usage(argv[0]);
    if (name.empty()) name = "Synthetic fleet of " + std::to_string(options.services);
    const auto fleet = faultline::fleetgen::generate(options);
    std::ofstream file(out, std::ios::binary);
    file << faultline::fleetgen::toScenarioJson(fleet, name) << '\n';
    if (!file) {
        std::fprintf(stderr, "cannot write %s\n", out.c_str());
        return 1;
    }
    std::printf("%s: %zu nodes, %zu edges\n", out.c_str(), fleet.nodes.size(), fleet.edges.size());
    return 0;
}
