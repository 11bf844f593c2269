#include "agentsmodel.h"

#include <QBrush>
#include <QPalette>

#include <cmath>

namespace faultline {

AgentsModel::AgentsModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void AgentsModel::setView(std::shared_ptr<const ControlView> view, int64_t nowNs)
{
    const bool sameView = view && m_view && view->version == m_view->version;
    m_nowNs = nowNs;
    if (sameView) { // only the time left changed
        if (!m_rows.empty()) emit dataChanged(index(0, Expires), index(static_cast<int>(m_rows.size()) - 1, Expires));
        return;
    }
    beginResetModel();
    m_view = std::move(view);
    m_rows.clear();
    if (m_view)
        for (const ControlAgentView& agent : m_view->agents) {
            if (agent.rules.empty()) m_rows.push_back({ &agent, nullptr });
            for (const ControlRuleView& rule : agent.rules)
                m_rows.push_back({ &agent, &rule });
        }
    endResetModel();
}

int AgentsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int AgentsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AgentsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size())) return {};
    const Row& row = m_rows[static_cast<size_t>(index.row())];
    const ControlAgentView& agent = *row.agent;
    const ControlRuleView* rule = row.rule;
    if (role == Qt::ToolTipRole && rule && !rule->error.empty())
        return tr("Refused by the agent: %1").arg(QString::fromStdString(rule->error));
    if (role == Qt::ForegroundRole && rule && rule->status == ControlRuleStatus::Refused)
        return QBrush(QColor(0xc0, 0x39, 0x2b));
    if (role == Qt::TextAlignmentRole && index.column() == Expires)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Service:
        return QString::fromStdString(agent.service);
    case Instance:
        return QString::fromStdString(agent.instance);
    case Agent:
        return QString::fromStdString(agent.agent_id);
    case Rule:
        return rule ? QString::fromStdString(rule->description) : tr("no rules");
    case Status:
        return rule ? QString::fromStdString(std::string(toString(rule->status))) : QString();
    case Expires: {
        if (!rule) return QString();
        const double left = std::max(0.0, static_cast<double>(rule->expires_ns - m_nowNs) / 1e9);
        return tr("%1 s").arg(std::ceil(left), 0, 'f', 0);
    }
    default:
        return {};
    }
}

QVariant AgentsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Service:
        return tr("Service");
    case Instance:
        return tr("Instance");
    case Agent:
        return tr("Agent");
    case Rule:
        return tr("Rule");
    case Status:
        return tr("Status");
    case Expires:
        return tr("Time left");
    default:
        return {};
    }
}

} // namespace faultline
