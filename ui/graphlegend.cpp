#include "graphlegend.h"

#include "figureformat.h"
#include "graphstyle.h"

#include <QCoreApplication>
#include <QFontMetricsF>
#include <QPainter>

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
} // namespace

QSizeF GraphLegend::size(const QFont& font)
{
    const QFontMetricsF fm(font);
    double w = 2 * kPadding;
    for (Health h : kHealths)
        w += kSwatch + 4 + fm.horizontalAdvance(FigureFormat::health(h).toLower()) + kSpacing;
    w += 2 * (kLine + 4 + kSpacing) + fm.horizontalAdvance(tr("sync")) + fm.horizontalAdvance(tr("async"));
    return { w, fm.height() + 2 * kPadding };
}

void GraphLegend::paint(QPainter& p, const QPointF& bottomLeft, const QPalette& palette, const QFont& font)
{
    const QSizeF s = size(font);
    const QFontMetricsF fm(font);
    const QRectF box(bottomLeft.x(), bottomLeft.y() - s.height(), s.width(), s.height());
    const double mid = box.center().y();
    p.save();
    p.setFont(font);
    double x = box.left() + kPadding;
    const auto label = [&](const QString& text) {
        p.setPen(GraphStyle::mutedText(palette));
        p.drawText(QRectF(x, box.top(), fm.horizontalAdvance(text) + 1, box.height()), Qt::AlignVCenter, text);
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
    p.restore();
}

} // namespace faultline
