#pragma once

#include "graph/graphsnapshot.h"

#include <QPainterPath>
#include <QRectF>

namespace faultline {

/// The outline of each node kind: service a rounded rectangle, queue a pipe on its side, database a
/// cylinder, external a hexagon, user a circle.
class NodeShape {
public:
    static constexpr double kQueueCap = 18.0; ///< width of a queue's end caps
    static constexpr double kDatabaseRim = 16.0; ///< height of a database's top ellipse

    /// The part of a layout box the shape fills: all of it, except a user's circle.
    static QRectF rect(NodeKind kind, const QRectF& box);
    static QPainterPath path(NodeKind kind, const QRectF& shape);
    /// Lines drawn over the filled path to make it read as 3-D (the queue's end cap is drawn filled).
    static QPainterPath detail(NodeKind kind, const QRectF& shape);
};

} // namespace faultline
