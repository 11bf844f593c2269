#pragma once

#include "graph/graphsnapshot.h"

#include <QColor>
#include <QImage>
#include <QPalette>
#include <QPointF>

class QPainter;

namespace faultline {

/// The glyph of a circuit breaker's state, drawn at the caller's end of an edge, on a node (breakers that
/// match no edge), in the legend and in tooltips. Every state has its own shape as well as its own colour,
/// so it reads without colour too: closed a filled disc, open a ring broken on the callee's side, half-open
/// a ring filled on its left half, forced open a square with a bar across, disabled a ring with a slash,
/// metrics-only a ring with a dot.
class BreakerBadge {
public:
    static constexpr double kRadius = 7.5; ///< in layout units (pixels at zoom 1)
    static constexpr BreakerState kStates[] = { BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen,
        BreakerState::ForcedOpen, BreakerState::Disabled, BreakerState::MetricsOnly };

    /// The state's ink, from the palette's health colours (blue for metrics-only).
    static QColor color(BreakerState state, const QPalette& palette);
    /// Draws the glyph centred at `center` on a disc (square) of the view background.
    static void paint(
        QPainter& painter, BreakerState state, const QPointF& center, double radius, const QPalette& palette);
    /// Draws the glyph's shape in the given colours: `paper` for its ground, `ink` for its marks.
    static void paintGlyph(QPainter& painter, BreakerState state, const QPointF& center, double radius,
        const QColor& ink, const QColor& paper);
    /// The glyph alone, `size` pixels square, on a transparent ground: for tooltips and tests.
    static QImage image(BreakerState state, int size, const QPalette& palette);
    /// An HTML <img> of the glyph (an inline PNG), for rich-text tooltips.
    static QString html(BreakerState state, const QPalette& palette, int size = 14);
};

} // namespace faultline
