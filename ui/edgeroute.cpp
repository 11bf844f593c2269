#include "edgeroute.h"

#include "graphstyle.h"
#include "nodeshape.h"

#include <algorithm>
#include <cmath>

namespace faultline {

EdgeRoute EdgeRoute::compute(const GraphSnapshot& snapshot, const GraphLayout& layout, int edge, double inkScale)
{
    const EdgeSnapshot& e = snapshot.edges.at(edge);
    EdgeRoute route;
    route.width = widthFor(e.traffic.rps) * inkScale;
    const double arrow = arrowLength(route.width);
    const auto shape = [&](uint32_t node) {
        return NodeShape::rect(snapshot.nodes.at(node).kind, layout.nodeRect(static_cast<int>(node)));
    };
    const QRectF s = shape(e.source);
    const QRectF t = shape(e.target);
    QPainterPath& path = route.line;
    if (e.source == e.target) {
        // A small loop over the node's top.
        route.tip = QPointF(t.center().x() - t.width() / 5, t.top());
        route.direction = QPointF(0, 1);
        const QPointF start(s.center().x() + s.width() / 5, s.top());
        path.moveTo(start);
        path.cubicTo(
            start + QPointF(20, -44), route.tip + QPointF(-20, -44 + arrow), route.tip - route.direction * arrow);
    } else if (layout.isBackEdge(edge)) {
        // Against the flow: arc over both nodes, from top to top.
        route.tip = QPointF(t.center().x() + t.width() / 6, t.top());
        route.direction = QPointF(0, 1);
        const QPointF start(s.center().x() - s.width() / 6, s.top());
        const double lift = GraphLayout::kNodeHeight * 0.8 + std::abs(start.y() - route.tip.y()) * 0.3;
        const double top = std::min(start.y(), route.tip.y()) - lift;
        path.moveTo(start);
        path.cubicTo(QPointF(start.x(), top), QPointF(route.tip.x(), top), route.tip - route.direction * arrow);
    } else {
        route.tip = QPointF(t.left(), t.center().y());
        route.direction = QPointF(1, 0);
        QList<QPointF> points { QPointF(s.right(), s.center().y()) };
        points += layout.waypoints(edge);
        points.append(route.tip - route.direction * arrow);
        path.moveTo(points.first());
        for (qsizetype i = 1; i < points.size(); ++i) {
            const QPointF a = points[i - 1];
            const QPointF b = points[i];
            const double dx = (b.x() - a.x()) / 2.0;
            path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b);
        }
    }
    return route;
}

double EdgeRoute::widthFor(double rps)
{
    return std::round(GraphStyle::edgeWidth(rps) * 4.0) / 4.0;
}

QPolygonF EdgeRoute::arrowHead() const
{
    const double half = 3.5 + width * 0.9;
    const QPointF base = tip - direction * arrowLength(width);
    const QPointF normal(-direction.y(), direction.x());
    return QPolygonF { tip, base + normal * half, base - normal * half };
}

} // namespace faultline
