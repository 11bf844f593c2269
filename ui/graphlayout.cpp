#include "graphlayout.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace faultline {

namespace {

// An entry of a layer: a real node, or a dummy where a long edge crosses the layer.
struct Slot {
    int node = -1; ///< -1 for a dummy
    int edge = -1; ///< the long edge a dummy belongs to
    int layer = 0;
    double pos = 0.0; ///< order key during sweeps, then the y coordinate
    std::vector<int> up; ///< neighbour items in the layer to the left
    std::vector<int> down; ///< neighbour items in the layer to the right
};

constexpr double kDummyHeight = 12.0;
constexpr int kSweeps = 8;
constexpr size_t kMaxCrossingWork = 4'000'000; ///< pairs of segments; beyond this, skip counting

double slotHeight(const Slot& s)
{
    return s.node >= 0 ? GraphLayout::kNodeHeight + GraphLayout::kRowGap : kDummyHeight;
}

double separation(const Slot& a, const Slot& b)
{
    return (slotHeight(a) + slotHeight(b)) / 2.0;
}

size_t crossings(const std::vector<Slot>& items, const std::vector<std::vector<int>>& layers)
{
    size_t total = 0;
    for (size_t l = 0; l + 1 < layers.size(); ++l) {
        std::vector<std::pair<double, double>> segments;
        for (int s : layers[l])
            for (int t : items[s].down)
                segments.emplace_back(items[s].pos, items[t].pos);
        if (segments.size() * segments.size() > kMaxCrossingWork) return 0;
        for (size_t i = 0; i < segments.size(); ++i)
            for (size_t j = i + 1; j < segments.size(); ++j) {
                const auto& [a1, b1] = segments[i];
                const auto& [a2, b2] = segments[j];
                if ((a1 < a2 && b1 > b2) || (a1 > a2 && b1 < b2)) ++total;
            }
    }
    return total;
}

// Reorders one layer by the mean position of each slot's neighbours in the adjacent layer.
void barycenterPass(std::vector<Slot>& items, std::vector<int>& layer, bool useUp)
{
    std::vector<std::pair<double, int>> keyed;
    keyed.reserve(layer.size());
    for (int s : layer) {
        const auto& nb = useUp ? items[s].up : items[s].down;
        double key = items[s].pos;
        if (!nb.empty()) {
            double sum = 0.0;
            for (int n : nb)
                sum += items[n].pos;
            key = sum / static_cast<double>(nb.size());
        }
        keyed.emplace_back(key, s);
    }
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < keyed.size(); ++i) {
        layer[i] = keyed[i].second;
        items[keyed[i].second].pos = static_cast<double>(i);
    }
}

// Moves each slot of a layer towards its neighbours' mean y, keeping order and separation: the mean of a
// top-down and a bottom-up placement satisfies both, and is not biased in either direction.
void alignPass(std::vector<Slot>& items, const std::vector<int>& layer, bool useUp)
{
    const size_t n = layer.size();
    if (n == 0) return;
    std::vector<double> desired(n);
    for (size_t i = 0; i < n; ++i) {
        const auto& nb = useUp ? items[layer[i]].up : items[layer[i]].down;
        desired[i] = items[layer[i]].pos;
        if (!nb.empty()) {
            double sum = 0.0;
            for (int s : nb)
                sum += items[s].pos;
            desired[i] = sum / static_cast<double>(nb.size());
        }
    }
    std::vector<double> down(n);
    std::vector<double> up(n);
    down[0] = desired[0];
    for (size_t i = 1; i < n; ++i)
        down[i] = std::max(desired[i], down[i - 1] + separation(items[layer[i - 1]], items[layer[i]]));
    up[n - 1] = desired[n - 1];
    for (size_t i = n - 1; i-- > 0;)
        up[i] = std::min(desired[i], up[i + 1] - separation(items[layer[i]], items[layer[i + 1]]));
    for (size_t i = 0; i < n; ++i)
        items[layer[i]].pos = (down[i] + up[i]) / 2.0;
}

} // namespace

std::string GraphLayout::topologyKey(const GraphSnapshot& snapshot)
{
    std::string key;
    key.reserve(snapshot.nodes.size() * 16 + snapshot.edges.size() * 12);
    for (const auto& n : snapshot.nodes) {
        key += n.id;
        key += '\x1f';
        key += static_cast<char>('0' + static_cast<int>(n.kind));
        key += '\x1e';
    }
    key += '\x1d';
    for (const auto& e : snapshot.edges) {
        key += std::to_string(e.source);
        key += '>';
        key += std::to_string(e.target);
        key += static_cast<char>('0' + static_cast<int>(e.kind));
        key += '\x1e';
    }
    return key;
}

QRectF GraphLayout::nodeRect(int node) const
{
    const QPointF c = center(node);
    return { c.x() - kNodeWidth / 2.0, c.y() - kNodeHeight / 2.0, kNodeWidth, kNodeHeight };
}

void GraphLayout::compute(const GraphSnapshot& snapshot)
{
    const int n = static_cast<int>(snapshot.nodes.size());
    const int m = static_cast<int>(snapshot.edges.size());
    m_nodes.assign(n, {});
    m_edges.assign(m, {});
    m_layerCount = 0;
    m_bounds = {};
    if (n == 0) return;

    auto validEdge = [&](const EdgeSnapshot& e) {
        return e.source < static_cast<uint32_t>(n) && e.target < static_cast<uint32_t>(n) && e.source != e.target;
    };
    std::vector<std::vector<int>> out(n);
    std::vector<int> inDegree(n, 0);
    for (int e = 0; e < m; ++e) {
        const auto& edge = snapshot.edges[e];
        if (!validEdge(edge)) continue;
        out[edge.source].push_back(e);
        ++inDegree[edge.target];
    }

    // Depth-first search from the entry points marks back edges (those closing a cycle) and gives a
    // discovery order that is a good first ordering within layers.
    std::vector<int> roots;
    for (int v = 0; v < n; ++v)
        if (snapshot.nodes[v].kind == NodeKind::User) roots.push_back(v);
    for (int v = 0; v < n; ++v)
        if (snapshot.nodes[v].kind != NodeKind::User && inDegree[v] == 0) roots.push_back(v);
    for (int v = 0; v < n; ++v)
        roots.push_back(v);
    std::vector<int> state(n, 0); // 0 unseen, 1 on the stack, 2 done
    std::vector<int> discovery(n, 0);
    int discovered = 0;
    for (int root : roots) {
        if (state[root] != 0) continue;
        std::vector<std::pair<int, size_t>> stack { { root, 0 } };
        state[root] = 1;
        discovery[root] = discovered++;
        while (!stack.empty()) {
            auto& [v, next] = stack.back();
            if (next == out[v].size()) {
                state[v] = 2;
                stack.pop_back();
                continue;
            }
            const int e = out[v][next++];
            const int t = static_cast<int>(snapshot.edges[e].target);
            if (state[t] == 1) {
                m_edges[e].back = true;
            } else if (state[t] == 0) {
                state[t] = 1;
                discovery[t] = discovered++;
                stack.emplace_back(t, 0);
            }
        }
    }

    // Longest path from the sources over forward edges (Kahn's order).
    std::vector<int> forwardIn(n, 0);
    for (int e = 0; e < m; ++e)
        if (validEdge(snapshot.edges[e]) && !m_edges[e].back) ++forwardIn[snapshot.edges[e].target];
    std::vector<int> ready;
    for (int v = 0; v < n; ++v)
        if (forwardIn[v] == 0) ready.push_back(v);
    while (!ready.empty()) {
        const int v = ready.back();
        ready.pop_back();
        for (int e : out[v]) {
            if (m_edges[e].back) continue;
            const int t = static_cast<int>(snapshot.edges[e].target);
            m_nodes[t].layer = std::max(m_nodes[t].layer, m_nodes[v].layer + 1);
            if (--forwardIn[t] == 0) ready.push_back(t);
        }
    }
    for (const auto& p : m_nodes)
        m_layerCount = std::max(m_layerCount, p.layer + 1);

    // Slots: the nodes, plus one dummy per layer crossed by a long forward edge.
    std::vector<Slot> items(n);
    for (int v = 0; v < n; ++v) {
        items[v].node = v;
        items[v].layer = m_nodes[v].layer;
        items[v].pos = discovery[v];
    }
    std::vector<std::vector<int>> edgeDummies(m);
    for (int e = 0; e < m; ++e) {
        const auto& edge = snapshot.edges[e];
        if (!validEdge(edge) || m_edges[e].back) continue;
        int prev = static_cast<int>(edge.source);
        for (int l = m_nodes[edge.source].layer + 1; l < m_nodes[edge.target].layer; ++l) {
            Slot d;
            d.edge = e;
            d.layer = l;
            d.pos = discovery[edge.source] + 0.5;
            items.push_back(d);
            const int id = static_cast<int>(items.size()) - 1;
            edgeDummies[e].push_back(id);
            items[prev].down.push_back(id);
            items[id].up.push_back(prev);
            prev = id;
        }
        items[prev].down.push_back(static_cast<int>(edge.target));
        items[edge.target].up.push_back(prev);
    }
    std::vector<std::vector<int>> layers(m_layerCount);
    for (int s = 0; s < static_cast<int>(items.size()); ++s)
        layers[items[s].layer].push_back(s);
    for (auto& layer : layers) {
        std::stable_sort(layer.begin(), layer.end(), [&](int a, int b) { return items[a].pos < items[b].pos; });
        for (size_t i = 0; i < layer.size(); ++i)
            items[layer[i]].pos = static_cast<double>(i);
    }

    auto best = layers;
    size_t bestCrossings = crossings(items, layers);
    for (int sweep = 0; sweep < kSweeps && bestCrossings > 0; ++sweep) {
        const bool downward = sweep % 2 == 0;
        if (downward) {
            for (size_t l = 1; l < layers.size(); ++l)
                barycenterPass(items, layers[l], true);
        } else {
            for (size_t l = layers.size() - 1; l-- > 0;)
                barycenterPass(items, layers[l], false);
        }
        const size_t c = crossings(items, layers);
        if (c < bestCrossings) {
            bestCrossings = c;
            best = layers;
        }
    }
    layers = std::move(best);

    // Vertical coordinates: stack each layer around 0, then pull nodes towards their neighbours.
    for (const auto& layer : layers) {
        double y = 0.0;
        for (size_t i = 0; i < layer.size(); ++i) {
            if (i > 0) y += separation(items[layer[i - 1]], items[layer[i]]);
            items[layer[i]].pos = y;
        }
        for (int s : layer)
            items[s].pos -= y / 2.0;
    }
    for (int round = 0; round < 3; ++round) {
        for (size_t l = 1; l < layers.size(); ++l)
            alignPass(items, layers[l], true);
        for (size_t l = layers.size() - 1; l-- > 0;)
            alignPass(items, layers[l], false);
    }

    const double pitch = kNodeWidth + kLayerGap;
    for (const auto& layer : layers) {
        int order = 0;
        for (int s : layer)
            if (items[s].node >= 0) m_nodes[items[s].node].order = order++;
    }
    for (int v = 0; v < n; ++v)
        m_nodes[v].center = QPointF(m_nodes[v].layer * pitch, items[v].pos);
    for (int e = 0; e < m; ++e)
        for (int d : edgeDummies[e])
            m_edges[e].waypoints.append(QPointF(items[d].layer * pitch, items[d].pos));

    QRectF bounds;
    for (int v = 0; v < n; ++v)
        bounds |= nodeRect(v).adjusted(0, 0, 0, kLabelHeight);
    bool anyBack = false;
    for (int e = 0; e < m; ++e)
        anyBack = anyBack || m_edges[e].back || snapshot.edges[e].source == snapshot.edges[e].target;
    if (anyBack) bounds.adjust(0, -kNodeHeight * 0.8, 0, 0); // back edges arc above their nodes
    // Figures lines may be a little wider than shapes.
    m_bounds = bounds.adjusted(-8.0, 0, 8.0, 0);
}

} // namespace faultline
