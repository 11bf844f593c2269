#include "presenteroverlay.h"

#include "figureformat.h"
#include "graphstyle.h"
#include "graphview.h"

#include <QEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QRadialGradient>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace faultline {

namespace {
constexpr int kMargin = 16;
constexpr int kFadeFrameMs = 33;
const QColor kPointerInk(0xff, 0xe6, 0x00); ///< a laser pointer's yellow: no health colour is this light
} // namespace

PresenterOverlay::PresenterOverlay(GraphView* view)
    : QWidget(view)
    , m_view(view)
{
    setObjectName(QStringLiteral("presenterOverlay"));
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setAttribute(Qt::WA_NoSystemBackground);
    setFocusPolicy(Qt::NoFocus);
    m_wall.start();
    m_fade = new QTimer(this);
    m_fade->setInterval(kFadeFrameMs);
    connect(m_fade, &QTimer::timeout, this, &PresenterOverlay::fadeStep);
    setGeometry(view->rect());
    view->installEventFilter(this);
}

QString PresenterOverlay::clockText(double seconds)
{
    const auto total = static_cast<long long>(std::floor(std::isfinite(seconds) ? std::max(seconds, 0.0) : 0.0));
    const long long h = total / 3600;
    const long long m = total / 60 % 60;
    const long long s = total % 60;
    const QString mmss = QStringLiteral("%1:%2").arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'));
    return h > 0 ? QStringLiteral("%1:%2").arg(h).arg(mmss) : mmss;
}

QString PresenterOverlay::statusText() const
{
    const Clock c = clock();
    if (c.live) return tr("LIVE");
    if (c.paused) return tr("PAUSED");
    return FigureFormat::speed(c.speed);
}

int PresenterOverlay::clockPixelSize() const
{
    return std::clamp(height() / 12, 36, 120);
}

QFont PresenterOverlay::clockFont() const
{
    QFont f = font();
    f.setPixelSize(clockPixelSize());
    f.setBold(true);
    return f;
}

QFont PresenterOverlay::statusFont() const
{
    QFont f = font();
    f.setPixelSize(std::max(14, clockPixelSize() * 2 / 5));
    f.setBold(true);
    return f;
}

QFont PresenterOverlay::hintFont() const
{
    // As large as the canvas's height suggests, smaller if that is what it takes to keep to one line.
    QFont f = font();
    f.setPixelSize(std::clamp(height() / 42, 15, 26));
    while (f.pixelSize() > 11
        && QFontMetrics(f).horizontalAdvance(m_hint) + QFontMetrics(f).height() > width() - 2 * kMargin)
        f.setPixelSize(f.pixelSize() - 1);
    return f;
}

QRect PresenterOverlay::clockRect() const
{
    const QFontMetrics time(clockFont());
    const QFontMetrics status(statusFont());
    const int pad = clockPixelSize() / 4;
    // Wide enough for any mm:ss and "PAUSED", so the box does not twitch as the figures change.
    const int w = std::max({ time.horizontalAdvance(QStringLiteral("00:00")),
                      time.horizontalAdvance(clockText(clock().seconds)),
                      status.horizontalAdvance(tr("PAUSED")) + status.height() })
        + 2 * pad;
    const int h = time.height() + status.height() + pad;
    return { width() - kMargin - w, kMargin, w, h };
}

void PresenterOverlay::setHintText(const QString& text)
{
    if (text == m_hint) return;
    m_hint = text;
    if (m_hintVisible) update();
}

void PresenterOverlay::setHintVisible(bool visible)
{
    if (visible == m_hintVisible) return;
    m_hintVisible = visible;
    update();
}

QRect PresenterOverlay::hintRect() const
{
    if (!m_hintVisible || m_hint.isEmpty()) return {};
    const QFontMetrics fm(hintFont());
    const int pad = fm.height() / 2;
    const int w = std::min(fm.horizontalAdvance(m_hint) + 2 * pad, width() - 2 * kMargin);
    const int h = fm.height() + pad;
    // Above the legend, which keeps the canvas's bottom-left corner.
    const QRectF legend = m_view->legendRect();
    const int bottom = legend.isEmpty() ? height() - kMargin : static_cast<int>(legend.top()) - 8;
    return { (width() - w) / 2, bottom - h, w, h };
}

void PresenterOverlay::setPointerEnabled(bool enabled)
{
    if (enabled == m_pointerEnabled) return;
    const QRectF old = pointerRect();
    m_pointerEnabled = enabled;
    m_pointerShown = false;
    if (!enabled) m_fade->stop();
    update(old.toAlignedRect());
}

void PresenterOverlay::movePointer(const QPointF& pos)
{
    if (!m_pointerEnabled) return;
    const QRectF old = pointerRect();
    m_pointer = pos;
    m_pointerShown = true;
    m_movedAt = now();
    update(old.united(pointerRect()).toAlignedRect());
    if (isVisible() && !m_fade->isActive()) m_fade->start();
}

double PresenterOverlay::pointerOpacity() const
{
    if (!m_pointerEnabled || !m_pointerShown) return 0.0;
    const qint64 idle = now() - m_movedAt;
    if (idle <= kPointerHoldMs) return 1.0;
    return std::clamp(1.0 - static_cast<double>(idle - kPointerHoldMs) / static_cast<double>(kPointerFadeMs), 0.0, 1.0);
}

QRectF PresenterOverlay::pointerRect() const
{
    if (pointerOpacity() <= 0.0) return {};
    const double r = kPointerRadius + 4.0;
    return { m_pointer.x() - r, m_pointer.y() - r, 2 * r, 2 * r };
}

bool PresenterOverlay::fading() const
{
    return m_fade->isActive();
}

void PresenterOverlay::fadeStep()
{
    const double r = kPointerRadius + 4.0;
    update(QRectF(m_pointer.x() - r, m_pointer.y() - r, 2 * r, 2 * r).toAlignedRect());
    if (pointerOpacity() <= 0.0) {
        m_pointerShown = false;
        m_fade->stop();
    }
}

bool PresenterOverlay::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view) {
        if (event->type() == QEvent::Resize) {
            setGeometry(m_view->rect());
        } else if (event->type() == QEvent::MouseMove && isVisible()) {
            movePointer(static_cast<QMouseEvent*>(event)->position());
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PresenterOverlay::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    if (clock().valid) paintClock(p);
    if (m_hintVisible && !m_hint.isEmpty()) paintHint(p);
    paintPointer(p);
}

void PresenterOverlay::paintPanel(QPainter& p, const QRect& box, double radius, float opacity, double rim) const
{
    // The canvas's ground, nearly opaque, in a faint rim of its text colour: readable over any edge.
    QColor ground = GraphStyle::background(palette());
    ground.setAlphaF(opacity);
    QColor edge = GraphStyle::text(palette());
    edge.setAlphaF(0.5f);
    p.setPen(QPen(edge, rim));
    p.setBrush(ground);
    p.drawRoundedRect(QRectF(box).adjusted(1, 1, -1, -1), radius, radius);
}

void PresenterOverlay::paintClock(QPainter& p) const
{
    const QPalette& pal = palette();
    const Clock c = clock();
    const QRect box = clockRect();
    paintPanel(p, box, clockPixelSize() / 5.0, 0.85f, 2.0);

    const QFont timeFont = clockFont();
    const QFontMetrics time(timeFont);
    const int pad = clockPixelSize() / 4;
    p.setFont(timeFont);
    p.setPen(GraphStyle::text(pal));
    p.drawText(
        QRect(box.left(), box.top() + pad / 2, box.width(), time.height()), Qt::AlignCenter, clockText(c.seconds));

    // The state line: a glyph as well as a word and a colour, so it reads from afar and without colour.
    const QFont stateFont = statusFont();
    const QFontMetrics status(stateFont);
    const QString text = statusText();
    const int glyph = status.ascent() * 3 / 4;
    const int lineWidth = glyph + status.height() / 3 + status.horizontalAdvance(text);
    const int y = box.top() + pad / 2 + time.height();
    const QRect line(box.left() + (box.width() - lineWidth) / 2, y, lineWidth, status.height());
    const QColor ink = c.live ? GraphStyle::healthColor(Health::Healthy, pal)
        : c.paused            ? GraphStyle::healthColor(Health::Degraded, pal)
                              : GraphStyle::text(pal);
    const QRectF g(line.left(), line.center().y() - glyph / 2.0, glyph, glyph);
    p.setPen(Qt::NoPen);
    p.setBrush(ink);
    if (c.live) {
        p.drawEllipse(g.adjusted(glyph * 0.1, glyph * 0.1, -glyph * 0.1, -glyph * 0.1));
    } else if (c.paused) {
        p.drawRect(QRectF(g.left(), g.top(), g.width() * 0.36, g.height()));
        p.drawRect(QRectF(g.right() - g.width() * 0.36, g.top(), g.width() * 0.36, g.height()));
    } else {
        const QPointF play[3] = { g.topLeft(), QPointF(g.right(), g.center().y()), g.bottomLeft() };
        p.drawConvexPolygon(play, 3);
    }
    p.setFont(stateFont);
    p.setPen(ink);
    p.drawText(
        QRect(line.left() + glyph + status.height() / 3, line.top(), status.horizontalAdvance(text) + 2, line.height()),
        Qt::AlignLeft | Qt::AlignVCenter, text);
}

void PresenterOverlay::paintHint(QPainter& p) const
{
    const QPalette& pal = palette();
    const QRect box = hintRect();
    const QFont f = hintFont();
    paintPanel(p, box, box.height() / 2.0, 0.9f, 1.5);
    p.setFont(f);
    p.setPen(GraphStyle::text(pal));
    const QFontMetrics fm(f);
    p.drawText(box, Qt::AlignCenter, fm.elidedText(m_hint, Qt::ElideRight, box.width() - fm.height() / 2));
}

void PresenterOverlay::paintPointer(QPainter& p) const
{
    const double opacity = pointerOpacity();
    if (opacity <= 0.0) return;
    const double r = kPointerRadius;
    QRadialGradient glow(m_pointer, r);
    QColor inner = kPointerInk;
    inner.setAlphaF(static_cast<float>(0.38 * opacity));
    QColor outer = kPointerInk;
    outer.setAlphaF(static_cast<float>(0.12 * opacity));
    glow.setColorAt(0.0, inner);
    glow.setColorAt(1.0, outer);
    p.setPen(Qt::NoPen);
    p.setBrush(glow);
    p.drawEllipse(m_pointer, r, r);
    // A bright ring, edged in black so it shows on light fills too.
    QColor edge(Qt::black);
    edge.setAlphaF(static_cast<float>(0.7 * opacity));
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(edge, 8.0));
    p.drawEllipse(m_pointer, r, r);
    QColor ring = kPointerInk;
    ring.setAlphaF(static_cast<float>(0.95 * opacity));
    p.setPen(QPen(ring, 5.0));
    p.drawEllipse(m_pointer, r, r);
}

} // namespace faultline
