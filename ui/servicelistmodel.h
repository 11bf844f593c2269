#pragma once

#include "graph/graphsnapshot.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>

#include <memory>
#include <vector>

namespace faultline {

/// The latest snapshot's nodes as a table: id, kind, health, instances, rps, error %, p99. Rows follow the
/// snapshot's order (by id); a new snapshot inserts the nodes that appeared, removes those that vanished and
/// reports only the figures that changed, so views keep their selection and scroll position.
class ServiceListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Kind, Health, Instances, Rate, Errors, P99, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole, ///< a number (or the id) to sort by; health is ranked, worst highest
        IdRole, ///< the node id of the row, whatever the column
    };

    explicit ServiceListModel(QObject* parent = nullptr);

    void setSnapshot(const std::shared_ptr<const GraphSnapshot>& snapshot);

    /// The row of a node, or -1.
    int rowOf(const QString& id) const;
    QString idAt(int row) const;
    QStringList ids() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Worst health ranks highest: failing 3, degraded 2, healthy 1, idle 0.
    static int healthRank(faultline::Health health);

private:
    struct Row {
        QString id;
        NodeKind kind = NodeKind::Service;
        faultline::Health health = faultline::Health::Idle;
        int instances = 0;
        double rps = 0.0;
        double errorRate = 0.0;
        bool p99Valid = false;
        double p99 = 0.0;
        bool operator==(const Row&) const = default;
    };
    static Row rowFor(const NodeSnapshot& node);
    QIcon healthIcon(faultline::Health health) const;

    std::vector<Row> m_rows;
    mutable QHash<QRgb, QIcon> m_icons;
};

} // namespace faultline
