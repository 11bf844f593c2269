#include "pathclip.h"

#include <QLineF>

#include <algorithm>
#include <array>
#include <cmath>

namespace faultline {

namespace {

using Cubic = std::array<QPointF, 4>;

constexpr int kMaxSplits = 7; ///< a 10,000-unit curve ends in pieces of about 80 units

std::pair<Cubic, Cubic> split(const Cubic& c)
{
    const QPointF a = (c[0] + c[1]) / 2.0;
    const QPointF b = (c[1] + c[2]) / 2.0;
    const QPointF d = (c[2] + c[3]) / 2.0;
    const QPointF ab = (a + b) / 2.0;
    const QPointF bd = (b + d) / 2.0;
    const QPointF mid = (ab + bd) / 2.0;
    return { Cubic { c[0], a, ab, mid }, Cubic { mid, bd, d, c[3] } };
}

QRectF hull(const Cubic& c)
{
    const auto [minX, maxX] = std::minmax({ c[0].x(), c[1].x(), c[2].x(), c[3].x() });
    const auto [minY, maxY] = std::minmax({ c[0].y(), c[1].y(), c[2].y(), c[3].y() });
    return QRectF(QPointF(minX, minY), QPointF(maxX, maxY));
}

double distance(QPointF a, QPointF b)
{
    const double dx = b.x() - a.x();
    const double dy = b.y() - a.y();
    return std::sqrt(dx * dx + dy * dy); // not hypot: this is the hot loop, and overflow cannot happen here
}

double length(const Cubic& c, double tolerance, int depth)
{
    // Gravesen: the arc lies between the chord and the control net, and their mean converges on it with
    // the fourth power of the piece's size, so a few splits reach a fraction of a unit.
    const double chord = distance(c[0], c[3]);
    const double net = distance(c[0], c[1]) + distance(c[1], c[2]) + distance(c[2], c[3]);
    if (net - chord <= tolerance || depth >= 12) return (chord + net) / 2.0;
    const auto [left, right] = split(c);
    return length(left, tolerance, depth + 1) + length(right, tolerance, depth + 1);
}

struct Clipper {
    const QRectF& area;
    std::vector<PathRun>& out;
    bool measureGaps = true;
    double travelled = 0.0;
    bool open = false;

    void close() { open = false; }

    void keep(const Cubic& c)
    {
        if (!open) {
            out.push_back(PathRun { QPainterPath(c[0]), travelled, 0.0 });
            open = true;
        }
        const double l = length(c, 0.25, 0);
        out.back().path.cubicTo(c[1], c[2], c[3]);
        out.back().length += l;
        travelled += l;
    }

    void walk(const Cubic& c, int splits)
    {
        const QRectF box = hull(c);
        // A straight horizontal or vertical piece has an empty hull; intersects() needs some extent.
        const QRectF probe = box.adjusted(-1e-6, -1e-6, 1e-6, 1e-6);
        if (!probe.intersects(area)) {
            close();
            if (measureGaps) travelled += length(c, 0.25, 0);
            return;
        }
        if (area.contains(box) || splits >= kMaxSplits) {
            keep(c);
            return;
        }
        const auto [left, right] = split(c);
        walk(left, splits + 1);
        walk(right, splits + 1);
    }
};

/// Calls `piece` with each line (as a cubic) and cubic of `path`, in order, and `gap` at each moveTo.
template <typename Piece, typename Gap> void forEachPiece(const QPainterPath& path, Piece piece, Gap gap)
{
    QPointF at;
    for (int i = 0; i < path.elementCount(); ++i) {
        const QPainterPath::Element e = path.elementAt(i);
        switch (e.type) {
        case QPainterPath::MoveToElement:
            gap();
            at = e;
            break;
        case QPainterPath::LineToElement: {
            const QPointF to = e;
            piece(Cubic { at, at + (to - at) / 3.0, at + (to - at) * 2.0 / 3.0, to });
            at = to;
            break;
        }
        case QPainterPath::CurveToElement: {
            if (i + 2 >= path.elementCount()) return; // a malformed path: no data for the curve
            const Cubic c { at, e, path.elementAt(i + 1), path.elementAt(i + 2) };
            piece(c);
            at = c[3];
            i += 2;
            break;
        }
        case QPainterPath::CurveToDataElement:
            break; // consumed with its curve
        }
    }
}

} // namespace

double cubicLength(QPointF p0, QPointF p1, QPointF p2, QPointF p3, double tolerance)
{
    return length(Cubic { p0, p1, p2, p3 }, tolerance, 0);
}

double routeLength(const QPainterPath& path)
{
    double total = 0.0;
    forEachPiece(
        path, [&](const Cubic& c) { total += length(c, 0.25, 0); }, [] {});
    return total;
}

void visibleRuns(const QPainterPath& path, const QRectF& area, std::vector<PathRun>& out, bool measureGaps)
{
    Clipper clipper { area, out, measureGaps };
    forEachPiece(
        path, [&](const Cubic& c) { clipper.walk(c, 0); }, [&] { clipper.close(); });
}

} // namespace faultline
