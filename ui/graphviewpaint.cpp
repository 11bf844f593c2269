#include "graphview.h"

#include "edgeroute.h"
#include "figureformat.h"
#include "graphlegend.h"
#include "graphstyle.h"
#include "graphtext.h"
#include "nodeshape.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

// The drawing half of GraphView: edges, nodes, labels and the legend. Interaction is in graphview.cpp.

namespace faultline {

namespace {
constexpr double kDetailScale = 0.45; ///< below this scale, figures and edge labels are left out
constexpr double kMaxTextBoost = 1.2;
} // namespace

QFont GraphView::graphFont(double px, bool bold) const
{
    QFont f(font());
    f.setPixelSize(std::max(1, static_cast<int>(std::lround(px * m_textBoost))));
    f.setBold(bold);
    return f;
}

void GraphView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    p.fillRect(rect(), GraphStyle::background(palette()));
    if (!m_snapshot || m_snapshot->nodes.empty()) {
        paintPlaceholder(p);
        return;
    }
    const QTransform t = viewTransform();
    const double scale = t.m11();
    // Text shrinks more slowly than shapes when the graph is scaled down, so it stays readable; the
    // layout leaves room for that much.
    m_textBoost = scale < 1.0 ? std::min(kMaxTextBoost, 1.0 / std::sqrt(scale)) : 1.0;
    p.setTransform(t);
    paintEdges(p, scale);
    paintNodes(p, scale);
    if (m_edgeLabels && scale >= kDetailScale) paintEdgeLabels(p);

    p.resetTransform();
    QFont legendFont = font();
    legendFont.setPixelSize(11);
    if (GraphLegend::size(legendFont).width() + 16 < width() && height() > 240)
        GraphLegend::paint(p, QPointF(8, height() - 6), palette(), legendFont);
}

void GraphView::paintPlaceholder(QPainter& p) const
{
    p.setPen(GraphStyle::mutedText(palette()));
    p.setFont(graphFont(15));
    p.drawText(rect(), Qt::AlignCenter, m_snapshot ? tr("Waiting for traffic…") : tr("No source"));
}

void GraphView::paintEdges(QPainter& p, double scale) const
{
    const QPalette& pal = palette();
    for (int i = 0; i < static_cast<int>(m_snapshot->edges.size()); ++i) {
        const EdgeSnapshot& e = m_snapshot->edges[i];
        if (e.source >= m_snapshot->nodes.size() || e.target >= m_snapshot->nodes.size()) continue;
        const EdgeRoute route = EdgeRoute::compute(*m_snapshot, m_layout, i);
        QColor color = GraphStyle::healthColor(e.health, pal);
        if (e.health == Health::Idle) color.setAlphaF(0.7f);
        QPen pen(color, route.width, Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin);
        if (e.kind == EdgeKind::Async) pen.setDashPattern({ 3.0, 2.0 });
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawPath(route.line);
        p.setPen(Qt::NoPen);
        p.setBrush(color);
        p.drawPolygon(route.arrowHead());

        // An open breaker matters even with labels off: mark it where the edge leaves its caller.
        if (e.breaker && scale >= kDetailScale
            && (e.breaker->state == BreakerState::Open || e.breaker->state == BreakerState::ForcedOpen
                || e.breaker->state == BreakerState::HalfOpen)) {
            const QPointF at = route.line.pointAtPercent(0.25);
            const bool half_open = e.breaker->state == BreakerState::HalfOpen;
            p.setBrush(GraphStyle::background(pal));
            p.setPen(QPen(GraphStyle::healthColor(half_open ? Health::Degraded : Health::Failing, pal), 2.0));
            p.drawEllipse(at, 8.0, 8.0);
            p.drawLine(at + QPointF(-4.5, -4.5), at + QPointF(4.5, 4.5));
            if (!half_open) p.drawLine(at + QPointF(-4.5, 4.5), at + QPointF(4.5, -4.5));
        }
    }
}

void GraphView::paintEdgeLabels(QPainter& p) const
{
    const QPalette& pal = palette();
    const QFont font = graphFont(9.5);
    const QFontMetricsF fm(font);
    p.setFont(font);
    QColor pill = GraphStyle::background(pal);
    pill.setAlphaF(0.88f);
    for (int i = 0; i < static_cast<int>(m_snapshot->edges.size()); ++i) {
        const EdgeSnapshot& e = m_snapshot->edges[i];
        if (e.source >= m_snapshot->nodes.size() || e.target >= m_snapshot->nodes.size()) continue;
        const QStringList lines = GraphText::edgeLabel(e);
        if (lines.isEmpty()) continue;
        double w = 0.0;
        for (const QString& line : lines)
            w = std::max(w, fm.horizontalAdvance(line) + 8.0);
        const double h = fm.height() * static_cast<double>(lines.size()) + 4.0;
        const QPointF at = EdgeRoute::compute(*m_snapshot, m_layout, i).line.pointAtPercent(0.5);
        const QRectF box(at.x() - w / 2, at.y() - h / 2, w, h);
        p.setPen(Qt::NoPen);
        p.setBrush(pill);
        p.drawRoundedRect(box, 4, 4);
        p.setPen(e.health == Health::Failing || e.health == Health::Degraded ? GraphStyle::healthColor(e.health, pal)
                                                                             : GraphStyle::mutedText(pal));
        p.drawText(box.adjusted(0, 2, 0, -2), Qt::AlignHCenter | Qt::AlignVCenter, lines.join(QLatin1Char('\n')));
    }
}

void GraphView::paintNodes(QPainter& p, double scale) const
{
    for (int i = 0; i < static_cast<int>(m_snapshot->nodes.size()); ++i)
        paintNode(p, i, scale);
}

void GraphView::paintNode(QPainter& p, int i, double scale) const
{
    const QPalette& pal = palette();
    const NodeSnapshot& n = m_snapshot->nodes[i];
    const QRectF box = m_layout.nodeRect(i);
    const QRectF r = shapeRect(i);
    const QPainterPath path = NodeShape::path(n.kind, r);
    const QColor accent = GraphStyle::healthColor(n.health, pal);
    const bool selected = !m_selected.isEmpty() && m_selected == QString::fromStdString(n.id);

    if (selected) {
        QColor halo = pal.color(QPalette::Highlight);
        halo.setAlphaF(0.35f);
        p.setPen(QPen(halo, 9.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
    }
    QPen outline(selected ? pal.color(QPalette::Highlight) : accent, selected ? 2.5 : (i == m_hovered ? 2.4 : 1.6));
    if (n.virtual_node) outline.setStyle(Qt::DashLine);
    p.setPen(outline);
    p.setBrush(GraphStyle::healthFill(n.health, pal));
    p.drawPath(path);

    const QColor text = GraphStyle::text(pal);
    QRectF textRect = r.adjusted(10, 2, -10, -2);
    switch (n.kind) {
    case NodeKind::Database: {
        p.setBrush(Qt::NoBrush);
        p.drawPath(NodeShape::detail(n.kind, r));
        textRect.setTop(r.top() + NodeShape::kDatabaseRim);
        break;
    }
    case NodeKind::Queue: {
        const double ew = NodeShape::kQueueCap;
        p.setBrush(GraphStyle::mix(GraphStyle::healthFill(n.health, pal), accent, 0.25));
        p.drawPath(NodeShape::detail(n.kind, r));
        // Depth on a log scale: 10 messages fill a quarter, 10 000 the whole bar.
        const double depth = n.queue ? n.queue->depth : 0.0;
        const double fraction = std::clamp(std::log10(1.0 + std::max(depth, 0.0)) / 4.0, 0.0, 1.0);
        const QRectF track(r.left() + ew, r.bottom() - 13, r.width() - 2.4 * ew, 5);
        p.setPen(Qt::NoPen);
        p.setBrush(GraphStyle::mix(GraphStyle::background(pal), text, 0.15));
        p.drawRoundedRect(track, 2.5, 2.5);
        if (fraction > 0.0) {
            p.setBrush(accent);
            p.drawRoundedRect(
                QRectF(track.topLeft(), QSizeF(std::max(track.width() * fraction, 5.0), track.height())), 2.5, 2.5);
        }
        textRect = QRectF(r.left() + ew * 0.5, r.top() + 2, r.width() - 1.6 * ew, r.height() - 16);
        break;
    }
    case NodeKind::User: {
        // A person: head and shoulders, clipped to the circle.
        QColor ink = text;
        ink.setAlphaF(0.65f);
        p.save();
        p.setClipPath(path);
        p.setPen(Qt::NoPen);
        p.setBrush(ink);
        const double d = r.height();
        p.drawEllipse(QPointF(r.center().x(), r.top() + d * 0.38), d * 0.15, d * 0.15);
        p.drawEllipse(QRectF(r.center().x() - d * 0.3, r.top() + d * 0.6, d * 0.6, d * 0.6));
        p.restore();
        textRect = QRectF(box.left() - 20, r.bottom() + 2, box.width() + 40, 17 * m_textBoost);
        break;
    }
    case NodeKind::Service:
    case NodeKind::External:
        break;
    }

    const QString id = QString::fromStdString(n.id);
    // Long ids shrink a little before they are elided.
    QFont idFont = graphFont(14, true);
    const int smallest = graphFont(11).pixelSize();
    while (idFont.pixelSize() > smallest && QFontMetricsF(idFont).horizontalAdvance(id) > textRect.width())
        idFont.setPixelSize(idFont.pixelSize() - 1);
    p.setFont(idFont);
    p.setPen(text);
    p.drawText(textRect, Qt::AlignCenter, QFontMetricsF(idFont).elidedText(id, Qt::ElideMiddle, textRect.width()));

    // Instance count: a small badge on the shape's top-right corner.
    if (n.instances > 0 && n.kind != NodeKind::User && n.kind != NodeKind::Queue) {
        const QFont badgeFont = graphFont(10, true);
        const QString badge = QStringLiteral("×%1").arg(n.instances);
        const double w = QFontMetricsF(badgeFont).horizontalAdvance(badge) + 10.0;
        const QRectF pill(r.right() - w + 4, r.top() - 8, w, 16);
        p.setPen(QPen(accent, 1.2));
        p.setBrush(GraphStyle::background(pal));
        p.drawRoundedRect(pill, 8, 8);
        p.setFont(badgeFont);
        p.setPen(text);
        p.drawText(pill, Qt::AlignCenter, badge);
    }

    if (scale >= kDetailScale) {
        // The figures line; wrapped before its last part when wider than the node, so layers can stay close.
        const QFont small = graphFont(11);
        const QFontMetricsF fm(small);
        const double below = n.kind == NodeKind::User ? textRect.bottom() + 2 : r.bottom() + 3;
        const double width = box.width() + 16.0;
        QString text = GraphText::figuresLine(*m_snapshot, i);
        const qsizetype cut = text.lastIndexOf(QStringLiteral(" · "));
        if (fm.horizontalAdvance(text) > width && cut > 0)
            text = text.left(cut) + QLatin1Char('\n') + text.mid(cut + 3);
        p.setFont(small);
        p.setPen(n.health == Health::Failing ? accent : GraphStyle::mutedText(pal));
        p.drawText(QRectF(box.center().x() - width / 2, below, width, GraphLayout::kLabelHeight * m_textBoost),
            Qt::AlignHCenter | Qt::AlignTop, text);
    }
}
} // namespace faultline
