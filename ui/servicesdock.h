#pragma once

#include <QDockWidget>

#include <memory>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace faultline {

struct GraphSnapshot;
class ServiceListModel;

/// The "Services" dock: every node of the latest snapshot in a sortable table (worst health first by
/// default) with a filter box. Clicking a row asks for that node (serviceActivated); selectService() marks
/// the row of a node selected elsewhere.
class ServicesDock : public QDockWidget {
    Q_OBJECT
public:
    explicit ServicesDock(QWidget* parent = nullptr);

    void setSnapshot(const std::shared_ptr<const GraphSnapshot>& snapshot);
    ServiceListModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    QLineEdit* filterBox() const { return m_filter; }
    /// The id shown in a row of the view (after sorting and filtering), or empty.
    QString idAtViewRow(int row) const;
    /// The view row of a node, or -1 (filtered out or unknown).
    int viewRowOf(const QString& id) const;

public slots:
    /// Selects the node's row without emitting serviceActivated; empty clears the selection.
    void selectService(const QString& id);

signals:
    /// The user clicked (or pressed Enter on) a row.
    void serviceActivated(const QString& id);

private:
    ServiceListModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_view = nullptr;
    QLineEdit* m_filter = nullptr;
};

} // namespace faultline
