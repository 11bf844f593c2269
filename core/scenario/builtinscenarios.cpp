#include "scenario/builtinscenarios.h"

namespace faultline {

std::string_view builtinScenario(std::string_view id)
{
    for (const auto& s : builtinScenarios())
        if (s.id == id) return s.json;
    return {};
}

} // namespace faultline
