#include "inspectorpanel.h"

#include "breakerbadge.h"
#include "figureformat.h"
#include "graphstyle.h"
#include "graphtext.h"
#include "latencychart.h"
#include "sparkline.h"

#include <QDateTime>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QScrollArea>
#include <QTextDocumentFragment>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace faultline {

namespace {
QString latency(const LatencyStats& l, double LatencyStats::*member)
{
    return l.valid ? FigureFormat::millis(l.*member) : QStringLiteral("–");
}

QWidget* section(QWidget* parent, QVBoxLayout** layout)
{
    auto* w = new QWidget(parent);
    *layout = new QVBoxLayout(w);
    (*layout)->setContentsMargins(0, 0, 0, 0);
    (*layout)->setSpacing(3);
    return w;
}
} // namespace

InspectorPanel::InspectorPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    outer->addWidget(m_scroll);
    auto* content = new QWidget(m_scroll);
    auto* layout = new QVBoxLayout(content);

    m_title = new QLabel(content);
    m_title->setObjectName(QStringLiteral("inspectorTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setWordWrap(true);
    QFont big = m_title->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.3);
    m_title->setFont(big);
    m_subtitle = new QLabel(content);
    m_subtitle->setForegroundRole(QPalette::PlaceholderText);
    m_hint = new QLabel(tr("Click a node or an edge in the graph to see its figures."), content);
    m_hint->setWordWrap(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);

    // Now: the figures of the snapshot.
    m_details = new QWidget(content);
    m_form = new QFormLayout(m_details);
    m_form->setContentsMargins(0, 0, 0, 0);
    m_form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    m_form->setLabelAlignment(Qt::AlignLeft);
    addRow(m_form, Field::Kind, tr("Kind"));
    addRow(m_form, Field::Protocol, tr("Protocol"));
    addRow(m_form, Field::Health, tr("Health"));
    addRow(m_form, Field::Instances, tr("Instances"));
    addRow(m_form, Field::InFlight, tr("In flight"));
    m_windowHeader = addHeader(m_details, m_form, QString());
    addRow(m_form, Field::Rate, tr("Rate"));
    addRow(m_form, Field::ErrorRate, tr("Errors"));
    addRow(m_form, Field::Mean, tr("Mean"));
    addRow(m_form, Field::P50, tr("p50"));
    addRow(m_form, Field::P95, tr("p95"));
    addRow(m_form, Field::P99, tr("p99"));
    addRow(m_form, Field::Depth, tr("Queue depth"));
    addRow(m_form, Field::DeadLettered, tr("Dead-lettered"));
    addRow(m_form, Field::Dropped, tr("Dropped"));
    addHeader(m_details, m_form, tr("Since the start"));
    addRow(m_form, Field::TotalRequests, tr("Requests"));
    addRow(m_form, Field::TotalErrors, tr("Errors"));
    addRow(m_form, Field::TotalMean, tr("Mean"));

    // Trend: per-second history.
    QVBoxLayout* box = nullptr;
    m_trendSection = section(content, &box);
    m_trendHeader = addHeader(m_trendSection, box, tr("Trend"));
    const QString trendNames[3]
        = { tr("Requests per second"), tr("Errors, percent of requests"), tr("Mean latency, ms") };
    for (int i = 0; i < 3; ++i) {
        m_sparkLabels[i] = new QLabel(m_trendSection);
        m_sparks[i] = new Sparkline(m_trendSection);
        m_sparks[i]->setToolTip(trendNames[i] + tr(", one point per second"));
        box->addWidget(m_sparkLabels[i]);
        box->addWidget(m_sparks[i]);
    }

    // Latency: the window's histogram.
    m_latencySection = section(content, &box);
    addHeader(m_latencySection, box, tr("Latency distribution"));
    m_latency = new LatencyChart(m_latencySection);
    m_latency->setToolTip(tr("Requests of the window by latency (log scale); dashed lines at p50 and p99"));
    m_latencyLegend = new QLabel(m_latencySection);
    m_latencyLegend->setTextFormat(Qt::RichText);
    box->addWidget(m_latency);
    box->addWidget(m_latencyLegend);

    // Breaker: state and recent transitions.
    m_breakerSection = section(content, &box);
    addHeader(m_breakerSection, box, tr("Circuit breaker"));
    m_breakerForm = new QFormLayout;
    m_breakerForm->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    box->addLayout(m_breakerForm);
    addRow(m_breakerForm, Field::Breaker, tr("State"));
    addRow(m_breakerForm, Field::FailureRate, tr("Failure rate"));
    m_breakerList = new QLabel(m_breakerSection);
    m_breakerList->setTextFormat(Qt::RichText);
    m_breakerList->setWordWrap(true);
    m_transitions = new QLabel(m_breakerSection);
    m_transitions->setTextFormat(Qt::RichText);
    m_transitions->setWordWrap(true);
    m_transitions->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->addWidget(m_breakerList);
    m_breakerButtons = new QWidget(m_breakerSection);
    auto* buttons = new QHBoxLayout(m_breakerButtons);
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addStretch(1);
    m_breakerButtons->setVisible(false);
    box->addWidget(m_breakerButtons);
    box->addWidget(m_transitions);

    // Configuration.
    m_configSection = section(content, &box);
    addHeader(m_configSection, box, tr("Configuration"));
    m_config = new QLabel(m_configSection);
    m_config->setTextFormat(Qt::RichText);
    m_config->setWordWrap(true);
    m_config->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->addWidget(m_config);

    m_calls = new QLabel(content);
    m_calls->setWordWrap(true);
    m_calls->setTextFormat(Qt::RichText);
    m_calls->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    layout->addWidget(m_title);
    layout->addWidget(m_subtitle);
    layout->addWidget(m_hint);
    layout->addWidget(m_details);
    layout->addWidget(m_trendSection);
    layout->addWidget(m_latencySection);
    layout->addWidget(m_breakerSection);
    layout->addWidget(m_configSection);
    layout->addSpacing(6);
    layout->addWidget(m_calls);
    layout->addStretch(1);
    // Every section keeps its natural height; when they do not fit, the panel scrolls instead of squeezing.
    for (QWidget* w : { m_details, m_trendSection, m_latencySection, m_breakerSection, m_configSection })
        w->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    m_scroll->setWidget(content);
    refresh();
}

void InspectorPanel::addRow(QFormLayout* form, Field field, const QString& label)
{
    auto* value = new QLabel(form->parentWidget());
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->addRow(label, value);
    m_values.insert(field, value);
    m_forms.insert(field, form);
}

QLabel* InspectorPanel::addHeader(QWidget* parent, QLayout* layout, const QString& text)
{
    auto* header = new QLabel(text, parent);
    QFont bold = header->font();
    bold.setBold(true);
    header->setFont(bold);
    header->setContentsMargins(0, 8, 0, 0);
    if (auto* form = qobject_cast<QFormLayout*>(layout))
        form->addRow(header);
    else
        layout->addWidget(header);
    return header;
}

void InspectorPanel::setRow(Field field, const QString& text, bool visible)
{
    QLabel* value = m_values.value(field);
    const QString shown = visible ? text : QString();
    if (value->text() != shown) value->setText(shown);
    m_forms.value(field)->setRowVisible(value, visible);
}

void InspectorPanel::setNode(const QString& id)
{
    if (id == m_node && m_edge.isNull()) return;
    m_node = id;
    m_edge = EdgeRef {};
    selectionChanged();
}

void InspectorPanel::setEdge(const EdgeRef& edge)
{
    if (edge == m_edge && m_node.isEmpty()) return;
    m_edge = edge;
    m_node.clear();
    selectionChanged();
}

void InspectorPanel::selectionChanged()
{
    if (m_detail && !(m_detail->key == detailKey())) m_detail.reset();
    refresh();
    emit detailKeyChanged(detailKey());
}

DetailKey InspectorPanel::detailKey() const
{
    if (!m_edge.isNull()) return DetailKey::ofEdge(m_edge.source.toStdString(), m_edge.target.toStdString());
    if (!m_node.isEmpty()) return DetailKey::ofNode(m_node.toStdString());
    return {};
}

void InspectorPanel::setSnapshot(std::shared_ptr<const GraphSnapshot> snapshot)
{
    m_snapshot = std::move(snapshot);
    if (!m_node.isEmpty() || !m_edge.isNull()) refresh();
}

void InspectorPanel::setDetail(std::shared_ptr<const DetailSnapshot> detail)
{
    if (detail && !(detail->key == detailKey())) return; // published before the selection changed
    if (detail == m_detail) return;
    m_detail = std::move(detail);
    refreshDetail();
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

const Sparkline* InspectorPanel::sparkline(Trend trend) const
{
    return m_sparks[static_cast<int>(trend)];
}

QStringList InspectorPanel::breakerTransitions() const
{
    return m_transitionLines;
}

void InspectorPanel::refresh()
{
    int index = -1;
    if (m_snapshot && !m_node.isEmpty()) index = m_snapshot->findNode(m_node.toStdString());
    if (m_snapshot && !m_edge.isNull())
        index = m_snapshot->findEdge(m_edge.source.toStdString(), m_edge.target.toStdString());
    const bool selected = !m_node.isEmpty() || !m_edge.isNull();
    m_title->setText(!m_edge.isNull() ? QStringLiteral("%1 → %2").arg(m_edge.source, m_edge.target)
            : selected                ? m_node
                                      : tr("No selection"));
    const bool shown = index >= 0;
    m_hint->setVisible(!shown);
    m_subtitle->setVisible(shown);
    for (QWidget* w : { m_details, m_trendSection, m_latencySection, m_configSection, static_cast<QWidget*>(m_calls) })
        w->setVisible(shown);
    if (!shown) {
        m_breakerSection->setVisible(false);
        m_hint->setText(selected ? tr("Not in the current snapshot.")
                                 : tr("Click a node or an edge in the graph to see its figures."));
        return;
    }
    m_windowHeader->setText(tr("Last %1 s").arg(m_snapshot->window_s, 0, 'g', 3));
    if (!m_edge.isNull())
        refreshEdge(index);
    else
        refreshNode(index);
    refreshConfiguration();
    refreshDetail();
}

void InspectorPanel::refreshNode(int index)
{
    const NodeSnapshot& n = m_snapshot->nodes[static_cast<size_t>(index)];
    const TrafficStats t = GraphText::shownTraffic(*m_snapshot, index);
    const QColor accent = GraphStyle::healthColor(n.health, palette());
    const bool user = n.kind == NodeKind::User;
    m_subtitle->setText(tr("Node"));
    setRow(Field::Kind, FigureFormat::kind(n.kind) + (n.virtual_node ? tr(" (inferred)") : QString()));
    setRow(Field::Protocol, QString(), false);
    setRow(Field::Health,
        QStringLiteral("<span style='color:%1'>●</span>&nbsp;%2").arg(accent.name(), FigureFormat::health(n.health)));
    setRow(Field::Instances, n.instances > 0 ? QString::number(n.instances) : tr("unknown"), !user);
    setRow(Field::InFlight, QString::number(n.in_flight, 'f', 1), !user);
    setRow(Field::Rate, tr("%1 rps").arg(FigureFormat::rate(t.rps)));
    setRow(Field::ErrorRate, FigureFormat::percent(t.error_rate));
    setRow(Field::Mean, latency(t.latency, &LatencyStats::mean_ms), !user);
    setRow(Field::P50, latency(t.latency, &LatencyStats::p50_ms), !user);
    setRow(Field::P95, latency(t.latency, &LatencyStats::p95_ms), !user);
    setRow(Field::P99, latency(t.latency, &LatencyStats::p99_ms));
    const bool queue = n.queue.has_value();
    setRow(Field::Depth, queue ? QString::number(std::llround(n.queue->depth)) : QString(), queue);
    setRow(Field::DeadLettered, queue ? FigureFormat::count(n.queue->dead_lettered) : QString(), queue);
    setRow(Field::Dropped, queue ? FigureFormat::count(n.queue->dropped) : QString(), queue);
    setRow(Field::TotalRequests, FigureFormat::count(t.totals.requests));
    setRow(Field::TotalErrors, FigureFormat::count(t.totals.errors));
    setRow(
        Field::TotalMean, t.totals.requests > 0 ? FigureFormat::millis(t.totals.mean_ms) : QStringLiteral("–"), !user);

    // What this node calls, and through which breakers.
    QString calls;
    std::vector<const BreakerInfo*> breakers;
    for (const auto& e : m_snapshot->edges) {
        if (static_cast<int>(e.source) != index || e.target >= m_snapshot->nodes.size()) continue;
        calls += QStringLiteral("<br>%1 <b>%2</b>: %3")
                     .arg(e.kind == EdgeKind::Sync ? QStringLiteral("→") : QStringLiteral("⇢"),
                         QString::fromStdString(m_snapshot->nodes[e.target].id).toHtmlEscaped(),
                         FigureFormat::compactLine(e.traffic));
        if (e.breaker) {
            calls += tr(" · breaker %1").arg(FigureFormat::breakerState(e.breaker->state).toLower());
            breakers.push_back(&*e.breaker);
        }
    }
    for (const auto& b : n.breakers)
        breakers.push_back(&b);
    const QString text = calls.isEmpty() ? QString() : QStringLiteral("<b>%1</b>").arg(tr("Calls")) + calls;
    if (m_calls->text() != text) m_calls->setText(text);
    m_calls->setVisible(!text.isEmpty());
    refreshBreaker(breakers);
}

void InspectorPanel::refreshEdge(int index)
{
    const EdgeSnapshot& e = m_snapshot->edges[static_cast<size_t>(index)];
    const TrafficStats& t = e.traffic;
    const QColor accent = GraphStyle::healthColor(e.health, palette());
    m_subtitle->setText(e.kind == EdgeKind::Sync ? tr("Synchronous call, as the caller felt it")
                                                 : tr("Asynchronous messages, as the producer felt them"));
    setRow(Field::Kind, e.kind == EdgeKind::Sync ? tr("Sync call") : tr("Async message"));
    setRow(Field::Protocol, e.protocol.empty() ? tr("unknown") : QString::fromStdString(e.protocol));
    setRow(Field::Health,
        QStringLiteral("<span style='color:%1'>●</span>&nbsp;%2").arg(accent.name(), FigureFormat::health(e.health)));
    setRow(Field::Instances, QString(), false);
    setRow(Field::InFlight, QString(), false);
    setRow(Field::Rate, tr("%1 rps").arg(FigureFormat::rate(t.rps)));
    setRow(Field::ErrorRate, FigureFormat::percent(t.error_rate));
    setRow(Field::Mean, latency(t.latency, &LatencyStats::mean_ms));
    setRow(Field::P50, latency(t.latency, &LatencyStats::p50_ms));
    setRow(Field::P95, latency(t.latency, &LatencyStats::p95_ms));
    setRow(Field::P99, latency(t.latency, &LatencyStats::p99_ms));
    // A call into a queue shows how much waits there.
    const NodeSnapshot* target = e.target < m_snapshot->nodes.size() ? &m_snapshot->nodes[e.target] : nullptr;
    const bool queue = target && target->queue.has_value();
    setRow(Field::Depth, queue ? QString::number(std::llround(target->queue->depth)) : QString(), queue);
    setRow(Field::DeadLettered, QString(), false);
    setRow(Field::Dropped, QString(), false);
    setRow(Field::TotalRequests, FigureFormat::count(t.totals.requests));
    setRow(Field::TotalErrors, FigureFormat::count(t.totals.errors));
    setRow(Field::TotalMean, t.totals.requests > 0 ? FigureFormat::millis(t.totals.mean_ms) : QStringLiteral("–"));
    m_calls->setVisible(false);
    std::vector<const BreakerInfo*> breakers;
    if (e.breaker) breakers.push_back(&*e.breaker);
    refreshBreaker(breakers);
}

void InspectorPanel::refreshBreaker(const std::vector<const BreakerInfo*>& breakers)
{
    // One breaker (an edge's): its state in the canvas's words and badge. Several (a node's): one line each.
    const bool one = breakers.size() == 1;
    if (one) {
        const BreakerInfo& b = *breakers.front();
        setRow(Field::Breaker,
            BreakerBadge::html(b.state, palette()) + QStringLiteral("&nbsp;") + FigureFormat::breakerState(b.state));
        setRow(Field::FailureRate,
            b.failure_rate >= 0.0 ? QStringLiteral("%1%").arg(b.failure_rate, 0, 'f', 1) : tr("too few calls yet"));
    } else {
        setRow(Field::Breaker, QString(), false);
        setRow(Field::FailureRate, QString(), false);
    }
    QString list;
    if (!one)
        for (const BreakerInfo* b : breakers)
            list += (list.isEmpty() ? QString() : QStringLiteral("<br>")) + GraphText::breakerLine(*b, palette());
    if (m_breakerList->text() != list) m_breakerList->setText(list);
    m_breakerList->setVisible(!list.isEmpty());
    m_breakerButtons->setVisible(one && !m_edge.isNull() && m_breakerButtons->layout()->count() > 1);
    const bool events = m_detail && !m_detail->breaker_events.empty();
    m_breakerSection->setVisible(!breakers.empty() || events);
}

void InspectorPanel::refreshConfiguration()
{
    const Scenario* scenario = m_detail ? m_detail->scenario.get() : nullptr;
    const bool live = m_snapshot && m_snapshot->source == "live";
    QList<InspectorConfig::Row> rows;
    if (scenario || live) rows = InspectorConfig::rows(detailKey(), live ? nullptr : scenario, m_snapshot.get());
    QString html;
    for (const InspectorConfig::Row& r : rows)
        html += QStringLiteral("<tr><td style='padding-right:8px'>%1</td><td>%2</td></tr>")
                    .arg(r.label.toHtmlEscaped(), r.value.toHtmlEscaped());
    if (!html.isEmpty()) html = QStringLiteral("<table>") + html + QStringLiteral("</table>");
    m_configRows = rows;
    if (m_config->text() != html) m_config->setText(html);
    m_configSection->setVisible(!rows.isEmpty());
}

void InspectorPanel::refreshDetail()
{
    const DetailSnapshot* d = m_detail && m_detail->found ? m_detail.get() : nullptr;
    // Trend: whole seconds only (the current one is still filling), the last kTrendSeconds of them, none
    // before the run began.
    QList<QPointF> rate, errors, mean;
    if (d && d->history.points.size() > 1) {
        const auto& points = d->history.points;
        const auto last = static_cast<int64_t>(points.size()) - 2;
        int64_t from = std::max<int64_t>(0, last - kTrendSeconds + 1);
        from = std::max(from, -d->history.first_second);
        for (int64_t i = from; i <= last; ++i) {
            const HistoryPoint& p = points[static_cast<size_t>(i)];
            const auto x = static_cast<double>(i - last);
            rate.append(QPointF(x, p.count));
            errors.append(QPointF(x, p.count > 0 ? 100.0 * p.errors / p.count : 0.0));
            if (p.count > 0) mean.append(QPointF(x, p.mean_ms));
        }
    }
    m_sparks[0]->setPoints(rate, 1.0);
    m_sparks[1]->setPoints(errors, 1.0);
    m_sparks[2]->setPoints(mean, 1.0);
    m_sparks[1]->setColor(GraphStyle::healthColor(Health::Failing, palette()));
    const auto current = [](const QList<QPointF>& s) { return s.isEmpty() ? 0.0 : s.back().y(); };
    // Errors of the last second that had requests (a second without any has no error rate).
    double lastErrors = 0.0;
    for (qsizetype i = rate.size() - 1; i >= 0; --i)
        if (rate[i].y() > 0) {
            lastErrors = errors[i].y();
            break;
        }
    m_sparkLabels[0]->setText(tr("Requests/s: %1").arg(FigureFormat::rate(current(rate))));
    m_sparkLabels[1]->setText(tr("Errors: %1%").arg(lastErrors, 0, 'f', 1));
    m_sparkLabels[2]->setText(
        tr("Mean latency: %1").arg(mean.isEmpty() ? QStringLiteral("–") : FigureFormat::millis(current(mean))));
    const int seconds = static_cast<int>(rate.size());
    m_trendHeader->setText(
        seconds >= 120 ? tr("Trend, last %1 min").arg(seconds / 60) : tr("Trend, last %1 s").arg(seconds));

    // Latency: the window's histogram, marked where the snapshot puts p50 and p99.
    LatencyStats l;
    if (m_snapshot && !m_edge.isNull()) {
        const int e = m_snapshot->findEdge(m_edge.source.toStdString(), m_edge.target.toStdString());
        if (e >= 0) l = m_snapshot->edges[static_cast<size_t>(e)].traffic.latency;
    } else if (m_snapshot && !m_node.isEmpty()) {
        const int n = m_snapshot->findNode(m_node.toStdString());
        if (n >= 0) l = GraphText::shownTraffic(*m_snapshot, n).latency;
    }
    m_latency->setHistogram(d, l.valid ? l.p50_ms : 0.0, l.valid ? l.p99_ms : 0.0);
    const QString legend = !d || d->latency_count == 0
        ? tr("No requests in the window.")
        : tr("%1 requests · <span style='color:%2'>┆</span> p50 %3 · <span style='color:%4'>┆</span> p99 %5")
              .arg(FigureFormat::count(d->latency_count), GraphStyle::text(palette()).name(),
                  latency(l, &LatencyStats::p50_ms), GraphStyle::healthColor(Health::Failing, palette()).name(),
                  latency(l, &LatencyStats::p99_ms));
    if (m_latencyLegend->text() != legend) m_latencyLegend->setText(legend);

    // Breaker transitions, newest first, at simulated time (or wall-clock time, live).
    QStringList lines;
    if (d) {
        const bool live = d->scenario == nullptr;
        const bool manyBreakers = !d->key.isEdge();
        for (auto it = d->breaker_events.rbegin(); it != d->breaker_events.rend() && lines.size() < kShownTransitions;
             ++it) {
            const double t = static_cast<double>(it->time_ns) / 1e9;
            const QString when = live
                ? QDateTime::fromMSecsSinceEpoch(it->time_ns / 1'000'000).toString(QStringLiteral("HH:mm:ss"))
                : FigureFormat::clock(t);
            QString line = QStringLiteral("%1  %2 → %3")
                               .arg(when, FigureFormat::breakerState(it->from), FigureFormat::breakerState(it->to));
            if (manyBreakers) line += QStringLiteral("  (%1)").arg(QString::fromStdString(it->name));
            lines.append(line);
        }
    }
    m_transitionLines = lines;
    QString html;
    if (!lines.isEmpty()) {
        html = QStringLiteral("<b>%1</b>").arg(tr("Recent transitions"));
        for (const QString& line : lines)
            html += QStringLiteral("<br>")
                + line.toHtmlEscaped().replace(QStringLiteral("  "), QStringLiteral("&nbsp;&nbsp;"));
    }
    if (m_transitions->text() != html) m_transitions->setText(html);
    m_transitions->setVisible(!html.isEmpty());
    if (!lines.isEmpty()) m_breakerSection->setVisible(m_details->isVisibleTo(this));
    if (m_detail && m_detail->scenario && m_configRows.isEmpty() && m_details->isVisibleTo(this))
        refreshConfiguration(); // the scenario arrives with the first detail
}

void InspectorPanel::setBreakerActions(const QList<QAction*>& actions)
{
    auto* row = static_cast<QHBoxLayout*>(m_breakerButtons->layout());
    for (QAction* action : actions) {
        auto* button = new QToolButton(m_breakerButtons);
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        row->insertWidget(row->count() - 1, button);
    }
}

} // namespace faultline
