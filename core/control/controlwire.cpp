#include "control/controlwire.h"

#include <algorithm>

namespace faultline {

namespace pb = control::v1;

pb::FaultRule toWire(const LiveFaultRule& rule)
{
    pb::FaultRule wire;
    wire.set_rule_id(rule.id);
    switch (rule.kind) {
    case LiveFaultKind::Delay:
        wire.set_kind(pb::FAULT_KIND_DELAY);
        break;
    case LiveFaultKind::Abort:
        wire.set_kind(pb::FAULT_KIND_ABORT);
        break;
    case LiveFaultKind::PacketLoss:
        wire.set_kind(pb::FAULT_KIND_PACKET_LOSS);
        break;
    case LiveFaultKind::ErrorRate:
        wire.set_kind(pb::FAULT_KIND_ERROR_RATE);
        break;
    }
    wire.set_target(rule.target);
    wire.set_percentage(rule.percentage);
    wire.set_delay_ms(rule.delay_ms);
    wire.set_grpc_status(rule.grpc_status);
    wire.set_ttl_ms(static_cast<uint32_t>(std::clamp<int64_t>(rule.ttl_ms, 0, UINT32_MAX)));
    return wire;
}

pb::BreakerOverride toWire(const LiveBreakerOverride& override_)
{
    pb::BreakerOverride wire;
    wire.set_rule_id(override_.id);
    wire.set_breaker(override_.breaker);
    switch (override_.verb) {
    case BreakerOverrideVerb::ForceOpen:
        wire.set_verb(pb::BREAKER_VERB_FORCE_OPEN);
        break;
    case BreakerOverrideVerb::Close:
        wire.set_verb(pb::BREAKER_VERB_CLOSE);
        break;
    case BreakerOverrideVerb::Disable:
        wire.set_verb(pb::BREAKER_VERB_DISABLE);
        break;
    case BreakerOverrideVerb::Automatic:
        wire.set_verb(pb::BREAKER_VERB_AUTOMATIC);
        break;
    }
    wire.set_ttl_ms(static_cast<uint32_t>(std::clamp<int64_t>(override_.ttl_ms, 0, UINT32_MAX)));
    return wire;
}

bool fromWire(const pb::FaultRule& wire, LiveFaultRule& rule, std::string& error)
{
    rule.id = wire.rule_id();
    switch (wire.kind()) {
    case pb::FAULT_KIND_DELAY:
        rule.kind = LiveFaultKind::Delay;
        break;
    case pb::FAULT_KIND_ABORT:
        rule.kind = LiveFaultKind::Abort;
        break;
    case pb::FAULT_KIND_PACKET_LOSS:
        rule.kind = LiveFaultKind::PacketLoss;
        break;
    case pb::FAULT_KIND_ERROR_RATE:
        rule.kind = LiveFaultKind::ErrorRate;
        break;
    default:
        error = "unknown fault kind " + std::to_string(static_cast<int>(wire.kind()));
        return false;
    }
    rule.target = wire.target();
    rule.percentage = wire.percentage();
    rule.delay_ms = wire.delay_ms();
    rule.grpc_status = wire.grpc_status();
    rule.ttl_ms = wire.ttl_ms();
    return true;
}

bool fromWire(const pb::BreakerOverride& wire, LiveBreakerOverride& override_, std::string& error)
{
    override_.id = wire.rule_id();
    override_.breaker = wire.breaker();
    switch (wire.verb()) {
    case pb::BREAKER_VERB_FORCE_OPEN:
        override_.verb = BreakerOverrideVerb::ForceOpen;
        break;
    case pb::BREAKER_VERB_CLOSE:
        override_.verb = BreakerOverrideVerb::Close;
        break;
    case pb::BREAKER_VERB_DISABLE:
        override_.verb = BreakerOverrideVerb::Disable;
        break;
    case pb::BREAKER_VERB_AUTOMATIC:
        override_.verb = BreakerOverrideVerb::Automatic;
        break;
    default:
        error = "unknown breaker verb " + std::to_string(static_cast<int>(wire.verb()));
        return false;
    }
    override_.ttl_ms = wire.ttl_ms();
    return true;
}

} // namespace faultline
