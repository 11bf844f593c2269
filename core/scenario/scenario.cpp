#include "scenario/scenario.h"

#include <algorithm>

namespace faultline {

const Service* Scenario::findService(const std::string& name) const
{
    auto it = std::find_if(services.begin(), services.end(), [&name](const Service& s) { return s.name == name; });
    return it != services.end() ? &*it : nullptr;
}

const Queue* Scenario::findQueue(const std::string& name) const
{
    auto it = std::find_if(queues.begin(), queues.end(), [&name](const Queue& q) { return q.name == name; });
    return it != queues.end() ? &*it : nullptr;
}

} // namespace faultline
