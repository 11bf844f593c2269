#include "graphview.h"

#include "edgeroute.h"
#include "figureformat.h"
#include "graphlegend.h"
#include "graphstyle.h"
#include "graphtext.h"
#include "nodeshape.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPathStroker>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace faultline {

namespace {
constexpr double kMargin = 24.0;
constexpr double kMaxFitScale = 1.5;
constexpr double kMinZoom = 0.2;
constexpr double kMaxZoom = 8.0;
constexpr double kDetailScale = 0.45; ///< below this scale, figures and edge labels are left out
constexpr double kDragThreshold = 4.0;

constexpr double kMaxTextBoost = 1.2;
} // namespace

QFont GraphView::graphFont(double px, bool bold) const
{
    QFont f(font());
    f.setPixelSize(std::max(1, static_cast<int>(std::lround(px * m_textBoost))));
    f.setBold(bold);
    return f;
}

GraphView::GraphView(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::StrongFocus);
    setAccessibleName(tr("Service graph"));
}

void GraphView::setSnapshot(std::shared_ptr<const GraphSnapshot> snapshot)
{
    m_snapshot = std::move(snapshot);
    std::string key = m_snapshot ? GraphLayout::topologyKey(*m_snapshot) : std::string();
    if (key != m_topology || (m_snapshot && m_layout.nodeCount() != static_cast<int>(m_snapshot->nodes.size()))) {
        m_topology = std::move(key);
        m_index.clear();
        if (m_snapshot) {
            m_layout.compute(*m_snapshot);
            for (int i = 0; i < static_cast<int>(m_snapshot->nodes.size()); ++i)
                m_index.insert(QString::fromStdString(m_snapshot->nodes[i].id), i);
        } else {
            m_layout = GraphLayout();
        }
        m_hovered = -1;
        ++m_layoutGeneration;
    }
    update();
}

QPointF GraphView::nodeCenter(const QString& id) const
{
    const int i = nodeIndex(id);
    return i < 0 ? QPointF() : viewTransform().map(shapeRect(i).center());
}

QRectF GraphView::nodeRect(const QString& id) const
{
    const int i = nodeIndex(id);
    return i < 0 ? QRectF() : viewTransform().mapRect(shapeRect(i));
}

QString GraphView::nodeAt(const QPointF& pos) const
{
    const int i = nodeIndexAt(pos);
    return i < 0 ? QString() : QString::fromStdString(m_snapshot->nodes[i].id);
}

void GraphView::setSelectedNode(const QString& id)
{
    if (id == m_selected) return;
    m_selected = id;
    update();
}

void GraphView::setEdgeLabelsVisible(bool visible)
{
    if (visible == m_edgeLabels) return;
    m_edgeLabels = visible;
    update();
    emit edgeLabelsVisibleChanged(visible);
}

void GraphView::fitToView()
{
    m_user.reset();
    update();
}

QTransform GraphView::viewTransform() const
{
    const QRectF bounds = m_layout.bounds();
    const QRectF area = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
    if (bounds.isEmpty() || area.width() <= 0 || area.height() <= 0) return m_user;
    const double scale = std::min({ area.width() / bounds.width(), area.height() / bounds.height(), kMaxFitScale });
    QTransform fit;
    fit.translate(area.center().x(), area.center().y());
    fit.scale(scale, scale);
    fit.translate(-bounds.center().x(), -bounds.center().y());
    return fit * m_user;
}

int GraphView::nodeIndex(const QString& id) const
{
    return m_index.value(id, -1);
}

int GraphView::nodeIndexAt(const QPointF& pos) const
{
    if (!m_snapshot || m_layout.isEmpty()) return -1;
    bool invertible = false;
    const QPointF p = viewTransform().inverted(&invertible).map(pos);
    if (!invertible) return -1;
    for (int i = 0; i < m_layout.nodeCount(); ++i)
        if (m_layout.nodeRect(i).adjusted(-4, -4, 4, 4).contains(p)) return i;
    return -1;
}

int GraphView::edgeIndexAt(const QPointF& pos) const
{
    if (!m_snapshot || m_layout.isEmpty()) return -1;
    bool invertible = false;
    const QTransform t = viewTransform();
    const QPointF p = t.inverted(&invertible).map(pos);
    if (!invertible) return -1;
    QPainterPathStroker stroker;
    stroker.setWidth(std::max(8.0, 8.0 / std::max(t.m11(), 0.01)));
    for (int e = 0; e < static_cast<int>(m_snapshot->edges.size()); ++e)
        if (stroker.createStroke(EdgeRoute::compute(*m_snapshot, m_layout, e).line).contains(p)) return e;
    return -1;
}

QRectF GraphView::shapeRect(int node) const
{
    return NodeShape::rect(m_snapshot->nodes[node].kind, m_layout.nodeRect(node));
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

void GraphView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_pressPos = event->position();
    m_pressUser = m_user;
    const int i = nodeIndexAt(event->position());
    m_panning = i < 0;
    if (i >= 0) {
        const QString id = QString::fromStdString(m_snapshot->nodes[i].id);
        setSelectedNode(id);
        emit nodeSelected(id);
    }
    event->accept();
}

void GraphView::mouseMoveEvent(QMouseEvent* event)
{
    if (m_panning && (event->buttons() & Qt::LeftButton)) {
        const QPointF delta = event->position() - m_pressPos;
        if (delta.manhattanLength() >= kDragThreshold || m_user != m_pressUser) {
            m_user = m_pressUser * QTransform::fromTranslate(delta.x(), delta.y());
            setCursor(Qt::ClosedHandCursor);
            update();
        }
        return;
    }
    const int hovered = nodeIndexAt(event->position());
    if (hovered != m_hovered) {
        m_hovered = hovered;
        setCursor(hovered >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
        update();
    }
}

void GraphView::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton && m_panning) {
        // A click on the background, not a drag: clear the selection.
        if (m_user == m_pressUser && !m_selected.isEmpty()) {
            setSelectedNode(QString());
            emit nodeSelected(QString());
        }
        m_panning = false;
        unsetCursor();
    }
    QWidget::mouseReleaseEvent(event);
}

void GraphView::wheelEvent(QWheelEvent* event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0.0 || !m_snapshot) {
        event->ignore();
        return;
    }
    const double current = std::sqrt(std::abs(m_user.determinant()));
    const double factor = std::clamp(std::pow(1.15, steps), kMinZoom / current, kMaxZoom / current);
    const QPointF at = event->position();
    m_user = m_user * QTransform::fromTranslate(-at.x(), -at.y()) * QTransform::fromScale(factor, factor)
        * QTransform::fromTranslate(at.x(), at.y());
    update();
    event->accept();
}

void GraphView::leaveEvent(QEvent* event)
{
    if (m_hovered >= 0) {
        m_hovered = -1;
        update();
    }
    QWidget::leaveEvent(event);
}

bool GraphView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto* help = static_cast<QHelpEvent*>(event);
        const int node = nodeIndexAt(help->pos());
        const int edge = node < 0 ? edgeIndexAt(help->pos()) : -1;
        if (node >= 0)
            QToolTip::showText(help->globalPos(), GraphText::nodeToolTip(*m_snapshot, node), this);
        else if (edge >= 0)
            QToolTip::showText(help->globalPos(), GraphText::edgeToolTip(*m_snapshot, edge), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void GraphView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) update();
    QWidget::changeEvent(event);
}

} // namespace faultline
