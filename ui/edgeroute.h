#pragma once

#include "graph/graphsnapshot.h"
#include "graphlayout.h"

#include <QPainterPath>
#include <QPolygonF>

namespace faultline {

/// Where an edge runs, in layout units: a smooth line from the caller's right side to the callee's left,
/// through the waypoints of long edges; back edges arc over their nodes, self calls loop over the top.
class EdgeRoute {
public:
    /// `inkScale` widens the stroke (and so the arrow head): presenter mode's factor.
    static EdgeRoute compute(const GraphSnapshot& snapshot, const GraphLayout& layout, int edge, double inkScale = 1.0);

    QPainterPath line; ///< ends where the arrow head begins
    QPointF tip; ///< where the arrow head touches the callee
    QPointF direction; ///< unit vector the arrow points along
    double width = 1.0; ///< stroke width, from the edge's rate

    QPolygonF arrowHead() const;
    /// The stroke width of an edge carrying `rps`: GraphStyle::edgeWidth in quarter steps, so a route can be
    /// kept while the rate wobbles.
    static double widthFor(double rps);
    static double arrowLength(double width) { return 8.0 + width * 1.4; }
};

} // namespace faultline
