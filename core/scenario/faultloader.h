#pragma once
// Internal to core (includes jsonchecker.h): reads a scenario's scripted `faults`, the part of
// docs/scenario-format.md titled "Faults".

#include "scenario/jsonchecker.h"
#include "scenario/scenario.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace faultline {

/// What the faults of a scenario may name: its services, with their instances and breakers, and its queues.
struct FaultTargets {
    struct TargetService {
        std::optional<int> instances; ///< nullopt when the service's own count is invalid (already reported)
        std::vector<std::string> breakers; ///< the breakers on its calls, by name, each once, in document order
    };
    std::unordered_map<std::string, TargetService> services;
    std::unordered_set<std::string> queues;
    std::vector<std::string> serviceNames; ///< in document order, for suggestions
    std::vector<std::string> queueNames;

    /// Records a service (the first of one name wins) and the breakers of its calls: each breaker is known by
    /// its circuit_breaker's name or, without one, by the callee's name.
    void addService(const Service& service, bool instancesKnown);
    /// The targets of a scenario that has been read (valid or not).
    static FaultTargets of(const Scenario& scenario);
};

/// Reads one fault object (the shape of a `faults` entry) at pointer `at`; nothing when it is invalid.
std::optional<ScheduledFault> loadFault(
    JsonChecker& checker, const Json& fault, const std::string& at, const FaultTargets& targets);

/// Reads a fault object without `at_s`, for formats that say when elsewhere (a recording's commands).
std::optional<Fault> loadUnscheduledFault(
    JsonChecker& checker, const Json& fault, const std::string& at, const FaultTargets& targets);

/// Reads the `faults` array `faults` at pointer `at`, reporting each problem to `checker`.
std::vector<ScheduledFault> loadFaults(
    JsonChecker& checker, const Json& faults, const std::string& at, const FaultTargets& targets);

} // namespace faultline
