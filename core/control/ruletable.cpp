#include "control/ruletable.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace faultline {

namespace {

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

/// The gRPC status a proxy would give for an HTTP one (the gRPC HTTP-to-status mapping); codes 1..16
/// pass through as gRPC codes already.
int grpcStatusFor(int status)
{
    if (status >= 1 && status <= 16) return status;
    switch (status) {
    case 400:
        return 13; // INTERNAL
    case 401:
        return 16; // UNAUTHENTICATED
    case 403:
        return 7; // PERMISSION_DENIED
    case 404:
        return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
        return 14; // UNAVAILABLE
    default:
        return 2; // UNKNOWN
    }
}

} // namespace

std::string_view toString(LiveFaultKind kind)
{
    switch (kind) {
    case LiveFaultKind::Delay:
        return "delay";
    case LiveFaultKind::Abort:
        return "abort";
    case LiveFaultKind::PacketLoss:
        return "packet_loss";
    case LiveFaultKind::ErrorRate:
        return "error_rate";
    }
    return "unknown";
}

std::string validate(const LiveFaultRule& rule)
{
    if (rule.id.empty()) return "the rule has no id";
    if (rule.kind != LiveFaultKind::ErrorRate && rule.target.empty())
        return "a " + std::string(toString(rule.kind)) + " rule needs a call target";
    if (!std::isfinite(rule.percentage) || rule.percentage < 0.0 || rule.percentage > 100.0)
        return "percentage must be between 0 and 100, not " + number(rule.percentage);
    if (rule.ttl_ms <= 0 || rule.ttl_ms > kMaxRuleTtlMs)
        return "ttl must be between 1 ms and 24 h, not " + std::to_string(rule.ttl_ms) + " ms";
    if (rule.kind == LiveFaultKind::Delay
        && (!std::isfinite(rule.delay_ms) || rule.delay_ms <= 0.0 || rule.delay_ms > kMaxRuleDelayMs))
        return "delay must be between 0 and 600000 ms, not " + number(rule.delay_ms);
    if ((rule.kind == LiveFaultKind::Abort || rule.kind == LiveFaultKind::ErrorRate)
        && (rule.grpc_status < 1 || rule.grpc_status > 16))
        return "status must be a gRPC error code 1..16, not " + std::to_string(rule.grpc_status);
    return {};
}

std::optional<LiveFaultRule> liveRuleFromFault(const Fault& fault, std::string& error)
{
    LiveFaultRule rule;
    rule.target = fault.target;
    rule.percentage = fault.percentage;
    rule.delay_ms = fault.delay_ms;
    rule.grpc_status = grpcStatusFor(fault.status);
    rule.ttl_ms = static_cast<int64_t>(std::llround(fault.duration_s * 1000.0));
    switch (fault.type) {
    case FaultType::Delay:
        rule.kind = LiveFaultKind::Delay;
        return rule;
    case FaultType::Abort:
        rule.kind = LiveFaultKind::Abort;
        return rule;
    case FaultType::PacketLoss:
        rule.kind = LiveFaultKind::PacketLoss;
        return rule;
    case FaultType::ErrorRate:
        rule.kind = LiveFaultKind::ErrorRate;
        rule.target.clear();
        return rule;
    default:
        break;
    }
    error = "a live service cannot apply " + std::string(toString(fault.type)) + " through its agent";
    return std::nullopt;
}

std::string describe(const LiveFaultRule& rule)
{
    std::string text(toString(rule.kind));
    if (rule.kind == LiveFaultKind::Delay) text += " " + number(rule.delay_ms) + " ms";
    if (rule.kind == LiveFaultKind::Abort || rule.kind == LiveFaultKind::ErrorRate)
        text += " status " + std::to_string(rule.grpc_status);
    text += rule.kind == LiveFaultKind::ErrorRate ? " on incoming calls" : " on calls to " + rule.target;
    text += " (" + number(rule.percentage) + " %) for " + number(static_cast<double>(rule.ttl_ms) / 1000.0) + " s";
    return text;
}

RuleTable::RuleTable(uint64_t seed)
    : random_(seed)
{
}

bool RuleTable::apply(const LiveFaultRule& rule, int64_t now_ns, std::string& error)
{
    error = validate(rule);
    if (!error.empty()) return false;
    const int64_t expires = now_ns + rule.ttl_ms * 1'000'000;
    std::lock_guard lock(mutex_);
    for (HeldRule& held : rules_) {
        if (held.rule.id == rule.id) {
            held = HeldRule { rule, expires };
            return true;
        }
    }
    rules_.push_back(HeldRule { rule, expires });
    return true;
}

bool RuleTable::revert(const std::string& id)
{
    std::lock_guard lock(mutex_);
    return std::erase_if(rules_, [&](const HeldRule& h) { return h.rule.id == id; }) > 0;
}

size_t RuleTable::revertAll()
{
    std::lock_guard lock(mutex_);
    const size_t count = rules_.size();
    rules_.clear();
    return count;
}

std::vector<std::string> RuleTable::expire(int64_t now_ns)
{
    std::vector<std::string> gone;
    std::lock_guard lock(mutex_);
    std::erase_if(rules_, [&](const HeldRule& h) {
        if (h.expires_ns > now_ns) return false;
        gone.push_back(h.rule.id);
        return true;
    });
    return gone;
}

bool RuleTable::draw(double percentage)
{
    if (percentage >= 100.0) return true;
    if (percentage <= 0.0) return false;
    return std::uniform_real_distribution<double>(0.0, 100.0)(random_) < percentage;
}

CallDecision RuleTable::decideOutgoing(std::string_view target, int64_t now_ns)
{
    CallDecision decision;
    std::lock_guard lock(mutex_);
    for (const HeldRule& held : rules_) {
        const LiveFaultRule& r = held.rule;
        if (held.expires_ns <= now_ns || r.kind == LiveFaultKind::ErrorRate || r.target != target) continue;
        if (!draw(r.percentage)) continue;
        decision.rule_ids.push_back(r.id);
        if (r.kind == LiveFaultKind::Delay) decision.delay_ms = std::max(decision.delay_ms, r.delay_ms);
        if (r.kind == LiveFaultKind::Abort && !decision.abort_status) decision.abort_status = r.grpc_status;
        if (r.kind == LiveFaultKind::PacketLoss) decision.lose = true;
    }
    return decision;
}

CallDecision RuleTable::decideIncoming(int64_t now_ns)
{
    CallDecision decision;
    std::lock_guard lock(mutex_);
    for (const HeldRule& held : rules_) {
        if (held.expires_ns <= now_ns || held.rule.kind != LiveFaultKind::ErrorRate) continue;
        if (!draw(held.rule.percentage)) continue;
        decision.rule_ids.push_back(held.rule.id);
        if (!decision.abort_status) decision.abort_status = held.rule.grpc_status;
    }
    return decision;
}

std::vector<HeldRule> RuleTable::rules(int64_t now_ns) const
{
    std::vector<HeldRule> live;
    std::lock_guard lock(mutex_);
    for (const HeldRule& held : rules_) {
        if (held.expires_ns > now_ns) live.push_back(held);
    }
    std::sort(live.begin(), live.end(), [](const HeldRule& a, const HeldRule& b) { return a.rule.id < b.rule.id; });
    return live;
}

size_t RuleTable::size() const
{
    std::lock_guard lock(mutex_);
    return rules_.size();
}

} // namespace faultline
