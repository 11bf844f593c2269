#include "servicelistmodel.h"

#include "figureformat.h"
#include "graphstyle.h"

#include <QGuiApplication>
#include <QPainter>
#include <QPalette>
#include <QPixmap>

#include <QSet>

#include <algorithm>

namespace faultline {

ServiceListModel::ServiceListModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

int ServiceListModel::healthRank(faultline::Health health)
{
    switch (health) {
    case faultline::Health::Failing:
        return 3;
    case faultline::Health::Degraded:
        return 2;
    case faultline::Health::Healthy:
        return 1;
    case faultline::Health::Idle:
        return 0;
    }
    return 0;
}

ServiceListModel::Row ServiceListModel::rowFor(const NodeSnapshot& node)
{
    Row r;
    r.id = QString::fromStdString(node.id);
    r.kind = node.kind;
    r.health = node.health;
    r.instances = node.instances;
    r.rps = node.traffic.rps;
    r.errorRate = node.traffic.error_rate;
    r.p99Valid = node.traffic.latency.valid;
    r.p99 = node.traffic.latency.p99_ms;
    return r;
}

void ServiceListModel::setSnapshot(const std::shared_ptr<const GraphSnapshot>& snapshot)
{
    std::vector<Row> next;
    if (snapshot) {
        next.reserve(snapshot->nodes.size());
        for (const NodeSnapshot& n : snapshot->nodes)
            next.push_back(rowFor(n));
        // Snapshots list nodes sorted by id; the merge below relies on it.
        std::sort(next.begin(), next.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
    }

    // 1. Remove the rows whose node vanished, in contiguous ranges from the end.
    QSet<QString> present;
    for (const Row& r : next)
        present.insert(r.id);
    for (int i = static_cast<int>(m_rows.size()) - 1; i >= 0;) {
        if (present.contains(m_rows[size_t(i)].id)) {
            --i;
            continue;
        }
        int first = i;
        while (first > 0 && !present.contains(m_rows[size_t(first - 1)].id))
            --first;
        beginRemoveRows({}, first, i);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + i + 1);
        endRemoveRows();
        i = first - 1;
    }

    // 2. What is left is a subsequence of `next`: insert the new nodes, a contiguous range at a time.
    size_t at = 0;
    for (size_t j = 0; j < next.size();) {
        if (at < m_rows.size() && m_rows[at].id == next[j].id) {
            ++at;
            ++j;
            continue;
        }
        size_t end = j;
        while (end < next.size() && !(at < m_rows.size() && m_rows[at].id == next[end].id))
            ++end;
        beginInsertRows({}, static_cast<int>(at), static_cast<int>(at + (end - j) - 1));
        m_rows.insert(m_rows.begin() + static_cast<std::ptrdiff_t>(at), next.begin() + static_cast<std::ptrdiff_t>(j),
            next.begin() + static_cast<std::ptrdiff_t>(end));
        endInsertRows();
        at += end - j;
        j = end;
    }

    // 3. Report changed figures, one dataChanged per contiguous range of changed rows.
    for (size_t i = 0; i < m_rows.size();) {
        if (m_rows[i] == next[i]) {
            ++i;
            continue;
        }
        size_t end = i;
        while (end < m_rows.size() && !(m_rows[end] == next[end])) {
            m_rows[end] = next[end];
            ++end;
        }
        emit dataChanged(index(static_cast<int>(i), 0), index(static_cast<int>(end - 1), ColumnCount - 1));
        i = end;
    }
}

int ServiceListModel::rowOf(const QString& id) const
{
    auto it
        = std::lower_bound(m_rows.begin(), m_rows.end(), id, [](const Row& r, const QString& v) { return r.id < v; });
    return it != m_rows.end() && it->id == id ? static_cast<int>(it - m_rows.begin()) : -1;
}

QString ServiceListModel::idAt(int row) const
{
    return row >= 0 && row < rowCount() ? m_rows[size_t(row)].id : QString();
}

QStringList ServiceListModel::ids() const
{
    QStringList out;
    out.reserve(static_cast<qsizetype>(m_rows.size()));
    for (const Row& r : m_rows)
        out << r.id;
    return out;
}

int ServiceListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ServiceListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QIcon ServiceListModel::healthIcon(faultline::Health health) const
{
    const QColor color = GraphStyle::healthColor(health, QGuiApplication::palette());
    auto it = m_icons.find(color.rgba());
    if (it != m_icons.end()) return *it;
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(color.darker(130), 1));
    p.setBrush(color);
    p.drawEllipse(QRectF(1.5, 1.5, 9, 9));
    p.end();
    return *m_icons.insert(color.rgba(), QIcon(pixmap));
}

QVariant ServiceListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Row& r = m_rows[size_t(index.row())];
    const bool user = r.kind == NodeKind::User; // a client: its figures are what it sent, not served
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Id:
            return r.id;
        case Kind:
            return FigureFormat::kind(r.kind);
        case Health:
            return FigureFormat::health(r.health);
        case Instances:
            return r.instances > 0 ? QString::number(r.instances) : QStringLiteral("–");
        case Rate:
            return user ? QStringLiteral("–") : FigureFormat::rate(r.rps);
        case Errors:
            return user ? QStringLiteral("–") : FigureFormat::percent(r.errorRate);
        case P99:
            return r.p99Valid && !user ? FigureFormat::millis(r.p99) : QStringLiteral("–");
        }
        break;
    case SortRole:
        switch (index.column()) {
        case Id:
            return r.id;
        case Kind:
            return FigureFormat::kind(r.kind);
        case Health:
            return healthRank(r.health);
        case Instances:
            return r.instances;
        case Rate:
            return r.rps;
        case Errors:
            return r.errorRate;
        case P99:
            return r.p99Valid ? r.p99 : -1.0;
        }
        break;
    case IdRole:
        return r.id;
    case Qt::DecorationRole:
        if (index.column() == Health) return healthIcon(r.health);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() >= Instances) return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::ToolTipRole:
        return tr("%1 (%2): %3").arg(r.id, FigureFormat::kind(r.kind), FigureFormat::health(r.health));
    default:
        break;
    }
    return {};
}

QVariant ServiceListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Id:
            return tr("Service");
        case Kind:
            return tr("Kind");
        case Health:
            return tr("Health");
        case Instances:
            return tr("Inst.");
        case Rate:
            return tr("rps");
        case Errors:
            return tr("Errors");
        case P99:
            return tr("p99");
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case Instances:
            return tr("Instances");
        case Rate:
            return tr("Requests served per second");
        case Errors:
            return tr("Share of requests that failed");
        case P99:
            return tr("99th percentile latency");
        default:
            break;
        }
    }
    return {};
}

} // namespace faultline
