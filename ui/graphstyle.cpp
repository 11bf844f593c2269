#include "graphstyle.h"

#include <algorithm>
#include <cmath>

namespace faultline {

bool GraphStyle::isDark(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

bool GraphStyle::isHighContrast(const QPalette& palette)
{
    const QColor base = palette.color(QPalette::Base);
    return base.lightnessF() <= 0.06 && contrast(base, palette.color(QPalette::Text)) >= 18.0;
}

QPalette GraphStyle::presenterPalette(const QPalette& base)
{
    QPalette p = base;
    const QColor ground(0x05, 0x05, 0x06);
    for (auto role : { QPalette::Base, QPalette::Window, QPalette::AlternateBase })
        p.setColor(role, ground);
    for (auto role : { QPalette::Text, QPalette::WindowText, QPalette::BrightText })
        p.setColor(role, Qt::white);
    p.setColor(QPalette::Highlight, QColor(0x00, 0xe5, 0xff)); // selection: a cyan no health colour is near
    p.setColor(QPalette::HighlightedText, Qt::black);
    return p;
}

QColor GraphStyle::healthColor(Health health, const QPalette& palette)
{
    if (isHighContrast(palette)) {
        // Brighter and more saturated than the dark theme's: projectors wash colours out.
        switch (health) {
        case Health::Healthy:
            return { 0x2e, 0xe6, 0x6b };
        case Health::Degraded:
            return { 0xff, 0xb3, 0x00 };
        case Health::Failing:
            return { 0xff, 0x3b, 0x30 };
        case Health::Idle:
            break;
        }
        return { 0xb4, 0xb9, 0xc0 };
    }
    const bool dark = isDark(palette);
    switch (health) {
    case Health::Healthy:
        return dark ? QColor(0x4c, 0xc3, 0x6e) : QColor(0x23, 0x8b, 0x45);
    case Health::Degraded:
        return dark ? QColor(0xf2, 0xb1, 0x3a) : QColor(0xc7, 0x7c, 0x02);
    case Health::Failing:
        return dark ? QColor(0xff, 0x6b, 0x5e) : QColor(0xd0, 0x2f, 0x27);
    case Health::Idle:
        break;
    }
    return dark ? QColor(0x8d, 0x93, 0x9c) : QColor(0x8a, 0x8f, 0x98);
}

QColor GraphStyle::healthFill(Health health, const QPalette& palette)
{
    // Light themes get a pale tint; dark themes a deeper one, so the palette's text colour reads on both.
    const double amount = isHighContrast(palette) ? 0.34 : isDark(palette) ? 0.26 : 0.16;
    return mix(background(palette), healthColor(health, palette), health == Health::Idle ? amount * 0.6 : amount);
}

QColor GraphStyle::background(const QPalette& palette)
{
    return palette.color(QPalette::Base);
}

QColor GraphStyle::text(const QPalette& palette)
{
    return palette.color(QPalette::Text);
}

QColor GraphStyle::mutedText(const QPalette& palette)
{
    return mix(palette.color(QPalette::Base), palette.color(QPalette::Text), isHighContrast(palette) ? 0.85 : 0.68);
}

double GraphStyle::edgeWidth(double rps)
{
    if (!std::isfinite(rps) || rps <= 0.0) return kMinEdgeWidth;
    // 1 rps -> ~1.5, 10 -> ~2.9, 100 -> ~4.3, 1000 -> ~5.7
    const double w = kMinEdgeWidth + 1.4 * std::log10(1.0 + rps) + 0.1;
    return std::clamp(w, kMinEdgeWidth, kMaxEdgeWidth);
}

double GraphStyle::queueDepthFraction(double depth)
{
    if (!std::isfinite(depth) || depth <= 0.0) return 0.0;
    return std::clamp(std::log10(1.0 + depth) / 4.0, 0.0, 1.0);
}

QColor GraphStyle::mix(const QColor& a, const QColor& b, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    const auto lerp = [t](double x, double y) { return x + (y - x) * t; };
    return QColor::fromRgbF(static_cast<float>(lerp(a.redF(), b.redF())),
        static_cast<float>(lerp(a.greenF(), b.greenF())), static_cast<float>(lerp(a.blueF(), b.blueF())),
        static_cast<float>(lerp(a.alphaF(), b.alphaF())));
}

double GraphStyle::contrast(const QColor& a, const QColor& b)
{
    const auto channel = [](double c) { return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    const auto luminance = [&](const QColor& c) {
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

} // namespace faultline
