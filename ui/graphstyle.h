#pragma once

#include "graph/graphsnapshot.h"

#include <QColor>
#include <QPalette>

namespace faultline {

/// Colours and sizes of the graph, derived from the widget palette so they read in light and dark themes.
class GraphStyle {
public:
    static bool isDark(const QPalette& palette);
    /// White (or near-white) text on a black ground: the presenter palette, or a desktop's high-contrast
    /// theme. Health colours are then at full strength and node fills deeper, for a washed-out projector.
    static bool isHighContrast(const QPalette& palette);
    /// The canvas palette of presenter mode: black ground, white text, a cyan highlight.
    static QPalette presenterPalette(const QPalette& base);
    /// The saturated colour of a health state: node outlines, edges, badges.
    static QColor healthColor(Health health, const QPalette& palette);
    /// A node's fill: the health colour washed into the view background, so text stays readable.
    static QColor healthFill(Health health, const QPalette& palette);
    static QColor background(const QPalette& palette);
    static QColor text(const QPalette& palette);
    static QColor mutedText(const QPalette& palette);
    /// Stroke width of an edge carrying `rps`: grows with log10(rps), clamped to [kMinEdgeWidth, kMaxEdgeWidth].
    static double edgeWidth(double rps);
    /// How full a queue's depth gauge is, 0..1, on a log scale: 10 messages a quarter, 10,000 or more all of it.
    static double queueDepthFraction(double depth);
    static QColor mix(const QColor& a, const QColor& b, double t); ///< a*(1-t) + b*t
    /// WCAG relative luminance contrast ratio, 1..21.
    static double contrast(const QColor& a, const QColor& b);

    static constexpr double kMinEdgeWidth = 1.0;
    static constexpr double kMaxEdgeWidth = 7.0;
};

} // namespace faultline
