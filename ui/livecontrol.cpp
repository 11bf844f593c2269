#include "livecontrol.h"

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
{
}

LiveControl::~LiveControl() = default;

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
    return ids;
}

bool LiveControl::revert(const QString& ruleId)
{
    return m_server && m_server->revert(ruleId.toStdString());
}

int LiveControl::revertAll()
{
    return m_server ? static_cast<int>(m_server->revertAll("reverted from the Faultline window")) : 0;
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
