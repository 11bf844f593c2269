#pragma once
// What changed between two snapshots that an operator would want in a timeline: health of nodes and
// edges, queues starting to dead-letter, instances ejected by outlier detection. Pure and Qt-free, so the
// event log, the headless mode and tests share one definition of "something happened".

#include "graph/graphsnapshot.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace faultline {

enum class HealthEventKind : uint8_t {
    NodeHealth, ///< a node's health changed (`from` -> `to`)
    EdgeHealth, ///< an edge's health changed (`from` -> `to`)
    DeadLettering, ///< a queue's cumulative dead-lettered count rose by `count`
    Ejection, ///< outlier detection ejected `count` more instances (`now_ejected` now)
    EjectionEnded, ///< every ejected instance is back in rotation
};

std::string_view toString(HealthEventKind kind); ///< node_health, edge_health, dead_lettering, ejection, ...

struct HealthEvent {
    double time_s = 0.0; ///< the `after` snapshot's time
    HealthEventKind kind = HealthEventKind::NodeHealth;
    std::string node; ///< the node, or the edge's source
    std::string target; ///< the edge's target; empty for node events
    Health from = Health::Idle; ///< NodeHealth and EdgeHealth
    Health to = Health::Idle;
    uint64_t count = 0; ///< DeadLettering: messages dead-lettered since `before`; Ejection: newly ejected
    double now_ejected = 0.0; ///< Ejection: instances ejected in `after`
    bool isEdge() const { return !target.empty(); }
    /// One line for people: "payments: healthy -> failing", "order-events dead-lettered 12 messages".
    std::string describe() const;
};

/// The events between two consecutive snapshots of the same run, in a stable order (nodes by id, then
/// edges by source and target). A node or edge present in only one of them changes nothing, except one
/// that appears already degraded or failing (reported as from idle). Empty when `after` is not later
/// than `before` or comes from another source: a reset run or a new source starts a new timeline, and
/// counters that went down (a reset) report nothing.
std::vector<HealthEvent> healthEvents(const GraphSnapshot& before, const GraphSnapshot& after);

/// Feeds consecutive snapshots through healthEvents() and keeps what it needs across them, so a queue
/// that dead-letters steadily is reported once when it *starts* (after at least `quiet_s` without any
/// dead-lettering), not on every snapshot.
class HealthEventTracker {
public:
    explicit HealthEventTracker(double quiet_s = 10.0)
        : m_quietS(quiet_s)
    {
    }
    /// The events since the previous snapshot fed; none for the first one.
    std::vector<HealthEvent> feed(std::shared_ptr<const GraphSnapshot> snapshot);
    /// Forget everything: the next snapshot starts a new timeline.
    void clear();

private:
    double m_quietS;
    std::shared_ptr<const GraphSnapshot> m_previous;
    std::map<std::string, double> m_lastDeadLetterS; ///< queue -> last time its count rose
};

} // namespace faultline
