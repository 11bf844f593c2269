#include "eventlogmodel.h"

#include "activefaultsmodel.h"
#include "figureformat.h"
#include "graphstyle.h"

#include <QPainter>
#include <QPixmap>
#include <QSaveFile>

#include <algorithm>

namespace faultline {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

QString edgeText(const QString& source, const QString& target)
{
    return source + QStringLiteral(" → ") + target;
}

Health breakerSeverity(BreakerState state)
{
    switch (state) {
    case BreakerState::Open:
    case BreakerState::ForcedOpen:
        return Health::Failing;
    case BreakerState::HalfOpen:
        return Health::Degraded;
    case BreakerState::Closed:
        return Health::Healthy;
    default:
        return Health::Idle;
    }
}

LogEvent faultEvent(const FaultRecord& r, bool applied)
{
    LogEvent e;
    const bool expired = !applied && r.reverted_ns >= r.ends_ns;
    e.time_s = static_cast<double>(applied ? r.applied_ns : r.reverted_ns) / 1e9;
    e.kind = applied ? LogEvent::Kind::FaultApplied : LogEvent::Kind::FaultReverted;
    e.subject = ActiveFaultsModel::targetText(r.fault);
    const QString what = q(describe(r.fault));
    e.detail = applied ? what
        : expired      ? EventLogModel::tr("expired: %1").arg(what)
                       : EventLogModel::tr("reverted: %1").arg(what);
    e.severity = applied ? Health::Degraded : Health::Healthy;
    if (r.fault.type == FaultType::BreakerOverride) {
        e.edgeSource = q(r.fault.target);
        e.edgeTarget = q(r.fault.peer);
    } else {
        e.node = q(r.fault.target);
    }
    return e;
}

LogEvent breakerEvent(const BreakerEvent& b)
{
    LogEvent e;
    e.time_s = static_cast<double>(b.time_ns) / 1e9;
    e.kind = LogEvent::Kind::Breaker;
    e.edgeSource = q(b.service);
    e.edgeTarget = q(b.name);
    e.subject = EventLogModel::tr("%1: breaker %2").arg(e.edgeSource, e.edgeTarget);
    e.detail = FigureFormat::breakerState(b.from) + QStringLiteral(" → ") + FigureFormat::breakerState(b.to);
    e.severity = breakerSeverity(b.to);
    return e;
}

LogEvent healthEvent(const HealthEvent& h)
{
    LogEvent e;
    e.time_s = h.time_s;
    if (h.isEdge()) {
        e.edgeSource = q(h.node);
        e.edgeTarget = q(h.target);
        e.subject = edgeText(e.edgeSource, e.edgeTarget);
    } else {
        e.node = q(h.node);
        e.subject = e.node;
    }
    switch (h.kind) {
    case HealthEventKind::NodeHealth:
    case HealthEventKind::EdgeHealth:
        e.kind = LogEvent::Kind::Health;
        e.detail = FigureFormat::health(h.from) + QStringLiteral(" → ") + FigureFormat::health(h.to);
        e.severity = h.to;
        break;
    case HealthEventKind::DeadLettering:
        e.kind = LogEvent::Kind::DeadLetter;
        e.detail = h.count == 1 ? EventLogModel::tr("started dead-lettering (1 message)")
                                : EventLogModel::tr("started dead-lettering (%1 messages)").arg(h.count);
        e.severity = Health::Degraded;
        break;
    case HealthEventKind::Ejection:
    case HealthEventKind::EjectionEnded:
        e.kind = LogEvent::Kind::Ejection;
        e.detail = q(h.describe());
        e.severity = h.kind == HealthEventKind::Ejection ? Health::Degraded : Health::Healthy;
        break;
    }
    return e;
}

} // namespace

EventLogModel::EventLogModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void EventLogModel::resetTrackers()
{
    m_health.clear();
    m_lastSnapshotS = -1.0;
    m_faultCursor = 0;
    m_awaitingRevert.clear();
    m_lastBreakerNs = -1;
    m_breakersAtLastNs = 0;
}

void EventLogModel::update(const std::shared_ptr<const GraphSnapshot>& snapshot,
    const std::shared_ptr<const std::vector<FaultRecord>>& faults,
    const std::shared_ptr<const std::vector<BreakerEvent>>& breakers)
{
    if (snapshot && m_lastSnapshotS >= 0.0 && snapshot->time_s < m_lastSnapshotS) resetTrackers(); // a reset run
    if (faults && faults->size() < m_faultCursor) {
        m_faultCursor = 0;
        m_awaitingRevert.clear();
    }
    std::vector<LogEvent> batch;

    if (faults) {
        const auto& log = *faults;
        // Reverts of faults logged earlier: only those still awaited are looked at, by their place in the log.
        for (auto it = m_awaitingRevert.begin(); it != m_awaitingRevert.end();) {
            if (*it < log.size() && log[*it].reverted_ns >= 0) {
                batch.push_back(faultEvent(log[*it], false));
                it = m_awaitingRevert.erase(it);
            } else {
                ++it;
            }
        }
        for (; m_faultCursor < log.size(); ++m_faultCursor) {
            const FaultRecord& r = log[m_faultCursor];
            batch.push_back(faultEvent(r, true));
            if (r.reverted_ns >= 0)
                batch.push_back(faultEvent(r, false));
            else
                m_awaitingRevert.push_back(m_faultCursor);
        }
    }

    if (breakers && !breakers->empty()) {
        const auto& events = *breakers;
        if (events.back().time_ns < m_lastBreakerNs) { // the history restarted
            m_lastBreakerNs = -1;
            m_breakersAtLastNs = 0;
        }
        auto first = std::lower_bound(events.begin(), events.end(), m_lastBreakerNs,
            [](const BreakerEvent& e, int64_t t) { return e.time_ns < t; });
        size_t alreadySeen = 0;
        while (first != events.end() && first->time_ns == m_lastBreakerNs && alreadySeen < m_breakersAtLastNs) {
            ++first;
            ++alreadySeen;
        }
        for (auto it = first; it != events.end(); ++it)
            batch.push_back(breakerEvent(*it));
        if (first != events.end()) {
            m_lastBreakerNs = events.back().time_ns;
            m_breakersAtLastNs = static_cast<size_t>(std::count_if(
                events.begin(), events.end(), [t = m_lastBreakerNs](const BreakerEvent& e) { return e.time_ns == t; }));
        }
    }

    if (snapshot) {
        for (const HealthEvent& h : m_health.feed(snapshot))
            batch.push_back(healthEvent(h));
        m_lastSnapshotS = snapshot->time_s;
    }
    append(std::move(batch));
}

void EventLogModel::append(std::vector<LogEvent> events)
{
    if (events.empty()) return;
    std::stable_sort(
        events.begin(), events.end(), [](const LogEvent& a, const LogEvent& b) { return a.time_s < b.time_s; });
    // Beyond capacity, only the newest of the batch can stay.
    if (events.size() > static_cast<size_t>(m_capacity)) {
        const size_t skip = events.size() - static_cast<size_t>(m_capacity);
        events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(skip));
        m_dropped += skip;
    }
    const int first = rowCount();
    beginInsertRows({}, first, first + static_cast<int>(events.size()) - 1);
    for (LogEvent& e : events)
        m_events.push_back(std::move(e));
    endInsertRows();
    trim();
}

void EventLogModel::trim()
{
    const quint64 before = m_dropped;
    if (m_events.size() > static_cast<size_t>(m_capacity)) {
        const int excess = static_cast<int>(m_events.size()) - m_capacity;
        beginRemoveRows({}, 0, excess - 1);
        m_events.erase(m_events.begin(), m_events.begin() + excess);
        endRemoveRows();
        m_dropped += static_cast<quint64>(excess);
    }
    if (m_dropped != before) emit droppedChanged(m_dropped);
}

void EventLogModel::setCapacity(int capacity)
{
    m_capacity = std::max(1, capacity);
    trim();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_events.clear();
    resetTrackers();
    const bool hadDropped = m_dropped != 0;
    m_dropped = 0;
    endResetModel();
    if (hadDropped) emit droppedChanged(0);
}

QString EventLogModel::kindName(LogEvent::Kind kind)
{
    switch (kind) {
    case LogEvent::Kind::FaultApplied:
        return QStringLiteral("fault_applied");
    case LogEvent::Kind::FaultReverted:
        return QStringLiteral("fault_reverted");
    case LogEvent::Kind::Breaker:
        return QStringLiteral("breaker");
    case LogEvent::Kind::Health:
        return QStringLiteral("health");
    case LogEvent::Kind::DeadLetter:
        return QStringLiteral("dead_letter");
    case LogEvent::Kind::Ejection:
        return QStringLiteral("ejection");
    }
    return QStringLiteral("unknown");
}

QString EventLogModel::kindLabel(LogEvent::Kind kind)
{
    switch (kind) {
    case LogEvent::Kind::FaultApplied:
        return tr("Fault applied");
    case LogEvent::Kind::FaultReverted:
        return tr("Fault reverted");
    case LogEvent::Kind::Breaker:
        return tr("Breaker");
    case LogEvent::Kind::Health:
        return tr("Health");
    case LogEvent::Kind::DeadLetter:
        return tr("Dead letters");
    case LogEvent::Kind::Ejection:
        return tr("Ejection");
    }
    return {};
}

QString EventLogModel::csvField(const QString& text)
{
    const bool quote = text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"'))
        || text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\r'));
    if (!quote) return text;
    QString escaped = text;
    escaped.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

bool EventLogModel::writeCsv(QIODevice& device, const std::function<bool(int row)>& include) const
{
    auto line = [&device](const QStringList& fields) {
        const QByteArray bytes = (fields.join(QLatin1Char(',')) + QStringLiteral("\r\n")).toUtf8();
        return device.write(bytes) == bytes.size();
    };
    if (!line(
            { QStringLiteral("time_s"), QStringLiteral("kind"), QStringLiteral("subject"), QStringLiteral("detail") }))
        return false;
    for (int row = 0; row < rowCount(); ++row) {
        if (include && !include(row)) continue;
        const LogEvent& e = event(row);
        if (!line({ QString::number(e.time_s, 'f', 3), kindName(e.kind), csvField(e.subject), csvField(e.detail) }))
            return false;
    }
    return true;
}

bool EventLogModel::exportCsv(const QString& path, QString* error, const std::function<bool(int row)>& include) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    if (!writeCsv(file, include) || !file.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void EventLogModel::setPalette(const QPalette& palette)
{
    m_palette = palette;
    for (QIcon& icon : m_markers)
        icon = QIcon();
    if (!m_events.empty())
        emit dataChanged(index(0, KindColumn), index(rowCount() - 1, KindColumn), { Qt::DecorationRole });
}

QIcon EventLogModel::marker(Health severity) const
{
    QIcon& icon = m_markers[static_cast<int>(severity)];
    if (icon.isNull()) {
        QPixmap pixmap(12, 12);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(GraphStyle::healthColor(severity, m_palette));
        painter.drawEllipse(QRectF(2, 2, 8, 8));
        painter.end();
        icon = QIcon(pixmap);
    }
    return icon;
}

int EventLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const LogEvent& e = m_events[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return FigureFormat::clock(e.time_s);
        case KindColumn:
            return kindLabel(e.kind);
        case SubjectColumn:
            return e.subject;
        case DetailColumn:
            return e.detail;
        default:
            return {};
        }
    case Qt::DecorationRole:
        if (index.column() == KindColumn) return marker(e.severity);
        return {};
    case Qt::ToolTipRole:
        return tr("%1 s — %2 — %3: %4\nClick to select %5 in the graph.")
            .arg(QString::number(e.time_s, 'f', 3), kindLabel(e.kind), e.subject, e.detail,
                e.isEdge() ? edgeText(e.edgeSource, e.edgeTarget) : e.node);
    case KindRole:
        return static_cast<int>(e.kind);
    case TimeRole:
        return e.time_s;
    case NodeRole:
        return e.node;
    case EdgeSourceRole:
        return e.edgeSource;
    case EdgeTargetRole:
        return e.edgeTarget;
    default:
        return {};
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case KindColumn:
        return tr("Kind");
    case SubjectColumn:
        return tr("Subject");
    case DetailColumn:
        return tr("What happened");
    default:
        return {};
    }
}

// ---- filter ----

EventLogFilter::EventLogFilter(QObject* parent)
    : QSortFilterProxyModel(parent)
{
}

void EventLogFilter::setKindVisible(LogEvent::Kind kind, bool visible)
{
    const unsigned bit = 1u << static_cast<int>(kind);
    const unsigned next = visible ? (m_visible | bit) : (m_visible & ~bit);
    if (next == m_visible) return;
    m_visible = next;
    invalidateFilter();
}

bool EventLogFilter::isKindVisible(LogEvent::Kind kind) const
{
    return (m_visible & (1u << static_cast<int>(kind))) != 0;
}

bool EventLogFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    return isKindVisible(static_cast<LogEvent::Kind>(sourceModel()->data(index, EventLogModel::KindRole).toInt()));
}

} // namespace faultline
