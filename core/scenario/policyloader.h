#pragma once
// Internal to core (includes jsonchecker.h): reads the resilience policies of a call step, the part of
// docs/scenario-format.md titled "Resilience policies".

#include "scenario/jsonchecker.h"
#include "scenario/scenario.h"

#include <string>
#include <string_view>
#include <vector>

namespace faultline {

/// The call-step keys that configure resilience policies, in the order the documentation lists them.
const std::vector<std::string_view>& callPolicyKeys();

/// Reads every policy key present in the sync call step `step` (at pointer `at`) into `call`, reporting each
/// problem to `checker`. A policy given as {} gets its library's defaults.
void loadCallPolicies(JsonChecker& checker, const Json& step, const std::string& at, CallStep& call);

} // namespace faultline
