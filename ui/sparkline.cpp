#include "sparkline.h"

#include <QChart>
#include <QEvent>
#include <QGraphicsLayout>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>

namespace faultline {

Sparkline::Sparkline(QWidget* parent)
    : QChartView(parent)
{
    auto* chart = new QChart;
    chart->legend()->hide();
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(0, 0, 0, 0));
    chart->setBackgroundRoundness(0);
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_series = new QLineSeries(chart);
    chart->addSeries(m_series);
    m_x = new QValueAxis(chart);
    m_y = new QValueAxis(chart);
    for (QValueAxis* axis : { m_x, m_y }) {
        axis->setVisible(false);
        axis->setGridLineVisible(false);
        axis->setLabelsVisible(false);
    }
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    m_series->attachAxis(m_x);
    m_series->attachAxis(m_y);
    m_x->setRange(-60, 0);
    m_y->setRange(0, 1);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setFrameShape(QFrame::NoFrame);
    setMinimumHeight(36);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    applyPalette();
}

void Sparkline::setPoints(const QList<QPointF>& points, double minimumTop)
{
    m_series->replace(points);
    double top = minimumTop;
    for (const QPointF& p : points)
        top = std::max(top, p.y());
    const double left = points.isEmpty() ? -60.0 : std::min(points.front().x(), points.back().x() - 1.0);
    const double right = points.isEmpty() ? 0.0 : points.back().x();
    if (m_x->min() != left || m_x->max() != right) m_x->setRange(left, right);
    // Head room of 10 %, so the line never runs along the top edge.
    if (m_y->max() != top * 1.1) m_y->setRange(0.0, top * 1.1);
}

void Sparkline::setColor(const QColor& color)
{
    m_color = color;
    applyPalette();
}

double Sparkline::top() const
{
    return m_y->max() / 1.1;
}

void Sparkline::changeEvent(QEvent* event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) applyPalette();
}

void Sparkline::applyPalette()
{
    const QPalette pal = palette();
    chart()->setBackgroundBrush(pal.brush(QPalette::Base));
    chart()->setBackgroundPen(QPen(pal.color(QPalette::Mid), 0.5));
    setBackgroundBrush(pal.brush(QPalette::Window));
    QPen pen(m_color.isValid() ? m_color : pal.color(QPalette::Highlight));
    pen.setWidthF(1.5);
    m_series->setPen(pen);
}

} // namespace faultline
