// libFuzzer target: scenario JSON from arbitrary bytes (the loader with its policy and fault loaders). Any
// input must give either a scenario or a list of errors, never a crash. A scenario the loader accepts must
// also be safe to simulate, so it runs for a bounded number of events.

#include "scenario/scenarioloader.h"
#include "sim/simulator.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    faultline::ScenarioLoadResult result = faultline::ScenarioLoader::fromString(json);
    if (!result.ok()) {
        if (result.errors.empty()) std::abort(); // a rejection must say why
        for (const auto& error : result.errors)
            (void)error.toString();
        return 0;
    }
    auto scenario = std::make_shared<const faultline::Scenario>(std::move(*result.scenario));
    faultline::Simulator simulator(scenario, 1, nullptr);
    simulator.runUntil(2'000'000'000, 20'000); // 2 s of virtual time, at most 20,000 events
    (void)simulator.stats();
    return 0;
}
