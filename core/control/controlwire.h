#pragma once
// Conversions between the control plane's wire messages (faultline.control.v1) and the core's types.
// Internal to core/control.

#include "control/breakerregistry.h"
#include "control/ruletable.h"

#include "faultline/control/v1/control.pb.h"

namespace faultline {

constexpr uint32_t kControlProtocolVersion = 1;

control::v1::FaultRule toWire(const LiveFaultRule& rule);
control::v1::BreakerOverride toWire(const LiveBreakerOverride& override_);
/// False with `error` for an unknown kind or verb; the values are validated by the rule table.
bool fromWire(const control::v1::FaultRule& wire, LiveFaultRule& rule, std::string& error);
bool fromWire(const control::v1::BreakerOverride& wire, LiveBreakerOverride& override_, std::string& error);

} // namespace faultline
