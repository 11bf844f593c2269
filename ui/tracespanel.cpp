#include "tracespanel.h"

#include "figureformat.h"
#include "graphstyle.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace faultline {

namespace {

QString spanKindText(SpanKind kind)
{
    switch (kind) {
    case SpanKind::Server:
        return QObject::tr("server");
    case SpanKind::Client:
        return QObject::tr("client");
    case SpanKind::Producer:
        return QObject::tr("producer");
    case SpanKind::Consumer:
        return QObject::tr("consumer");
    case SpanKind::Internal:
        return QObject::tr("internal");
    case SpanKind::Unspecified:
        break;
    }
    return QStringLiteral("–");
}

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent)
{
    auto* view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setAlternatingRowColors(true);
    view->setShowGrid(false);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setHighlightSections(false);
    return view;
}

} // namespace

// --- TraceListModel ---------------------------------------------------------------------------------

void TraceListModel::setTraces(std::vector<TraceSummary> traces)
{
    beginResetModel();
    m_traces = std::move(traces);
    endResetModel();
}

int TraceListModel::rowOf(const TraceId& id) const
{
    for (size_t i = 0; i < m_traces.size(); ++i)
        if (m_traces[i].id == id) return static_cast<int>(i);
    return -1;
}

int TraceListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_traces.size());
}

int TraceListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TraceListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const TraceSummary& t = m_traces[static_cast<size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Status:
            return t.error ? tr("failed") : tr("ok");
        case Root:
            return qs(t.root_service) + QStringLiteral(" · ") + qs(t.root_operation);
        case Start:
            return FigureFormat::clock(t.start_s);
        case Duration:
            return FigureFormat::millis(t.duration_ms);
        case Matched:
            return FigureFormat::millis(t.matched_ms);
        case Spans:
            return t.span_count;
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole)
        return tr("Trace %1\n%2 spans, %3 in all, %4 here%5")
            .arg(qs(toHex(t.id)))
            .arg(t.span_count)
            .arg(FigureFormat::millis(t.duration_ms), FigureFormat::millis(t.matched_ms),
                t.error ? tr("\nA span failed.") : QString());
    if (role == Qt::TextAlignmentRole && index.column() >= Start)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Status && t.error)
        return GraphStyle::healthColor(Health::Failing, QPalette());
    return {};
}

QVariant TraceListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Status:
            return tr("Status");
        case Root:
            return tr("Root");
        case Start:
            return tr("Start");
        case Duration:
            return tr("Duration");
        case Matched:
            return tr("Here");
        case Spans:
            return tr("Spans");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && section == Matched)
        return tr("Time spent on the selected node or call: its longest span in the trace");
    return {};
}

// --- WaterfallModel ---------------------------------------------------------------------------------

void WaterfallModel::setWaterfall(std::optional<TraceWaterfall> waterfall)
{
    beginResetModel();
    m_waterfall = std::move(waterfall);
    endResetModel();
}

int WaterfallModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_waterfall ? 0 : static_cast<int>(m_waterfall->rows.size());
}

int WaterfallModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WaterfallModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const WaterfallRow& r = m_waterfall->rows[static_cast<size_t>(index.row())];
    const bool error = r.status == StatusCode::Error;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Operation:
            // Two spaces per level: the tree reads without a tree view's expanders.
            return QString(r.depth * 2, QLatin1Char(' ')) + qs(r.operation);
        case Service:
            return r.instance.empty() ? qs(r.service) : qs(r.service) + QStringLiteral(" (") + qs(r.instance) + ')';
        case Kind:
            return spanKindText(r.kind);
        case Start:
            return FigureFormat::millis(r.start_ms);
        case Duration:
            return FigureFormat::millis(r.duration_ms);
        default:
            return {};
        }
    case Qt::ToolTipRole: {
        QString tip = tr("%1 · %2 (%3)\nstarts at +%4, takes %5")
                          .arg(qs(r.service), qs(r.operation), spanKindText(r.kind), FigureFormat::millis(r.start_ms),
                              FigureFormat::millis(r.duration_ms));
        if (!r.peer.empty()) tip += tr("\ncalls %1").arg(qs(r.peer));
        if (error) tip += tr("\nstatus: ERROR");
        if (r.orphan) tip += tr("\nits parent span was never received");
        return tip;
    }
    case Qt::TextAlignmentRole:
        if (index.column() == Start || index.column() == Duration)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (error && index.column() != Timeline) return GraphStyle::healthColor(Health::Failing, QPalette());
        return {};
    case BarRole: {
        const double total = std::max(m_waterfall->duration_ms, 1e-9);
        return QPointF(r.start_ms / total, (r.start_ms + r.duration_ms) / total);
    }
    case ErrorRole:
        return error;
    default:
        return {};
    }
}

QVariant WaterfallModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Operation:
        return tr("Operation");
    case Service:
        return tr("Service");
    case Kind:
        return tr("Kind");
    case Start:
        return tr("Start");
    case Duration:
        return tr("Duration");
    case Timeline:
        return tr("Timeline");
    default:
        return {};
    }
}

// --- WaterfallBarDelegate ---------------------------------------------------------------------------

void WaterfallBarDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QStyledItemDelegate::paint(painter, option, index);
    const QPointF bar = index.data(WaterfallModel::BarRole).toPointF();
    const bool error = index.data(WaterfallModel::ErrorRole).toBool();
    const QRectF area = QRectF(option.rect).adjusted(4, 4, -4, -4);
    if (area.width() <= 0) return;
    const double x0 = area.left() + std::clamp(bar.x(), 0.0, 1.0) * area.width();
    const double x1 = area.left() + std::clamp(bar.y(), 0.0, 1.0) * area.width();
    // Never thinner than 2 px, so an instant span still shows where it happened.
    QRectF r(x0, area.top(), std::max(2.0, x1 - x0), area.height());
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(GraphStyle::healthColor(error ? Health::Failing : Health::Healthy, option.palette));
    painter->drawRoundedRect(r, 2, 2);
    painter->restore();
}

QSize WaterfallBarDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    return { std::max(s.width(), 200), s.height() };
}

// --- TracesPanel ------------------------------------------------------------------------------------

TracesPanel::TracesPanel(QWidget* parent)
    : QWidget(parent)
{
    qRegisterMetaType<faultline::TraceId>();
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_status = new QLabel(this);
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_status->setWordWrap(true);

    m_listModel = new TraceListModel(this);
    m_list = makeTable(m_listModel, this);
    m_list->setAccessibleName(tr("Recent traces"));
    m_list->setToolTip(
        tr("Recent traces through the selection, failed and slowest first. Click one to see its spans."));
    auto* header = m_list->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(TraceListModel::Root, QHeaderView::Stretch);

    m_waterfallModel = new WaterfallModel(this);
    m_waterfall = makeTable(m_waterfallModel, this);
    m_waterfall->setAccessibleName(tr("Span waterfall"));
    m_waterfall->setItemDelegateForColumn(WaterfallModel::Timeline, new WaterfallBarDelegate(m_waterfall));
    auto* wh = m_waterfall->horizontalHeader();
    wh->setSectionResizeMode(QHeaderView::ResizeToContents);
    wh->setSectionResizeMode(WaterfallModel::Timeline, QHeaderView::Stretch);
    m_waterfallTitle = new QLabel(this);
    m_waterfallTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* lower = new QWidget(this);
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(m_waterfallTitle);
    lowerLayout->addWidget(m_waterfall);

    // Side by side: the panel lives in the bottom dock area, which is wide and short.
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_list);
    split->addWidget(lower);
    split->setChildrenCollapsible(false);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    layout->addWidget(m_title);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    connect(m_list, &QTableView::clicked, this, &TracesPanel::onRowActivated);
    connect(m_list, &QTableView::activated, this, &TracesPanel::onRowActivated);
    setSubject({});
    setWaterfall(std::nullopt);
}

void TracesPanel::setSubject(const QString& subject)
{
    if (subject == m_subject && !m_title->text().isEmpty()) return;
    m_subject = subject;
    m_chosen.reset();
    m_title->setText(subject.isEmpty() ? tr("Select a node or a call to see its recent traces.")
                                       : tr("Traces through %1").arg(subject));
    m_listModel->setTraces({});
    setWaterfall(std::nullopt);
}

void TracesPanel::setTraces(std::vector<TraceSummary> traces, const TraceStoreStats& stats)
{
    m_listModel->setTraces(std::move(traces));
    if (m_chosen) {
        const int row = m_listModel->rowOf(*m_chosen);
        if (row >= 0) m_list->selectRow(row);
    }
    m_status->setText(tr("%1 traces kept (%2 spans); %3 older ones dropped to stay within memory")
                          .arg(FigureFormat::count(stats.traces), FigureFormat::count(stats.spans),
                              FigureFormat::count(stats.traces_evicted)));
    m_status->setToolTip(stats.spans_truncated + stats.names_truncated > 0
            ? tr("Spans beyond a huge trace's limit: %1; names beyond the limit: %2")
                  .arg(FigureFormat::count(stats.spans_truncated), FigureFormat::count(stats.names_truncated))
            : QString());
}

void TracesPanel::setWaterfall(std::optional<TraceWaterfall> waterfall)
{
    if (waterfall)
        m_waterfallTitle->setText(tr("Trace %1 · %2 · %3 spans")
                                      .arg(qs(toHex(waterfall->id)), FigureFormat::millis(waterfall->duration_ms))
                                      .arg(waterfall->rows.size()));
    else
        m_waterfallTitle->setText(
            m_chosen ? tr("That trace is no longer kept.") : tr("Click a trace to see its spans."));
    m_waterfallModel->setWaterfall(std::move(waterfall));
}

bool TracesPanel::chooseTrace(int row)
{
    if (row < 0 || row >= m_listModel->rowCount()) return false;
    onRowActivated(m_listModel->index(row, 0));
    return true;
}

QString TracesPanel::statusText() const
{
    return m_status->text();
}

void TracesPanel::onRowActivated(const QModelIndex& index)
{
    if (!index.isValid()) return;
    const TraceId id = m_listModel->traces()[static_cast<size_t>(index.row())].id;
    m_chosen = id;
    m_list->selectRow(index.row());
    emit traceChosen(id);
}

} // namespace faultline
