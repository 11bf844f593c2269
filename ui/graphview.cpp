#include "graphview.h"

#include "edgeroute.h"
#include "graphstyle.h"
#include "graphtext.h"
#include "nodeshape.h"

#include <QFutureWatcher>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPathStroker>
#include <QPromise>
#include <QSettings>
#include <QThreadPool>
#include <QToolTip>
#include <QUrl>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace faultline {

namespace {
constexpr double kMargin = 24.0;
constexpr double kMaxFitScale = 1.5;
constexpr double kMinZoom = 0.2;
constexpr double kMaxZoom = 8.0;
constexpr double kDragThreshold = 4.0;
constexpr double kMaxAbsoluteScale = 4.0; ///< zooming in stops at 4 screen pixels per layout unit
constexpr double kZoomStep = 1.25;
constexpr double kPanStep = 0.1; ///< of the view's size, per arrow key press
constexpr int kMaxFocusEdgesCarved = 400;

QString settingsGroup(const QString& key)
{
    // Keys and ids may hold '/' (a live address) or other characters QSettings treats specially.
    return QStringLiteral("layouts/") + QString::fromLatin1(QUrl::toPercentEncoding(key));
}

QString settingsName(const QString& id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(id));
}

int severity(Health h)
{
    switch (h) {
    case Health::Idle:
        return 0;
    case Health::Healthy:
        return 1;
    case Health::Degraded:
        return 2;
    case Health::Failing:
        return 3;
    }
    return 0;
}

// Folds duplicate edges (same ends and kind, after collapsing) into one: rates add up, the error rate is
// weighted by rate, the worse health wins, latency and breaker come from the busier edge.
void mergeEdge(EdgeSnapshot& into, const EdgeSnapshot& e)
{
    const double total = into.traffic.rps + e.traffic.rps;
    if (total > 0.0)
        into.traffic.error_rate
            = (into.traffic.error_rate * into.traffic.rps + e.traffic.error_rate * e.traffic.rps) / total;
    if (e.traffic.rps > into.traffic.rps) {
        into.traffic.latency = e.traffic.latency;
        into.server_latency = e.server_latency;
        if (e.breaker) into.breaker = e.breaker;
    }
    if (!into.breaker) into.breaker = e.breaker;
    into.traffic.rps = total;
    into.traffic.totals.requests += e.traffic.totals.requests;
    into.traffic.totals.errors += e.traffic.totals.errors;
    if (severity(e.health) > severity(into.health)) into.health = e.health;
}
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
    m_source = std::move(snapshot);
    refreshShown();
}

std::shared_ptr<const GraphSnapshot> GraphView::shownSnapshot() const
{
    if (!m_source) return nullptr;
    const GraphSnapshot& src = *m_source;
    const int n = static_cast<int>(src.nodes.size());
    const bool anyCollapse = m_collapseAll || !m_collapsedQueues.isEmpty();
    if (m_idleVisible && !anyCollapse) return m_source;

    // Which nodes stay, and which fold into a queue: a consumer whose every caller is that queue.
    std::vector<int> into(n, -1); // the node each one is drawn as (itself, a queue, or -1: hidden)
    for (int v = 0; v < n; ++v)
        into[v] = !m_idleVisible && src.nodes[v].health == Health::Idle && src.nodes[v].kind != NodeKind::User ? -1 : v;
    if (anyCollapse) {
        std::vector<int> onlyCaller(n, -1); // -1 none yet, -2 several
        for (const auto& e : src.edges) {
            if (e.source >= static_cast<uint32_t>(n) || e.target >= static_cast<uint32_t>(n)) continue;
            int& c = onlyCaller[e.target];
            c = c == -1 || c == static_cast<int>(e.source) ? static_cast<int>(e.source) : -2;
        }
        for (int v = 0; v < n; ++v) {
            const int q = onlyCaller[v];
            if (q < 0 || into[v] < 0 || into[q] != q || src.nodes[q].kind != NodeKind::Queue) continue;
            if (src.nodes[v].kind == NodeKind::Queue) continue;
            if (isQueueCollapsed(QString::fromStdString(src.nodes[q].id))) into[v] = q;
        }
    }
    auto shown = std::make_shared<GraphSnapshot>();
    shown->sequence = src.sequence;
    shown->source = src.source;
    shown->time_s = src.time_s;
    shown->window_s = src.window_s;
    shown->counters = src.counters;
    std::vector<int> index(n, -1);
    for (int v = 0; v < n; ++v)
        if (into[v] == v) {
            index[v] = static_cast<int>(shown->nodes.size());
            shown->nodes.push_back(src.nodes[v]); // still sorted by id
        }
    std::map<std::tuple<int, int, int>, size_t> seen;
    for (const auto& e : src.edges) {
        if (e.source >= static_cast<uint32_t>(n) || e.target >= static_cast<uint32_t>(n)) continue;
        const int from = into[e.source] < 0 ? -1 : index[into[e.source]];
        const int to = into[e.target] < 0 ? -1 : index[into[e.target]];
        if (from < 0 || to < 0 || (from == to && e.source != e.target)) continue;
        const auto key = std::make_tuple(from, to, static_cast<int>(e.kind));
        auto it = seen.find(key);
        if (it != seen.end()) {
            mergeEdge(shown->edges[it->second], e);
            continue;
        }
        EdgeSnapshot copy = e;
        copy.source = static_cast<uint32_t>(from);
        copy.target = static_cast<uint32_t>(to);
        seen.emplace(key, shown->edges.size());
        shown->edges.push_back(std::move(copy));
    }
    std::sort(shown->edges.begin(), shown->edges.end(), [](const EdgeSnapshot& a, const EdgeSnapshot& b) {
        return std::make_tuple(a.source, a.target, a.kind) < std::make_tuple(b.source, b.target, b.kind);
    });
    return shown;
}

void GraphView::refreshShown()
{
    std::shared_ptr<const GraphSnapshot> shown = shownSnapshot();
    // Which consumers are folded where, for collapsedConsumers().
    m_collapsedInto.clear();
    if (shown && shown != m_source) {
        for (const auto& node : m_source->nodes)
            if (shown->findNode(node.id) < 0 && !(!m_idleVisible && node.health == Health::Idle)) {
                for (const auto& e : m_source->edges)
                    if (m_source->nodes[e.target].id == node.id) {
                        m_collapsedInto[QString::fromStdString(m_source->nodes[e.source].id)].append(
                            QString::fromStdString(node.id));
                        break;
                    }
            }
    }
    std::string key = shown ? GraphLayout::topologyKey(*shown) : std::string();
    if (!shown) {
        m_pendingTopology.clear();
        m_pendingSnapshot.reset();
        ++m_layoutJob;
        installLayout(nullptr, std::string(), GraphLayout());
        return;
    }
    if (key == m_topology && m_snapshot && m_layout.nodeCount() == static_cast<int>(shown->nodes.size())) {
        if (!m_pendingTopology.empty()) { // back to what is drawn: the layout under way is not wanted
            m_pendingTopology.clear();
            m_pendingSnapshot.reset();
            ++m_layoutJob;
        }
        m_snapshot = std::move(shown);
        update();
        return;
    }
    if (key == m_pendingTopology) {
        m_pendingSnapshot = std::move(shown);
        return;
    }
    startLayout(std::move(shown), std::move(key), true);
}

void GraphView::startLayout(std::shared_ptr<const GraphSnapshot> shown, std::string key, bool seeded)
{
    const int job = ++m_layoutJob;
    const bool small = static_cast<int>(shown->nodes.size() + shown->edges.size()) <= m_asyncThreshold;
    if (small) {
        GraphLayout layout;
        layout.compute(*shown, seeded ? &m_layout : nullptr);
        m_pendingTopology.clear();
        m_pendingSnapshot.reset();
        installLayout(std::move(shown), std::move(key), std::move(layout));
        return;
    }
    // Off the UI thread: the worker gets its own copies (the snapshot is immutable, the previous layout
    // copied); the result comes back through a future, and is dropped if another layout started since.
    m_pendingTopology = key;
    m_pendingSnapshot = shown;
    auto previous = seeded ? std::make_shared<const GraphLayout>(m_layout) : nullptr;
    auto promise = std::make_shared<QPromise<std::shared_ptr<GraphLayout>>>();
    auto* watcher = new QFutureWatcher<std::shared_ptr<GraphLayout>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, job, key] {
        watcher->deleteLater();
        if (job != m_layoutJob || key != m_pendingTopology || watcher->future().resultCount() == 0) return;
        std::shared_ptr<const GraphSnapshot> latest = std::move(m_pendingSnapshot);
        m_pendingTopology.clear();
        installLayout(std::move(latest), key, std::move(*watcher->future().result()));
    });
    watcher->setFuture(promise->future());
    QThreadPool::globalInstance()->start([promise, shown, previous] {
        promise->start();
        auto layout = std::make_shared<GraphLayout>();
        layout->compute(*shown, previous.get());
        promise->addResult(std::move(layout));
        promise->finish();
    });
    update();
}

void GraphView::installLayout(std::shared_ptr<const GraphSnapshot> shown, std::string key, GraphLayout layout)
{
    m_layout = std::move(layout);
    m_snapshot = std::move(shown);
    m_topology = std::move(key);
    m_index.clear();
    if (m_snapshot)
        for (int i = 0; i < static_cast<int>(m_snapshot->nodes.size()); ++i)
            m_index.insert(QString::fromStdString(m_snapshot->nodes[i].id), i);
    applyDraggedPositions();
    m_hovered = -1;
    m_dragNode = -1;
    m_dragging = false;
    ++m_layoutGeneration;
    emit layoutChanged();
    update();
}

void GraphView::applyDraggedPositions()
{
    if (m_dragged.isEmpty() || m_layout.isEmpty()) return;
    for (auto it = m_dragged.cbegin(); it != m_dragged.cend(); ++it) {
        const int i = nodeIndex(it.key());
        if (i >= 0 && i < m_layout.nodeCount()) m_layout.moveNode(i, it.value());
    }
    m_layout.refreshBounds();
}

void GraphView::setLayoutKey(const QString& key)
{
    m_layoutKey = key;
    m_dragged.clear();
    if (!key.isEmpty()) {
        QSettings settings;
        settings.beginGroup(settingsGroup(key));
        for (const QString& name : settings.childKeys()) {
            const QVariant v = settings.value(name);
            if (!v.canConvert<QPointF>()) continue;
            const QPointF p = v.toPointF();
            if (std::isfinite(p.x()) && std::isfinite(p.y()))
                m_dragged.insert(QUrl::fromPercentEncoding(name.toLatin1()), p);
        }
    }
    applyDraggedPositions();
    ++m_layoutGeneration;
    update();
}

void GraphView::resetLayout()
{
    if (!m_layoutKey.isEmpty()) QSettings().remove(settingsGroup(m_layoutKey));
    m_dragged.clear();
    m_user.reset();
    std::shared_ptr<const GraphSnapshot> shown = m_pendingSnapshot ? m_pendingSnapshot : m_snapshot;
    if (!shown || shown->nodes.empty()) {
        update();
        return;
    }
    startLayout(shown, GraphLayout::topologyKey(*shown), false);
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

EdgeRef GraphView::edgeAt(const QPointF& pos) const
{
    const int e = edgeIndexAt(pos);
    if (e < 0) return {};
    const EdgeSnapshot& edge = m_snapshot->edges[static_cast<size_t>(e)];
    return { QString::fromStdString(m_snapshot->nodes[edge.source].id),
        QString::fromStdString(m_snapshot->nodes[edge.target].id) };
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

void GraphView::zoomIn()
{
    zoomBy(kZoomStep, QRectF(rect()).center());
}

void GraphView::zoomOut()
{
    zoomBy(1.0 / kZoomStep, QRectF(rect()).center());
}

void GraphView::zoomBy(double factor, const QPointF& at)
{
    if (!m_snapshot || m_layout.isEmpty()) return;
    // Limits on the drawn scale: from a fifth of the fit up to 4 px per unit (or 8x the fit, if more), so a
    // 5,000-node graph can still be zoomed in to readable nodes.
    const double fit = std::max(fitTransform().m11(), 1e-6);
    const double current = viewTransform().m11();
    const double lo = fit * kMinZoom;
    const double hi = std::max(kMaxAbsoluteScale, fit * kMaxZoom);
    factor = std::clamp(factor, lo / current, hi / current);
    setUserTransform(m_user * QTransform::fromTranslate(-at.x(), -at.y()) * QTransform::fromScale(factor, factor)
        * QTransform::fromTranslate(at.x(), at.y()));
}

void GraphView::setUserTransform(const QTransform& user)
{
    m_user = user;
    update();
}

QTransform GraphView::fitTransform() const
{
    const QRectF bounds = m_layout.bounds();
    const QRectF area = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
    if (bounds.isEmpty() || area.width() <= 0 || area.height() <= 0) return {};
    const double scale
        = std::min({ area.width() / bounds.width(), area.height() / bounds.height(), kMaxFitScale * m_presentation });
    QTransform fit;
    fit.translate(area.center().x(), area.center().y());
    fit.scale(scale, scale);
    fit.translate(-bounds.center().x(), -bounds.center().y());
    return fit;
}

QTransform GraphView::viewTransform() const
{
    return fitTransform() * m_user;
}

bool GraphView::isQueueCollapsed(const QString& queue) const
{
    return m_collapseAll || m_collapsedQueues.contains(queue);
}

void GraphView::setIdleNodesVisible(bool visible)
{
    if (visible == m_idleVisible) return;
    m_idleVisible = visible;
    refreshShown();
    emit idleNodesVisibleChanged(visible);
}

void GraphView::setQueueConsumersCollapsed(bool collapsed)
{
    if (collapsed == m_collapseAll) return;
    m_collapseAll = collapsed;
    if (!collapsed) m_collapsedQueues.clear();
    refreshShown();
    emit queueConsumersCollapsedChanged(collapsed);
}

void GraphView::setQueueCollapsed(const QString& queue, bool collapsed)
{
    if (collapsed == m_collapsedQueues.contains(queue)) return;
    if (collapsed)
        m_collapsedQueues.insert(queue);
    else
        m_collapsedQueues.remove(queue);
    refreshShown();
}

QSet<int> GraphView::focusSet() const
{
    QSet<int> set;
    const int f = nodeIndex(m_focus);
    if (f < 0 || !m_snapshot) return set;
    set.insert(f);
    for (const auto& e : m_snapshot->edges) {
        if (static_cast<int>(e.source) == f) set.insert(static_cast<int>(e.target));
        if (static_cast<int>(e.target) == f) set.insert(static_cast<int>(e.source));
    }
    return set;
}

QStringList GraphView::focusNeighbourhood() const
{
    QStringList ids;
    for (int i : focusSet())
        ids.append(QString::fromStdString(m_snapshot->nodes[i].id));
    ids.sort();
    return ids;
}

bool GraphView::focusNode(const QString& id)
{
    const int f = nodeIndex(id);
    if (f < 0 || f >= m_layout.nodeCount()) return false;
    m_focus = id;
    setSelectedNode(id);
    emit nodeSelected(id);
    QRectF box;
    for (int i : focusSet())
        box |= m_layout.nodeRect(i).adjusted(-12, -12, 12, GraphLayout::kLabelHeight);
    // The whole neighbourhood in view, no larger than 1.5 px per unit, centred.
    const QRectF area = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
    if (area.width() > 0 && area.height() > 0 && !box.isEmpty()) {
        const double scale
            = std::clamp(std::min({ area.width() / box.width(), area.height() / box.height(), kMaxFitScale }), 1e-3,
                kMaxAbsoluteScale);
        QTransform want;
        want.translate(area.center().x(), area.center().y());
        want.scale(scale, scale);
        want.translate(-box.center().x(), -box.center().y());
        bool invertible = false;
        const QTransform fitInverse = fitTransform().inverted(&invertible);
        if (invertible) m_user = fitInverse * want;
    }
    update();
    return true;
}

void GraphView::clearNodeFocus()
{
    if (m_focus.isEmpty()) return;
    m_focus.clear();
    update();
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
    const double reach = stroker.width() / 2.0;
    const QRectF probe(p.x() - reach, p.y() - reach, 2 * reach, 2 * reach);
    // The routes the last paint used; most edges are far away and their box rules them out, and of a long
    // edge only the piece near the pointer is stroked (ui/pathclip.h).
    syncPaintCache();
    std::vector<PathRun> near;
    for (int e = 0; e < static_cast<int>(m_edgeGeometry.size()); ++e) {
        const EdgeGeometry& g = m_edgeGeometry[static_cast<size_t>(e)];
        if (!g.valid || !g.bounds.intersects(probe)) continue;
        near.clear();
        visibleRuns(g.line, probe.adjusted(-reach, -reach, reach, reach), near, false);
        for (const PathRun& run : near)
            if (stroker.createStroke(run.path).contains(p)) return e;
    }
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
    m_pressEdge = {};
    m_dragging = false;
    const int i = nodeIndexAt(event->position());
    m_panning = i < 0;
    m_dragNode = i;
    if (i >= 0) {
        m_dragStart = m_layout.center(i);
        const QString id = QString::fromStdString(m_snapshot->nodes[i].id);
        setSelectedNode(id);
        emit nodeSelected(id);
    } else if (const int e = edgeIndexAt(event->position()); e >= 0) {
        const EdgeSnapshot& edge = m_snapshot->edges[e];
        m_pressEdge = { QString::fromStdString(m_snapshot->nodes[edge.source].id),
            QString::fromStdString(m_snapshot->nodes[edge.target].id) };
        setSelectedEdge(m_pressEdge);
        emit edgeSelected(m_pressEdge);
    }
    event->accept();
}

void GraphView::mouseMoveEvent(QMouseEvent* event)
{
    const QPointF delta = event->position() - m_pressPos;
    if (m_dragNode >= 0 && (event->buttons() & Qt::LeftButton) && m_dragNode < m_layout.nodeCount()) {
        if (m_dragging || delta.manhattanLength() >= kDragThreshold) {
            // The fit stays as it was at the press until the release, so the node follows the pointer.
            m_dragging = true;
            const double scale = std::max(viewTransform().m11(), 1e-6);
            m_layout.moveNode(m_dragNode, m_dragStart + delta / scale);
            setCursor(Qt::ClosedHandCursor);
            update();
        }
        return;
    }
    if (m_panning && (event->buttons() & Qt::LeftButton)) {
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
    if (event->button() == Qt::LeftButton && m_dragNode >= 0) {
        if (m_dragging && m_dragNode < m_layout.nodeCount()) {
            // The bounds grow or shrink with the move: keep what is on screen where it is.
            const QTransform before = viewTransform();
            m_layout.refreshBounds();
            bool invertible = false;
            const QTransform fitInverse = fitTransform().inverted(&invertible);
            if (invertible) m_user = fitInverse * before;
            const QString id = QString::fromStdString(m_snapshot->nodes[m_dragNode].id);
            const QPointF at = m_layout.center(m_dragNode);
            m_dragged.insert(id, at);
            if (!m_layoutKey.isEmpty()) {
                QSettings settings;
                settings.beginGroup(settingsGroup(m_layoutKey));
                settings.setValue(settingsName(id), at);
            }
            ++m_layoutGeneration;
            update();
        }
        m_dragNode = -1;
        m_dragging = false;
        unsetCursor();
    } else if (event->button() == Qt::LeftButton && m_panning) {
        // A click on the background, not a drag: clear the selection and the focus.
        if (m_user == m_pressUser && m_pressEdge.isNull()) {
            clearNodeFocus();
            if (!m_selected.isEmpty()) {
                setSelectedNode(QString());
                emit nodeSelected(QString());
            }
            if (!m_selectedEdge.isNull()) {
                setSelectedEdge({});
                emit edgeSelected({});
            }
        }
        m_panning = false;
        unsetCursor();
    }
    QWidget::mouseReleaseEvent(event);
}

void GraphView::mouseDoubleClickEvent(QMouseEvent* event)
{
    const int i = event->button() == Qt::LeftButton ? nodeIndexAt(event->position()) : -1;
    if (i >= 0) {
        focusNode(QString::fromStdString(m_snapshot->nodes[i].id));
        event->accept();
        return;
    }
    QWidget::mouseDoubleClickEvent(event);
}

void GraphView::keyPressEvent(QKeyEvent* event)
{
    const double dx = width() * kPanStep;
    const double dy = height() * kPanStep;
    switch (event->key()) {
    case Qt::Key_Left:
        setUserTransform(m_user * QTransform::fromTranslate(dx, 0));
        break;
    case Qt::Key_Right:
        setUserTransform(m_user * QTransform::fromTranslate(-dx, 0));
        break;
    case Qt::Key_Up:
        setUserTransform(m_user * QTransform::fromTranslate(0, dy));
        break;
    case Qt::Key_Down:
        setUserTransform(m_user * QTransform::fromTranslate(0, -dy));
        break;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_Home:
        fitToView();
        break;
    case Qt::Key_Escape:
        if (m_focus.isEmpty()) {
            QWidget::keyPressEvent(event);
            return;
        }
        clearNodeFocus();
        break;
    default:
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

void GraphView::wheelEvent(QWheelEvent* event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0.0 || !m_snapshot) {
        event->ignore();
        return;
    }
    zoomBy(std::pow(1.15, steps), event->position());
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
    if (event->type() == QEvent::Paint) {
        // The drawing itself is paintEvent's (graphviewpaint.cpp); the focus dims it afterwards.
        const bool handled = QWidget::event(event);
        paintFocusOverlay();
        return handled;
    }
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

void GraphView::paintFocusOverlay()
{
    if (m_focus.isEmpty() || !m_snapshot || m_layout.isEmpty()) return;
    const QSet<int> focus = focusSet();
    if (focus.isEmpty()) return;
    const QTransform t = viewTransform();
    // Everything but the focused nodes (with their figures) and the edges between them goes behind a veil
    // of the background colour.
    QPainterPath keep;
    keep.setFillRule(Qt::WindingFill);
    for (int i : focus)
        keep.addRect(t.mapRect(m_layout.nodeRect(i).adjusted(-10, -12, 10, GraphLayout::kLabelHeight)));
    const int f = nodeIndex(m_focus);
    int carved = 0;
    QPainterPathStroker stroker;
    stroker.setWidth(std::max(6.0, 12.0 * t.m11()));
    for (int e = 0; e < static_cast<int>(m_snapshot->edges.size()) && carved < kMaxFocusEdgesCarved; ++e) {
        const EdgeSnapshot& edge = m_snapshot->edges[e];
        if (static_cast<int>(edge.source) != f && static_cast<int>(edge.target) != f) continue;
        const EdgeRoute route = EdgeRoute::compute(*m_snapshot, m_layout, e, m_presentation);
        QPainterPath line = t.map(route.line);
        line.lineTo(t.map(route.tip));
        keep.addPath(stroker.createStroke(line));
        ++carved;
    }
    QPainterPath veil;
    veil.addRect(QRectF(rect()));
    veil = veil.subtracted(keep.simplified());
    QPainter p(this);
    QColor dim = GraphStyle::background(palette());
    dim.setAlphaF(0.72f);
    p.fillPath(veil, dim);
}

void GraphView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) update();
    QWidget::changeEvent(event);
}

} // namespace faultline
