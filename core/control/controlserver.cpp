#include "control/controlserver.h"

#include "control/controlwire.h"

#include "faultline/control/v1/control.grpc.pb.h"

#include <grpc/grpc.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace faultline {

namespace pb = faultline::control::v1;

namespace {

constexpr int kMaxDeadManMs = 4000; // leaves a tick of slack inside the 5 s promise
constexpr auto kHousekeepingPeriod = std::chrono::milliseconds(25);

std::string hostOf(const std::string& address)
{
    if (address.starts_with('[')) {
        const size_t close = address.find(']');
        return close == std::string::npos ? address : address.substr(1, close - 1);
    }
    const size_t colon = address.rfind(':');
    return colon == std::string::npos ? address : address.substr(0, colon);
}

std::string withPort(const std::string& address, int port)
{
    const size_t colon = address.rfind(':');
    const bool hasPort = colon != std::string::npos && address.find(']', colon) == std::string::npos;
    return (hasPort ? address.substr(0, colon) : address) + ":" + std::to_string(port);
}

bool sameToken(std::string_view given, std::string_view expected)
{
    // Constant time in the content, so the token cannot be guessed byte by byte from timings.
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (size_t i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ expected[i % std::max<size_t>(expected.size(), 1)]);
    return diff == 0 && !expected.empty();
}

} // namespace

bool isLoopbackAddress(const std::string& address)
{
    if (address.starts_with("unix:")) return true;
    const std::string host = hostOf(address);
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::string_view toString(ControlRuleStatus status)
{
    switch (status) {
    case ControlRuleStatus::Pending:
        return "pending";
    case ControlRuleStatus::Active:
        return "active";
    case ControlRuleStatus::Refused:
        return "refused";
    case ControlRuleStatus::Reverting:
        return "reverting";
    }
    return "unknown";
}

class ControlSession;

class ControlServerImpl final : public pb::ControlService::CallbackService {
public:
    explicit ControlServerImpl(ControlServerConfig c)
        : config(std::move(c))
        , clock(config.clock ? *config.clock : SteadyControlClock::instance())
    {
        config.dead_man_ms = std::clamp(config.dead_man_ms, 100, kMaxDeadManMs);
        config.heartbeat_interval_ms = std::clamp(config.heartbeat_interval_ms, 10, config.dead_man_ms);
        published = std::make_shared<const ControlView>();
    }

    grpc::ServerBidiReactor<pb::AgentMessage, pb::ServerMessage>* Connect(grpc::CallbackServerContext* ctx) override;

    /// One message from a session; a status ends the stream.
    std::optional<grpc::Status> handle(ControlSession& session, const pb::AgentMessage& message);
    void sessionDone(ControlSession& session);
    void housekeeping();

    struct Awaited {
        enum class What { Apply, Revert, RevertAll } what = What::Apply;
        std::string rule_id;
    };
    struct Agent {
        ControlAgentView view; // rules live in `rules`
        std::shared_ptr<ControlSession> session;
        std::map<std::string, std::pair<uint64_t, ControlRuleView>> rules; // id -> directive id, view
        std::map<uint64_t, Awaited> awaited;
    };
    using Outbox = std::vector<std::pair<std::shared_ptr<ControlSession>, pb::ServerMessage>>;

    /// The agents a selector names; empty with `error` when none.
    std::vector<Agent*> selectLocked(const AgentSelector& to, std::string& error);
    pb::ServerMessage directiveLocked(Agent& agent, Awaited awaited);
    size_t revertAllLocked(const std::string& reason, Outbox& outbox);
    void publishLocked();
    static void deliver(Outbox& outbox);

    ControlServerConfig config;
    const ControlClock& clock;
    std::unique_ptr<grpc::Server> server;

    mutable std::mutex mutex; // guards everything below
    std::map<std::string, Agent> agents;
    uint64_t next_agent = 1;
    uint64_t next_directive = 1;
    uint64_t next_rule = 1;
    uint64_t next_ping = 1;
    int64_t last_ping_ns = 0;
    bool enabled = false;
    ControlServerStats stats;
    std::string listening_on;
    uint64_t version = 0;
    std::shared_ptr<const ControlView> published;

    std::thread housekeeper;
    std::condition_variable wake;
    bool stopping = false;
};

/// One agent's stream. Keeps itself alive until gRPC is done with it; the server's agent table holds a
/// reference so directives can be sent from any thread. Writes go one at a time: whoever sets `writing_`
/// owns the right to StartWrite or Finish, so Finish never races a write being started.
class ControlSession final : public grpc::ServerBidiReactor<pb::AgentMessage, pb::ServerMessage> {
public:
    ControlSession(ControlServerImpl& server, std::string peer)
        : server_(server)
        , peer_(std::move(peer))
    {
    }

    void begin(std::shared_ptr<ControlSession> self)
    {
        self_ = std::move(self);
        StartRead(&in_);
    }

    /// Queues a message; false when the stream is ending.
    bool send(pb::ServerMessage message)
    {
        std::unique_lock lock(mutex_);
        if (finishing_) return false;
        pending_.push_back(std::move(message));
        if (writing_) return true;
        writing_ = true;
        out_ = std::move(pending_.front());
        pending_.pop_front();
        lock.unlock();
        StartWrite(&out_);
        return true;
    }

    void OnReadDone(bool ok) override
    {
        if (!ok) {
            end(grpc::Status::OK);
            return;
        }
        if (std::optional<grpc::Status> status = server_.handle(*this, in_)) {
            end(*status);
            return;
        }
        {
            std::lock_guard lock(mutex_);
            if (finishing_) return; // a failed write ended the stream; no read after Finish
        }
        StartRead(&in_);
    }

    void OnWriteDone(bool ok) override
    {
        std::unique_lock lock(mutex_);
        if (!ok) finishing_ = true;
        if (!finishing_ && !pending_.empty()) {
            out_ = std::move(pending_.front());
            pending_.pop_front();
            lock.unlock();
            StartWrite(&out_);
            return;
        }
        writing_ = false;
        if (finishing_ && !finished_) {
            finished_ = true;
            writing_ = true;
            lock.unlock();
            Finish(status_);
        }
    }

    void OnDone() override
    {
        server_.sessionDone(*this);
        std::shared_ptr<ControlSession> keep = std::move(self_);
        // `keep` may be the last reference: nothing touches members after this.
    }

    const std::string& peer() const { return peer_; }
    std::shared_ptr<ControlSession> self() const { return self_; }
    std::string agent_id; // set under the server's mutex once Hello arrived

private:
    void end(grpc::Status status)
    {
        std::unique_lock lock(mutex_);
        if (finishing_ && (finished_ || writing_)) return;
        finishing_ = true;
        status_ = std::move(status);
        pending_.clear();
        if (writing_) return; // OnWriteDone finishes
        finished_ = true;
        writing_ = true;
        lock.unlock();
        Finish(status_);
    }

    ControlServerImpl& server_;
    const std::string peer_;
    std::shared_ptr<ControlSession> self_;
    pb::AgentMessage in_;

    std::mutex mutex_; // guards the write state below
    std::deque<pb::ServerMessage> pending_;
    pb::ServerMessage out_;
    bool writing_ = false;
    bool finishing_ = false;
    bool finished_ = false;
    grpc::Status status_;
};

namespace {

class RefusedReactor final : public grpc::ServerBidiReactor<pb::AgentMessage, pb::ServerMessage> {
public:
    explicit RefusedReactor(grpc::Status status) { Finish(std::move(status)); }
    void OnDone() override { delete this; }
};

} // namespace

grpc::ServerBidiReactor<pb::AgentMessage, pb::ServerMessage>* ControlServerImpl::Connect(
    grpc::CallbackServerContext* ctx)
{
    if (!config.token.empty()) {
        const auto& metadata = ctx->client_metadata();
        const auto found = metadata.find(kControlTokenMetadata);
        const std::string_view given = found == metadata.end()
            ? std::string_view {}
            : std::string_view(found->second.data(), found->second.size());
        if (!sameToken(given, config.token)) {
            std::lock_guard lock(mutex);
            ++stats.unauthenticated;
            publishLocked();
            return new RefusedReactor(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                found == metadata.end() ? "this Faultline control service requires a token (x-faultline-token)"
                                        : "wrong control token"));
        }
    }
    auto session = std::make_shared<ControlSession>(*this, ctx->peer());
    {
        std::lock_guard lock(mutex);
        ++stats.streams_accepted;
        publishLocked();
    }
    ControlSession* raw = session.get();
    raw->begin(std::move(session));
    return raw;
}

std::optional<grpc::Status> ControlServerImpl::handle(ControlSession& session, const pb::AgentMessage& message)
{
    const int64_t now = clock.nowNs();
    std::unique_lock lock(mutex);
    if (message.has_hello()) {
        const pb::Hello& hello = message.hello();
        std::string problem;
        if (!session.agent_id.empty())
            problem = "Hello was sent twice";
        else if (hello.protocol_version() != kControlProtocolVersion)
            problem = "unsupported control protocol version " + std::to_string(hello.protocol_version())
                + " (this Faultline speaks 1)";
        else if (hello.service().empty())
            problem = "Hello names no service";
        if (!problem.empty()) {
            ++stats.malformed;
            publishLocked();
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, problem);
        }
        session.agent_id = "agent-" + std::to_string(next_agent++);
        Agent& agent = agents[session.agent_id];
        agent.view.agent_id = session.agent_id;
        agent.view.service = hello.service();
        agent.view.instance = hello.instance();
        agent.view.peer = session.peer();
        agent.view.agent_version = hello.agent_version();
        for (const pb::BreakerInfo& b : hello.breakers())
            agent.view.breakers.emplace_back(b.name(), b.target());
        agent.view.call_targets.assign(hello.call_targets().begin(), hello.call_targets().end());
        agent.view.connected_ns = now;
        agent.view.last_heard_ns = now;
        agent.session = session.self(); // so directives can be sent from any thread
        publishLocked();
        lock.unlock();
        pb::ServerMessage welcome;
        welcome.mutable_welcome()->set_agent_id(session.agent_id);
        welcome.mutable_welcome()->set_heartbeat_interval_ms(static_cast<uint32_t>(config.heartbeat_interval_ms));
        welcome.mutable_welcome()->set_dead_man_ms(static_cast<uint32_t>(config.dead_man_ms));
        session.send(std::move(welcome));
        return std::nullopt;
    }
    const auto found = agents.find(session.agent_id);
    if (session.agent_id.empty() || found == agents.end()) {
        ++stats.malformed;
        publishLocked();
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message must be Hello");
    }
    Agent& agent = found->second;
    agent.view.last_heard_ns = now;
    if (message.has_ack()) {
        ++stats.acks;
        const pb::Ack& ack = message.ack();
        const auto awaited = agent.awaited.find(ack.directive_id());
        if (awaited != agent.awaited.end()) {
            const Awaited what = awaited->second;
            agent.awaited.erase(awaited);
            if (what.what == Awaited::What::Apply) {
                const auto rule = agent.rules.find(what.rule_id);
                if (rule != agent.rules.end() && rule->second.first == ack.directive_id()) {
                    rule->second.second.status = ack.applied() ? ControlRuleStatus::Active : ControlRuleStatus::Refused;
                    rule->second.second.error = ack.error();
                }
            } else if (what.what == Awaited::What::Revert) {
                const auto rule = agent.rules.find(what.rule_id);
                if (rule != agent.rules.end() && rule->second.first < ack.directive_id()) agent.rules.erase(rule);
            } else {
                std::erase_if(agent.rules, [&](const auto& r) { return r.second.first < ack.directive_id(); });
            }
        }
    } else if (message.has_heartbeat()) {
        // The agent is the authority on what it holds: an active rule it no longer lists has ended there
        // (its TTL counted from receipt, or a revert). Messages on one stream arrive in order, so an
        // applied rule's Ack always precedes the heartbeats that list it.
        const auto& held = message.heartbeat().active_rule_ids();
        std::erase_if(agent.rules, [&](const auto& r) {
            return r.second.second.status == ControlRuleStatus::Active
                && std::find(held.begin(), held.end(), r.first) == held.end();
        });
    }
    publishLocked();
    return std::nullopt;
}

void ControlServerImpl::sessionDone(ControlSession& session)
{
    std::lock_guard lock(mutex);
    if (!session.agent_id.empty()) agents.erase(session.agent_id);
    publishLocked();
}

pb::ServerMessage ControlServerImpl::directiveLocked(Agent& agent, Awaited awaited)
{
    pb::ServerMessage message;
    const uint64_t id = next_directive++;
    message.mutable_directive()->set_directive_id(id);
    agent.awaited.emplace(id, std::move(awaited));
    ++stats.directives_sent;
    return message;
}

std::vector<ControlServerImpl::Agent*> ControlServerImpl::selectLocked(const AgentSelector& to, std::string& error)
{
    std::vector<Agent*> chosen;
    for (auto& [id, agent] : agents) {
        if ((!to.agent_id.empty() && id == to.agent_id) || (to.agent_id.empty() && agent.view.service == to.service))
            chosen.push_back(&agent);
    }
    if (chosen.empty())
        error = to.agent_id.empty() ? "no agent of service \"" + to.service + "\" is connected"
                                    : "no agent \"" + to.agent_id + "\" is connected";
    return chosen;
}

size_t ControlServerImpl::revertAllLocked(const std::string& reason, Outbox& outbox)
{
    for (auto& [id, agent] : agents) {
        pb::ServerMessage message = directiveLocked(agent, Awaited { Awaited::What::RevertAll, {} });
        message.mutable_directive()->mutable_revert_all()->set_reason(reason);
        for (auto& [ruleId, rule] : agent.rules)
            rule.second.status = ControlRuleStatus::Reverting;
        outbox.emplace_back(agent.session, std::move(message));
    }
    publishLocked();
    return outbox.size();
}

void ControlServerImpl::deliver(Outbox& outbox)
{
    for (auto& [session, message] : outbox) {
        if (session) session->send(std::move(message));
    }
}

void ControlServerImpl::publishLocked()
{
    auto view = std::make_shared<ControlView>();
    view->version = ++version;
    view->enabled = enabled;
    view->listening_on = listening_on;
    view->stats = stats;
    for (const auto& [id, agent] : agents) {
        ControlAgentView a = agent.view;
        for (const auto& [ruleId, rule] : agent.rules)
            a.rules.push_back(rule.second);
        view->agents.push_back(std::move(a));
    }
    published = std::move(view);
}

void ControlServerImpl::housekeeping()
{
    std::unique_lock lock(mutex);
    while (!stopping) {
        wake.wait_for(lock, kHousekeepingPeriod);
        if (stopping) break;
        const int64_t now = clock.nowNs();
        bool changed = false;
        for (auto& [id, agent] : agents) {
            const size_t gone
                = std::erase_if(agent.rules, [&](const auto& r) { return r.second.second.expires_ns <= now; });
            stats.rules_expired += gone;
            changed = changed || gone > 0;
        }
        if (changed) publishLocked();
        if (now - last_ping_ns < msToNs(config.heartbeat_interval_ms)) continue;
        last_ping_ns = now;
        Outbox outbox;
        for (auto& [id, agent] : agents) {
            pb::ServerMessage ping;
            ping.mutable_ping()->set_sequence(next_ping);
            outbox.emplace_back(agent.session, std::move(ping));
        }
        ++next_ping;
        lock.unlock();
        deliver(outbox);
        lock.lock();
    }
}

ControlServer::ControlServer(ControlServerConfig config)
    : d(std::make_unique<ControlServerImpl>(std::move(config)))
{
}

ControlServer::~ControlServer()
{
    stop();
}

bool ControlServer::start(std::string& error)
{
    if (d->server) {
        error = "the control service is already listening on " + view()->listening_on;
        return false;
    }
    const std::string& address = d->config.address;
    if (address.empty() || address.find(':') == std::string::npos) {
        error = "cannot listen on \"" + address + "\": expected host:port, such as 127.0.0.1:4320";
        return false;
    }
    if (!isLoopbackAddress(address) && d->config.token.size() < kMinRemoteTokenLength) {
        error = "refusing to serve the control service on " + address
            + ", which other machines can reach, without a shared token of at least "
            + std::to_string(kMinRemoteTokenLength) + " characters: anyone reaching it could inject faults";
        return false;
    }

    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    // Agents keep their stream open for hours; let them ping it so a dead peer is noticed by both sides.
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
    builder.RegisterService(d.get());
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server || port == 0) {
        if (server) server->Shutdown();
        error = "cannot listen on " + address + ": address in use or not allowed";
        return false;
    }
    std::lock_guard lock(d->mutex);
    d->server = std::move(server);
    d->stopping = false;
    d->listening_on = withPort(address, port);
    d->publishLocked();
    d->housekeeper = std::thread([this] { d->housekeeping(); });
    return true;
}

void ControlServer::stop()
{
    {
        std::lock_guard lock(d->mutex);
        d->stopping = true;
        d->wake.notify_all();
    }
    if (d->housekeeper.joinable()) d->housekeeper.join();
    if (!d->server) return;
    // Streams never end on their own: cancel them now. Agents see their stream drop and revert.
    d->server->Shutdown(std::chrono::system_clock::now());
    d->server->Wait();
    d->server.reset();
    std::lock_guard lock(d->mutex);
    d->agents.clear();
    d->listening_on.clear();
    d->publishLocked();
}

void ControlServer::setEnabled(bool enabled)
{
    ControlServerImpl::Outbox outbox;
    {
        std::lock_guard lock(d->mutex);
        if (d->enabled == enabled) return;
        d->enabled = enabled;
        if (!enabled) d->revertAllLocked("control was disabled", outbox);
        d->publishLocked();
    }
    ControlServerImpl::deliver(outbox);
}

bool ControlServer::enabled() const
{
    std::lock_guard lock(d->mutex);
    return d->enabled;
}

namespace {

constexpr const char* kDisabled = "control of live services is off: enable it first (it lets Faultline inject faults "
                                  "into the services whose agents are connected)";

} // namespace

std::string ControlServer::applyFault(const AgentSelector& to, LiveFaultRule rule, std::string& error)
{
    ControlServerImpl::Outbox outbox;
    {
        std::lock_guard lock(d->mutex);
        if (!d->enabled) {
            error = kDisabled;
            return {};
        }
        if (rule.id.empty()) rule.id = "rule-" + std::to_string(d->next_rule++);
        error = validate(rule);
        if (!error.empty()) return {};
        const std::vector<ControlServerImpl::Agent*> chosen = d->selectLocked(to, error);
        if (chosen.empty()) return {};
        const int64_t now = d->clock.nowNs();
        for (ControlServerImpl::Agent* agent : chosen) {
            pb::ServerMessage message
                = d->directiveLocked(*agent, { ControlServerImpl::Awaited::What::Apply, rule.id });
            *message.mutable_directive()->mutable_apply_fault() = toWire(rule);
            ControlRuleView view;
            view.id = rule.id;
            view.fault = rule;
            view.description = describe(rule);
            view.issued_ns = now;
            view.expires_ns = now + msToNs(static_cast<double>(rule.ttl_ms));
            agent->rules[rule.id] = { message.directive().directive_id(), std::move(view) };
            outbox.emplace_back(agent->session, std::move(message));
        }
        d->publishLocked();
    }
    ControlServerImpl::deliver(outbox);
    return rule.id;
}

std::string ControlServer::overrideBreaker(const AgentSelector& to, LiveBreakerOverride override_, std::string& error)
{
    ControlServerImpl::Outbox outbox;
    {
        std::lock_guard lock(d->mutex);
        if (!d->enabled) {
            error = kDisabled;
            return {};
        }
        if (override_.id.empty()) override_.id = "rule-" + std::to_string(d->next_rule++);
        error = validate(override_);
        if (!error.empty()) return {};
        std::vector<ControlServerImpl::Agent*> chosen = d->selectLocked(to, error);
        std::erase_if(chosen, [&](const ControlServerImpl::Agent* a) {
            return std::none_of(a->view.breakers.begin(), a->view.breakers.end(),
                [&](const auto& b) { return b.first == override_.breaker; });
        });
        if (chosen.empty()) {
            if (error.empty()) error = "no selected agent has a breaker named \"" + override_.breaker + "\"";
            return {};
        }
        const int64_t now = d->clock.nowNs();
        for (ControlServerImpl::Agent* agent : chosen) {
            pb::ServerMessage message
                = d->directiveLocked(*agent, { ControlServerImpl::Awaited::What::Apply, override_.id });
            *message.mutable_directive()->mutable_override_breaker() = toWire(override_);
            ControlRuleView view;
            view.id = override_.id;
            view.is_breaker_override = true;
            view.override_ = override_;
            view.description = std::string(toString(override_.verb)) + " breaker " + override_.breaker + " for "
                + std::to_string(override_.ttl_ms / 1000) + " s";
            view.issued_ns = now;
            view.expires_ns = now + msToNs(static_cast<double>(override_.ttl_ms));
            agent->rules[override_.id] = { message.directive().directive_id(), std::move(view) };
            outbox.emplace_back(agent->session, std::move(message));
        }
        d->publishLocked();
    }
    ControlServerImpl::deliver(outbox);
    return override_.id;
}

bool ControlServer::revert(const std::string& rule_id)
{
    ControlServerImpl::Outbox outbox;
    {
        std::lock_guard lock(d->mutex);
        for (auto& [id, agent] : d->agents) {
            const auto rule = agent.rules.find(rule_id);
            if (rule == agent.rules.end()) continue;
            rule->second.second.status = ControlRuleStatus::Reverting;
            pb::ServerMessage message
                = d->directiveLocked(agent, { ControlServerImpl::Awaited::What::Revert, rule_id });
            message.mutable_directive()->mutable_revert()->set_rule_id(rule_id);
            outbox.emplace_back(agent.session, std::move(message));
        }
        d->publishLocked();
    }
    ControlServerImpl::deliver(outbox);
    return !outbox.empty();
}

size_t ControlServer::revertAll(const std::string& reason)
{
    ControlServerImpl::Outbox outbox;
    size_t count = 0;
    {
        std::lock_guard lock(d->mutex);
        count = d->revertAllLocked(reason, outbox);
    }
    ControlServerImpl::deliver(outbox);
    return count;
}

std::shared_ptr<const ControlView> ControlServer::view() const
{
    std::lock_guard lock(d->mutex);
    return d->published;
}

} // namespace faultline
