#include "graphview.h"

#include "edgeroute.h"
#include "graphtext.h"
#include "nodeshape.h"

#include <QHelpEvent>
#include <QMouseEvent>
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
constexpr double kDragThreshold = 4.0;
} // namespace

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
    if (id == m_selected && (id.isEmpty() || m_selectedEdge.isNull())) return;
    m_selected = id;
    if (!id.isEmpty()) m_selectedEdge = {};
    update();
}

void GraphView::setSelectedEdge(const EdgeRef& edge)
{
    if (edge == m_selectedEdge && (edge.isNull() || m_selected.isEmpty())) return;
    m_selectedEdge = edge;
    if (!edge.isNull()) m_selected.clear();
    update();
}

int GraphView::edgeIndex(const EdgeRef& edge) const
{
    if (!m_snapshot || edge.isNull()) return -1;
    return m_snapshot->findEdge(edge.source.toStdString(), edge.target.toStdString());
}

void GraphView::setAnimationPaused(bool paused)
{
    if (paused == m_animationPaused) return;
    m_animationPaused = paused;
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
