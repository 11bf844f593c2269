#include "graph/graphsnapshot.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace faultline {

namespace {

constexpr std::array<std::string_view, 5> kNodeKinds { "service", "queue", "database", "external", "user" };
constexpr std::array<std::string_view, 2> kEdgeKinds { "sync", "async" };
constexpr std::array<std::string_view, 4> kHealth { "healthy", "degraded", "failing", "idle" };
constexpr std::array<std::string_view, 6> kBreakerStates { "closed", "open", "half_open", "disabled", "forced_open",
    "metrics_only" };

template <size_t N> std::string_view nameOf(const std::array<std::string_view, N>& names, uint8_t value)
{
    return value < N ? names[value] : std::string_view("unknown");
}

/// Lower-case, with '-' and ' ' read as '_', so "HALF_OPEN", "half-open" and "half_open" all match.
std::string normalise(std::string_view s)
{
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (c == '-' || c == ' ') c = '_';
    }
    return out;
}

} // namespace

std::string_view toString(NodeKind k)
{
    return nameOf(kNodeKinds, static_cast<uint8_t>(k));
}
std::string_view toString(EdgeKind k)
{
    return nameOf(kEdgeKinds, static_cast<uint8_t>(k));
}
std::string_view toString(Health h)
{
    return nameOf(kHealth, static_cast<uint8_t>(h));
}
std::string_view toString(BreakerState s)
{
    return nameOf(kBreakerStates, static_cast<uint8_t>(s));
}

std::optional<NodeKind> nodeKindFromString(std::string_view s)
{
    // Sources nearly always send the canonical spelling: match it (by length first, since the aggregator
    // asks for every span) before building a normalised copy.
    for (size_t i = 0; i < kNodeKinds.size(); ++i)
        if (s.size() == kNodeKinds[i].size() && s == kNodeKinds[i]) return static_cast<NodeKind>(i);
    const std::string n = normalise(s);
    for (size_t i = 0; i < kNodeKinds.size(); ++i)
        if (n == kNodeKinds[i]) return static_cast<NodeKind>(i);
    return std::nullopt;
}

std::optional<BreakerState> breakerStateFromString(std::string_view s)
{
    const std::string n = normalise(s);
    for (size_t i = 0; i < kBreakerStates.size(); ++i)
        if (n == kBreakerStates[i]) return static_cast<BreakerState>(i);
    return std::nullopt;
}

int GraphSnapshot::findNode(std::string_view id) const
{
    auto it = std::lower_bound(
        nodes.begin(), nodes.end(), id, [](const NodeSnapshot& n, std::string_view v) { return n.id < v; });
    if (it == nodes.end() || it->id != id) return -1;
    return static_cast<int>(it - nodes.begin());
}

int GraphSnapshot::findEdge(std::string_view source, std::string_view target) const
{
    const int s = findNode(source);
    const int t = findNode(target);
    if (s < 0 || t < 0) return -1;
    // Edges are sorted by (source id, target id), and node indices follow id order, so indices sort alike.
    auto it = std::lower_bound(
        edges.begin(), edges.end(), std::pair<int, int>(s, t), [](const EdgeSnapshot& e, std::pair<int, int> v) {
            return std::pair<int, int>(static_cast<int>(e.source), static_cast<int>(e.target)) < v;
        });
    if (it == edges.end() || static_cast<int>(it->source) != s || static_cast<int>(it->target) != t) return -1;
    return static_cast<int>(it - edges.begin());
}

} // namespace faultline
