#include "graphlegend.h"

#include "breakerbadge.h"
#include "figureformat.h"
#include "graphstyle.h"

#include <QCoreApplication>
#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>

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

double firstRowWidth(const QFontMetricsF& fm)
{
    double w = 0.0;
    for (Health h : kHealths)
        w += kSwatch + 4 + fm.horizontalAdvance(FigureFormat::health(h).toLower()) + kSpacing;
    return w + 2 * (kLine + 4 + kSpacing) + fm.horizontalAdvance(tr("sync")) + fm.horizontalAdvance(tr("async"));
}

double secondRowWidth(const QFontMetricsF& fm)
{
    double w = fm.horizontalAdvance(tr("breaker")) + kSpacing;
    for (BreakerState state : BreakerBadge::kStates)
        w += kSwatch + 4 + fm.horizontalAdvance(FigureFormat::breakerState(state).toLower()) + kSpacing;
    return w + 2 * (kSwatch + 4 + kSpacing) + fm.horizontalAdvance(tr("call")) + fm.horizontalAdvance(tr("error"));
}
} // namespace

double GraphLegend::rowHeight(const QFont& font)
{
    return std::max(QFontMetricsF(font).height(), kSwatch + 4);
}

QSizeF GraphLegend::size(const QFont& font)
{
    const QFontMetricsF fm(font);
    return { std::max(firstRowWidth(fm), secondRowWidth(fm)) + 2 * kPadding, 2 * rowHeight(font) + 2 * kPadding };
}

void GraphLegend::paint(QPainter& p, const QPointF& bottomLeft, const QPalette& palette, const QFont& font)
{
    const QSizeF s = size(font);
    const QFontMetricsF fm(font);
    const QRectF box(bottomLeft.x(), bottomLeft.y() - s.height(), s.width(), s.height());
    const double row = rowHeight(font);
    double mid = box.top() + kPadding + row / 2;
    p.save();
    p.setFont(font);
    double x = box.left() + kPadding;
    const auto label = [&](const QString& text) {
        p.setPen(GraphStyle::mutedText(palette));
        p.drawText(QRectF(x, mid - row / 2, fm.horizontalAdvance(text) + 1, row), Qt::AlignVCenter, text);
        x += fm.horizontalAdvance(text) + kSpacing;
    };
    for (Health h : kHealths) {
        p.setPen(QPen(GraphStyle::healthColor(h, palette), 1.2));
        p.setBrush(GraphStyle::healthFill(h, palette));
        p.drawRoundedRect(QRectF(x, mid - kSwatch / 2, kSwatch, kSwatch), 2.5, 2.5);
        x += kSwatch + 4;
        label(FigureFormat::health(h).toLower());
    }
    for (bool async : { false, true }) {
        QPen pen(GraphStyle::mutedText(palette), 2.0, Qt::SolidLine, Qt::FlatCap);
        if (async) pen.setDashPattern({ 3.0, 2.0 });
        p.setPen(pen);
        p.drawLine(QPointF(x, mid), QPointF(x + kLine, mid));
        x += kLine + 4;
        label(async ? tr("async") : tr("sync"));
    }

    // Second row: the breaker glyphs, and the traffic particles' shapes.
    x = box.left() + kPadding;
    mid += row;
    label(tr("breaker"));
    for (BreakerState state : BreakerBadge::kStates) {
        BreakerBadge::paint(p, state, QPointF(x + kSwatch / 2, mid), kSwatch / 2 + 0.5, palette);
        x += kSwatch + 4;
        label(FigureFormat::breakerState(state).toLower());
    }
    QColor ok = GraphStyle::text(palette);
    ok.setAlphaF(0.8f);
    p.setPen(Qt::NoPen);
    p.setBrush(ok);
    p.drawEllipse(QPointF(x + kSwatch / 2, mid), 2.6, 2.6);
    x += kSwatch + 4;
    label(tr("call"));
    p.setPen(QPen(GraphStyle::background(palette), 1.0));
    p.setBrush(GraphStyle::healthColor(Health::Failing, palette));
    const QPointF c(x + kSwatch / 2, mid);
    const double d = 3.8;
    const QPointF diamond[4] = { c + QPointF(0, -d), c + QPointF(d, 0), c + QPointF(0, d), c + QPointF(-d, 0) };
    p.drawConvexPolygon(diamond, 4);
    x += kSwatch + 4;
    label(tr("error"));
    p.restore();
}

} // namespace faultline
