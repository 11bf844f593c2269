#include "resilience/fault.h"

#include <cmath>
#include <cstdio>

namespace faultline {

std::string_view toString(FaultType type)
{
    switch (type) {
    case FaultType::Delay:
        return "delay";
    case FaultType::Abort:
        return "abort";
    case FaultType::ErrorRate:
        return "error_rate";
    case FaultType::Slowdown:
        return "slowdown";
    case FaultType::Crash:
        return "crash";
    case FaultType::Pause:
        return "pause";
    case FaultType::Partition:
        return "partition";
    case FaultType::PacketLoss:
        return "packet_loss";
    case FaultType::ConsumerPause:
        return "consumer_pause";
    case FaultType::BrokerDown:
        return "broker_down";
    case FaultType::BreakerOverride:
        return "breaker";
    }
    return "unknown";
}

std::string_view toString(BreakerOverrideVerb verb)
{
    switch (verb) {
    case BreakerOverrideVerb::ForceOpen:
        return "force_open";
    case BreakerOverrideVerb::Close:
        return "close";
    case BreakerOverrideVerb::Disable:
        return "disable";
    case BreakerOverrideVerb::Automatic:
        return "automatic";
    }
    return "unknown";
}

namespace {

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

std::string instanceSuffix(int instance)
{
    return instance < 0 ? std::string() : "#" + std::to_string(instance);
}

} // namespace

std::string describe(const Fault& f)
{
    const std::string share = f.percentage < 100.0 ? " (" + number(f.percentage) + " %)" : std::string();
    const std::string ttl = " for " + number(f.duration_s) + " s";
    switch (f.type) {
    case FaultType::Delay:
        return "delay " + number(f.delay_ms) + " ms on calls to " + f.target + share + ttl;
    case FaultType::Abort:
        return "abort calls to " + f.target + " with " + std::to_string(f.status) + share + ttl;
    case FaultType::ErrorRate:
        return "errors from " + f.target + " at " + number(f.percentage) + " %" + ttl;
    case FaultType::Slowdown:
        return "slow " + f.target + " down " + number(f.factor) + "x" + ttl;
    case FaultType::Crash:
        return "crash " + f.target + instanceSuffix(f.instance) + ttl;
    case FaultType::Pause:
        return "pause " + f.target + instanceSuffix(f.instance) + ttl;
    case FaultType::Partition:
        return "partition " + f.target + " from " + f.peer + ttl;
    case FaultType::PacketLoss:
        return "lose " + number(f.percentage) + " % of calls to " + f.target + ttl;
    case FaultType::ConsumerPause:
        return "pause the consumers of " + f.target + ttl;
    case FaultType::BrokerDown:
        return "take the broker of " + f.target + " down" + ttl;
    case FaultType::BreakerOverride:
        return std::string(toString(f.verb)) + " the breaker " + f.peer + " of " + f.target + ttl;
    }
    return "unknown fault";
}

} // namespace faultline
