#pragma once
// Loading a built-in scenario in a test: it must load, so a failure stops the test run at once.

#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"

#include <QtGlobal>

#include <string>
#include <string_view>

namespace faultline::test {

inline Scenario builtin(std::string_view id)
{
    auto result = ScenarioLoader::fromString(builtinScenario(id));
    if (!result.ok()) qFatal("the built-in scenario %s does not load", std::string(id).c_str());
    return *result.scenario;
}

} // namespace faultline::test
