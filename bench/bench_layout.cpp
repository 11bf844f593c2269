// GraphLayout on synthetic fleets (bench/fleetgen.h): a layout from scratch, and a stable re-layout after a
// node appears (seeded from the previous layout), at 100, 1,000, 1,200 and 5,000 services with about three
// edges each. Run on purpose: build/dev/bench/bench_layout [--dot DIR] [--crossings DIR]
// With --dot, also writes each fleet as DIR/fleet-N.dot for bench/layout_vs_dot.sh to time Graphviz on.
// With --crossings, counts the edge crossings of each drawing next to Graphviz's for every DIR/fleet-N.plain
// that `dot -Tplain` wrote (bench/crossings.h). Figures go into docs/performance.md.

#include "crossings.h"
#include "fleetgen.h"
#include "graphlayout.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace faultline;

namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void writeDot(const GraphSnapshot& s, const std::string& path)
{
    std::ofstream out(path);
    out << "digraph fleet {\n  rankdir=LR;\n  node [shape=box, width=1.9, height=0.75];\n";
    for (const auto& n : s.nodes)
        out << "  \"" << n.id << "\";\n";
    for (const auto& e : s.edges)
        out << "  \"" << s.nodes[e.source].id << "\" -> \"" << s.nodes[e.target].id << '"'
            << (e.kind == EdgeKind::Async ? " [style=dashed]" : "") << ";\n";
    out << "}\n";
}

// The snapshot with one more service, called by the busiest node of the middle layer.
GraphSnapshot withExtraNode(const GraphSnapshot& s)
{
    GraphSnapshot g = s;
    NodeSnapshot extra;
    extra.id = "zz-new-service";
    g.nodes.push_back(extra);
    EdgeSnapshot e;
    e.source = static_cast<uint32_t>(g.nodes.size() / 2);
    e.target = static_cast<uint32_t>(g.nodes.size() - 1);
    g.edges.push_back(e);
    return g;
}

constexpr int kFleetSizes[] = { 100, 1000, 1200, 5000 };

int printCrossings(const std::string& dir)
{
    std::printf("%-9s %6s %16s %16s\n", "services", "edges", "GraphLayout", "dot");
    for (int services : kFleetSizes) {
        fleetgen::Options options;
        options.services = services;
        const auto snapshot = fleetgen::toSnapshot(fleetgen::generate(options));
        const std::string plain = dir + "/fleet-" + std::to_string(services) + ".plain";
        if (!std::ifstream(plain)) continue; // dot did not finish on this one
        std::string error;
        const auto dot = bench::dotDrawing(*snapshot, plain, error);
        if (!dot) {
            std::fprintf(stderr, "bench_layout: %s\n", error.c_str());
            return 1;
        }
        GraphLayout layout;
        layout.compute(*snapshot);
        std::printf("%-9d %6zu %16lld %16lld\n", services, snapshot->edges.size(),
            static_cast<long long>(bench::countCrossings(bench::layoutDrawing(*snapshot, layout))),
            static_cast<long long>(bench::countCrossings(*dot)));
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    std::string dotDir;
    std::string crossingsDir;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--dot") == 0 && i + 1 < argc) dotDir = argv[++i];
        if (std::strcmp(argv[i], "--crossings") == 0 && i + 1 < argc) crossingsDir = argv[++i];
    }
    if (!crossingsDir.empty()) return printCrossings(crossingsDir);
    std::printf("%-9s %6s %6s %7s %12s %12s %10s\n", "services", "nodes", "edges", "layers", "scratch ms", "seeded ms",
        "moved");
    for (int services : kFleetSizes) {
        fleetgen::Options options;
        options.services = services;
        const auto snapshot = fleetgen::toSnapshot(fleetgen::generate(options));
        if (!dotDir.empty()) writeDot(*snapshot, dotDir + "/fleet-" + std::to_string(services) + ".dot");
        const int runs = services >= 5000 ? 5 : 11;
        std::vector<double> scratch;
        std::vector<double> seeded;
        GraphLayout layout;
        for (int r = 0; r < runs; ++r) {
            const auto start = std::chrono::steady_clock::now();
            layout.compute(*snapshot);
            scratch.push_back(millisecondsSince(start));
        }
        const GraphSnapshot grown = withExtraNode(*snapshot);
        GraphLayout next;
        for (int r = 0; r < runs; ++r) {
            const auto start = std::chrono::steady_clock::now();
            next.compute(grown, &layout);
            seeded.push_back(millisecondsSince(start));
        }
        // How many of the old nodes changed layer or order after the new node came.
        int moved = 0;
        for (int v = 0; v < layout.nodeCount(); ++v) {
            const int w = next.indexOf(layout.nodeId(v));
            if (w < 0 || next.layer(w) != layout.layer(v)) ++moved;
        }
        std::printf("%-9d %6zu %6zu %7d %12.1f %12.1f %10d\n", services, snapshot->nodes.size(), snapshot->edges.size(),
            layout.layerCount(), median(scratch), median(seeded), moved);
    }
    return 0;
}
