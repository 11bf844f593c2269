#pragma once

#include "graph/graphsnapshot.h"
#include "graphlayout.h"
#include "pathclip.h"
#include "trafficanimation.h"

#include <QElapsedTimer>
#include <QHash>
#include <QImage>
#include <QLineF>
#include <QList>
#include <QPainterPath>
#include <QPolygonF>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <QTransform>
#include <QWidget>

#include <memory>
#include <string>
#include <vector>

namespace faultline {

/// Names an edge across snapshots (indices change when the topology does). Null when source is empty.
struct EdgeRef {
    QString source;
    QString target;
    bool isNull() const { return source.isEmpty(); }
    bool operator==(const EdgeRef&) const = default;
};

/// Draws a GraphSnapshot as a layered left-to-right graph: one shape per node kind, filled by health;
/// edges solid (sync) or dashed (async), as wide as their traffic. The layout is recomputed only when the
/// topology changes, so nodes stay put while the figures move. Click selects a node, the wheel zooms,
/// dragging the background pans, hovering shows a node's or an edge's figures.
class GraphView : public QWidget {
    Q_OBJECT
    Q_PROPERTY(bool edgeLabelsVisible READ edgeLabelsVisible WRITE setEdgeLabelsVisible NOTIFY edgeLabelsVisibleChanged)
public:
    explicit GraphView(QWidget* parent = nullptr);

    void setSnapshot(std::shared_ptr<const GraphSnapshot> snapshot);
    std::shared_ptr<const GraphSnapshot> snapshot() const { return m_snapshot; }

    /// Where the node's shape is centred, in widget coordinates; a null point when it is not shown.
    QPointF nodeCenter(const QString& id) const;
    /// The box of the node's shape, in widget coordinates; a null rectangle when it is not shown.
    QRectF nodeRect(const QString& id) const;
    /// The id of the node under a widget position, or an empty string.
    QString nodeAt(const QPointF& pos) const;
    /// The edge under a widget position (a null EdgeRef when none): what a right-click acts on.
    EdgeRef edgeAt(const QPointF& pos) const;
    /// The services and queues with an active fault: each gets a marker on its shape.
    void setFaultTargets(const QStringList& targets);
    QStringList faultTargets() const { return m_faultTargets; }
    /// Where a node's fault marker is drawn, in widget coordinates; a null rectangle when it has none.
    QRectF faultMarkerRect(const QString& id) const;
    QString selectedNode() const { return m_selected; }
    /// Selects a node (empty = none) without emitting nodeSelected; drops any edge selection.
    void setSelectedNode(const QString& id);
    EdgeRef selectedEdge() const { return m_selectedEdge; }
    /// Selects an edge (null = none) without emitting edgeSelected; drops any node selection.
    void setSelectedEdge(const EdgeRef& edge);
    /// Index into snapshot()->edges of an EdgeRef, or -1.
    int edgeIndex(const EdgeRef& edge) const;
    /// Traffic particles stand still while paused (the simulation is paused or stepped).
    bool animationPaused() const { return m_animationPaused; }
    bool edgeLabelsVisible() const { return m_edgeLabels; }
    /// Increases every time the layout is recomputed, i.e. when the topology changes.
    int layoutGeneration() const { return m_layoutGeneration; }
    const GraphLayout& graphLayout() const { return m_layout; }

    /// A breaker badge as drawn: on an edge (edge set, at its caller's end) or on a node (node set: a
    /// breaker the node reports that matches none of its edges).
    struct BadgeInfo {
        EdgeRef edge;
        QString node;
        QString name;
        BreakerState state = BreakerState::Closed;
        QRectF rect; ///< in widget coordinates
    };
    /// Every breaker badge, placed by the code that paints them (drawn unless detailLevel() is Skeleton).
    QList<BadgeInfo> breakerBadges() const;
    /// How much is drawn, from everything down to plain boxes and lines; falls as the zoom does, sooner
    /// on large graphs. Each level leaves out what the one before it drew, in this order.
    enum class Detail {
        Full, ///< edge labels (when on) and traffic particles
        NoEdgeLabels, ///< no edge labels, no particles
        NoFigures, ///< no figures line under nodes
        NoText, ///< no node ids, instance or depth numbers
        Skeleton, ///< nodes plain filled boxes, edges thin lines without arrows or badges
    };
    Detail detailLevel() const;
    /// Whether the last paint drew the edges as one-pixel lines: at their widths they would have covered
    /// more of the view than can be told apart (or drawn in a frame), as when zoomed in on a big fleet.
    bool hairlineEdges() const { return m_denseEdges; }
    /// Presenter mode's factor (1 = normal, see presentermode.h): edges, outlines, breaker badges, particles
    /// and fault markers grow by it in layout units, text as far as the layout leaves room for, the legend
    /// with it; and fitting may zoom in this much further, so a small graph fills a projector.
    void setPresentationScale(double factor);
    double presentationScale() const { return m_presentation; }
    /// The size node ids are drawn at now, in device pixels (before a long id shrinks to fit its shape).
    double nodeLabelPixelSize() const;
    /// The stroke width of an edge as drawn now, in device pixels; 0 when it is not shown.
    double edgeStrokeWidth(const EdgeRef& edge) const;
    /// Where the last paint drew the legend, in widget coordinates; empty when it gave way.
    QRectF legendRect() const { return m_legendRect; }
    /// Whether frames are drawn on a thread of the global pool while the UI thread waits (the default,
    /// several times faster with Qt 6.4's raster engine: see paintEvent) or on the UI thread itself.
    void setPaintOnPool(bool onPool) { m_paintOnPool = onPool; }
    bool paintOnPool() const { return m_paintOnPool; }
    const TrafficAnimation& trafficAnimation() const;
    /// Moves the traffic particles on by this much wall time, unless paused; the view's timer calls it.
    void advanceAnimation(double wallSeconds);
    /// Whether the animation timer runs: shown, not paused, traffic to show and particles drawn.
    bool animationRunning() const;

    QSize sizeHint() const override { return { 960, 600 }; }
    QSize minimumSizeHint() const override { return { 320, 200 }; }

    // Navigation and layout (graphview.cpp). The snapshot drawn (snapshot()) is the source snapshot with idle
    // nodes hidden and collapsed queues' consumers folded in, when those are on; otherwise the same object.
    /// The snapshot last given to setSnapshot(), before hiding and collapsing.
    std::shared_ptr<const GraphSnapshot> sourceSnapshot() const { return m_source; }
    /// True while a layout runs off the UI thread; the view keeps drawing the previous one meanwhile.
    bool layoutPending() const { return !m_pendingTopology.empty(); }
    /// Graphs with more nodes plus edges than this are laid out on a worker thread (default 600); smaller
    /// ones at once, since that takes well under a millisecond.
    void setAsyncLayoutThreshold(int nodesPlusEdges) { m_asyncThreshold = nodesPlusEdges; }
    QString layoutKey() const { return m_layoutKey; }
    /// The node whose neighbourhood is focused (the rest dimmed), or empty.
    QString focusedNode() const { return m_focus; }
    /// Ids of the focused node and its direct callers and callees; empty without focus.
    QStringList focusNeighbourhood() const;
    bool idleNodesVisible() const { return m_idleVisible; }
    bool queueConsumersCollapsed() const { return m_collapseAll; }
    /// Whether this queue's consumers are folded into it (all queues, or this one toggled).
    bool isQueueCollapsed(const QString& queue) const;
    /// The consumers folded into a queue node as drawn now (empty when it is not collapsed).
    QStringList collapsedConsumers(const QString& queue) const { return m_collapsedInto.value(queue); }

public slots:
    void setEdgeLabelsVisible(bool visible);
    void setAnimationPaused(bool paused);
    /// Drops any zoom and pan: the whole graph fits the widget again.
    void fitToView();
    /// Draws the current view, as on screen, onto any painter the widget's size: an image at any resolution,
    /// or an SVG generator, which gets vector shapes and text (exports; graphviewpaint.cpp).
    void paintView(QPainter& painter);
    /// Remembers dragged node positions under this key (the scenario's name, or the live address):
    /// QSettings group "layouts/<key>". Positions stored under the key are applied at once. Empty: dragged
    /// positions last only as long as the view.
    void setLayoutKey(const QString& key);
    /// Forgets every dragged position under the current key and lays the graph out afresh.
    void resetLayout();
    /// Selects a node (emitting nodeSelected), centres and zooms on it and its direct neighbours, and dims
    /// everything else until Esc, a click on the background or clearNodeFocus(). False for an unknown id
    /// (nothing changes). Double-clicking a node does the same.
    bool focusNode(const QString& id);
    /// Ends the focus: nothing is dimmed any more. Zoom, pan and selection stay.
    void clearNodeFocus();
    /// Shows or hides nodes without traffic in the window (health idle) and their edges.
    void setIdleNodesVisible(bool visible);
    /// Folds every queue's consumers into the queue node: a consumer whose only callers are that queue
    /// disappears, and its calls are drawn from the queue. Off: each queue as toggled by setQueueCollapsed.
    void setQueueConsumersCollapsed(bool collapsed);
    /// Folds one queue's consumers into it, or unfolds them.
    void setQueueCollapsed(const QString& queue, bool collapsed);
    /// Zooms by a step around the centre of the view (keys + and -).
    void zoomIn();
    void zoomOut();

signals:
    /// The user clicked a node (its id) or the background (an empty id).
    void nodeSelected(const QString& id);
    /// The user clicked an edge.
    void edgeSelected(const faultline::EdgeRef& edge);
    void edgeLabelsVisibleChanged(bool visible);
    void idleNodesVisibleChanged(bool visible);
    void queueConsumersCollapsedChanged(bool collapsed);
    /// A new layout is drawn (the topology changed, a layout finished off the UI thread, or a reset).
    void layoutChanged();

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void leaveEvent(QEvent* event) override;
    bool event(QEvent* event) override;
    void changeEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    QTransform viewTransform() const;
    int nodeIndex(const QString& id) const;
    int nodeIndexAt(const QPointF& pos) const;
    int edgeIndexAt(const QPointF& pos) const;
    QRectF shapeRect(int node) const;

    void paintEdges(QPainter& p, double scale) const;
    void paintEdgeLabels(QPainter& p) const;
    void paintNodes(QPainter& p, double scale) const;
    void paintNode(QPainter& p, int node, double scale) const;
    /// Everything paintEvent shows, for the exposed rectangle; reads the widget, changes no QObject.
    void paintFrame(QPainter& p, const QRect& exposed);
    void paintPlaceholder(QPainter& p) const;
    QFont graphFont(double px, bool bold = false) const; ///< in layout units, boosted by m_textBoost
    double textBoostFor(double scale) const;
    double badgeRadius() const; ///< BreakerBadge::kRadius, times the presentation scale

    /// Per-edge drawing data, in layout units, kept until the layout or the edge's width changes.
    struct EdgeGeometry {
        QPainterPath line;
        QPolygonF arrow;
        QPointF labelAt;
        QPointF badgeAt; ///< the breaker badge's centre, near the caller
        QRectF bounds; ///< everything drawn for the edge, for culling
        QPolygonF skeleton; ///< straight segments through the route's waypoints
        double width = 0.0;
        double length = 0.0; ///< of the route, in layout units
        bool guarded = false; ///< has a breaker: the label leaves the badge room
        bool valid = false;
    };
    void syncPaintCache() const;
    void syncAnimation();
    Detail detailFor(double scale) const;
    void paintSkeleton(QPainter& p) const;
    void paintParticles(QPainter& p) const;
    void paintBadges(QPainter& p) const;
    void paintFaultMarkers(QPainter& p) const;
    QRectF faultMarkerBox(int node) const; ///< in layout units
    void paintEdge(QPainter& p, int edge) const;
    /// Breaker badges in layout units (rect) with the edge index or node index they belong to.
    struct BadgePlace {
        int edge = -1;
        int node = -1;
        const BreakerInfo* breaker = nullptr;
        QPointF center;
    };
    void badgePlaces(std::vector<BadgePlace>& out) const;

    std::shared_ptr<const GraphSnapshot> m_snapshot;
    GraphLayout m_layout;
    std::string m_topology;
    QHash<QString, int> m_index;
    int m_layoutGeneration = 0;
    QString m_selected;
    EdgeRef m_selectedEdge;
    QStringList m_faultTargets;
    bool m_animationPaused = false;
    int m_hovered = -1;
    bool m_edgeLabels = true;
    QTransform m_user; ///< zoom and pan on top of the fit
    QPointF m_pressPos;
    QTransform m_pressUser;
    bool m_panning = false;
    double m_textBoost = 1.0; ///< set by each paint from the current scale
    double m_presentation = 1.0;

    // Navigation and layout (graphview.cpp).
    QTransform fitTransform() const;
    void refreshShown();
    std::shared_ptr<const GraphSnapshot> shownSnapshot() const;
    void startLayout(std::shared_ptr<const GraphSnapshot> shown, std::string key, bool seeded);
    void installLayout(std::shared_ptr<const GraphSnapshot> shown, std::string key, GraphLayout layout);
    void applyDraggedPositions();
    void zoomBy(double factor, const QPointF& at);
    void setUserTransform(const QTransform& user);
    QSet<int> focusSet() const;
    void paintFocusOverlay();
    std::shared_ptr<const GraphSnapshot> m_source;
    std::shared_ptr<const GraphSnapshot> m_pendingSnapshot; ///< newest snapshot of the topology being laid out
    std::string m_pendingTopology;
    int m_layoutJob = 0;
    int m_asyncThreshold = 600;
    QString m_layoutKey;
    QHash<QString, QPointF> m_dragged; ///< node id -> centre, in layout units
    int m_dragNode = -1;
    bool m_dragging = false;
    QPointF m_dragStart; ///< the dragged node's centre at the press, in layout units
    QString m_focus;
    bool m_idleVisible = true;
    bool m_collapseAll = false;
    QSet<QString> m_collapsedQueues;
    QHash<QString, QStringList> m_collapsedInto;
    EdgeRef m_pressEdge;

    // Drawing caches and the traffic animation (graphviewpaint.cpp).
    mutable std::vector<EdgeGeometry> m_edgeGeometry;
    mutable std::weak_ptr<const GraphSnapshot> m_cachedSnapshot;
    mutable int m_cachedGeneration = -1;
    mutable double m_cachedPlacement = 0.0; ///< a checksum of node positions: dragged nodes invalidate routes
    mutable TrafficAnimation m_traffic;
    mutable Detail m_detail = Detail::Full; ///< of the paint under way
    mutable QRectF m_visibleArea; ///< of the paint under way, in layout units
    mutable std::vector<BadgePlace> m_badgeScratch;
    mutable std::vector<QLineF> m_lineScratch[4];
    mutable std::vector<QRectF> m_rectScratch[4];
    mutable std::vector<QPointF> m_pointScratch;
    mutable std::vector<PathRun> m_runScratch; ///< the visible runs of every edge, edge by edge
    mutable std::vector<size_t> m_edgeRuns; ///< edge i's runs are [m_edgeRuns[i], m_edgeRuns[i + 1])
    mutable QRectF m_runsArea; ///< the visible area the runs were cut for
    mutable quint64 m_runsEpoch = 0; ///< m_geometryEpoch when they were cut
    mutable quint64 m_geometryEpoch = 1; ///< bumped whenever an edge's route changes
    mutable double m_runsInk = 0.0; ///< the runs' length times width, in layout units squared
    mutable QPainterPath m_hairlines[4]; ///< solid hairline edges by health, drawn in one stroke each
    mutable QPainterPath m_arrowBatch[4]; ///< their arrow heads
    mutable int m_selectedEdgeIndex = -1; ///< of the paint under way
    mutable bool m_denseEdges = false; ///< of the paint under way: too much edge ink, hairlines instead
    mutable QRectF m_legendRect;
    QImage m_frame; ///< drawn on a pool thread, then shown (see paintEvent)
    bool m_paintOnPool = true;
    QTimer* m_animationTimer = nullptr;
    QElapsedTimer m_animationClock;
};

} // namespace faultline
