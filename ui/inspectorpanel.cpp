#include "inspectorpanel.h"

#include "figureformat.h"
#include "graphstyle.h"
#include "graphtext.h"

#include <QFormLayout>
#include <QLabel>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

#include <cmath>

namespace faultline {

namespace {
QString latency(const LatencyStats& l, double LatencyStats::*member)
{
    return l.valid ? FigureFormat::millis(l.*member) : QStringLiteral("–");
}
} // namespace

InspectorPanel::InspectorPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("inspectorTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_title->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.3);
    m_title->setFont(big);
    m_hint = new QLabel(tr("Click a node in the graph to see its figures."), this);
    m_hint->setWordWrap(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);

    m_details = new QWidget(this);
    m_form = new QFormLayout(m_details);
    m_form->setContentsMargins(0, 0, 0, 0);
    m_form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    m_form->setLabelAlignment(Qt::AlignLeft);
    addRow(Field::Kind, tr("Kind"));
    addRow(Field::Health, tr("Health"));
    addRow(Field::Instances, tr("Instances"));
    addRow(Field::InFlight, tr("In flight"));
    m_windowHeader = addHeader(QString());
    addRow(Field::Rate, tr("Rate"));
    addRow(Field::ErrorRate, tr("Errors"));
    addRow(Field::Mean, tr("Mean"));
    addRow(Field::P50, tr("p50"));
    addRow(Field::P95, tr("p95"));
    addRow(Field::P99, tr("p99"));
    addRow(Field::Depth, tr("Depth"));
    addRow(Field::DeadLettered, tr("Dead-lettered"));
    addRow(Field::Dropped, tr("Dropped"));
    addHeader(tr("Since the start"));
    addRow(Field::TotalRequests, tr("Requests"));
    addRow(Field::TotalErrors, tr("Errors"));
    addRow(Field::TotalMean, tr("Mean"));
    m_calls = new QLabel(this);
    m_calls->setWordWrap(true);
    m_calls->setTextFormat(Qt::RichText);
    m_calls->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    layout->addWidget(m_title);
    layout->addWidget(m_hint);
    layout->addWidget(m_details);
    layout->addSpacing(6);
    layout->addWidget(m_calls);
    layout->addStretch(1);
    refresh();
}

void InspectorPanel::addRow(Field field, const QString& label)
{
    auto* value = new QLabel(m_details);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_form->addRow(label, value);
    m_values.insert(field, value);
}

QLabel* InspectorPanel::addHeader(const QString& text)
{
    auto* header = new QLabel(text, m_details);
    QFont bold = header->font();
    bold.setBold(true);
    header->setFont(bold);
    header->setContentsMargins(0, 8, 0, 0);
    m_form->addRow(header);
    return header;
}

void InspectorPanel::setRow(Field field, const QString& text, bool visible)
{
    QLabel* value = m_values.value(field);
    value->setText(visible ? text : QString());
    m_form->setRowVisible(value, visible);
}

void InspectorPanel::setNode(const QString& id)
{
    if (id == m_node) return;
    m_node = id;
    refresh();
}

void InspectorPanel::setSnapshot(std::shared_ptr<const GraphSnapshot> snapshot)
{
    m_snapshot = std::move(snapshot);
    if (!m_node.isEmpty()) refresh();
}

QString InspectorPanel::fieldText(Field field) const
{
    // Plain text, whatever markup the row uses.
    return QTextDocumentFragment::fromHtml(m_values.value(field)->text()).toPlainText();
}

QString InspectorPanel::title() const
{
    return m_title->text();
}

void InspectorPanel::refresh()
{
    const int index = m_snapshot && !m_node.isEmpty() ? m_snapshot->findNode(m_node.toStdString()) : -1;
    m_title->setText(m_node.isEmpty() ? tr("No selection") : m_node);
    m_hint->setVisible(index < 0);
    m_details->setVisible(index >= 0);
    m_calls->setVisible(index >= 0);
    if (index < 0) {
        if (!m_node.isEmpty())
            m_hint->setText(tr("Not in the current snapshot."));
        else
            m_hint->setText(tr("Click a node in the graph to see its figures."));
        return;
    }

    const NodeSnapshot& n = m_snapshot->nodes[index];
    const TrafficStats t = GraphText::shownTraffic(*m_snapshot, index);
    const QColor accent = GraphStyle::healthColor(n.health, palette());
    m_windowHeader->setText(tr("Last %1 s").arg(m_snapshot->window_s, 0, 'g', 3));
    setRow(Field::Kind, FigureFormat::kind(n.kind) + (n.virtual_node ? tr(" (inferred)") : QString()));
    setRow(Field::Health,
        QStringLiteral("<span style='color:%1'>●</span>&nbsp;%2").arg(accent.name(), FigureFormat::health(n.health)));
    setRow(Field::Instances, n.instances > 0 ? QString::number(n.instances) : tr("unknown"), n.kind != NodeKind::User);
    setRow(Field::InFlight, QString::number(n.in_flight, 'f', 1), n.kind != NodeKind::User);
    setRow(Field::Rate, tr("%1 rps").arg(FigureFormat::rate(t.rps)));
    setRow(Field::ErrorRate, FigureFormat::percent(t.error_rate));
    setRow(Field::Mean, latency(t.latency, &LatencyStats::mean_ms), n.kind != NodeKind::User);
    setRow(Field::P50, latency(t.latency, &LatencyStats::p50_ms), n.kind != NodeKind::User);
    setRow(Field::P95, latency(t.latency, &LatencyStats::p95_ms), n.kind != NodeKind::User);
    setRow(Field::P99, latency(t.latency, &LatencyStats::p99_ms));
    const bool queue = n.queue.has_value();
    setRow(Field::Depth, queue ? QString::number(std::llround(n.queue->depth)) : QString(), queue);
    setRow(Field::DeadLettered, queue ? FigureFormat::count(n.queue->dead_lettered) : QString(), queue);
    setRow(Field::Dropped, queue ? FigureFormat::count(n.queue->dropped) : QString(), queue);
    setRow(Field::TotalRequests, FigureFormat::count(t.totals.requests));
    setRow(Field::TotalErrors, FigureFormat::count(t.totals.errors));
    setRow(Field::TotalMean, t.totals.requests > 0 ? FigureFormat::millis(t.totals.mean_ms) : QStringLiteral("–"),
        n.kind != NodeKind::User);

    // What this node calls, and through which breakers.
    QString calls;
    for (const auto& e : m_snapshot->edges) {
        if (static_cast<int>(e.source) != index || e.target >= m_snapshot->nodes.size()) continue;
        calls += QStringLiteral("<br>%1 <b>%2</b>: %3")
                     .arg(e.kind == EdgeKind::Sync ? QStringLiteral("→") : QStringLiteral("⇢"),
                         QString::fromStdString(m_snapshot->nodes[e.target].id).toHtmlEscaped(),
                         FigureFormat::compactLine(e.traffic));
        if (e.breaker) calls += tr(" · breaker %1").arg(FigureFormat::breakerState(e.breaker->state).toLower());
    }
    for (const auto& b : n.breakers)
        calls
            += tr("<br>breaker %1: %2")
                   .arg(QString::fromStdString(b.name).toHtmlEscaped(), FigureFormat::breakerState(b.state).toLower());
    m_calls->setText(calls.isEmpty() ? QString() : QStringLiteral("<b>%1</b>").arg(tr("Calls")) + calls);
}

} // namespace faultline
