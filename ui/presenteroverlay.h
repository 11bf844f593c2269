#pragma once

#include <QElapsedTimer>
#include <QWidget>

#include <functional>

class QTimer;

namespace faultline {

class GraphView;

/// What presenter mode draws over the canvas, as a child widget that lets the mouse through: a big clock
/// of simulated time in the top-right corner (mm:ss, the speed, "PAUSED"), a one-line key hint at the
/// bottom, and the highlight pointer, a translucent ring where the mouse is that fades once it rests.
class PresenterOverlay : public QWidget {
    Q_OBJECT
public:
    explicit PresenterOverlay(GraphView* view);

    struct Clock {
        double seconds = 0.0; ///< simulated time; live: time listening
        double speed = 1.0;
        bool paused = false;
        bool live = false;
        bool valid = false; ///< false: no source, no clock
    };
    void setClockSource(std::function<Clock()> source) { m_clockSource = std::move(source); }
    Clock clock() const { return m_clockSource ? m_clockSource() : Clock {}; }
    /// "02:15" (h:mm:ss from an hour on).
    static QString clockText(double seconds);
    /// "1x" or "PAUSED" or "LIVE", the line under the time.
    QString statusText() const;
    /// Where the clock is drawn, in the overlay's (= the canvas's) coordinates.
    QRect clockRect() const;
    /// The pixel size of the clock's digits.
    int clockPixelSize() const;

    void setHintText(const QString& text);
    QString hintText() const { return m_hint; }
    void setHintVisible(bool visible);
    bool hintVisible() const { return m_hintVisible; }
    QRect hintRect() const;

    /// The highlight pointer follows the mouse over the canvas; off, nothing is drawn.
    void setPointerEnabled(bool enabled);
    bool pointerEnabled() const { return m_pointerEnabled; }
    /// Milliseconds on a monotonic clock; tests hand in their own to fade the pointer without waiting.
    void setTimeSource(std::function<qint64()> now) { m_now = std::move(now); }
    /// Puts the pointer at `pos` (canvas coordinates), fully visible; the canvas's mouse moves call it.
    void movePointer(const QPointF& pos);
    QPointF pointerPosition() const { return m_pointer; }
    /// 1 for kPointerHoldMs after the last move, then fading to 0 over kPointerFadeMs.
    double pointerOpacity() const;
    /// The area the pointer covers now; empty when it is not drawn.
    QRectF pointerRect() const;
    /// The fade's step: repaints the pointer and stops the fade timer once it has gone.
    void fadeStep();
    bool fading() const;

    static constexpr qint64 kPointerHoldMs = 2000;
    static constexpr qint64 kPointerFadeMs = 600;
    static constexpr double kPointerRadius = 46.0;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    qint64 now() const { return m_now ? m_now() : m_wall.elapsed(); }
    QFont clockFont() const;
    QFont statusFont() const;
    QFont hintFont() const;
    /// A rounded box in the canvas's ground with a thin rim, under the clock and the key hint.
    void paintPanel(QPainter& p, const QRect& box, double radius, float opacity, double rim) const;
    void paintClock(QPainter& p) const;
    void paintHint(QPainter& p) const;
    void paintPointer(QPainter& p) const;

    GraphView* m_view;
    std::function<Clock()> m_clockSource;
    QString m_hint;
    bool m_hintVisible = false;
    bool m_pointerEnabled = true;
    bool m_pointerShown = false; ///< the mouse has moved over the canvas since the pointer was enabled
    QPointF m_pointer;
    qint64 m_movedAt = 0;
    std::function<qint64()> m_now;
    QElapsedTimer m_wall;
    QTimer* m_fade = nullptr;
};

} // namespace faultline
