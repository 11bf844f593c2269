#pragma once
// The agents connected to the window's control service, and the rules each holds, for the Agents dock:
// one row per rule (an agent holding none has one row saying so), so an operator sees at a glance which
// service applies what, and until when.

#include "control/controlserver.h"

#include <QAbstractTableModel>

#include <memory>

namespace faultline {

class AgentsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Service, Instance, Agent, Rule, Status, Expires, ColumnCount };

    explicit AgentsModel(QObject* parent = nullptr);

    /// Shows this view (null: nothing); cheap when its version is the one shown.
    void setView(std::shared_ptr<const ControlView> view, int64_t nowNs);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        const ControlAgentView* agent = nullptr;
        const ControlRuleView* rule = nullptr; ///< null: the agent holds no rule
    };
    std::shared_ptr<const ControlView> m_view;
    std::vector<Row> m_rows;
    int64_t m_nowNs = 0;
};

} // namespace faultline
