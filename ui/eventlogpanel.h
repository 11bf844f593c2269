#pragma once

#include "eventlogmodel.h"

#include <QWidget>

class QLabel;
class QTableView;
class QToolButton;

namespace faultline {

/// The Event log panel (meant for a dock): the timeline of what happened, newest at the bottom (it follows
/// new events while scrolled to the end), with a filter by kind, a count of events dropped beyond the
/// model's capacity, and Export CSV. Clicking an event (or pressing Enter on it) emits nodeActivated or
/// edgeActivated so the owner can select it in the graph.
class EventLogPanel : public QWidget {
    Q_OBJECT
public:
    /// The filter groups of the tool bar; Faults covers applied and reverted.
    enum class Group { Faults, Breakers, Health, Queues, Ejections };

    explicit EventLogPanel(QWidget* parent = nullptr);

    /// Call after every snapshot with the runner's latest snapshot, fault log and breaker events (see
    /// EventLogModel::update); the log appends what is new.
    void update(const std::shared_ptr<const GraphSnapshot>& snapshot,
        const std::shared_ptr<const std::vector<FaultRecord>>& faults,
        const std::shared_ptr<const std::vector<BreakerEvent>>& breakers);

    EventLogModel* model() const { return m_model; }
    EventLogFilter* filter() const { return m_filter; }
    QTableView* view() const { return m_view; }
    /// The checkable tool button that shows or hides a group.
    QToolButton* filterButton(Group group) const;
    QToolButton* exportButton() const { return m_export; }
    /// The status line under the tool bar: "42 events", "42 events · 1,234 older dropped".
    QString statusText() const;

    /// Writes the events the filter shows to `path` as CSV (EventLogModel::writeCsv); false with a message.
    bool exportCsv(const QString& path, QString* error = nullptr) const;

signals:
    void nodeActivated(const QString& id);
    void edgeActivated(const QString& source, const QString& target);

public slots:
    /// Asks for a file name and exports; reports failures in a message box.
    void exportWithDialog();

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void activate(const QModelIndex& proxyIndex);
    void updateStatus();

    EventLogModel* m_model = nullptr;
    EventLogFilter* m_filter = nullptr;
    QTableView* m_view = nullptr;
    QLabel* m_status = nullptr;
    QToolButton* m_export = nullptr;
    QList<QToolButton*> m_groups;
    bool m_follow = true;
};

} // namespace faultline
