#include "nodeshape.h"

namespace faultline {

QRectF NodeShape::rect(NodeKind kind, const QRectF& box)
{
    if (kind == NodeKind::User) return { box.center().x() - box.height() / 2.0, box.top(), box.height(), box.height() };
    return box;
}

QPainterPath NodeShape::path(NodeKind kind, const QRectF& r)
{
    QPainterPath path;
    switch (kind) {
    case NodeKind::Service:
        path.addRoundedRect(r, 10, 10);
        break;
    case NodeKind::Queue: {
        const double ew = kQueueCap;
        path.moveTo(r.left() + ew / 2, r.top());
        path.lineTo(r.right() - ew / 2, r.top());
        path.arcTo(QRectF(r.right() - ew, r.top(), ew, r.height()), 90, -180);
        path.lineTo(r.left() + ew / 2, r.bottom());
        path.arcTo(QRectF(r.left(), r.top(), ew, r.height()), 270, -180);
        path.closeSubpath();
        break;
    }
    case NodeKind::Database: {
        const double eh = kDatabaseRim;
        path.moveTo(r.left(), r.top() + eh / 2);
        path.lineTo(r.left(), r.bottom() - eh / 2);
        path.arcTo(QRectF(r.left(), r.bottom() - eh, r.width(), eh), 180, 180);
        path.lineTo(r.right(), r.top() + eh / 2);
        path.arcTo(QRectF(r.left(), r.top(), r.width(), eh), 0, 180);
        path.closeSubpath();
        break;
    }
    case NodeKind::External: {
        const double k = 16.0;
        path.moveTo(r.left(), r.center().y());
        path.lineTo(r.left() + k, r.top());
        path.lineTo(r.right() - k, r.top());
        path.lineTo(r.right(), r.center().y());
        path.lineTo(r.right() - k, r.bottom());
        path.lineTo(r.left() + k, r.bottom());
        path.closeSubpath();
        break;
    }
    case NodeKind::User:
        path.addEllipse(r);
        break;
    }
    return path;
}

QPainterPath NodeShape::detail(NodeKind kind, const QRectF& r)
{
    QPainterPath path;
    if (kind == NodeKind::Database) {
        path.moveTo(r.left(), r.top() + kDatabaseRim / 2);
        path.arcTo(QRectF(r.left(), r.top(), r.width(), kDatabaseRim), 180, 180);
    } else if (kind == NodeKind::Queue) {
        path.addEllipse(QRectF(r.right() - kQueueCap, r.top(), kQueueCap, r.height()));
    }
    return path;
}

} // namespace faultline
