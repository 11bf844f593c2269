#pragma once

#include "graph/graphsnapshot.h"
#include "run/detailsnapshot.h"
#include "scenario/scenario.h"

#include <QList>
#include <QString>

namespace faultline {

/// The Configuration section of the inspector as (label, value) rows: for a simulation what the scenario
/// gave the node or edge (instances, concurrency, service times; an edge's timeout, retries, breaker,
/// bulkhead); for live telemetry what was observed.
class InspectorConfig {
public:
    struct Row {
        QString label;
        QString value;
    };
    /// `scenario` null means live telemetry; `snapshot` may be null.
    static QList<Row> rows(const DetailKey& key, const Scenario* scenario, const GraphSnapshot* snapshot);
    static QString distribution(const Distribution& d); ///< "exponential, mean 5 ms"
    static QString breaker(const CircuitBreakerConfig& b);
    static QString retry(const RetryConfig& r);
};

} // namespace faultline
