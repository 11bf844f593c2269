#include "control/breakerregistry.h"

#include "control/ruletable.h"

namespace faultline {

namespace {

void applyVerb(CircuitBreaker& breaker, BreakerOverrideVerb verb, int64_t now_ns)
{
    switch (verb) {
    case BreakerOverrideVerb::ForceOpen:
        breaker.forceOpen(now_ns);
        break;
    case BreakerOverrideVerb::Close:
        breaker.close(now_ns);
        break;
    case BreakerOverrideVerb::Disable:
        breaker.disable(now_ns);
        break;
    case BreakerOverrideVerb::Automatic:
        breaker.reset(now_ns);
        break;
    }
}

} // namespace

std::string validate(const LiveBreakerOverride& override_)
{
    if (override_.id.empty()) return "the override has no id";
    if (override_.breaker.empty()) return "the override names no breaker";
    if (override_.ttl_ms <= 0 || override_.ttl_ms > kMaxRuleTtlMs)
        return "ttl must be between 1 ms and 24 h, not " + std::to_string(override_.ttl_ms) + " ms";
    return {};
}

bool BreakerRegistry::add(const std::string& name, const std::string& target, CircuitBreakerConfig config)
{
    if (name.empty()) return false;
    if (config.name.empty()) config.name = name;
    std::lock_guard lock(mutex_);
    return entries_.try_emplace(name, Entry { target, CircuitBreaker(std::move(config)), std::nullopt, 0 }).second;
}

BreakerRegistry::Entry* BreakerRegistry::find(const std::string& name)
{
    const auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
}

namespace {

/// An override whose time is up ends before the breaker answers anything at `now_ns`.
template <typename Entry> void lapse(Entry& entry, int64_t now_ns)
{
    if (entry.override_ && entry.expires_ns <= now_ns) {
        entry.override_.reset();
        entry.breaker.reset(now_ns);
    }
}

} // namespace

bool BreakerRegistry::tryAcquirePermission(const std::string& name, int64_t now_ns)
{
    std::lock_guard lock(mutex_);
    Entry* entry = find(name);
    if (!entry) return true;
    lapse(*entry, now_ns);
    return entry->breaker.tryAcquirePermission(now_ns);
}

void BreakerRegistry::onResult(const std::string& name, int64_t now_ns, int64_t duration_ns, CallOutcome outcome)
{
    std::lock_guard lock(mutex_);
    if (Entry* entry = find(name)) {
        lapse(*entry, now_ns);
        entry->breaker.onResult(now_ns, duration_ns, outcome);
    }
}

void BreakerRegistry::releasePermission(const std::string& name, int64_t now_ns)
{
    std::lock_guard lock(mutex_);
    if (Entry* entry = find(name)) entry->breaker.releasePermission(now_ns);
}

std::optional<BreakerState> BreakerRegistry::state(const std::string& name, int64_t now_ns)
{
    std::lock_guard lock(mutex_);
    Entry* entry = find(name);
    if (!entry) return std::nullopt;
    lapse(*entry, now_ns);
    return entry->breaker.state(now_ns);
}

std::optional<BreakerMetrics> BreakerRegistry::metrics(const std::string& name, int64_t now_ns)
{
    std::lock_guard lock(mutex_);
    Entry* entry = find(name);
    if (!entry) return std::nullopt;
    lapse(*entry, now_ns);
    return entry->breaker.metrics(now_ns);
}

bool BreakerRegistry::applyOverride(const LiveBreakerOverride& override_, int64_t now_ns, std::string& error)
{
    error = validate(override_);
    if (!error.empty()) return false;
    std::lock_guard lock(mutex_);
    Entry* entry = find(override_.breaker);
    if (!entry) {
        error = "no breaker named \"" + override_.breaker + "\"";
        return false;
    }
    applyVerb(entry->breaker, override_.verb, now_ns);
    entry->override_ = override_;
    entry->expires_ns = now_ns + override_.ttl_ms * 1'000'000;
    return true;
}

bool BreakerRegistry::revertOverride(const std::string& id, int64_t now_ns)
{
    std::lock_guard lock(mutex_);
    for (auto& [name, entry] : entries_) {
        if (entry.override_ && entry.override_->id == id) {
            entry.override_.reset();
            entry.breaker.reset(now_ns);
            return true;
        }
    }
    return false;
}

size_t BreakerRegistry::revertAll(int64_t now_ns)
{
    size_t count = 0;
    std::lock_guard lock(mutex_);
    for (auto& [name, entry] : entries_) {
        if (!entry.override_) continue;
        entry.override_.reset();
        entry.breaker.reset(now_ns);
        ++count;
    }
    return count;
}

std::vector<std::string> BreakerRegistry::expire(int64_t now_ns)
{
    std::vector<std::string> gone;
    std::lock_guard lock(mutex_);
    for (auto& [name, entry] : entries_) {
        if (entry.override_ && entry.expires_ns <= now_ns) gone.push_back(entry.override_->id);
        lapse(entry, now_ns);
    }
    return gone;
}

std::vector<BreakerView> BreakerRegistry::breakers(int64_t now_ns)
{
    std::vector<BreakerView> views;
    std::lock_guard lock(mutex_);
    for (auto& [name, entry] : entries_) {
        lapse(entry, now_ns);
        views.push_back(BreakerView {
            name, entry.target, entry.breaker.state(now_ns), entry.override_, entry.override_ ? entry.expires_ns : 0 });
    }
    return views;
}

std::vector<std::string> BreakerRegistry::overrideIds() const
{
    std::vector<std::string> ids;
    std::lock_guard lock(mutex_);
    for (const auto& [name, entry] : entries_) {
        if (entry.override_) ids.push_back(entry.override_->id);
    }
    return ids;
}

} // namespace faultline
