#pragma once
// The snapshot JSON format, "faultline.snapshot/1" (docs/snapshot-format.md).

#include "graph/graphsnapshot.h"

#include <optional>
#include <string>
#include <string_view>

namespace faultline {

/// Writes a snapshot as JSON; `indent` < 0 writes it on one line. Numbers are rounded (4 decimals, or 4
/// significant digits below 0.01) and keys come in a fixed order, so equal snapshots give identical bytes.
/// Windowed latency keys are null when nothing was observed in the window.
std::string snapshotToJson(const GraphSnapshot& snapshot, int indent = 2);

/// Reads what snapshotToJson writes (for tests and tools). On failure returns nullopt and, if `error` is
/// not null, says why.
std::optional<GraphSnapshot> snapshotFromJson(std::string_view json, std::string* error = nullptr);

} // namespace faultline
