#pragma once

#include "graph/graphsnapshot.h"

#include <QString>

namespace faultline {

/// Turns snapshot figures into the short, consistent text the graph, inspector and status bar show.
class FigureFormat {
public:
    static QString rate(double perSecond); ///< "48.9", "1.2k"
    static QString percent(double fraction); ///< "1.0%", "<0.1%", "0%"
    static QString millis(double ms); ///< "9.5 ms", "95 ms", "2.10 s"
    static QString clock(double seconds); ///< "mm:ss.s"
    static QString speed(double factor); ///< "0.25x", "1x", "100x"
    static QString count(uint64_t n); ///< grouped by the user's locale: "5,870"
    static QString health(Health health); ///< "Healthy"
    static QString kind(NodeKind kind); ///< "Service"
    static QString breakerState(BreakerState state); ///< "Half open"
    /// "48.9 rps · 1.0% err · p99 95 ms"; "idle" when nothing was seen in the window.
    static QString compactLine(const TrafficStats& traffic);
};

} // namespace faultline
