#include "eventlogpanel.h"

#include "figureformat.h"

#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QScrollBar>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace faultline {

namespace {

QList<LogEvent::Kind> kindsOf(EventLogPanel::Group group)
{
    using K = LogEvent::Kind;
    switch (group) {
    case EventLogPanel::Group::Faults:
        return { K::FaultApplied, K::FaultReverted };
    case EventLogPanel::Group::Breakers:
        return { K::Breaker };
    case EventLogPanel::Group::Health:
        return { K::Health };
    case EventLogPanel::Group::Queues:
        return { K::DeadLetter };
    case EventLogPanel::Group::Ejections:
        return { K::Ejection };
    }
    return {};
}

} // namespace

EventLogPanel::EventLogPanel(QWidget* parent)
    : QWidget(parent)
    , m_model(new EventLogModel(this))
    , m_filter(new EventLogFilter(this))
{
    m_filter->setSourceModel(m_model);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* bar = new QHBoxLayout;
    bar->setSpacing(2);
    const struct {
        Group group;
        QString text;
        QString tip;
    } groups[] = {
        { Group::Faults, tr("&Faults"), tr("Show faults applied and reverted") },
        { Group::Breakers, tr("&Breakers"), tr("Show circuit breaker transitions") },
        { Group::Health, tr("&Health"), tr("Show health changes of nodes and edges") },
        { Group::Queues, tr("&Queues"), tr("Show queues starting to dead-letter") },
        { Group::Ejections, tr("E&jections"), tr("Show instances ejected by outlier detection") },
    };
    for (const auto& g : groups) {
        auto* button = new QToolButton(this);
        button->setText(g.text);
        button->setToolTip(g.tip);
        button->setCheckable(true);
        button->setChecked(true);
        button->setAutoRaise(true);
        const Group group = g.group;
        connect(button, &QToolButton::toggled, this, [this, group](bool on) {
            for (LogEvent::Kind kind : kindsOf(group))
                m_filter->setKindVisible(kind, on);
            updateStatus();
        });
        bar->addWidget(button);
        m_groups << button;
    }
    bar->addStretch(1);
    m_export = new QToolButton(this);
    m_export->setText(tr("E&xport CSV…"));
    m_export->setToolTip(tr("Save the events shown as CSV (time_s, kind, subject, detail)"));
    m_export->setAutoRaise(true);
    connect(m_export, &QToolButton::clicked, this, &EventLogPanel::exportWithDialog);
    bar->addWidget(m_export);
    layout->addLayout(bar);

    m_status = new QLabel(this);
    layout->addWidget(m_status);

    m_view = new QTableView(this);
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(
        EventLogModel::TimeColumn, m_view->fontMetrics().horizontalAdvance(QStringLiteral("00:00.00")) + 16);
    m_view->setColumnWidth(
        EventLogModel::KindColumn, m_view->fontMetrics().horizontalAdvance(QStringLiteral("Fault reverted")) + 36);
    m_view->setColumnWidth(EventLogModel::SubjectColumn,
        m_view->fontMetrics().horizontalAdvance(QStringLiteral("fraud-check → order-events")) + 16);
    m_view->setToolTip(tr("What happened, in simulated time. Click an event to select its node or edge."));
    m_view->installEventFilter(this);
    layout->addWidget(m_view, 1);

    connect(m_view, &QTableView::clicked, this, &EventLogPanel::activate);
    // Follow the newest events only while the user is looking at the end.
    connect(m_model, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
        const QScrollBar* bar = m_view->verticalScrollBar();
        m_follow = bar->value() >= bar->maximum();
    });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow) m_view->scrollToBottom();
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &EventLogPanel::updateStatus);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &EventLogPanel::updateStatus);
    connect(m_model, &QAbstractItemModel::modelReset, this, &EventLogPanel::updateStatus);
    connect(m_model, &EventLogModel::droppedChanged, this, &EventLogPanel::updateStatus);
    m_model->setPalette(palette());
    updateStatus();
}

void EventLogPanel::update(const std::shared_ptr<const GraphSnapshot>& snapshot,
    const std::shared_ptr<const std::vector<FaultRecord>>& faults,
    const std::shared_ptr<const std::vector<BreakerEvent>>& breakers)
{
    m_model->update(snapshot, faults, breakers);
}

QToolButton* EventLogPanel::filterButton(Group group) const
{
    return m_groups.value(static_cast<int>(group));
}

QString EventLogPanel::statusText() const
{
    return m_status->text();
}

void EventLogPanel::updateStatus()
{
    const int total = m_model->rowCount();
    const int shown = m_filter->rowCount();
    QString text = total == 1 ? tr("1 event") : tr("%1 events").arg(FigureFormat::count(static_cast<uint64_t>(total)));
    if (shown != total) text += tr(" · %1 shown").arg(FigureFormat::count(static_cast<uint64_t>(shown)));
    if (m_model->dropped() > 0)
        text += tr(" · %1 older dropped (the log keeps the last %2)")
                    .arg(FigureFormat::count(m_model->dropped()),
                        FigureFormat::count(static_cast<uint64_t>(m_model->capacity())));
    m_status->setText(text);
}

bool EventLogPanel::exportCsv(const QString& path, QString* error) const
{
    return m_model->exportCsv(
        path, error, [this](int row) { return m_filter->isKindVisible(m_model->event(row).kind); });
}

void EventLogPanel::exportWithDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export event log"),
        QDir::home().filePath(QStringLiteral("faultline-events.csv")), tr("CSV files (*.csv);;All files (*)"));
    if (path.isEmpty()) return;
    QString error;
    if (!exportCsv(path, &error)) QMessageBox::warning(this, tr("Export event log"), error);
}

void EventLogPanel::activate(const QModelIndex& proxyIndex)
{
    if (!proxyIndex.isValid()) return;
    const LogEvent& e = m_model->event(m_filter->mapToSource(proxyIndex).row());
    if (e.isEdge())
        emit edgeActivated(e.edgeSource, e.edgeTarget);
    else if (!e.node.isEmpty())
        emit nodeActivated(e.node);
}

void EventLogPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_model) m_model->setPalette(palette());
}

bool EventLogPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            activate(m_view->currentIndex());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace faultline
