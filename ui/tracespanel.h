#pragma once

#include "graph/tracestore.h"

#include <QAbstractTableModel>
#include <QStyledItemDelegate>
#include <QWidget>

#include <optional>
#include <vector>

class QLabel;
class QTableView;

namespace faultline {

/// The recent traces through the selected node or edge, one row each, failed and slowest first.
class TraceListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Status, Root, Start, Duration, Matched, Spans, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    /// Replaces the list (a reset: the list is short and reordered wholesale as traces come and go).
    void setTraces(std::vector<TraceSummary> traces);
    const std::vector<TraceSummary>& traces() const { return m_traces; }
    /// The row of a trace, or -1.
    int rowOf(const TraceId& id) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<TraceSummary> m_traces;
};

/// One trace as a span waterfall: each span indented under its parent, with a bar on the trace's timeline.
class WaterfallModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Operation, Service, Kind, Start, Duration, Timeline, ColumnCount };
    /// For the Timeline column: the bar as fractions of the trace's duration, QPointF(start, end).
    static constexpr int BarRole = Qt::UserRole + 1;
    /// True for a span with status ERROR.
    static constexpr int ErrorRole = Qt::UserRole + 2;
    using QAbstractTableModel::QAbstractTableModel;

    void setWaterfall(std::optional<TraceWaterfall> waterfall);
    const std::optional<TraceWaterfall>& waterfall() const { return m_waterfall; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::optional<TraceWaterfall> m_waterfall;
};

/// Paints the Timeline column's bar: successes in the healthy colour, errors in the failing one.
class WaterfallBarDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

/// The Traces dock: the list for the selected node or edge above, the chosen trace's waterfall below.
/// It only shows what it is given; the main window asks the runner for traces and for a waterfall.
class TracesPanel : public QWidget {
    Q_OBJECT
public:
    explicit TracesPanel(QWidget* parent = nullptr);

    /// What the list is about, as the user reads it ("orders → payments"); empty shows a hint.
    void setSubject(const QString& subject);
    QString subject() const { return m_subject; }
    /// A new list; the chosen trace stays selected while it is still listed.
    void setTraces(std::vector<TraceSummary> traces, const TraceStoreStats& stats);
    /// The waterfall of the chosen trace (nullopt: the trace has left the store's budget).
    void setWaterfall(std::optional<TraceWaterfall> waterfall);
    /// The trace chosen in the list, if any.
    std::optional<TraceId> chosenTrace() const { return m_chosen; }
    /// Chooses a listed trace as a click on its row does (emits traceChosen).
    bool chooseTrace(int row);

    TraceListModel* listModel() const { return m_listModel; }
    WaterfallModel* waterfallModel() const { return m_waterfallModel; }
    QTableView* listView() const { return m_list; }
    QTableView* waterfallView() const { return m_waterfall; }
    QString statusText() const;

signals:
    /// The user chose a trace: show its waterfall.
    void traceChosen(const faultline::TraceId& id);

private:
    void onRowActivated(const QModelIndex& index);

    QString m_subject;
    std::optional<TraceId> m_chosen;
    QLabel* m_title = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_waterfallTitle = nullptr;
    TraceListModel* m_listModel = nullptr;
    WaterfallModel* m_waterfallModel = nullptr;
    QTableView* m_list = nullptr;
    QTableView* m_waterfall = nullptr;
};

} // namespace faultline

Q_DECLARE_METATYPE(faultline::TraceId)
