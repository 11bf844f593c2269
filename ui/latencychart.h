#pragma once

#include "run/detailsnapshot.h"

#include <QChartView>
#include <QList>

class QAreaSeries;
class QLineSeries;
class QLogValueAxis;
class QValueAxis;

namespace faultline {

/// The latency histogram of a window: bars on a logarithmic millisecond axis (eight per decade, merging
/// the aggregator's finer buckets), with p50 and p99 marked by vertical lines. Updated in place.
class LatencyChart : public QChartView {
    Q_OBJECT
public:
    static constexpr int kBinsPerDecade = 8;

    struct Bar {
        double lower_ms = 0.0;
        double upper_ms = 0.0;
        uint64_t count = 0;
    };

    explicit LatencyChart(QWidget* parent = nullptr);

    /// Shows the histogram of `detail` (empty when null or without observations) with marks at p50 and
    /// p99 (left out when not positive).
    void setHistogram(const DetailSnapshot* detail, double p50_ms, double p99_ms);
    /// The bars now shown, ascending; empty bins between the first and last non-empty one included.
    const QList<Bar>& bars() const { return m_bars; }
    /// x of the p50 and p99 marks (0 when hidden).
    double p50Mark() const;
    double p99Mark() const;
    /// Merges fine buckets into the chart's bins.
    static QList<Bar> binsOf(const std::vector<LatencyBucket>& buckets);

    QSize sizeHint() const override { return { 240, 130 }; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyPalette();
    void setMark(QLineSeries* series, double x, double top);

    QList<Bar> m_bars;
    QList<QPointF> m_points; ///< reused between updates
    QLineSeries* m_upper = nullptr;
    QAreaSeries* m_area = nullptr;
    QLineSeries* m_p50 = nullptr;
    QLineSeries* m_p99 = nullptr;
    QLogValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

} // namespace faultline
