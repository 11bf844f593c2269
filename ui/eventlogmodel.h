#pragma once

#include "graph/healthevents.h"
#include "sim/simulator.h"

#include <QAbstractTableModel>
#include <QIcon>
#include <QPalette>
#include <QSortFilterProxyModel>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

class QIODevice;

namespace faultline {

/// One line of the event log.
struct LogEvent {
    enum class Kind {
        FaultApplied,
        FaultReverted, ///< reverted by hand or at the end of its time to live
        Breaker, ///< a circuit breaker changed state
        Health, ///< a node or an edge changed health
        DeadLetter, ///< a queue started dead-lettering
        Ejection, ///< outlier detection ejected instances, or took them all back
    };
    static constexpr int kKindCount = 6;

    double time_s = 0.0; ///< simulated (or telemetry) time
    Kind kind = Kind::Health;
    QString subject; ///< what it happened to: "payments", "orders → payments"
    QString detail; ///< what happened
    QString node; ///< the node to select on click; empty for edge events
    QString edgeSource; ///< the edge to select on click (both set), else empty
    QString edgeTarget;
    Health severity = Health::Idle; ///< the colour of its marker: failing, degraded, healthy, or neutral (idle)

    bool isEdge() const { return !edgeSource.isEmpty() && !edgeTarget.isEmpty(); }
};

/// The event log: a timeline of what happened, in simulated time. Feed it with update() after every
/// snapshot; it works out what is new since the previous call (faults applied and reverted from the fault
/// log, breaker transitions, health changes through HealthEventTracker) and appends only that, with
/// beginInsertRows. Bounded: it keeps the newest capacity() events and counts those it dropped.
class EventLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, KindColumn, SubjectColumn, DetailColumn, ColumnCount };
    enum Role {
        KindRole = Qt::UserRole + 1, ///< int: LogEvent::Kind
        TimeRole, ///< double: seconds
        NodeRole, ///< QString: the node to select, or empty
        EdgeSourceRole, ///< QString
        EdgeTargetRole, ///< QString
    };
    static constexpr int kDefaultCapacity = 10000;

    explicit EventLogModel(QObject* parent = nullptr);

    /// Appends what happened since the previous call. Any argument may be null (a live source has no fault
    /// log). The first call only sets the baseline for health (faults and breaker events already in the logs
    /// are all new, so a log opened late still shows them). A snapshot earlier than the previous one means
    /// the run was reset: the trackers start over (the lines already logged stay).
    void update(const std::shared_ptr<const GraphSnapshot>& snapshot,
        const std::shared_ptr<const std::vector<FaultRecord>>& faults,
        const std::shared_ptr<const std::vector<BreakerEvent>>& breakers);
    /// Appends events (ordered by time, stably, within the batch), dropping the oldest beyond capacity.
    void append(std::vector<LogEvent> events);
    /// Empties the log and forgets the baseline (the dropped count too).
    void clear();

    int capacity() const { return m_capacity; }
    /// At least 1; trims at once when lowered.
    void setCapacity(int capacity);
    /// Events pushed out by the capacity since the last clear().
    quint64 dropped() const { return m_dropped; }
    const LogEvent& event(int row) const { return m_events.at(static_cast<size_t>(row)); }

    /// CSV spelling of a kind: fault_applied, fault_reverted, breaker, health, dead_letter, ejection.
    static QString kindName(LogEvent::Kind kind);
    /// For people: "Fault applied", "Breaker", ...
    static QString kindLabel(LogEvent::Kind kind);
    /// One RFC 4180 field: quoted (with quotes doubled) when it holds a comma, quote, CR or LF.
    static QString csvField(const QString& text);
    /// Writes the header `time_s,kind,subject,detail` and one record per event (rows for which `include`
    /// returns true, all when it is empty), CRLF-terminated, UTF-8. False when the device fails.
    bool writeCsv(QIODevice& device, const std::function<bool(int row)>& include = {}) const;
    /// The same into a file; on failure, false with a message in `error`.
    bool exportCsv(
        const QString& path, QString* error = nullptr, const std::function<bool(int row)>& include = {}) const;

    void setPalette(const QPalette& palette);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void droppedChanged(quint64 dropped);

private:
    void resetTrackers();
    void trim();
    QIcon marker(Health severity) const;

    std::deque<LogEvent> m_events;
    int m_capacity = kDefaultCapacity;
    quint64 m_dropped = 0;
    QPalette m_palette;
    mutable QIcon m_markers[4];

    // What update() has already logged.
    HealthEventTracker m_health;
    double m_lastSnapshotS = -1.0;
    size_t m_faultCursor = 0; ///< records before this index have their "applied" line
    /// Faults applied but not yet logged as reverted: their index in the (append-only) fault log.
    std::vector<size_t> m_awaitingRevert;
    int64_t m_lastBreakerNs = -1; ///< the newest breaker event logged...
    size_t m_breakersAtLastNs = 0; ///< ...and how many logged at exactly that time
};

/// Shows only the kinds of event the user chose.
class EventLogFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit EventLogFilter(QObject* parent = nullptr);
    void setKindVisible(LogEvent::Kind kind, bool visible);
    bool isKindVisible(LogEvent::Kind kind) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    unsigned m_visible = (1u << LogEvent::kKindCount) - 1;
};

} // namespace faultline
