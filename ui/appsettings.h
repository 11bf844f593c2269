#pragma once
// Small helpers the window's parts share.

#include <QAction>
#include <QKeySequence>
#include <QSettings>
#include <QString>

namespace faultline {

/// Faultline's settings file (~/.config/Faultline/Faultline.conf), named explicitly so that tests and tools
/// that set no application name read and write the same one.
inline QSettings appSettings()
{
    return QSettings(QStringLiteral("Faultline"), QStringLiteral("Faultline"));
}

/// "Pause the simulation (Space)": a tooltip with the action's shortcut, when it has one.
inline QString withShortcut(const QString& text, const QAction* action)
{
    const QKeySequence key = action->shortcut();
    return key.isEmpty() ? text : QStringLiteral("%1 (%2)").arg(text, key.toString(QKeySequence::NativeText));
}

} // namespace faultline
