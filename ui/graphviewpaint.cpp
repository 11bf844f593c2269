#include "graphview.h"

#include "breakerbadge.h"
#include "edgeroute.h"
#include "figureformat.h"
#include "graphlegend.h"
#include "graphstyle.h"
#include "graphtext.h"
#include "nodeshape.h"
#include "pathclip.h"

#include <QPaintEvent>
#include <QPainter>
#include <QSemaphore>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <span>

// The drawing half of GraphView: edges, traffic particles, nodes, breaker badges, labels and the legend,
// with the caches that keep it fast on large graphs. Interaction is in graphview.cpp.

namespace faultline {

namespace {
constexpr double kMaxTextBoost = 1.2;
// The zoom below which each level of detail starts (screen pixels per layout unit).
constexpr double kEdgeLabelScale = 0.5;
constexpr double kFigureScale = 0.38;
constexpr double kTextScale = 0.24;
constexpr double kSkeletonScale = 0.12;
/// Past this many nodes or edges, detail drops sooner: there is more to draw at every zoom.
constexpr size_t kLargeNodes = 250;
constexpr size_t kLargeEdges = 750;
constexpr double kLargeFactor = 1.3;
constexpr int kFrameMs = 33; ///< ~30 frames per second
constexpr double kInkBudget = 0.4; ///< of the view's area: edges covering more are drawn aliased
constexpr double kParticleRadius = 2.4;
constexpr double kDiamondRadius = 3.6;

/// Changes when any node moves (a new layout, a dragged node), cheaply: the routes depend on it.
double placementChecksum(const GraphLayout& layout)
{
    double sum = layout.bounds().width() * 3.0 + layout.bounds().height() * 7.0;
    for (int i = 0; i < layout.nodeCount(); ++i) {
        const QPointF c = layout.center(i);
        sum += c.x() * (i % 97 + 1) + c.y() * (i % 89 + 101);
    }
    return sum;
}

int healthSlot(Health h)
{
    return std::clamp(static_cast<int>(h), 0, 3);
}
} // namespace

double GraphView::textBoostFor(double scale) const
{
    // Text shrinks more slowly than shapes when the graph is scaled down, so it stays readable; the layout
    // leaves room for that much, and presenter mode takes all of it.
    if (m_presentation > 1.0) return kMaxTextBoost;
    return scale < 1.0 ? std::min(kMaxTextBoost, 1.0 / std::sqrt(scale)) : 1.0;
}

double GraphView::badgeRadius() const
{
    return BreakerBadge::kRadius * m_presentation;
}

void GraphView::setPresentationScale(double factor)
{
    factor = std::clamp(std::isfinite(factor) ? factor : 1.0, 1.0, 4.0);
    if (factor == m_presentation) return;
    m_presentation = factor;
    m_cachedGeneration = -1; // every route, badge place and traffic lane is recomputed at the new widths
    update();
}

double GraphView::nodeLabelPixelSize() const
{
    if (!m_snapshot || m_layout.isEmpty()) return 0.0;
    const double scale = viewTransform().m11();
    return std::max(1.0, std::round(14.0 * textBoostFor(scale))) * scale;
}

double GraphView::edgeStrokeWidth(const EdgeRef& edge) const
{
    const int i = edgeIndex(edge);
    if (i < 0) return 0.0;
    syncPaintCache();
    const EdgeGeometry& g = m_edgeGeometry[static_cast<size_t>(i)];
    return g.valid ? g.width * viewTransform().m11() : 0.0;
}

QFont GraphView::graphFont(double px, bool bold) const
{
    QFont f(font());
    f.setPixelSize(std::max(1, static_cast<int>(std::lround(px * m_textBoost))));
    f.setBold(bold);
    return f;
}

GraphView::Detail GraphView::detailFor(double scale) const
{
    if (m_snapshot && (m_snapshot->nodes.size() > kLargeNodes || m_snapshot->edges.size() > kLargeEdges))
        scale /= kLargeFactor;
    if (scale >= kEdgeLabelScale) return Detail::Full;
    if (scale >= kFigureScale) return Detail::NoEdgeLabels;
    if (scale >= kTextScale) return Detail::NoFigures;
    if (scale >= kSkeletonScale) return Detail::NoText;
    return Detail::Skeleton;
}

GraphView::Detail GraphView::detailLevel() const
{
    if (!m_snapshot || m_layout.isEmpty()) return Detail::Full;
    return detailFor(viewTransform().m11());
}

const TrafficAnimation& GraphView::trafficAnimation() const
{
    syncPaintCache();
    return m_traffic;
}

void GraphView::advanceAnimation(double wallSeconds)
{
    if (m_animationPaused) return;
    syncPaintCache();
    m_traffic.advance(wallSeconds);
    update();
}

bool GraphView::animationRunning() const
{
    return m_animationTimer && m_animationTimer->isActive();
}

void GraphView::syncAnimation()
{
    const bool wanted = isVisible() && !m_animationPaused && m_detail == Detail::Full && m_traffic.hasTraffic();
    if (wanted) {
        if (!m_animationTimer) {
            m_animationTimer = new QTimer(this);
            m_animationTimer->setTimerType(Qt::PreciseTimer);
            connect(m_animationTimer, &QTimer::timeout, this, [this] {
                if (!isVisible() || m_animationPaused) {
                    m_animationTimer->stop(); // the next paint starts it again when it is wanted
                    return;
                }
                advanceAnimation(static_cast<double>(m_animationClock.restart()) / 1000.0);
            });
        }
        if (!m_animationTimer->isActive()) {
            m_animationClock.start();
            m_animationTimer->start(kFrameMs);
        }
    } else if (m_animationTimer && m_animationTimer->isActive()) {
        m_animationTimer->stop();
    }
}

void GraphView::syncPaintCache() const
{
    if (!m_snapshot) {
        m_edgeGeometry.clear();
        m_cachedSnapshot.reset();
        if (m_traffic.laneCount() > 0) m_traffic.reset(0);
        return;
    }
    const GraphSnapshot& s = *m_snapshot;
    const double placement = placementChecksum(m_layout);
    const bool layoutChanged = m_cachedGeneration != m_layoutGeneration || placement != m_cachedPlacement
        || m_edgeGeometry.size() != s.edges.size() || m_traffic.laneCount() != static_cast<int>(s.edges.size());
    if (!layoutChanged && m_cachedSnapshot.lock() == m_snapshot) return;

    if (layoutChanged) {
        ++m_geometryEpoch;
        m_edgeGeometry.assign(s.edges.size(), EdgeGeometry {});
        m_traffic.reset(static_cast<int>(s.edges.size()));
    }
    const auto nodes = static_cast<uint32_t>(std::min<size_t>(s.nodes.size(), m_layout.nodeCount()));
    for (int i = 0; i < static_cast<int>(s.edges.size()); ++i) {
        const EdgeSnapshot& e = s.edges[static_cast<size_t>(i)];
        EdgeGeometry& g = m_edgeGeometry[static_cast<size_t>(i)];
        if (e.source >= nodes || e.target >= nodes) {
            g.valid = false;
            m_traffic.setTraffic(i, 0.0, 0.0, 0.0);
            continue;
        }
        const double width = EdgeRoute::widthFor(e.traffic.rps) * m_presentation;
        if (!g.valid || g.width != width || g.guarded != e.breaker.has_value()) {
            const EdgeRoute route = EdgeRoute::compute(s, m_layout, i, m_presentation);
            g.line = route.line;
            g.arrow = route.arrowHead();
            g.width = route.width;
            // The badge sits near the caller: a fixed distance along the route, or a quarter of a short one.
            const double length = g.line.length();
            const double badge = badgeRadius();
            const double along = badge + 6.0;
            const bool roomy = length > 4.0 * along;
            g.badgeAt = roomy ? g.line.pointAtPercent(g.line.percentAtLength(along)) : g.line.pointAtPercent(0.25);
            // A guarded edge's label moves towards the callee, halfway along what the badge leaves free.
            const double free = roomy ? along + badge : length * 0.25 + badge;
            g.labelAt = e.breaker && length > 0.0
                ? g.line.pointAtPercent(std::min(0.75, (free + (length - free) / 2.0) / length))
                : g.line.pointAtPercent(0.5);
            const double pad = std::max(g.width, badge) + 2.0;
            g.bounds = g.line.controlPointRect().united(g.arrow.boundingRect()).adjusted(-pad, -pad, pad, pad);
            g.length = routeLength(g.line);

            g.skeleton.clear();
            g.skeleton << g.line.elementAt(0);
            if (e.source != e.target && !m_layout.isBackEdge(i)) g.skeleton << m_layout.waypoints(i);
            g.skeleton << route.tip;
            if (layoutChanged) {
                QPainterPath lane = route.line;
                lane.lineTo(route.tip);
                m_traffic.setPath(i, lane);
            }
            g.guarded = e.breaker.has_value();
            g.valid = true;
            ++m_geometryEpoch; // the visible runs of the last paint are stale
        }
        const LatencyStats& l = e.traffic.latency;
        m_traffic.setTraffic(i, e.traffic.rps, e.traffic.error_rate,
            l.valid ? (l.p50_ms > 0.0 ? l.p50_ms : l.mean_ms) : std::numeric_limits<double>::quiet_NaN());
    }
    if (layoutChanged) m_traffic.warmUp();
    m_cachedGeneration = m_layoutGeneration;
    m_cachedPlacement = placement;
    m_cachedSnapshot = m_snapshot;
}

void GraphView::paintEvent(QPaintEvent* event)
{
    // Qt 6.4's raster engine hands every batch of more than ~96 spans to the global thread pool and waits
    // for it, unless it already runs on one of the pool's threads. For a canvas of thousands of small
    // strokes that hand-off costs far more than the filling: drawing the same frame on a pool thread is
    // 5 to 10 times faster (docs/performance.md). So the frame is drawn into an image on a pool thread while
    // this thread waits, which keeps every read of the widget's state free of races, then shown in one blit.
    // When the pool has no free thread (a layout is running on it), the frame is drawn here as before.
    const QRect exposed = event->rect();
    const qreal dpr = devicePixelRatioF();
    const QSize pixels = (QSizeF(size()) * dpr).toSize();
    if (m_frame.size() != pixels) {
        m_frame = QImage(pixels, QImage::Format_ARGB32_Premultiplied);
        m_frame.setDevicePixelRatio(dpr);
    }
    QSemaphore drawn;
    const bool pooled
        = m_paintOnPool && !m_frame.isNull() && QThreadPool::globalInstance()->tryStart([this, exposed, &drawn] {
              QPainter frame(&m_frame);
              frame.setClipRect(exposed);
              paintFrame(frame, exposed);
              frame.end();
              drawn.release();
          });
    QPainter p(this);
    if (pooled) {
        drawn.acquire();
        const QRectF source(QPointF(exposed.topLeft()) * dpr, QSizeF(exposed.size()) * dpr);
        p.drawImage(QRectF(exposed), m_frame, source);
    } else {
        paintFrame(p, exposed);
    }
    syncAnimation(); // on this thread: it may create the animation timer
}

void GraphView::paintView(QPainter& painter)
{
    paintFrame(painter, rect());
}

void GraphView::paintFrame(QPainter& p, const QRect& exposed)
{
    p.fillRect(rect(), GraphStyle::background(palette()));
    if (!m_snapshot || m_snapshot->nodes.empty()) {
        p.setRenderHint(QPainter::TextAntialiasing);
        paintPlaceholder(p);
        m_detail = Detail::Full;
        return;
    }
    syncPaintCache();
    const QTransform t = viewTransform();
    const double scale = t.m11();
    m_detail = detailFor(scale);
    bool invertible = false;
    const QTransform back = t.inverted(&invertible);
    m_visibleArea = invertible ? back.mapRect(QRectF(exposed)) : m_layout.bounds();
    m_textBoost = textBoostFor(scale);
    p.setTransform(t);
    if (m_detail == Detail::Skeleton) {
        paintSkeleton(p);
    } else {
        p.setRenderHint(QPainter::Antialiasing);
        p.setRenderHint(QPainter::TextAntialiasing);
        paintEdges(p, scale);
        if (m_detail == Detail::Full) paintParticles(p);
        paintNodes(p, scale);
        paintBadges(p);
        paintFaultMarkers(p);
        if (m_edgeLabels && m_detail == Detail::Full) paintEdgeLabels(p);
    }

    p.resetTransform();
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    // On a narrow canvas the legend wraps onto more rows; it gives way only when the canvas is tiny.
    QFont legendFont = font();
    legendFont.setPixelSize(static_cast<int>(std::lround(11.0 * m_presentation)));
    const double room = width() - 16.0;
    const QSizeF legend = GraphLegend::size(legendFont, room);
    m_legendRect = {};
    if (legend.width() <= room && legend.height() < height() / 4.0) {
        GraphLegend::paint(p, QPointF(8, height() - 6), palette(), legendFont, room);
        m_legendRect = QRectF(QPointF(8, height() - 6 - legend.height()), legend);
    }
}

void GraphView::paintPlaceholder(QPainter& p) const
{
    p.setPen(GraphStyle::mutedText(palette()));
    p.setFont(graphFont(15));
    p.drawText(rect(), Qt::AlignCenter, m_snapshot ? tr("Waiting for traffic…") : tr("No source"));
}

void GraphView::paintSkeleton(QPainter& p) const
{
    // So far out that shapes are a few pixels: plain boxes and hairlines, batched by colour.
    const QPalette& pal = palette();
    for (auto& v : m_lineScratch)
        v.clear();
    for (auto& v : m_rectScratch)
        v.clear();
    for (size_t i = 0; i < m_edgeGeometry.size(); ++i) {
        const EdgeGeometry& g = m_edgeGeometry[i];
        if (!g.valid || !g.bounds.intersects(m_visibleArea)) continue;
        auto& lines = m_lineScratch[healthSlot(m_snapshot->edges[i].health)];
        for (qsizetype k = 1; k < g.skeleton.size(); ++k)
            lines.emplace_back(g.skeleton[k - 1], g.skeleton[k]);
    }
    const int nodes = std::min(m_layout.nodeCount(), static_cast<int>(m_snapshot->nodes.size()));
    for (int i = 0; i < nodes; ++i) {
        const QRectF r = m_layout.nodeRect(i);
        if (r.intersects(m_visibleArea)) m_rectScratch[healthSlot(m_snapshot->nodes[i].health)].push_back(r);
    }
    p.setBrush(Qt::NoBrush);
    for (int h = 0; h < 4; ++h) {
        if (m_lineScratch[h].empty()) continue;
        QColor c = GraphStyle::healthColor(static_cast<Health>(h), pal);
        c.setAlphaF(0.6f);
        p.setPen(QPen(c, 0)); // cosmetic: one pixel whatever the zoom
        p.drawLines(m_lineScratch[h].data(), static_cast<int>(m_lineScratch[h].size()));
    }
    p.setPen(Qt::NoPen);
    for (int h = 0; h < 4; ++h) {
        if (m_rectScratch[h].empty()) continue;
        p.setBrush(GraphStyle::healthColor(static_cast<Health>(h), pal));
        p.drawRects(m_rectScratch[h].data(), static_cast<int>(m_rectScratch[h].size()));
    }
    const int selected = m_selected.isEmpty() ? -1 : nodeIndex(m_selected);
    if (selected >= 0 && selected < nodes) {
        p.setPen(QPen(pal.color(QPalette::Highlight), 3, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
        p.setBrush(Qt::NoBrush);
        p.setTransform(QTransform());
        p.drawRect(viewTransform().mapRect(m_layout.nodeRect(selected)).adjusted(-3, -3, 3, 3));
    }
}

void GraphView::paintEdges(QPainter& p, double scale) const
{
    // Zoomed in, a long edge mostly runs off screen: only the runs that can show are stroked (ui/pathclip.h).
    // They depend only on the routes and the visible area, so frames that only move particles reuse them.
    if (m_runsArea != m_visibleArea || m_runsEpoch != m_geometryEpoch
        || m_edgeRuns.size() != m_edgeGeometry.size() + 1) {
        m_runScratch.clear();
        m_edgeRuns.assign(m_edgeGeometry.size() + 1, 0);
        m_runsInk = 0.0;
        for (size_t i = 0; i < m_edgeGeometry.size(); ++i) {
            m_edgeRuns[i] = m_runScratch.size();
            const EdgeGeometry& g = m_edgeGeometry[i];
            if (!g.valid || !g.bounds.intersects(m_visibleArea)) continue;
            const double margin = g.width + 12.0;
            const QRectF area = m_visibleArea.adjusted(-margin, -margin, margin, margin);
            const size_t first = m_runScratch.size();
            if (area.contains(g.bounds))
                m_runScratch.push_back(PathRun { g.line, 0.0, g.length });
            else // only a dashed edge needs to know where along its route a run starts
                visibleRuns(g.line, area, m_runScratch, m_snapshot->edges[i].kind == EdgeKind::Async);
            for (size_t k = first; k < m_runScratch.size(); ++k)
                m_runsInk += m_runScratch[k].length * g.width; // layout units squared
        }
        m_edgeRuns.back() = m_runScratch.size();
        m_runsArea = m_visibleArea;
        m_runsEpoch = m_geometryEpoch;
    }
    // Qt fills an antialiased wide stroke at roughly 50 ns per covered pixel, and dashes a wide one slower
    // still. When the visible edges would cover more than kInkBudget of the view (zoomed in on a big fleet,
    // the long edges to its hubs pass by in their hundreds) they are a solid mat at their real widths; drawn
    // as one-pixel lines they can be told apart again, and cost a tenth. Selected edges keep their halo.
    const double ink = m_runsInk * scale * scale; // device pixels the strokes would cover
    m_denseEdges = ink > kInkBudget * static_cast<double>(width()) * static_cast<double>(height());
    if (m_denseEdges) p.setRenderHint(QPainter::Antialiasing, false);
    m_selectedEdgeIndex = -1;
    if (!m_selectedEdge.isNull()) {
        const int source = nodeIndex(m_selectedEdge.source);
        const int target = nodeIndex(m_selectedEdge.target);
        for (size_t i = 0; i < m_snapshot->edges.size() && source >= 0; ++i)
            if (static_cast<int>(m_snapshot->edges[i].source) == source
                && static_cast<int>(m_snapshot->edges[i].target) == target)
                m_selectedEdgeIndex = static_cast<int>(i);
    }
    for (int h = 0; h < 4; ++h) {
        m_hairlines[h].clear();
        m_arrowBatch[h].clear();
        m_arrowBatch[h].setFillRule(Qt::WindingFill); // arrows meeting at a hub overlap: keep them all filled
    }
    for (int i = 0; i < static_cast<int>(m_edgeGeometry.size()); ++i)
        paintEdge(p, i);
    for (int h = 0; h < 4; ++h) {
        if (m_hairlines[h].isEmpty()) continue;
        QColor color = GraphStyle::healthColor(static_cast<Health>(h), palette());
        if (static_cast<Health>(h) == Health::Idle) color.setAlphaF(0.7f);
        p.setPen(QPen(color, 0.0, Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin));
        p.setBrush(Qt::NoBrush);
        p.drawPath(m_hairlines[h]);
        p.setPen(Qt::NoPen);
        p.setBrush(color);
        p.drawPath(m_arrowBatch[h]);
    }
    p.setRenderHint(QPainter::Antialiasing, true);
}

void GraphView::paintEdge(QPainter& p, int i) const
{
    const EdgeGeometry& g = m_edgeGeometry[static_cast<size_t>(i)];
    if (!g.valid || !g.bounds.intersects(m_visibleArea)) return;
    const auto runs = std::span(m_runScratch)
                          .subspan(m_edgeRuns[static_cast<size_t>(i)],
                              m_edgeRuns[static_cast<size_t>(i) + 1] - m_edgeRuns[static_cast<size_t>(i)]);
    const QPalette& pal = palette();
    const EdgeSnapshot& e = m_snapshot->edges[static_cast<size_t>(i)];
    const bool selected = i == m_selectedEdgeIndex;
    if (selected) {
        QColor halo = pal.color(QPalette::Highlight);
        halo.setAlphaF(0.4f);
        p.setPen(QPen(halo, g.width + 9.0 * m_presentation, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.setBrush(Qt::NoBrush);
        for (const PathRun& run : runs)
            p.drawPath(run.path);
        p.setPen(QPen(halo, 6.0 * m_presentation, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.drawPolygon(g.arrow);
    }
    const bool dashed = e.kind == EdgeKind::Async;
    if (m_denseEdges && !dashed && !selected) {
        // Solid hairlines are batched by colour: one stroke per colour instead of one per edge.
        QPainterPath& lines = m_hairlines[healthSlot(e.health)];
        for (const PathRun& run : runs)
            lines.addPath(run.path);
        m_arrowBatch[healthSlot(e.health)].addPolygon(g.arrow);
        return;
    }
    QColor color = GraphStyle::healthColor(e.health, pal);
    if (e.health == Health::Idle) color.setAlphaF(0.7f);
    // A cosmetic pen (width 0) is one device pixel whatever the zoom; its dash pattern is in pixels too.
    const double penWidth = m_denseEdges ? 0.0 : g.width;
    const double unit
        = m_denseEdges ? 1.0 / std::max(p.transform().m11(), 1e-9) : g.width; // a pen width, in layout units
    QPen pen(color, penWidth, Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin);
    if (dashed) pen.setDashPattern(m_denseEdges ? QList<qreal> { 6.0, 4.0 } : QList<qreal> { 3.0, 2.0 });
    p.setBrush(Qt::NoBrush);
    for (const PathRun& run : runs) {
        if (dashed) pen.setDashOffset(run.startLength / unit); // in pen widths: the pattern keeps its phase
        p.setPen(pen);
        p.drawPath(run.path);
    }
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    p.drawPolygon(g.arrow);
}

void GraphView::paintParticles(QPainter& p) const
{
    // Kiali's convention: successes small circles, errors diamonds in the failing colour.
    const QPalette& pal = palette();
    const auto& particles = m_traffic.particles();
    if (particles.empty()) return;
    QColor ok = GraphStyle::text(pal);
    ok.setAlphaF(0.8f);
    const QColor failing = GraphStyle::healthColor(Health::Failing, pal);
    m_pointScratch.clear();
    p.setBrush(failing);
    p.setPen(QPen(GraphStyle::background(pal), m_presentation));
    for (const auto& particle : particles) {
        if (!m_edgeGeometry[static_cast<size_t>(particle.lane)].valid) continue;
        const QPointF at = m_traffic.position(particle);
        if (!m_visibleArea.contains(at)) continue;
        if (!particle.error) {
            m_pointScratch.push_back(at);
            continue;
        }
        const double d = kDiamondRadius * m_presentation;
        const QPointF diamond[4] = { at + QPointF(0, -d), at + QPointF(d, 0), at + QPointF(0, d), at + QPointF(-d, 0) };
        p.drawConvexPolygon(diamond, 4);
    }
    if (m_pointScratch.empty()) return;
    // Round-capped points are circles, and far cheaper to draw in bulk than ellipses.
    p.setPen(QPen(ok, 2.0 * kParticleRadius * m_presentation, Qt::SolidLine, Qt::RoundCap));
    p.drawPoints(m_pointScratch.data(), static_cast<int>(m_pointScratch.size()));
}

void GraphView::badgePlaces(std::vector<BadgePlace>& out) const
{
    out.clear();
    if (!m_snapshot) return;
    for (size_t i = 0; i < m_edgeGeometry.size() && i < m_snapshot->edges.size(); ++i) {
        const EdgeSnapshot& e = m_snapshot->edges[i];
        if (e.breaker && m_edgeGeometry[i].valid)
            out.push_back({ static_cast<int>(i), -1, &*e.breaker, m_edgeGeometry[i].badgeAt });
    }
    const int nodes = std::min(m_layout.nodeCount(), static_cast<int>(m_snapshot->nodes.size()));
    const double r = badgeRadius();
    for (int i = 0; i < nodes; ++i) {
        const auto& breakers = m_snapshot->nodes[static_cast<size_t>(i)].breakers;
        if (breakers.empty()) continue;
        // A row along the top edge of the shape, from its left corner (the instance badge is on the right).
        const QRectF box = shapeRect(i);
        for (size_t k = 0; k < breakers.size(); ++k)
            out.push_back({ -1, i, &breakers[k],
                QPointF(box.left() + r + 8.0 + static_cast<double>(k) * (2.0 * r + 3.0), box.top()) });
    }
}

void GraphView::paintBadges(QPainter& p) const
{
    badgePlaces(m_badgeScratch);
    const double r = badgeRadius();
    for (const BadgePlace& b : m_badgeScratch) {
        if (!m_visibleArea.intersects(QRectF(b.center.x() - r, b.center.y() - r, 2 * r, 2 * r))) continue;
        BreakerBadge::paint(p, b.breaker->state, b.center, r, palette());
    }
}

QList<GraphView::BadgeInfo> GraphView::breakerBadges() const
{
    QList<BadgeInfo> result;
    if (!m_snapshot) return result;
    syncPaintCache();
    std::vector<BadgePlace> places;
    badgePlaces(places);
    const QTransform t = viewTransform();
    const double r = badgeRadius();
    for (const BadgePlace& b : places) {
        BadgeInfo info;
        if (b.edge >= 0) {
            const EdgeSnapshot& e = m_snapshot->edges[static_cast<size_t>(b.edge)];
            info.edge = { QString::fromStdString(m_snapshot->nodes[e.source].id),
                QString::fromStdString(m_snapshot->nodes[e.target].id) };
        } else {
            info.node = QString::fromStdString(m_snapshot->nodes[static_cast<size_t>(b.node)].id);
        }
        info.name = QString::fromStdString(b.breaker->name);
        info.state = b.breaker->state;
        info.rect = t.mapRect(QRectF(b.center.x() - r, b.center.y() - r, 2 * r, 2 * r));
        result.append(info);
    }
    return result;
}

void GraphView::paintEdgeLabels(QPainter& p) const
{
    const QPalette& pal = palette();
    // Presenter mode: as large as the gap between layers leaves room for.
    const QFont font = graphFont(9.5 * (1.0 + (m_presentation - 1.0) / 8.0));
    const QFontMetricsF fm(font);
    p.setFont(font);
    QColor pill = GraphStyle::background(pal);
    pill.setAlphaF(0.88f);
    for (int i = 0; i < static_cast<int>(m_edgeGeometry.size()); ++i) {
        const EdgeGeometry& g = m_edgeGeometry[static_cast<size_t>(i)];
        if (!g.valid || !m_visibleArea.contains(g.labelAt)) continue;
        const EdgeSnapshot& e = m_snapshot->edges[static_cast<size_t>(i)];
        const QStringList lines = GraphText::edgeLabel(e);
        if (lines.isEmpty()) continue;
        double w = 0.0;
        for (const QString& line : lines)
            w = std::max(w, fm.horizontalAdvance(line) + 8.0);
        const double h = fm.height() * static_cast<double>(lines.size()) + 4.0;
        QRectF box(g.labelAt.x() - w / 2, g.labelAt.y() - h / 2, w, h);
        // On a short guarded edge the label would hide the breaker badge, the one thing the edge must show:
        // lift it above the badge instead.
        if (e.breaker) {
            const double r = BreakerBadge::kRadius + 2.0;
            const QRectF badge(g.badgeAt.x() - r, g.badgeAt.y() - r, 2 * r, 2 * r);
            if (box.intersects(badge)) box.moveBottom(badge.top());
        }
        p.setPen(Qt::NoPen);
        p.setBrush(pill);
        p.drawRoundedRect(box, 4, 4);
        p.setPen(e.health == Health::Failing || e.health == Health::Degraded ? GraphStyle::healthColor(e.health, pal)
                                                                             : GraphStyle::mutedText(pal));
        p.drawText(box.adjusted(0, 2, 0, -2), Qt::AlignHCenter | Qt::AlignVCenter, lines.join(QLatin1Char('\n')));
    }
}

void GraphView::setFaultTargets(const QStringList& targets)
{
    if (targets == m_faultTargets) return;
    m_faultTargets = targets;
    update();
}

QRectF GraphView::faultMarkerRect(const QString& id) const
{
    const int i = nodeIndex(id);
    if (i < 0 || !m_faultTargets.contains(id) || i >= m_layout.nodeCount()) return {};
    return viewTransform().mapRect(faultMarkerBox(i));
}

QRectF GraphView::faultMarkerBox(int node) const
{
    const QRectF r = shapeRect(node);
    const double size = 18.0 * m_presentation;
    return { r.left() - size * 0.35, r.top() - size * 0.55, size, size };
}

void GraphView::paintFaultMarkers(QPainter& p) const
{
    if (m_faultTargets.isEmpty()) return;
    // A lightning bolt on a disc in the failing colour: "something was broken here on purpose".
    const QColor disc = GraphStyle::healthColor(Health::Failing, palette());
    for (const QString& id : m_faultTargets) {
        const int i = nodeIndex(id);
        if (i < 0 || i >= m_layout.nodeCount()) continue;
        const QRectF box = faultMarkerBox(i);
        if (!box.intersects(m_visibleArea)) continue;
        p.setPen(QPen(GraphStyle::background(palette()), 1.5 * m_presentation));
        p.setBrush(disc);
        p.drawEllipse(box);
        const double x = box.left();
        const double y = box.top();
        const double s = box.width();
        QPolygonF bolt;
        bolt << QPointF(x + 0.58 * s, y + 0.14 * s) << QPointF(x + 0.30 * s, y + 0.55 * s)
             << QPointF(x + 0.49 * s, y + 0.55 * s) << QPointF(x + 0.40 * s, y + 0.88 * s)
             << QPointF(x + 0.72 * s, y + 0.42 * s) << QPointF(x + 0.52 * s, y + 0.42 * s);
        p.setPen(Qt::NoPen);
        p.setBrush(Qt::white);
        p.drawPolygon(bolt);
    }
}

void GraphView::paintNodes(QPainter& p, double scale) const
{
    const int nodes = std::min(m_layout.nodeCount(), static_cast<int>(m_snapshot->nodes.size()));
    const double below = GraphLayout::kLabelHeight * m_textBoost;
    for (int i = 0; i < nodes; ++i) {
        const QRectF box = m_layout.nodeRect(i).adjusted(-24, -12, 24, below);
        if (box.intersects(m_visibleArea)) paintNode(p, i, scale);
    }
}

void GraphView::paintNode(QPainter& p, int i, double) const
{
    const QPalette& pal = palette();
    const NodeSnapshot& n = m_snapshot->nodes[static_cast<size_t>(i)];
    const QRectF box = m_layout.nodeRect(i);
    const QRectF r = shapeRect(i);
    const QPainterPath path = NodeShape::path(n.kind, r);
    const QColor accent = GraphStyle::healthColor(n.health, pal);
    const bool selected = !m_selected.isEmpty() && m_selected == QString::fromStdString(n.id);
    const bool withText = m_detail < Detail::NoText;

    if (selected) {
        QColor halo = pal.color(QPalette::Highlight);
        halo.setAlphaF(0.35f);
        p.setPen(QPen(halo, 9.0 * m_presentation, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
    }
    QPen outline(selected ? pal.color(QPalette::Highlight) : accent,
        (selected ? 2.5 : (i == m_hovered ? 2.4 : 1.6)) * m_presentation);
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
        // The depth gauge: a bar on a log scale (GraphStyle::queueDepthFraction) with the number beside it.
        const double depth = n.queue ? n.queue->depth : 0.0;
        const double fraction = GraphStyle::queueDepthFraction(depth);
        const QFont numberFont = graphFont(10, true);
        const QString number = n.queue ? QString::number(std::llround(std::max(depth, 0.0))) : QStringLiteral("–");
        const double numberWidth = withText ? QFontMetricsF(numberFont).horizontalAdvance(number) + 4.0 : 0.0;
        const QRectF track(r.left() + ew * 0.9, r.bottom() - 13, r.width() - 2.1 * ew - numberWidth, 6);
        p.setPen(Qt::NoPen);
        p.setBrush(GraphStyle::mix(GraphStyle::background(pal), text, 0.15));
        p.drawRoundedRect(track, 3, 3);
        if (fraction > 0.0) {
            p.setBrush(accent);
            p.drawRoundedRect(
                QRectF(track.topLeft(), QSizeF(std::max(track.width() * fraction, 6.0), track.height())), 3, 3);
        }
        if (withText) {
            p.setFont(numberFont);
            p.setPen(text);
            p.drawText(QRectF(track.right() + 3, track.center().y() - 8, numberWidth, 16),
                Qt::AlignLeft | Qt::AlignVCenter, number);
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
    if (!withText) return;

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
    if (n.instances > 0 && n.kind != NodeKind::User) {
        const QFont badgeFont = graphFont(10, true);
        const QString badge = QStringLiteral("×%1").arg(n.instances);
        const double w = QFontMetricsF(badgeFont).horizontalAdvance(badge) + 10.0;
        const QRectF pill(r.right() - w + 4, r.top() - 8, w, 16);
        p.setPen(QPen(accent, 1.2 * m_presentation));
        p.setBrush(GraphStyle::background(pal));
        p.drawRoundedRect(pill, 8, 8);
        p.setFont(badgeFont);
        p.setPen(text);
        p.drawText(pill, Qt::AlignCenter, badge);
    }

    if (m_detail < Detail::NoFigures) {
        // The figures line; wrapped before its last part when wider than the node, so layers can stay close.
        const QFont small = graphFont(11);
        const QFontMetricsF fm(small);
        const double below = n.kind == NodeKind::User ? textRect.bottom() + 2 : r.bottom() + 3;
        const double width = box.width() + 16.0;
        QString line = GraphText::figuresLine(*m_snapshot, i);
        const qsizetype cut = line.lastIndexOf(QStringLiteral(" · "));
        if (fm.horizontalAdvance(line) > width && cut > 0)
            line = line.left(cut) + QLatin1Char('\n') + line.mid(cut + 3);
        p.setFont(small);
        p.setPen(n.health == Health::Failing ? accent : GraphStyle::mutedText(pal));
        p.drawText(QRectF(box.center().x() - width / 2, below, width, GraphLayout::kLabelHeight * m_textBoost),
            Qt::AlignHCenter | Qt::AlignTop, line);
    }
}

} // namespace faultline
