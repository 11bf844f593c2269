#include "activefaultspanel.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace faultline {

ActiveFaultsPanel::ActiveFaultsPanel(QWidget* parent)
    : QWidget(parent)
    , m_model(new ActiveFaultsModel(this))
{
    m_revertAll = new QAction(tr("Revert &all faults"), this);
    m_revertAll->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Escape));
    m_revertAll->setShortcutContext(Qt::WindowShortcut);
    m_revertAll->setToolTip(tr("Revert every active fault, scripted or injected (Shift+Esc)"));
    m_revertAll->setStatusTip(m_revertAll->toolTip());
    addAction(m_revertAll);
    connect(m_revertAll, &QAction::triggered, this, &ActiveFaultsPanel::revertAllRequested);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* bar = new QHBoxLayout;
    m_count = new QLabel(this);
    bar->addWidget(m_count, 1);
    m_revertAllButton = new QToolButton(this);
    m_revertAllButton->setDefaultAction(m_revertAll);
    m_revertAllButton->setText(tr("Revert all"));
    m_revertAllButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addWidget(m_revertAllButton);
    layout->addLayout(bar);

    m_view = new QTableView(this);
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->setShowGrid(false);
    // The dock is narrow (it shares the right side with the inspector): parameters wrap onto more lines
    // rather than end in "...".
    m_view->setWordWrap(true);
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(ActiveFaultsModel::ParametersColumn, QHeaderView::Stretch);
    m_view->setToolTip(tr("Faults in force now. Select one and press Delete to revert it."));
    m_view->installEventFilter(this);
    layout->addWidget(m_view, 1);

    m_empty = new QLabel(tr("No active faults. Inject one from a node or an edge's context menu."), this);
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    layout->addWidget(m_empty, 1);

    connect(m_model, &QAbstractItemModel::rowsInserted, this,
        [this](const QModelIndex&, int first, int last) { addButtons(first, last); });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &ActiveFaultsPanel::updateEmptyState);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &ActiveFaultsPanel::updateEmptyState);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ActiveFaultsPanel::updateEmptyState);
    m_model->setPalette(palette());
    updateEmptyState();
}

void ActiveFaultsPanel::setFaultLog(std::shared_ptr<const std::vector<FaultRecord>> log, double now_s)
{
    m_model->setFaultLog(std::move(log), now_s);
}

void ActiveFaultsPanel::addButtons(int first, int last)
{
    for (int row = first; row <= last; ++row) {
        const quint64 id = m_model->faultId(row);
        const FaultRecord& r = m_model->record(row);
        auto* button = new QToolButton;
        button->setText(tr("Revert"));
        button->setAutoRaise(true);
        button->setToolTip(tr("Revert “%1” now").arg(QString::fromStdString(describe(r.fault))));
        button->setProperty("faultId", QVariant::fromValue(id));
        connect(button, &QToolButton::clicked, this, [this, id] { emit revertRequested(id); });
        m_view->setIndexWidget(m_model->index(row, ActiveFaultsModel::RevertColumn), button);
    }
}

QAbstractButton* ActiveFaultsPanel::revertButton(int row) const
{
    if (row < 0 || row >= m_model->rowCount()) return nullptr;
    return qobject_cast<QAbstractButton*>(m_view->indexWidget(m_model->index(row, ActiveFaultsModel::RevertColumn)));
}

QAbstractButton* ActiveFaultsPanel::revertAllButton() const
{
    return m_revertAllButton;
}

void ActiveFaultsPanel::updateEmptyState()
{
    const int n = m_model->rowCount();
    m_view->setVisible(n > 0);
    m_empty->setVisible(n == 0);
    m_count->setText(n == 0 ? tr("Nothing broken") : (n == 1 ? tr("1 active fault") : tr("%1 active faults").arg(n)));
}

void ActiveFaultsPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_model) m_model->setPalette(palette());
}

bool ActiveFaultsPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if ((key->key() == Qt::Key_Delete || key->key() == Qt::Key_Backspace) && key->modifiers() == Qt::NoModifier) {
            const QModelIndex current = m_view->currentIndex();
            if (current.isValid()) {
                emit revertRequested(m_model->faultId(current.row()));
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace faultline
