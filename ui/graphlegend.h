#pragma once

#include <QFont>
#include <QPalette>
#include <QRectF>

class QPainter;

namespace faultline {

/// The key to the graph's colours, line styles, breaker glyphs and traffic particles, drawn in a corner of
/// the view: two rows.
class GraphLegend {
public:
    static double rowHeight(const QFont& font);
    /// The size the legend needs with this font.
    static QSizeF size(const QFont& font);
    /// Draws the legend with its bottom-left corner at `bottomLeft`, in widget coordinates.
    static void paint(QPainter& painter, const QPointF& bottomLeft, const QPalette& palette, const QFont& font);
};

} // namespace faultline
