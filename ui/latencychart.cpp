#include "latencychart.h"

#include "graphstyle.h"

#include <QAreaSeries>
#include <QChart>
#include <QEvent>
#include <QGraphicsLayout>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace faultline {

namespace {
int binOf(double ms)
{
    return static_cast<int>(std::floor(std::log10(std::max(ms, 1e-6)) * LatencyChart::kBinsPerDecade));
}
double binEdge(int bin)
{
    return std::pow(10.0, static_cast<double>(bin) / LatencyChart::kBinsPerDecade);
}
} // namespace

LatencyChart::LatencyChart(QWidget* parent)
    : QChartView(parent)
{
    auto* chart = new QChart;
    chart->legend()->hide();
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->setBackgroundRoundness(0);
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_upper = new QLineSeries(chart);
    m_area = new QAreaSeries(m_upper);
    m_area->setName(tr("Latency"));
    m_p50 = new QLineSeries(chart);
    m_p50->setName(tr("p50"));
    m_p99 = new QLineSeries(chart);
    m_p99->setName(tr("p99"));
    chart->addSeries(m_area);
    chart->addSeries(m_p50);
    chart->addSeries(m_p99);
    m_x = new QLogValueAxis(chart);
    m_x->setBase(10);
    m_x->setLabelFormat(QStringLiteral("%g"));
    m_x->setTitleText(tr("ms"));
    m_x->setMinorTickCount(-1);
    m_y = new QValueAxis(chart);
    m_y->setVisible(false);
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    for (QAbstractSeries* s : std::initializer_list<QAbstractSeries*> { m_area, m_p50, m_p99 }) {
        s->attachAxis(m_x);
        s->attachAxis(m_y);
    }
    m_x->setRange(1, 1000);
    m_y->setRange(0, 1);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setFrameShape(QFrame::NoFrame);
    setMinimumHeight(110);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    applyPalette();
}

QList<LatencyChart::Bar> LatencyChart::binsOf(const std::vector<LatencyBucket>& buckets)
{
    QList<Bar> bars;
    if (buckets.empty()) return bars;
    const int first = binOf(0.5 * (buckets.front().lower_ms + buckets.front().upper_ms));
    for (const LatencyBucket& b : buckets) {
        const int bin = binOf(0.5 * (b.lower_ms + b.upper_ms));
        while (first + bars.size() <= bin) {
            const int n = first + static_cast<int>(bars.size());
            bars.append(Bar { binEdge(n), binEdge(n + 1), 0 });
        }
        bars[bin - first].count += b.count;
    }
    return bars;
}

void LatencyChart::setHistogram(const DetailSnapshot* detail, double p50_ms, double p99_ms)
{
    m_bars = detail ? binsOf(detail->latency) : QList<Bar> {};
    m_points.clear();
    uint64_t highest = 0;
    for (const Bar& b : m_bars) {
        // A step outline: up the left edge, across, down the right edge.
        m_points.append(QPointF(b.lower_ms, 0));
        m_points.append(QPointF(b.lower_ms, static_cast<double>(b.count)));
        m_points.append(QPointF(b.upper_ms, static_cast<double>(b.count)));
        m_points.append(QPointF(b.upper_ms, 0));
        highest = std::max(highest, b.count);
    }
    m_upper->replace(m_points);
    const double top = std::max<double>(1.0, static_cast<double>(highest)) * 1.1;
    if (m_y->max() != top) m_y->setRange(0, top);
    double lo = m_bars.isEmpty() ? 1.0 : m_bars.front().lower_ms;
    double hi = m_bars.isEmpty() ? 1000.0 : m_bars.back().upper_ms;
    // Whole decades, at least one, so the axis labels are round numbers.
    lo = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
    hi = std::max(lo * 10.0, std::pow(10.0, std::ceil(std::log10(hi) - 1e-9)));
    if (m_x->min() != lo || m_x->max() != hi) m_x->setRange(lo, hi);
    setMark(m_p50, m_bars.isEmpty() ? 0.0 : p50_ms, top);
    setMark(m_p99, m_bars.isEmpty() ? 0.0 : p99_ms, top);
}

void LatencyChart::setMark(QLineSeries* series, double x, double top)
{
    if (x > 0.0)
        series->replace(QList<QPointF> { QPointF(x, 0.0), QPointF(x, top) });
    else
        series->clear();
}

double LatencyChart::p50Mark() const
{
    return m_p50->count() > 0 ? m_p50->at(0).x() : 0.0;
}

double LatencyChart::p99Mark() const
{
    return m_p99->count() > 0 ? m_p99->at(0).x() : 0.0;
}

void LatencyChart::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) applyPalette();
}

void LatencyChart::applyPalette()
{
    const QPalette pal = palette();
    chart()->setBackgroundBrush(pal.brush(QPalette::Base));
    chart()->setBackgroundPen(QPen(pal.color(QPalette::Mid), 0.5));
    setBackgroundBrush(pal.brush(QPalette::Window));
    const QColor accent = pal.color(QPalette::Highlight);
    QColor fill = accent;
    fill.setAlphaF(0.45f);
    m_area->setBrush(fill);
    m_area->setPen(QPen(accent, 1.0));
    QPen p50(GraphStyle::text(pal), 1.2, Qt::DashLine);
    m_p50->setPen(p50);
    QPen p99(GraphStyle::healthColor(Health::Failing, pal), 1.2, Qt::DashLine);
    m_p99->setPen(p99);
    m_x->setLabelsColor(GraphStyle::mutedText(pal));
    m_x->setTitleBrush(GraphStyle::mutedText(pal));
    m_x->setLinePenColor(pal.color(QPalette::Mid));
    m_x->setGridLineColor(GraphStyle::mix(pal.color(QPalette::Base), pal.color(QPalette::Mid), 0.5));
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    m_x->setLabelsFont(small);
    m_x->setTitleFont(small);
}

} // namespace faultline
