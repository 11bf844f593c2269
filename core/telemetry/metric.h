#pragma once
// Normalised metric points, as every source delivers them to the graph aggregator.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faultline {

enum class MetricType : uint8_t { Gauge, CumulativeSum, DeltaSum };

/// One observation of a gauge or a sum. Metric traffic is small next to spans, so it owns its strings.
/// Names keep the form the exporter used (dotted OTel or underscored Prometheus); the aggregator reads both.
struct MetricPoint {
    std::string name;
    std::string service; ///< resource `service.name`
    std::string service_instance; ///< resource `service.instance.id`
    std::vector<std::pair<std::string, std::string>> attributes;
    MetricType type = MetricType::Gauge;
    double value = 0.0;
    int64_t time_ns = 0;

    /// The attribute's value, or an empty string.
    const std::string& attribute(std::string_view key) const
    {
        static const std::string empty;
        for (const auto& [k, v] : attributes)
            if (k == key) return v;
        return empty;
    }
};

} // namespace faultline
