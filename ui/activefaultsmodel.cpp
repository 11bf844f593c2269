#include "activefaultsmodel.h"

#include "faultdialog.h"
#include "graphstyle.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace faultline {

namespace {

QString number(double value, int decimals = 0)
{
    return QString::number(value, 'f', decimals);
}

QString share(double percentage)
{
    return QString::number(percentage, 'g', 4) + QStringLiteral("\u00a0%"); // no break before the unit
}

} // namespace

ActiveFaultsModel::ActiveFaultsModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void ActiveFaultsModel::setFaultLog(std::shared_ptr<const std::vector<FaultRecord>> log, double now_s)
{
    m_log = std::move(log);
    if (std::isfinite(now_s)) m_now = now_s; // a broken clock keeps the last good time
    refresh();
}

void ActiveFaultsModel::setWallClock(bool wall)
{
    if (wall == m_wall) return;
    beginResetModel();
    m_wall = wall;
    m_rows.clear(); // the two clocks' times mean nothing to each other
    m_log.reset();
    endResetModel();
}

void ActiveFaultsModel::setNow(double now_s)
{
    if (std::isfinite(now_s)) m_now = now_s;
    refresh();
}

void ActiveFaultsModel::setPalette(const QPalette& palette)
{
    m_palette = palette;
    if (!m_rows.empty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), { Qt::ForegroundRole });
}

double ActiveFaultsModel::remaining(const FaultRecord& record) const
{
    return std::max(0.0, static_cast<double>(record.ends_ns) / 1e9 - m_now);
}

void ActiveFaultsModel::refresh()
{
    const auto nowNs = static_cast<int64_t>(std::llround(m_now * 1e9));
    std::vector<FaultRecord> active;
    if (m_log)
        for (const FaultRecord& r : *m_log)
            if (r.reverted_ns < 0 && r.ends_ns > nowNs) active.push_back(r);

    // Remove rows no longer active, bottom up, in contiguous runs.
    std::unordered_set<uint64_t> keep;
    for (const FaultRecord& r : active)
        keep.insert(r.id);
    for (int row = rowCount() - 1; row >= 0;) {
        if (keep.count(m_rows[static_cast<size_t>(row)].id)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !keep.count(m_rows[static_cast<size_t>(first - 1)].id))
            --first;
        beginRemoveRows({}, first, row);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + row + 1);
        endRemoveRows();
        row = first - 1;
    }

    // The rows left are in log order, like `active`: insert the newcomers where they belong.
    std::unordered_set<uint64_t> present;
    for (const FaultRecord& r : m_rows)
        present.insert(r.id);
    for (size_t i = 0; i < active.size(); ++i) {
        if (present.count(active[i].id)) continue;
        size_t end = i + 1;
        while (end < active.size() && !present.count(active[end].id))
            ++end;
        beginInsertRows({}, static_cast<int>(i), static_cast<int>(end - 1));
        m_rows.insert(m_rows.begin() + static_cast<std::ptrdiff_t>(i), active.begin() + static_cast<std::ptrdiff_t>(i),
            active.begin() + static_cast<std::ptrdiff_t>(end));
        endInsertRows();
        i = end - 1;
    }
    if (!m_rows.empty())
        emit dataChanged(index(0, RemainingColumn), index(rowCount() - 1, RemainingColumn),
            { Qt::DisplayRole, Qt::ForegroundRole, Qt::ToolTipRole, RemainingSecondsRole });
}

int ActiveFaultsModel::rowOf(uint64_t id) const
{
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == id) return static_cast<int>(i);
    return -1;
}

std::vector<uint64_t> ActiveFaultsModel::breakerOverrides(const QString& service, const QString& breaker) const
{
    std::vector<uint64_t> ids;
    const std::string s = service.toStdString(), b = breaker.toStdString();
    for (const FaultRecord& r : m_rows)
        if (r.fault.type == FaultType::BreakerOverride && r.fault.target == s && r.fault.peer == b) ids.push_back(r.id);
    return ids;
}

QString ActiveFaultsModel::targetText(const Fault& f)
{
    const QString target = QString::fromStdString(f.target);
    switch (f.type) {
    case FaultType::Partition:
        return target + QStringLiteral(" ⇹ ") + QString::fromStdString(f.peer);
    case FaultType::Crash:
    case FaultType::Pause:
        return f.instance < 0 ? target : target + QStringLiteral(" #") + QString::number(f.instance);
    case FaultType::BreakerOverride:
        return tr("%1: breaker %2").arg(target, QString::fromStdString(f.peer));
    default:
        return target;
    }
}

QString ActiveFaultsModel::parametersText(const Fault& f)
{
    const QString sep = QStringLiteral(" · ");
    switch (f.type) {
    case FaultType::Delay:
        return number(f.delay_ms) + QStringLiteral("\u00a0ms") + sep + share(f.percentage);
    case FaultType::Abort:
        return QString::number(f.status) + sep + share(f.percentage);
    case FaultType::ErrorRate:
    case FaultType::PacketLoss:
        return share(f.percentage);
    case FaultType::Slowdown:
        return QString::number(f.factor, 'g', 4) + QStringLiteral("×");
    case FaultType::Crash:
    case FaultType::Pause:
        return f.instance < 0 ? tr("all instances") : tr("instance %1").arg(f.instance);
    case FaultType::BreakerOverride:
        return FaultDialog::verbLabel(f.verb);
    case FaultType::Partition:
    case FaultType::ConsumerPause:
    case FaultType::BrokerDown:
        break;
    }
    return {};
}

QString ActiveFaultsModel::remainingText(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0.0) seconds = 0.0;
    if (seconds < 60.0) return number(std::floor(seconds * 10.0) / 10.0, 1) + QStringLiteral(" s");
    const auto whole = static_cast<long long>(std::floor(seconds));
    const long long hours = whole / 3600, minutes = (whole / 60) % 60, secs = whole % 60;
    const QString mmss = QStringLiteral("%1:%2").arg(minutes).arg(secs, 2, 10, QLatin1Char('0'));
    return hours > 0 ? QStringLiteral("%1:%2").arg(hours).arg(mmss.rightJustified(5, QLatin1Char('0'))) : mmss;
}

int ActiveFaultsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ActiveFaultsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ActiveFaultsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const FaultRecord& r = m_rows[static_cast<size_t>(index.row())];
    const double left = remaining(r);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TargetColumn:
            return targetText(r.fault);
        case TypeColumn:
            return FaultDialog::typeLabel(r.fault.type);
        case ParametersColumn:
            return parametersText(r.fault);
        case RemainingColumn:
            return remainingText(left);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == RevertColumn) return tr("Revert this fault now (Delete)");
        if (m_wall)
            return tr("%1\nsent to the live services %2 ago, %3 left")
                .arg(QString::fromStdString(describe(r.fault)),
                    remainingText(m_now - static_cast<double>(r.applied_ns) / 1e9), remainingText(left));
        return tr("%1\napplied at %2 s of simulated time, %3 left")
            .arg(QString::fromStdString(describe(r.fault)), number(static_cast<double>(r.applied_ns) / 1e9, 1),
                remainingText(left));
    case Qt::ForegroundRole:
        if (index.column() == RemainingColumn && left < 10.0)
            return GraphStyle::healthColor(Health::Degraded, m_palette);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == RemainingColumn) return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case FaultIdRole:
        return QVariant::fromValue<quint64>(r.id);
    case RemainingSecondsRole:
        return left;
    default:
        return {};
    }
}

QVariant ActiveFaultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case TargetColumn:
            return tr("Target");
        case TypeColumn:
            return tr("Fault");
        case ParametersColumn:
            return tr("Parameters");
        case RemainingColumn:
            return tr("Left"); // short: the dock shares the right-hand side with the inspector
        default:
            return QString();
        }
    }
    if (role == Qt::ToolTipRole && section == RemainingColumn)
        return m_wall ? tr("Time until the live services revert the fault on their own")
                      : tr("Simulated time until the fault reverts on its own");
    return {};
}

} // namespace faultline
