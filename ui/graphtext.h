#pragma once

#include "graph/graphsnapshot.h"

#include <QPalette>
#include <QString>

namespace faultline {

/// What the graph says about a node or an edge in words: the figures line under a node, edge labels,
/// tooltips. Indices are those of GraphSnapshot::nodes and ::edges.
class GraphText {
public:
    /// A node's own traffic; for a client (user) node, which serves nothing, what it sends.
    static TrafficStats shownTraffic(const GraphSnapshot& snapshot, int node);
    /// "48.9 rps · 1.0% err · p99 95 ms"; queues: "48.9 msg/s · depth 12".
    static QString figuresLine(const GraphSnapshot& snapshot, int node);
    /// An edge label: "48.9 rps · 1.0%" (no percentage without errors) and "p99 95 ms" (left out when
    /// nothing waited: async publishes); empty when the edge is idle.
    static QStringList edgeLabel(const EdgeSnapshot& edge);
    /// Rich text; breakers the node reports that match no edge are listed with their glyphs.
    static QString nodeToolTip(const GraphSnapshot& snapshot, int node, const QPalette& palette = QPalette());
    /// Rich text; a breaker on the edge with its glyph, state, failure rate and calls not permitted.
    static QString edgeToolTip(const GraphSnapshot& snapshot, int edge, const QPalette& palette = QPalette());
    /// A breaker in a tooltip: glyph, name, state, then its rates and the calls it refused.
    static QString breakerLine(const BreakerInfo& breaker, const QPalette& palette = QPalette());
};

} // namespace faultline
