#include "graphtext.h"

#include "breakerbadge.h"
#include "figureformat.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>

namespace faultline {

namespace {
QString tr(const char* text)
{
    return QCoreApplication::translate("faultline::GraphText", text);
}

QString idOf(const GraphSnapshot& snapshot, uint32_t node)
{
    return QString::fromStdString(snapshot.nodes.at(node).id).toHtmlEscaped();
}

QString latencyLine(const LatencyStats& l)
{
    return tr("mean %1 · p50 %2 · p95 %3 · p99 %4")
        .arg(FigureFormat::millis(l.mean_ms), FigureFormat::millis(l.p50_ms), FigureFormat::millis(l.p95_ms),
            FigureFormat::millis(l.p99_ms));
}
} // namespace

TrafficStats GraphText::shownTraffic(const GraphSnapshot& snapshot, int node)
{
    const NodeSnapshot& n = snapshot.nodes.at(node);
    if (n.kind != NodeKind::User || n.traffic.rps > 0.0) return n.traffic;
    TrafficStats sum;
    double errors = 0.0;
    for (const auto& e : snapshot.edges) {
        if (static_cast<int>(e.source) != node) continue;
        sum.rps += e.traffic.rps;
        errors += e.traffic.rps * e.traffic.error_rate;
        sum.totals.requests += e.traffic.totals.requests;
        sum.totals.errors += e.traffic.totals.errors;
        if (e.traffic.latency.valid) {
            sum.latency.valid = true;
            sum.latency.p99_ms = std::max(sum.latency.p99_ms, e.traffic.latency.p99_ms);
        }
    }
    sum.error_rate = sum.rps > 0.0 ? errors / sum.rps : 0.0;
    return sum;
}

QString GraphText::figuresLine(const GraphSnapshot& snapshot, int node)
{
    const NodeSnapshot& n = snapshot.nodes.at(node);
    if (n.kind == NodeKind::Queue && n.queue) {
        QString line
            = tr("%1 msg/s · depth %2").arg(FigureFormat::rate(n.traffic.rps)).arg(std::llround(n.queue->depth));
        if (n.queue->dead_lettered > 0) line += tr(" · %1 DLQ").arg(n.queue->dead_lettered);
        return line;
    }
    return FigureFormat::compactLine(shownTraffic(snapshot, node));
}

QStringList GraphText::edgeLabel(const EdgeSnapshot& edge)
{
    const TrafficStats& t = edge.traffic;
    if (t.rps <= 0.0 && !t.latency.valid) return {};
    QString first = FigureFormat::rate(t.rps) + tr(" rps");
    if (t.error_rate > 0.0) first += QStringLiteral(" · ") + FigureFormat::percent(t.error_rate);
    QStringList lines { first };
    if (t.latency.valid && t.latency.p99_ms >= 0.05) lines << tr("p99 ") + FigureFormat::millis(t.latency.p99_ms);
    return lines;
}

QString GraphText::breakerLine(const BreakerInfo& breaker, const QPalette& palette)
{
    QString s = BreakerBadge::html(breaker.state, palette) + QStringLiteral("&nbsp;")
        + tr("Breaker %1: <b>%2</b>")
              .arg(QString::fromStdString(breaker.name).toHtmlEscaped(),
                  FigureFormat::breakerState(breaker.state).toLower());
    QStringList figures;
    if (breaker.failure_rate >= 0.0) figures << tr("failure rate %1%").arg(breaker.failure_rate, 0, 'f', 1);
    if (breaker.slow_call_rate >= 0.0) figures << tr("slow calls %1%").arg(breaker.slow_call_rate, 0, 'f', 1);
    figures << tr("%1 calls not permitted").arg(FigureFormat::count(breaker.not_permitted_calls));
    return s + QStringLiteral("<br>&nbsp;&nbsp;&nbsp;&nbsp;") + figures.join(QStringLiteral(", "));
}

QString GraphText::nodeToolTip(const GraphSnapshot& snapshot, int node, const QPalette& palette)
{
    const NodeSnapshot& n = snapshot.nodes.at(node);
    const TrafficStats& t = n.traffic;
    const QString br = QStringLiteral("<br>");
    QString s = QStringLiteral("<b>%1</b> — %2").arg(idOf(snapshot, node), FigureFormat::kind(n.kind).toLower());
    if (n.virtual_node) s += tr(" (inferred, not reporting)");
    s += br + tr("Health: %1").arg(FigureFormat::health(n.health).toLower());
    if (n.instances > 0) s += br + tr("Instances: %1").arg(n.instances);
    if (n.kind == NodeKind::Queue && n.queue)
        s += br
            + tr("Depth: %1 (%2 ready, %3 unacked), %4 dead-lettered")
                  .arg(std::llround(n.queue->depth))
                  .arg(std::llround(n.queue->ready))
                  .arg(std::llround(n.queue->unacked))
                  .arg(n.queue->dead_lettered);
    const TrafficStats shown = shownTraffic(snapshot, node);
    s += br + tr("%1 rps, %2 errors").arg(FigureFormat::rate(shown.rps), FigureFormat::percent(shown.error_rate));
    if (t.latency.valid) s += br + latencyLine(t.latency);
    if (n.in_flight > 0.0) s += br + tr("In flight: %1").arg(n.in_flight, 0, 'f', 1);
    if (shown.totals.requests > 0)
        s += br
            + tr("Since start: %1 requests, %2 errors")
                  .arg(FigureFormat::count(shown.totals.requests), FigureFormat::count(shown.totals.errors));
    for (const BreakerInfo& b : n.breakers)
        s += br + breakerLine(b, palette);
    return s;
}

QString GraphText::edgeToolTip(const GraphSnapshot& snapshot, int edge, const QPalette& palette)
{
    const EdgeSnapshot& e = snapshot.edges.at(edge);
    const TrafficStats& t = e.traffic;
    const QString br = QStringLiteral("<br>");
    QString s = QStringLiteral("<b>%1 → %2</b> — %3")
                    .arg(idOf(snapshot, e.source), idOf(snapshot, e.target),
                        e.kind == EdgeKind::Sync ? tr("sync") : tr("async"));
    if (!e.protocol.empty()) s += QStringLiteral(", ") + QString::fromStdString(e.protocol).toHtmlEscaped();
    s += br + tr("Health: %1").arg(FigureFormat::health(e.health).toLower());
    s += br + tr("%1 rps, %2 errors").arg(FigureFormat::rate(t.rps), FigureFormat::percent(t.error_rate));
    if (t.latency.valid) s += br + tr("Caller felt: ") + latencyLine(t.latency);
    if (e.server_latency.valid) s += br + tr("Callee spent: ") + latencyLine(e.server_latency);
    if (e.breaker) s += br + breakerLine(*e.breaker, palette);
    return s;
}

} // namespace faultline
