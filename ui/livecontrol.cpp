#include "livecontrol.h"

#include "actuatoradapter.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

namespace faultline {

namespace {

int64_t ttlMs(const Fault& fault)
{
    return static_cast<int64_t>(std::llround(std::clamp(fault.duration_s, 0.001, 24.0 * 3600.0) * 1000.0));
}

} // namespace

LiveControl::LiveControl(QObject* parent)
    : QObject(parent)
    , m_actuators(new ActuatorAdapter(this))
    , m_epochNs(SteadyControlClock::instance().nowNs())
{
    m_actuators->setEndpoints(ActuatorAdapter::loadEndpoints());
}

// The actuator adapter, a child, is deleted after this and waits for its CLOSEs to be answered. Whoever
// listened to it (the window, being torn down around us) must not hear of those answers.
LiveControl::~LiveControl()
{
    m_actuators->disconnect();
    stop();
}

bool LiveControl::start(const QString& address, const QString& token, QString* error)
{
    stop();
    ControlServerConfig config;
    config.address = address.toStdString();
    config.token = token.toStdString();
    auto server = std::make_unique<ControlServer>(config);
    std::string why;
    if (!server->start(why)) {
        if (error) *error = QString::fromStdString(why);
        return false;
    }
    server->setEnabled(true);
    m_server = std::move(server);
    return true;
}

void LiveControl::stop()
{
    if (!m_server) return;
    m_actuators->revertAll();
    for (Sent& sent : m_sent)
        if (sent.record.reverted_ns < 0) sent.record.reverted_ns = sinceStartNs();
    m_server->setEnabled(false); // reverts every rule on every agent now, not at the dead-man time
    m_server->stop();
    m_server.reset();
}

QString LiveControl::address() const
{
    return m_server ? QString::fromStdString(m_server->view()->listening_on) : QString();
}

bool LiveControl::supports(FaultType type)
{
    switch (type) {
    case FaultType::Delay:
    case FaultType::Abort:
    case FaultType::PacketLoss:
    case FaultType::ErrorRate:
    case FaultType::BreakerOverride:
        return true;
    default:
        return false;
    }
}

QStringList LiveControl::apply(const Fault& fault, QString* error)
{
    QStringList ids;
    const auto fail = [&](const QString& why) {
        if (error) *error = why;
        return QStringList {};
    };
    if (!m_server) return fail(tr("Control of real services is off."));
    if (!supports(fault.type))
        return fail(tr("%1 cannot be done to a real service: agents apply delays, aborts, packet loss, error "
                       "rates and breaker overrides.")
                        .arg(QString::fromStdString(std::string(toString(fault.type)))));
    const auto remember = [&](const QStringList& rules) {
        Sent sent;
        sent.record.id = m_nextFault++;
        sent.record.fault = fault;
        sent.record.applied_ns = sinceStartNs();
        sent.record.ends_ns = sent.record.applied_ns + ttlMs(fault) * 1'000'000;
        sent.rules = rules;
        // Automatic and Close hand the breaker back: nothing stays in force to list.
        if (fault.type != FaultType::BreakerOverride
            || (fault.verb != BreakerOverrideVerb::Automatic && fault.verb != BreakerOverrideVerb::Close))
            m_sent.push_back(std::move(sent));
        return rules;
    };
    if (fault.type == FaultType::BreakerOverride && m_actuators->handles(QString::fromStdString(fault.target))) {
        QString why;
        const QString id = m_actuators->overrideBreaker(
            QString::fromStdString(fault.target), QString::fromStdString(fault.peer), fault.verb, ttlMs(fault), &why);
        if (id.isEmpty()) return fail(why);
        return remember({ id });
    }
    const auto view = m_server->view();
    std::set<std::string> services; // who gets the rule
    if (fault.type == FaultType::ErrorRate) {
        services.insert(fault.target);
    } else if (fault.type == FaultType::BreakerOverride) {
        services.insert(fault.target); // the caller holds the breaker
    } else {
        for (const ControlAgentView& agent : view->agents)
            if (std::find(agent.call_targets.begin(), agent.call_targets.end(), fault.target)
                != agent.call_targets.end())
                services.insert(agent.service);
    }
    std::erase_if(services, [&](const std::string& service) {
        return std::none_of(view->agents.begin(), view->agents.end(),
            [&](const ControlAgentView& agent) { return agent.service == service; });
    });
    if (services.empty())
        return fail(fault.type == FaultType::ErrorRate || fault.type == FaultType::BreakerOverride
                ? tr("No agent of %1 is connected.").arg(QString::fromStdString(fault.target))
                : tr("No connected agent calls %1.").arg(QString::fromStdString(fault.target)));
    QStringList errors;
    for (const std::string& service : services) {
        std::string why;
        std::string id;
        if (fault.type == FaultType::BreakerOverride) {
            LiveBreakerOverride o;
            o.breaker = fault.peer;
            o.verb = fault.verb;
            o.ttl_ms = ttlMs(fault);
            id = m_server->overrideBreaker(AgentSelector { {}, service }, o, why);
        } else {
            std::optional<LiveFaultRule> rule = liveRuleFromFault(fault, why); // supports() checked the type
            if (rule) {
                rule->ttl_ms = ttlMs(fault);
                id = m_server->applyFault(AgentSelector { {}, service }, *rule, why);
            }
        }
        if (id.empty())
            errors << QStringLiteral("%1: %2").arg(QString::fromStdString(service), QString::fromStdString(why));
        else
            ids << QString::fromStdString(id);
    }
    if (ids.isEmpty()) return fail(errors.join(QStringLiteral("; ")));
    return remember(ids);
}

bool LiveControl::revert(const QString& ruleId)
{
    if (m_actuators->holds(ruleId)) return m_actuators->revert(ruleId);
    return m_server && m_server->revert(ruleId.toStdString());
}

int LiveControl::revertAll()
{
    for (Sent& sent : m_sent)
        if (sent.record.reverted_ns < 0) sent.record.reverted_ns = sinceStartNs();
    const int actuators = m_actuators->revertAll();
    return actuators + (m_server ? static_cast<int>(m_server->revertAll("reverted from the Faultline window")) : 0);
}

int64_t LiveControl::sinceStartNs() const
{
    return SteadyControlClock::instance().nowNs() - m_epochNs;
}

double LiveControl::nowSeconds() const
{
    return static_cast<double>(sinceStartNs()) / 1e9;
}

bool LiveControl::stillHeld(const Sent& sent, const ControlView& view) const
{
    for (const QString& id : sent.rules) {
        if (m_actuators->holds(id)) return true;
        const std::string rule = id.toStdString();
        for (const ControlAgentView& agent : view.agents)
            for (const ControlRuleView& r : agent.rules)
                if (r.id == rule && r.status != ControlRuleStatus::Refused) return true;
    }
    return false;
}

std::shared_ptr<const std::vector<FaultRecord>> LiveControl::faultLog()
{
    const int64_t now = sinceStartNs();
    const auto view = this->view();
    for (Sent& sent : m_sent)
        if (sent.record.reverted_ns < 0 && sent.record.ends_ns > now && !stillHeld(sent, *view))
            sent.record.reverted_ns = now;
    // Ended a minute ago or more: nobody needs them any more.
    std::erase_if(m_sent, [&](const Sent& sent) {
        const int64_t ended = sent.record.reverted_ns >= 0 ? sent.record.reverted_ns : sent.record.ends_ns;
        return ended + 60'000'000'000LL < now;
    });
    auto log = std::make_shared<std::vector<FaultRecord>>();
    log->reserve(m_sent.size());
    for (const Sent& sent : m_sent)
        log->push_back(sent.record);
    return log;
}

bool LiveControl::revertFault(uint64_t id)
{
    for (Sent& sent : m_sent) {
        if (sent.record.id != id || sent.record.reverted_ns >= 0) continue;
        bool any = false;
        for (const QString& rule : sent.rules)
            any = revert(rule) || any;
        sent.record.reverted_ns = sinceStartNs();
        return any;
    }
    return false;
}

int LiveControl::agentCount() const
{
    return m_server ? static_cast<int>(m_server->view()->agents.size()) : 0;
}

std::shared_ptr<const ControlView> LiveControl::view() const
{
    return m_server ? m_server->view() : std::make_shared<const ControlView>();
}

} // namespace faultline
