#include "breakerbadge.h"

#include "graphstyle.h"

#include <QBuffer>
#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace faultline {

QColor BreakerBadge::color(BreakerState state, const QPalette& palette)
{
    switch (state) {
    case BreakerState::Closed:
        return GraphStyle::healthColor(Health::Healthy, palette);
    case BreakerState::Open:
    case BreakerState::ForcedOpen:
        return GraphStyle::healthColor(Health::Failing, palette);
    case BreakerState::HalfOpen:
        return GraphStyle::healthColor(Health::Degraded, palette);
    case BreakerState::Disabled:
        break;
    case BreakerState::MetricsOnly:
        return GraphStyle::isDark(palette) ? QColor(0x6c, 0xa6, 0xf0) : QColor(0x2a, 0x64, 0xb8);
    }
    return GraphStyle::healthColor(Health::Idle, palette);
}

void BreakerBadge::paint(
    QPainter& painter, BreakerState state, const QPointF& center, double radius, const QPalette& palette)
{
    paintGlyph(painter, state, center, radius, color(state, palette), GraphStyle::background(palette));
}

void BreakerBadge::paintGlyph(
    QPainter& p, BreakerState state, const QPointF& c, double r, const QColor& ink, const QColor& paper)
{
    p.save();
    p.setPen(Qt::NoPen);
    p.setBrush(paper);
    const double ring = r * 0.66; // radius of the rings' centre line
    const QRectF ringBox(c.x() - ring, c.y() - ring, 2 * ring, 2 * ring);
    switch (state) {
    case BreakerState::Closed:
        p.drawEllipse(c, r, r);
        p.setBrush(ink);
        p.drawEllipse(c, r * 0.8, r * 0.8);
        break;
    case BreakerState::Open: {
        // An open circuit: the ring is broken where the calls would pass (the callee's side).
        p.drawEllipse(c, r, r);
        p.setPen(QPen(ink, r * 0.3, Qt::SolidLine, Qt::RoundCap));
        p.setBrush(Qt::NoBrush);
        p.drawArc(ringBox, 50 * 16, 260 * 16);
        break;
    }
    case BreakerState::HalfOpen: {
        p.drawEllipse(c, r, r);
        p.setBrush(ink);
        p.drawPie(QRectF(c.x() - r * 0.8, c.y() - r * 0.8, r * 1.6, r * 1.6), 90 * 16, 180 * 16);
        p.setPen(QPen(ink, r * 0.2));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(c, r * 0.7, r * 0.7);
        break;
    }
    case BreakerState::ForcedOpen: {
        // Held open by hand: a solid square with a bar across, like a no-entry sign.
        const QRectF outer(c.x() - r, c.y() - r, 2 * r, 2 * r);
        p.drawRoundedRect(outer, r * 0.2, r * 0.2);
        p.setBrush(ink);
        p.drawRoundedRect(outer.adjusted(r * 0.18, r * 0.18, -r * 0.18, -r * 0.18), r * 0.15, r * 0.15);
        p.setBrush(paper);
        p.drawRect(QRectF(c.x() - r * 0.56, c.y() - r * 0.17, r * 1.12, r * 0.34));
        break;
    }
    case BreakerState::Disabled: {
        p.drawEllipse(c, r, r);
        p.setPen(QPen(ink, r * 0.2));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(c, ring, ring);
        const double d = ring * std::sqrt(0.5);
        p.setPen(QPen(ink, r * 0.22, Qt::SolidLine, Qt::FlatCap));
        p.drawLine(c + QPointF(-d, d), c + QPointF(d, -d));
        break;
    }
    case BreakerState::MetricsOnly: {
        p.drawEllipse(c, r, r);
        p.setPen(QPen(ink, r * 0.2));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(c, ring, ring);
        p.setPen(Qt::NoPen);
        p.setBrush(ink);
        p.drawEllipse(c, r * 0.27, r * 0.27);
        break;
    }
    }
    p.restore();
}

QImage BreakerBadge::image(BreakerState state, int size, const QPalette& palette)
{
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    paint(p, state, QPointF(size / 2.0, size / 2.0), size / 2.0 - 0.5, palette);
    return image;
}

QString BreakerBadge::html(BreakerState state, const QPalette& palette, int size)
{
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image(state, size, palette).save(&buffer, "PNG");
    return QStringLiteral("<img src=\"data:image/png;base64,%1\" width=\"%2\" height=\"%2\" style=\"vertical-align: "
                          "middle\">")
        .arg(QString::fromLatin1(png.toBase64()))
        .arg(size);
}

} // namespace faultline
