#include "figureformat.h"

#include <QLocale>

#include <cmath>

namespace faultline {

QString FigureFormat::rate(double perSecond)
{
    if (!std::isfinite(perSecond) || perSecond <= 0.0) return QStringLiteral("0");
    if (perSecond >= 999.95) return QString::number(perSecond / 1000.0, 'f', 1) + QLatin1Char('k');
    if (perSecond < 0.05) return QString::number(perSecond, 'f', 2);
    return QString::number(perSecond, 'f', 1);
}

QString FigureFormat::percent(double fraction)
{
    if (!std::isfinite(fraction) || fraction <= 0.0) return QStringLiteral("0%");
    const double pct = fraction * 100.0;
    if (pct < 0.1) return QStringLiteral("<0.1%");
    return QString::number(pct, 'f', 1) + QLatin1Char('%');
}

QString FigureFormat::millis(double ms)
{
    if (!std::isfinite(ms) || ms < 0.0) return QStringLiteral("–");
    if (ms >= 999.5) return QString::number(ms / 1000.0, 'f', 2) + QStringLiteral(" s");
    if (ms < 9.95) return QString::number(ms, 'f', 1) + QStringLiteral(" ms");
    return QString::number(std::lround(ms)) + QStringLiteral(" ms");
}

QString FigureFormat::clock(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0.0) seconds = 0.0;
    // Round to tenths first so 59.96 s shows as 01:00.0, not 00:60.0.
    const long long tenths = std::llround(seconds * 10.0);
    const long long minutes = tenths / 600;
    const long long rest = tenths % 600;
    return QStringLiteral("%1:%2.%3")
        .arg(minutes, 2, 10, QLatin1Char('0'))
        .arg(rest / 10, 2, 10, QLatin1Char('0'))
        .arg(rest % 10);
}

QString FigureFormat::speed(double factor)
{
    return QString::number(factor, 'g', 3) + QLatin1Char('x');
}

QString FigureFormat::count(uint64_t n)
{
    return QLocale().toString(static_cast<qulonglong>(n));
}

QString FigureFormat::health(Health health)
{
    switch (health) {
    case Health::Healthy:
        return QStringLiteral("Healthy");
    case Health::Degraded:
        return QStringLiteral("Degraded");
    case Health::Failing:
        return QStringLiteral("Failing");
    case Health::Idle:
        break;
    }
    return QStringLiteral("Idle");
}

QString FigureFormat::kind(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Service:
        return QStringLiteral("Service");
    case NodeKind::Queue:
        return QStringLiteral("Queue");
    case NodeKind::Database:
        return QStringLiteral("Database");
    case NodeKind::External:
        return QStringLiteral("External");
    case NodeKind::User:
        break;
    }
    return QStringLiteral("User");
}

QString FigureFormat::breakerState(BreakerState state)
{
    switch (state) {
    case BreakerState::Closed:
        return QStringLiteral("Closed");
    case BreakerState::Open:
        return QStringLiteral("Open");
    case BreakerState::HalfOpen:
        return QStringLiteral("Half open");
    case BreakerState::Disabled:
        return QStringLiteral("Disabled");
    case BreakerState::ForcedOpen:
        return QStringLiteral("Forced open");
    case BreakerState::MetricsOnly:
        break;
    }
    return QStringLiteral("Metrics only");
}

QString FigureFormat::compactLine(const TrafficStats& traffic)
{
    if (traffic.rps <= 0.0 && !traffic.latency.valid) return QStringLiteral("idle");
    QString line = rate(traffic.rps) + QStringLiteral(" rps · ") + percent(traffic.error_rate) + QStringLiteral(" err");
    if (traffic.latency.valid) line += QStringLiteral(" · p99 ") + millis(traffic.latency.p99_ms);
    return line;
}

} // namespace faultline
