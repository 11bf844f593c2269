#pragma once

#include <QChartView>
#include <QList>
#include <QPointF>

class QLineSeries;
class QValueAxis;

namespace faultline {

/// A small line chart without axes, grid or legend: the trend of one figure over the last minutes. The
/// series is updated in place (replace()), so redrawing at the snapshot rate neither flickers nor
/// reallocates the chart. Colours follow the widget's palette.
class Sparkline : public QChartView {
    Q_OBJECT
public:
    explicit Sparkline(QWidget* parent = nullptr);

    /// Points (x in seconds, relative to now: negative; y the figure). The y range starts at 0 and grows to
    /// the largest value (at least `minimumTop`), so a flat line stays at the bottom.
    void setPoints(const QList<QPointF>& points, double minimumTop = 1.0);
    /// The colour of the line (else the palette's highlight).
    void setColor(const QColor& color);
    const QLineSeries* series() const { return m_series; }
    /// The top of the y range now shown.
    double top() const;

    QSize sizeHint() const override { return { 220, 44 }; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyPalette();

    QLineSeries* m_series = nullptr;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    QColor m_color;
};

} // namespace faultline
