#pragma once

#include "graph/graphsnapshot.h"
#include "graphview.h"
#include "inspectorconfig.h"
#include "run/detailsnapshot.h"

#include <QMap>
#include <QWidget>

#include <memory>

class QFormLayout;
class QLabel;
class QScrollArea;

namespace faultline {

class LatencyChart;
class Sparkline;

/// The figures of the selected node or edge: windowed rates and latencies, totals since the start, queue
/// depth (Now); sparklines of the last minutes (Trend); the window's latency histogram (Latency); the
/// breaker's state and recent transitions (Breaker); and what the scenario configured, or what was
/// observed live (Configuration). Shown in the main window's inspector dock. The figures come from the
/// graph snapshot; history, histogram and transitions from the runner's DetailSnapshot of the item that
/// detailKey() names (the owner tells the runner to watch it when detailKeyChanged is emitted).
class InspectorPanel : public QWidget {
    Q_OBJECT
public:
    enum class Field {
        Kind,
        Health,
        Instances,
        Rate,
        ErrorRate,
        Mean,
        P50,
        P95,
        P99,
        InFlight,
        TotalRequests,
        TotalErrors,
        TotalMean,
        Depth,
        DeadLettered,
        Dropped,
        Protocol,
        Breaker,
        FailureRate,
    };
    enum class Trend { Rate, ErrorPercent, MeanLatency };
    /// Seconds of history the sparklines show at most.
    static constexpr int kTrendSeconds = 300;
    static constexpr int kShownTransitions = 8;

    explicit InspectorPanel(QWidget* parent = nullptr);

    /// Which node to show; empty shows a hint instead. Drops any edge selection.
    void setNode(const QString& id);
    QString node() const { return m_node; }
    /// Which edge to show; a null one shows a hint instead. Drops any node selection.
    void setEdge(const faultline::EdgeRef& edge);
    EdgeRef edge() const { return m_edge; }
    /// The item shown, as the runner names it.
    DetailKey detailKey() const;
    void setSnapshot(std::shared_ptr<const GraphSnapshot> snapshot);
    /// History, histogram and transitions of the item; ignored when it names another item.
    void setDetail(std::shared_ptr<const DetailSnapshot> detail);
    /// The breaker commands (Force open, Close, Disable, Automatic) shown as buttons under a call's breaker;
    /// their owner keeps them enabled only when they apply.
    void setBreakerActions(const QList<QAction*>& actions);
    /// The button row of those commands (shown for a call with one breaker).
    QWidget* breakerButtons() const { return m_breakerButtons; }
    /// The text shown for a field, as the user reads it ("" when the row is hidden).
    QString fieldText(Field field) const;
    QString title() const;

    const Sparkline* sparkline(Trend trend) const;
    const LatencyChart* latencyChart() const { return m_latency; }
    /// The transitions listed, newest first, as shown ("01:05.2  Closed → Open").
    QStringList breakerTransitions() const;
    /// The configuration rows shown.
    const QList<InspectorConfig::Row>& configuration() const { return m_configRows; }

signals:
    void detailKeyChanged(const faultline::DetailKey& key);

private:
    void refresh();
    void refreshNode(int index);
    void refreshEdge(int index);
    void refreshDetail();
    void refreshBreaker(const std::vector<const BreakerInfo*>& breakers);
    void refreshConfiguration();
    void selectionChanged();
    void addRow(QFormLayout* form, Field field, const QString& label);
    QLabel* addHeader(QWidget* parent, QLayout* layout, const QString& text);
    void setRow(Field field, const QString& text, bool visible = true);

    std::shared_ptr<const GraphSnapshot> m_snapshot;
    std::shared_ptr<const DetailSnapshot> m_detail;
    QString m_node;
    EdgeRef m_edge;
    QLabel* m_title = nullptr;
    QLabel* m_subtitle = nullptr;
    QLabel* m_windowHeader = nullptr;
    QLabel* m_hint = nullptr;
    QScrollArea* m_scroll = nullptr;
    QWidget* m_details = nullptr;
    QFormLayout* m_form = nullptr;
    QLabel* m_calls = nullptr;

    QWidget* m_trendSection = nullptr;
    QLabel* m_trendHeader = nullptr;
    Sparkline* m_sparks[3] = {};
    QLabel* m_sparkLabels[3] = {};
    QWidget* m_latencySection = nullptr;
    LatencyChart* m_latency = nullptr;
    QLabel* m_latencyLegend = nullptr;
    QWidget* m_breakerSection = nullptr;
    QFormLayout* m_breakerForm = nullptr;
    QLabel* m_breakerList = nullptr;
    QWidget* m_breakerButtons = nullptr;
    QLabel* m_transitions = nullptr;
    QStringList m_transitionLines;
    QWidget* m_configSection = nullptr;
    QLabel* m_config = nullptr;
    QList<InspectorConfig::Row> m_configRows;

    QMap<Field, QLabel*> m_values;
    QMap<Field, QFormLayout*> m_forms;
};

} // namespace faultline
