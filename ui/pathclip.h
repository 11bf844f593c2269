#pragma once
// Cutting a long route down to the part that can show. Qt's stroker turns the whole path into an outline
// (and a dashed one into every dash) before anything is clipped, so a zoomed-in canvas whose edges run
// for thousands of units off screen pays for all of it. These functions keep only the cubic pieces whose
// control points reach the visible area, and say how far along the route each visible run starts, so a
// dash pattern keeps its phase whatever part is on screen.

#include <QPainterPath>
#include <QRectF>

#include <vector>

namespace faultline {

struct PathRun {
    QPainterPath path;
    double startLength = 0.0; ///< arc length of the route before this run, in path units (see measureGaps)
    double length = 0.0; ///< arc length of the run itself
};

/// The runs of `path` (a moveTo then lines and cubics, as EdgeRoute builds them) that may cross `area`.
/// Pieces wholly outside are dropped, pieces that straddle it are split (de Casteljau) down to a few
/// levels; what is kept is the original curve, not a flattening of it. Appends to `out`. Without
/// `measureGaps` the dropped pieces are not measured, and each run's startLength is only a lower bound.
void visibleRuns(const QPainterPath& path, const QRectF& area, std::vector<PathRun>& out, bool measureGaps = true);

/// Arc length of a path of lines and cubics.
double routeLength(const QPainterPath& path);

/// Arc length of the cubic p0..p3, within `tolerance`.
double cubicLength(QPointF p0, QPointF p1, QPointF p2, QPointF p3, double tolerance = 0.25);

} // namespace faultline
