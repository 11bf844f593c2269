#pragma once

#include <QFont>
#include <QPalette>
#include <QRectF>

#include <limits>

class QPainter;

namespace faultline {

/// The key to the graph's colours, line styles, breaker glyphs and traffic particles, drawn in a corner of
/// the view: two rows, or more when it must wrap to fit a narrow view.
class GraphLegend {
public:
    static double rowHeight(const QFont& font);
    /// The size the legend needs with this font, wrapping its rows to fit `maxWidth` where it can.
    static QSizeF size(const QFont& font, double maxWidth = std::numeric_limits<double>::infinity());
    /// Draws the legend with its bottom-left corner at `bottomLeft`, in widget coordinates.
    static void paint(QPainter& painter, const QPointF& bottomLeft, const QPalette& palette, const QFont& font,
        double maxWidth = std::numeric_limits<double>::infinity());
};

} // namespace faultline
