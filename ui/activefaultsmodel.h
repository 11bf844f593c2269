#pragma once

#include "sim/simulator.h"

#include <QAbstractTableModel>
#include <QPalette>

#include <memory>
#include <vector>

namespace faultline {

/// The faults still in force, one row each in the order they were applied, from a runner's fault log
/// (SimulationRunner::faultLog) and the simulated clock. A fault leaves the list when it is reverted or its
/// time to live runs out; the remaining time counts down in simulated time. Updates are incremental (rows
/// inserted and removed, the Remaining column changed), so views keep their selection and scroll position.
class ActiveFaultsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TargetColumn, TypeColumn, ParametersColumn, RemainingColumn, RevertColumn, ColumnCount };
    enum Role {
        FaultIdRole = Qt::UserRole + 1, ///< quint64: the fault's id, for SimulationRunner::revertFault
        RemainingSecondsRole, ///< double: simulated seconds left
    };

    explicit ActiveFaultsModel(QObject* parent = nullptr);

    /// Takes the latest fault log and the simulated time it is valid at (the snapshot's time_s). A null log
    /// empties the list.
    void setFaultLog(std::shared_ptr<const std::vector<FaultRecord>> log, double now_s);
    /// The clock the times count by: simulated (the default) or wall time, for faults on live services.
    void setWallClock(bool wall);
    bool wallClock() const { return m_wall; }
    /// Moves the clock only (remaining times change, faults whose time ran out leave).
    void setNow(double now_s);
    double now() const { return m_now; }

    /// The record behind a row; row must be valid.
    const FaultRecord& record(int row) const { return m_rows.at(static_cast<size_t>(row)); }
    uint64_t faultId(int row) const { return record(row).id; }
    /// The row of an active fault, or -1.
    int rowOf(uint64_t id) const;
    /// Ids of the active overrides of the breaker `breaker` of service `service`.
    std::vector<uint64_t> breakerOverrides(const QString& service, const QString& breaker) const;

    /// Colours follow this palette (the panel passes its own on every palette change).
    void setPalette(const QPalette& palette);

    /// "payments", "orders ⇹ payments", "payments #1", "orders: breaker payments".
    static QString targetText(const Fault& fault);
    /// "2000 ms · 100 %", "503 · 50 %", "4×", "force open", ...
    static QString parametersText(const Fault& fault);
    /// "42.0 s" under a minute, "12:05" above.
    static QString remainingText(double seconds);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void refresh();
    double remaining(const FaultRecord& record) const;

    std::shared_ptr<const std::vector<FaultRecord>> m_log;
    double m_now = 0.0;
    std::vector<FaultRecord> m_rows;
    QPalette m_palette;
    bool m_wall = false;
};

} // namespace faultline
