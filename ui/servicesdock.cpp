#include "servicesdock.h"

#include "servicelistmodel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace faultline {

ServicesDock::ServicesDock(QWidget* parent)
    : QDockWidget(tr("Services"), parent)
{
    setObjectName(QStringLiteral("servicesDock"));
    m_model = new ServiceListModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ServiceListModel::SortRole);
    m_proxy->setFilterKeyColumn(ServiceListModel::Id);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    auto* box = new QWidget(this);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    m_filter = new QLineEdit(box);
    m_filter->setObjectName(QStringLiteral("servicesFilter"));
    m_filter->setPlaceholderText(tr("Filter services"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("Show only the services whose id contains this text"));
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    layout->addWidget(m_filter);

    m_view = new QTableView(box);
    m_view->setObjectName(QStringLiteral("servicesView"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ServiceListModel::Health, Qt::DescendingOrder); // worst first
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setMinimumWidth(340); // id, health and the three figures without a horizontal scroll bar
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->setColumnHidden(ServiceListModel::Kind, true); // the id and health say enough; Kind is in tooltips
    layout->addWidget(m_view);
    setWidget(box);

    auto activate = [this](const QModelIndex& index) {
        const QString id = index.data(ServiceListModel::IdRole).toString();
        if (!id.isEmpty()) emit serviceActivated(id);
    };
    connect(m_view, &QTableView::clicked, this, activate);
    connect(m_view, &QTableView::activated, this, activate);
}

void ServicesDock::setSnapshot(const std::shared_ptr<const GraphSnapshot>& snapshot)
{
    m_model->setSnapshot(snapshot);
}

QString ServicesDock::idAtViewRow(int row) const
{
    return m_proxy->index(row, 0).data(ServiceListModel::IdRole).toString();
}

int ServicesDock::viewRowOf(const QString& id) const
{
    const int source = m_model->rowOf(id);
    if (source < 0) return -1;
    return m_proxy->mapFromSource(m_model->index(source, 0)).row();
}

void ServicesDock::selectService(const QString& id)
{
    QItemSelectionModel* selection = m_view->selectionModel();
    const int row = id.isEmpty() ? -1 : viewRowOf(id);
    if (row < 0) {
        selection->clearSelection();
        return;
    }
    const QModelIndex index = m_proxy->index(row, 0);
    selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

} // namespace faultline
