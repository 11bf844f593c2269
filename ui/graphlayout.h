#pragma once

#include "graph/graphsnapshot.h"

#include <QList>
#include <QPointF>
#include <QRectF>

#include <string>
#include <vector>

namespace faultline {

/// A left-to-right layered drawing of a snapshot's topology, in layout units (pixels at zoom 1).
/// Sources (user nodes first) sit in layer 0; every other node one layer right of its furthest
/// predecessor, ignoring back edges; barycenter sweeps order each layer to reduce crossings (counted in
/// O(E log V) per layer pair), and a priority-free two-way pass places nodes near their neighbours.
/// Linear-ish in nodes plus edge-layer crossings: 5,000 nodes take well under a second.
/// Indices are those of GraphSnapshot::nodes and ::edges.
class GraphLayout {
public:
    static constexpr double kNodeWidth = 136.0;
    static constexpr double kNodeHeight = 54.0;
    static constexpr double kLayerGap = 96.0; ///< horizontal room between layers, for edges and their labels
    static constexpr double kRowGap = 50.0; ///< vertical room between nodes, for the figures below each
    static constexpr double kLabelHeight = 44.0; ///< below a node's shape: the figures (user: its id too)
    /// A layer with more nodes than this is drawn as two staggered columns, kStaggerGap apart.
    static constexpr int kStaggerAbove = 8;
    static constexpr double kStaggerGap = 24.0;

    /// Changes exactly when the set of nodes (id, kind) or edges (source, target, kind) changes.
    static std::string topologyKey(const GraphSnapshot& snapshot);

    /// Lays the snapshot out from scratch; with a previous layout, stably: nodes it also had keep their
    /// layer (moving right only when a new edge demands it) and their order within the layer, and stay near
    /// their old height, so a node that appears or vanishes does not reshuffle the rest. Pure computation on
    /// its own data: safe to run on any thread.
    void compute(const GraphSnapshot& snapshot, const GraphLayout* previous = nullptr);
    /// Index of the node with this id, or -1 (ids are those of the snapshot last laid out).
    int indexOf(const std::string& id) const;
    const std::string& nodeId(int node) const { return m_ids.at(node); }
    /// Puts a node somewhere else (a drag); bounds() follows after refreshBounds().
    void moveNode(int node, const QPointF& center);
    void refreshBounds();
    bool isEmpty() const { return m_nodes.empty(); }
    int nodeCount() const { return static_cast<int>(m_nodes.size()); }
    int layerCount() const { return m_layerCount; }

    int layer(int node) const { return m_nodes.at(node).layer; }
    int order(int node) const { return m_nodes.at(node).order; } ///< position in its layer, top first
    QPointF center(int node) const { return m_nodes.at(node).center; }
    QRectF nodeRect(int node) const; ///< the shape's box
    /// Everything drawn: shapes, the labels below them, room for back edges.
    QRectF bounds() const { return m_bounds; }

    bool isBackEdge(int edge) const { return m_edges.at(edge).back; }
    /// Where a forward edge spanning several layers passes through the layers in between.
    const QList<QPointF>& waypoints(int edge) const { return m_edges.at(edge).waypoints; }

private:
    struct NodePlace {
        int layer = 0;
        int order = 0;
        QPointF center;
    };
    struct EdgeRoute {
        bool back = false;
        QList<QPointF> waypoints;
    };
    std::vector<NodePlace> m_nodes;
    std::vector<std::string> m_ids;
    bool m_backArcs = false; ///< some edge arcs above the nodes
    std::vector<EdgeRoute> m_edges;
    int m_layerCount = 0;
    QRectF m_bounds;
};

} // namespace faultline
