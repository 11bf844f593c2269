#pragma once

#include "graph/graphsnapshot.h"
#include "graphlayout.h"

#include <QHash>
#include <QPainterPath>
#include <QTransform>
#include <QWidget>

#include <memory>
#include <string>

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

    QSize sizeHint() const override { return { 960, 600 }; }
    QSize minimumSizeHint() const override { return { 320, 200 }; }

public slots:
    void setEdgeLabelsVisible(bool visible);
    void setAnimationPaused(bool paused);
    /// Drops any zoom and pan: the whole graph fits the widget again.
    void fitToView();

signals:
    /// The user clicked a node (its id) or the background (an empty id).
    void nodeSelected(const QString& id);
    /// The user clicked an edge.
    void edgeSelected(const faultline::EdgeRef& edge);
    void edgeLabelsVisibleChanged(bool visible);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void leaveEvent(QEvent* event) override;
    bool event(QEvent* event) override;
    void changeEvent(QEvent* event) override;

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
    void paintPlaceholder(QPainter& p) const;
    QFont graphFont(double px, bool bold = false) const; ///< in layout units, boosted by m_textBoost

    std::shared_ptr<const GraphSnapshot> m_snapshot;
    GraphLayout m_layout;
    std::string m_topology;
    QHash<QString, int> m_index;
    int m_layoutGeneration = 0;
    QString m_selected;
    EdgeRef m_selectedEdge;
    bool m_animationPaused = false;
    int m_hovered = -1;
    bool m_edgeLabels = true;
    QTransform m_user; ///< zoom and pan on top of the fit
    QPointF m_pressPos;
    QTransform m_pressUser;
    bool m_panning = false;
    double m_textBoost = 1.0; ///< set by each paint from the current scale
};

} // namespace faultline
