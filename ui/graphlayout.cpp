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
    bool staggered = false; ///< in a layer drawn as two staggered columns
    std::vector<int> up; ///< neighbour items in the layer to the left
    std::vector<int> down; ///< neighbour items in the layer to the right
};

constexpr double kDummyHeight = 12.0;
constexpr int kSweeps = 8;

double slotHeight(const Slot& s)
{
    return s.node >= 0 ? GraphLayout::kNodeHeight + GraphLayout::kRowGap : kDummyHeight;
}

// The vertical distance between neighbours in a layer. In a staggered layer two neighbouring nodes sit in
// different columns, so they need only half of it: a node then clears the one two places above.
double separation(const Slot& a, const Slot& b)
{
    const double full = (slotHeight(a) + slotHeight(b)) / 2.0;
    return a.staggered && a.node >= 0 && b.node >= 0 ? full / 2.0 : full;
}

// Crossings between each pair of adjacent layers, counted as inversions with a Fenwick tree (Barth, Juenger
// and Mutzel): O(E log V) per pair, cheap enough to run after every sweep even on thousands of nodes. Slots'
// pos must be their index within the layer.
size_t crossings(const std::vector<Slot>& items, const std::vector<std::vector<int>>& layers)
{
    size_t total = 0;
    std::vector<std::pair<int, int>> segments;
    std::vector<int> tree;
    for (size_t l = 0; l + 1 < layers.size(); ++l) {
        segments.clear();
        for (int s : layers[l])
            for (int t : items[s].down)
                segments.emplace_back(static_cast<int>(items[s].pos), static_cast<int>(items[t].pos));
        std::sort(segments.begin(), segments.end());
        const size_t width = layers[l + 1].size();
        tree.assign(width + 1, 0);
        size_t seen = 0;
        for (const auto& seg : segments) {
            // Segments seen so far that end strictly below this one cross it.
            size_t atOrAbove = 0;
            for (int i = seg.second + 1; i > 0; i -= i & -i)
                atOrAbove += static_cast<size_t>(tree[i]);
            total += seen - atOrAbove;
            for (int i = seg.second + 1; i <= static_cast<int>(width); i += i & -i)
                ++tree[i];
            ++seen;
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

int GraphLayout::indexOf(const std::string& id) const
{
    // Snapshots list nodes sorted by id.
    auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
    if (it != m_ids.end() && *it == id) return static_cast<int>(it - m_ids.begin());
    auto linear = std::find(m_ids.begin(), m_ids.end(), id);
    return linear == m_ids.end() ? -1 : static_cast<int>(linear - m_ids.begin());
}

void GraphLayout::moveNode(int node, const QPointF& center)
{
    m_nodes.at(node).center = center;
}

void GraphLayout::refreshBounds()
{
    QRectF bounds;
    for (int v = 0; v < nodeCount(); ++v)
        bounds |= nodeRect(v).adjusted(0, 0, 0, kLabelHeight);
    if (m_backArcs) bounds.adjust(0, -kNodeHeight * 0.8, 0, 0); // back edges arc above their nodes
    // Figures lines may be a little wider than shapes.
    m_bounds = bounds.isNull() ? QRectF() : bounds.adjusted(-8.0, 0, 8.0, 0);
}

void GraphLayout::compute(const GraphSnapshot& snapshot, const GraphLayout* previous)
{
    const int n = static_cast<int>(snapshot.nodes.size());
    const int m = static_cast<int>(snapshot.edges.size());
    std::vector<NodePlace> nodes(n);
    m_edges.assign(m, {});
    m_layerCount = 0;
    m_bounds = {};
    m_backArcs = false;
    // Where each node was in the previous layout, if anywhere (previous may be this very object).
    std::vector<int> before(n, -1);
    std::vector<NodePlace> old;
    if (previous && !previous->isEmpty()) {
        for (int v = 0; v < n; ++v)
            before[v] = previous->indexOf(snapshot.nodes[v].id);
        old = previous->m_nodes;
    }
    m_ids.resize(n);
    for (int v = 0; v < n; ++v)
        m_ids[v] = snapshot.nodes[v].id;
    m_nodes = std::move(nodes);
    if (n == 0) return;
    const bool seeded = std::any_of(before.begin(), before.end(), [](int b) { return b >= 0; });

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

    // Longest path from the sources over forward edges (Kahn's order). A node laid out before starts from
    // its old layer, so it only moves right when an edge demands it.
    std::vector<int> forwardIn(n, 0);
    for (int e = 0; e < m; ++e)
        if (validEdge(snapshot.edges[e]) && !m_edges[e].back) ++forwardIn[snapshot.edges[e].target];
    for (int v = 0; v < n; ++v)
        if (before[v] >= 0) m_nodes[v].layer = old[before[v]].layer;
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
    // Layers left empty (a vanished node's) close up.
    {
        int top = 0;
        for (const auto& p : m_nodes)
            top = std::max(top, p.layer);
        std::vector<int> remap(top + 1, 0);
        for (const auto& p : m_nodes)
            remap[p.layer] = 1;
        for (int l = 0, next = 0; l <= top; ++l)
            remap[l] = remap[l] ? next++ : next;
        for (auto& p : m_nodes)
            p.layer = remap[p.layer];
    }
    for (const auto& p : m_nodes)
        m_layerCount = std::max(m_layerCount, p.layer + 1);

    // Slots: the nodes, plus one dummy per layer crossed by a long forward edge. Seeded, the first order
    // key of a known node is its old height; a new node takes its neighbours' mean, found below.
    std::vector<Slot> items(n);
    std::vector<char> known(n, 0);
    for (int v = 0; v < n; ++v) {
        items[v].node = v;
        items[v].layer = m_nodes[v].layer;
        items[v].pos = discovery[v];
        if (seeded && before[v] >= 0) {
            items[v].pos = old[before[v]].center.y();
            known[v] = 1;
        }
    }
    if (seeded) {
        // New nodes: the mean old height of their known neighbours, spreading outwards a few rounds; any
        // still unplaced go below everything.
        std::vector<std::vector<int>> adjacent(n);
        for (int e = 0; e < m; ++e) {
            const auto& edge = snapshot.edges[e];
            if (!validEdge(edge)) continue;
            adjacent[edge.source].push_back(static_cast<int>(edge.target));
            adjacent[edge.target].push_back(static_cast<int>(edge.source));
        }
        double lowest = 0.0;
        for (int v = 0; v < n; ++v)
            if (known[v]) lowest = std::max(lowest, items[v].pos);
        for (int round = 0; round < 4; ++round) {
            std::vector<char> placed = known;
            for (int v = 0; v < n; ++v) {
                if (known[v]) continue;
                double sum = 0.0;
                int count = 0;
                for (int u : adjacent[v])
                    if (known[u]) {
                        sum += items[u].pos;
                        ++count;
                    }
                if (count > 0) {
                    items[v].pos = sum / count + 0.5; // just below an equal key
                    placed[v] = 1;
                }
            }
            known = std::move(placed);
        }
        for (int v = 0; v < n; ++v)
            if (!known[v]) items[v].pos = lowest + 1000.0 + discovery[v];
    }
    std::vector<std::vector<int>> edgeDummies(m);
    for (int e = 0; e < m; ++e) {
        const auto& edge = snapshot.edges[e];
        if (!validEdge(edge) || m_edges[e].back) continue;
        int prev = static_cast<int>(edge.source);
        const int first = m_nodes[edge.source].layer;
        const int last = m_nodes[edge.target].layer;
        for (int l = first + 1; l < last; ++l) {
            Slot d;
            d.edge = e;
            d.layer = l;
            const double f = static_cast<double>(l - first) / (last - first);
            d.pos = seeded ? items[edge.source].pos * (1.0 - f) + items[edge.target].pos * f
                           : discovery[edge.source] + 0.5;
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
    std::vector<double> seedPos;
    if (seeded) {
        seedPos.resize(items.size());
        for (size_t s = 0; s < items.size(); ++s)
            seedPos[s] = items[s].pos;
    }
    for (auto& layer : layers) {
        std::stable_sort(layer.begin(), layer.end(), [&](int a, int b) { return items[a].pos < items[b].pos; });
        for (size_t i = 0; i < layer.size(); ++i)
            items[layer[i]].pos = static_cast<double>(i);
    }

    // Crossing reduction, from scratch only: seeded, the old order stands (stability beats a few crossings;
    // "Reset layout" starts afresh).
    if (!seeded) {
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
    }

    // A layer with many nodes is drawn as two columns, its nodes alternating between them, at half the
    // height: a fleet whose services fan out to dozens of others was otherwise a tall thin column, which
    // fitting to the window shrank until nothing could be read. The order, and so the crossings, stay.
    std::vector<char> staggered(m_layerCount, 0);
    for (size_t l = 0; l < layers.size(); ++l) {
        const auto real = std::count_if(layers[l].begin(), layers[l].end(), [&](int s) { return items[s].node >= 0; });
        staggered[l] = real > kStaggerAbove;
        for (int s : layers[l])
            items[s].staggered = staggered[l];
    }

    // Vertical coordinates. Seeded: every slot as near its old (or neighbours') height as the separation
    // allows. Otherwise: stack each layer around 0, then pull nodes towards their neighbours.
    if (seeded) {
        for (const auto& layer : layers) {
            const size_t k = layer.size();
            if (k == 0) continue;
            // Each node at its seed height, or pushed down just enough to clear the node above. Long edges'
            // waypoints stay at their seed (between their ends) and push nothing, so known nodes stay put.
            int above = -1;
            for (size_t i = 0; i < k; ++i) {
                Slot& slot = items[layer[i]];
                slot.pos = seedPos[layer[i]];
                if (slot.node < 0) continue;
                if (above >= 0) slot.pos = std::max(slot.pos, items[above].pos + separation(items[above], slot));
                above = layer[i];
            }
        }
    } else {
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
    }

    // Horizontal: each layer's centre, a staggered layer being two columns wide. Without staggered layers
    // the centres are evenly spaced, kNodeWidth + kLayerGap apart.
    std::vector<double> layerX(m_layerCount, 0.0);
    const auto width = [&](int l) { return staggered[l] ? 2.0 * kNodeWidth + kStaggerGap : kNodeWidth; };
    for (int l = 1; l < m_layerCount; ++l)
        layerX[l] = layerX[l - 1] + (width(l - 1) + width(l)) / 2.0 + kLayerGap;
    const double columnOffset = (kNodeWidth + kStaggerGap) / 2.0;
    for (const auto& layer : layers) {
        int order = 0;
        for (int s : layer)
            if (items[s].node >= 0) m_nodes[items[s].node].order = order++;
    }
    for (int v = 0; v < n; ++v) {
        const int l = m_nodes[v].layer;
        const double offset = staggered[l] ? (m_nodes[v].order % 2 == 0 ? -columnOffset : columnOffset) : 0.0;
        m_nodes[v].center = QPointF(layerX[l] + offset, items[v].pos);
    }
    for (int e = 0; e < m; ++e)
        for (int d : edgeDummies[e])
            m_edges[e].waypoints.append(QPointF(layerX[items[d].layer], items[d].pos));

    for (int e = 0; e < m; ++e)
        m_backArcs = m_backArcs || m_edges[e].back || snapshot.edges[e].source == snapshot.edges[e].target;
    refreshBounds();
}

} // namespace faultline
