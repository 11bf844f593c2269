#include "graphlegend.h"

#include "breakerbadge.h"
#include "figureformat.h"
#include "graphstyle.h"

#include <QCoreApplication>
#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

namespace faultline {

namespace {
constexpr double kSwatch = 10.0;
constexpr double kLine = 22.0;
constexpr double kSpacing = 12.0;
constexpr double kPadding = 6.0;

QString tr(const char* text)
{
    return QCoreApplication::translate("faultline::GraphLegend", text);
}

const Health kHealths[] = { Health::Healthy, Health::Degraded, Health::Failing, Health::Idle };

/// One key: a glyph drawn around `centre` (none for a plain heading) and its label.
struct Item {
    double glyphWidth = 0.0;
    std::function<void(QPainter&, QPointF centre)> glyph;
    QString text;
};

/// The keys in two groups: health and line styles, then breaker glyphs and particle shapes. A group starts
/// a row; it wraps onto more rows when the legend is narrower than it.
std::vector<std::vector<Item>> groups(const QPalette& palette)
{
    std::vector<Item> first;
    for (Health h : kHealths)
        first.push_back({ kSwatch,
            [h, &palette](QPainter& p, QPointF c) {
                p.setPen(QPen(GraphStyle::healthColor(h, palette), 1.2));
                p.setBrush(GraphStyle::healthFill(h, palette));
                p.drawRoundedRect(QRectF(c.x() - kSwatch / 2, c.y() - kSwatch / 2, kSwatch, kSwatch), 2.5, 2.5);
            },
            FigureFormat::health(h).toLower() });
    for (bool async : { false, true })
        first.push_back({ kLine,
            [async, &palette](QPainter& p, QPointF c) {
                QPen pen(GraphStyle::mutedText(palette), 2.0, Qt::SolidLine, Qt::FlatCap);
                if (async) pen.setDashPattern({ 3.0, 2.0 });
                p.setPen(pen);
                p.drawLine(QPointF(c.x() - kLine / 2, c.y()), QPointF(c.x() + kLine / 2, c.y()));
            },
            async ? tr("async") : tr("sync") });

    std::vector<Item> second { { 0.0, {}, tr("breaker") } };
    for (BreakerState state : BreakerBadge::kStates)
        second.push_back({ kSwatch,
            [state, &palette](QPainter& p, QPointF c) { BreakerBadge::paint(p, state, c, kSwatch / 2 + 0.5, palette); },
            FigureFormat::breakerState(state).toLower() });
    second.push_back({ kSwatch,
        [&palette](QPainter& p, QPointF c) {
            QColor ok = GraphStyle::text(palette);
            ok.setAlphaF(0.8f);
            p.setPen(Qt::NoPen);
            p.setBrush(ok);
            p.drawEllipse(c, 2.6, 2.6);
        },
        tr("call") });
    second.push_back({ kSwatch,
        [&palette](QPainter& p, QPointF c) {
            p.setPen(QPen(GraphStyle::background(palette), 1.0));
            p.setBrush(GraphStyle::healthColor(Health::Failing, palette));
            const double d = 3.8;
            const QPointF diamond[4] = { c + QPointF(0, -d), c + QPointF(d, 0), c + QPointF(0, d), c + QPointF(-d, 0) };
            p.drawConvexPolygon(diamond, 4);
        },
        tr("error") });
    return { first, second };
}

double itemWidth(const Item& item, const QFontMetricsF& fm)
{
    return (item.glyphWidth > 0.0 ? item.glyphWidth + 4 : 0.0) + fm.horizontalAdvance(item.text);
}

/// Where each item goes: its left edge and row, wrapping at `maxWidth`; returns the rows and widest row.
struct Placement {
    std::vector<std::pair<double, int>> at; ///< per item of all groups, in order
    int rows = 0;
    double width = 0.0;
};

Placement place(const std::vector<std::vector<Item>>& all, const QFontMetricsF& fm, double maxWidth)
{
    Placement out;
    for (const auto& group : all) {
        double x = kPadding;
        for (const Item& item : group) {
            const double w = itemWidth(item, fm);
            if (x > kPadding && x + w + kPadding > maxWidth) { // wrap, unless it is alone on its row
                ++out.rows;
                x = kPadding;
            }
            out.at.emplace_back(x, out.rows);
            out.width = std::max(out.width, x + w + kPadding);
            x += w + kSpacing;
        }
        ++out.rows;
    }
    return out;
}

} // namespace

double GraphLegend::rowHeight(const QFont& font)
{
    return std::max(QFontMetricsF(font).height(), kSwatch + 4);
}

QSizeF GraphLegend::size(const QFont& font, double maxWidth)
{
    const QPalette any; // sizes do not depend on colours
    const Placement placed = place(groups(any), QFontMetricsF(font), maxWidth);
    return { placed.width, placed.rows * rowHeight(font) + 2 * kPadding };
}

void GraphLegend::paint(
    QPainter& p, const QPointF& bottomLeft, const QPalette& palette, const QFont& font, double maxWidth)
{
    const QFontMetricsF fm(font);
    const auto all = groups(palette);
    const Placement placed = place(all, fm, maxWidth);
    const double row = rowHeight(font);
    const double top = bottomLeft.y() - (placed.rows * row + 2 * kPadding);
    p.save();
    p.setFont(font);
    size_t k = 0;
    for (const auto& group : all)
        for (const Item& item : group) {
            const auto [left, r] = placed.at[k++];
            const double mid = top + kPadding + row * (r + 0.5);
            double x = bottomLeft.x() + left;
            if (item.glyph) {
                item.glyph(p, QPointF(x + item.glyphWidth / 2, mid));
                x += item.glyphWidth + 4;
            }
            p.setPen(GraphStyle::mutedText(palette));
            p.drawText(QRectF(x, mid - row / 2, fm.horizontalAdvance(item.text) + 1, row), Qt::AlignVCenter, item.text);
        }
    p.restore();
}

} // namespace faultline
