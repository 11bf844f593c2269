#include "control/controlagent.h"

#include "control/controlserver.h"
#include "control/controlwire.h"

#include "faultline/control/v1/control.grpc.pb.h"

#include <grpc/grpc.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace faultline {

namespace pb = faultline::control::v1;

namespace {

constexpr int kMaxDeadManMs = 4000;
constexpr auto kTick = std::chrono::milliseconds(20);

} // namespace

class AgentStream;

class ControlAgentImpl {
public:
    explicit ControlAgentImpl(ControlAgentConfig c)
        : config(std::move(c))
        , clock(config.clock ? *config.clock : SteadyControlClock::instance())
    {
        config.dead_man_ms = std::clamp(config.dead_man_ms, 100, kMaxDeadManMs);
    }

    void run();
    void onMessage(AgentStream& stream, const pb::ServerMessage& message);
    void onStreamDone(const grpc::Status& status);
    /// Reverts every rule and override; how many there were.
    size_t revertEverything();
    pb::AgentMessage hello();

    ControlAgentConfig config;
    const ControlClock& clock;
    RuleTable rules;
    BreakerRegistry breakers;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<pb::ControlService::Stub> stub;

    mutable std::mutex mutex; // guards everything below
    std::condition_variable wake;
    std::thread worker;
    bool running = false;
    std::unique_ptr<AgentStream> stream;
    bool stream_done = false;
    bool welcomed = false;
    int dead_man_ms = 0;
    int heartbeat_ms = 1000;
    int64_t last_heard_ns = 0;
    int64_t last_heartbeat_ns = 0;
    uint64_t heartbeat_sequence = 0;
    ControlAgentStats stats;
};

/// One Connect stream. Writes go one at a time from any thread; a hold keeps the call alive until both
/// the reads have ended and no write is being started, so StartWrite never meets a finished call.
class AgentStream final : public grpc::ClientBidiReactor<pb::AgentMessage, pb::ServerMessage> {
public:
    AgentStream(ControlAgentImpl& agent, pb::AgentMessage hello)
        : agent_(agent)
    {
        if (!agent.config.token.empty()) context_.AddMetadata(kControlTokenMetadata, agent.config.token);
        agent.stub->async()->Connect(&context_, this);
        AddHold();
        send(std::move(hello));
        StartRead(&in_);
        StartCall();
    }

    bool send(pb::AgentMessage message)
    {
        std::unique_lock lock(mutex_);
        if (closed_ || failed_) return false;
        pending_.push_back(std::move(message));
        if (writing_) return true;
        writing_ = true;
        out_ = std::move(pending_.front());
        pending_.pop_front();
        lock.unlock();
        StartWrite(&out_);
        return true;
    }

    void cancel() { context_.TryCancel(); }
    /// After the dead-man switch fired: directives still in flight are ignored.
    void abandon()
    {
        std::lock_guard lock(mutex_);
        abandoned_ = true;
    }

    void OnWriteDone(bool ok) override
    {
        std::unique_lock lock(mutex_);
        if (!ok) {
            failed_ = true;
            pending_.clear();
        }
        if (!failed_ && !pending_.empty()) {
            out_ = std::move(pending_.front());
            pending_.pop_front();
            lock.unlock();
            StartWrite(&out_);
            return;
        }
        writing_ = false;
        releaseIfDone(lock);
    }

    void OnReadDone(bool ok) override
    {
        if (ok) {
            bool abandoned = false;
            {
                std::lock_guard lock(mutex_);
                abandoned = abandoned_;
            }
            if (!abandoned) agent_.onMessage(*this, in_);
            StartRead(&in_);
            return;
        }
        std::unique_lock lock(mutex_);
        read_done_ = true;
        releaseIfDone(lock);
    }

    void OnDone(const grpc::Status& status) override { agent_.onStreamDone(status); }

private:
    void releaseIfDone(std::unique_lock<std::mutex>& lock)
    {
        if (!read_done_ || writing_ || closed_) return;
        closed_ = true;
        lock.unlock();
        RemoveHold();
    }

    ControlAgentImpl& agent_;
    grpc::ClientContext context_;
    pb::ServerMessage in_;

    std::mutex mutex_;
    std::deque<pb::AgentMessage> pending_;
    pb::AgentMessage out_;
    bool writing_ = false;
    bool read_done_ = false;
    bool failed_ = false;
    bool closed_ = false;
    bool abandoned_ = false;
};

pb::AgentMessage ControlAgentImpl::hello()
{
    pb::AgentMessage message;
    pb::Hello* h = message.mutable_hello();
    h->set_protocol_version(kControlProtocolVersion);
    h->set_service(config.service);
    h->set_instance(config.instance);
    h->set_agent_version(config.agent_version);
    for (const std::string& target : config.call_targets)
        h->add_call_targets(target);
    for (const BreakerView& b : breakers.breakers(clock.nowNs())) {
        pb::BreakerInfo* info = h->add_breakers();
        info->set_name(b.name);
        info->set_target(b.target);
    }
    return message;
}

size_t ControlAgentImpl::revertEverything()
{
    return rules.revertAll() + breakers.revertAll(clock.nowNs());
}

void ControlAgentImpl::onMessage(AgentStream& stream, const pb::ServerMessage& message)
{
    const int64_t now = clock.nowNs();
    {
        std::lock_guard lock(mutex);
        last_heard_ns = now;
        ++stats.messages;
        if (message.has_welcome()) {
            welcomed = true;
            ++stats.connects;
            stats.connected = true;
            stats.agent_id = message.welcome().agent_id();
            if (const int asked = static_cast<int>(message.welcome().dead_man_ms()); asked > 0)
                dead_man_ms = std::min(config.dead_man_ms, std::max(asked, 100));
            if (const int interval = static_cast<int>(message.welcome().heartbeat_interval_ms()); interval > 0)
                heartbeat_ms = std::min(interval, dead_man_ms);
            last_heartbeat_ns = 0;
        }
    }
    if (!message.has_directive()) return;

    const pb::Directive& directive = message.directive();
    pb::AgentMessage reply;
    pb::Ack* ack = reply.mutable_ack();
    ack->set_directive_id(directive.directive_id());
    std::string error;
    bool applied = false;
    if (directive.has_apply_fault()) {
        LiveFaultRule rule;
        applied = fromWire(directive.apply_fault(), rule, error) && rules.apply(rule, now, error);
    } else if (directive.has_override_breaker()) {
        LiveBreakerOverride override_;
        applied
            = fromWire(directive.override_breaker(), override_, error) && breakers.applyOverride(override_, now, error);
    } else if (directive.has_revert()) {
        const std::string& id = directive.revert().rule_id();
        applied = rules.revert(id) || breakers.revertOverride(id, now);
        if (!applied) error = "no rule \"" + id + "\" is held (it may have expired)";
    } else if (directive.has_revert_all()) {
        revertEverything();
        applied = true;
    } else {
        error = "unknown directive";
    }
    ack->set_applied(applied);
    ack->set_error(error);
    {
        std::lock_guard lock(mutex);
        ++stats.directives;
        if (!applied) ++stats.refused;
    }
    stream.send(std::move(reply));
}

void ControlAgentImpl::onStreamDone(const grpc::Status& status)
{
    // Dead-man switch, first half: the stream to the app is gone, so nothing it asked for may stay.
    const size_t reverted = revertEverything();
    std::lock_guard lock(mutex);
    if (reverted > 0) ++stats.stream_drop_reverts;
    stats.connected = false;
    stats.agent_id.clear();
    stats.last_error = status.ok() ? std::string("the control stream ended") : status.error_message();
    stream_done = true;
    welcomed = false;
    wake.notify_all();
}

void ControlAgentImpl::run()
{
    std::unique_lock lock(mutex);
    auto nextConnect = std::chrono::steady_clock::now();
    while (running) {
        if (stream && stream_done) {
            std::unique_ptr<AgentStream> finished = std::move(stream);
            stream_done = false;
            lock.unlock();
            finished.reset();
            lock.lock();
            nextConnect = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.reconnect_interval_ms);
            continue;
        }
        if (!stream && std::chrono::steady_clock::now() >= nextConnect) {
            welcomed = false;
            dead_man_ms = config.dead_man_ms;
            lock.unlock();
            auto fresh = std::make_unique<AgentStream>(*this, hello());
            lock.lock();
            stream = std::move(fresh);
        }

        const int64_t now = clock.nowNs();
        lock.unlock();
        const size_t expired = rules.expire(now).size() + breakers.expire(now).size();
        lock.lock();
        stats.expired += expired;

        if (stream && welcomed) {
            if (now - last_heard_ns > msToNs(dead_man_ms)) {
                // Dead-man switch, second half: the app fell silent (hung, or the network dropped without
                // a reset). Revert now, then drop the stream and connect afresh.
                welcomed = false;
                stats.connected = false;
                ++stats.dead_man_reverts;
                AgentStream* current = stream.get();
                lock.unlock();
                current->abandon();
                revertEverything();
                current->cancel();
                lock.lock();
            } else if (now - last_heartbeat_ns >= msToNs(heartbeat_ms)) {
                last_heartbeat_ns = now;
                pb::AgentMessage beat;
                beat.mutable_heartbeat()->set_sequence(++heartbeat_sequence);
                for (const HeldRule& held : rules.rules(now))
                    beat.mutable_heartbeat()->add_active_rule_ids(held.rule.id);
                for (const std::string& id : breakers.overrideIds())
                    beat.mutable_heartbeat()->add_active_rule_ids(id);
                AgentStream* current = stream.get();
                lock.unlock();
                current->send(std::move(beat));
                lock.lock();
            }
        }
        wake.wait_for(lock, kTick);
    }
    if (stream) {
        AgentStream* current = stream.get();
        lock.unlock();
        current->abandon();
        current->cancel();
        lock.lock();
        wake.wait(lock, [this] { return stream_done; });
        std::unique_ptr<AgentStream> finished = std::move(stream);
        stream_done = false;
        lock.unlock();
        finished.reset();
        lock.lock();
    }
}

ControlAgent::ControlAgent(ControlAgentConfig config)
    : d(std::make_unique<ControlAgentImpl>(std::move(config)))
{
}

ControlAgent::~ControlAgent()
{
    stop();
}

BreakerRegistry& ControlAgent::breakers()
{
    return d->breakers;
}

RuleTable& ControlAgent::rules()
{
    return d->rules;
}

void ControlAgent::start()
{
    std::lock_guard lock(d->mutex);
    if (d->running) return;
    if (!d->stub) {
        // gRPC's reconnect backoff grows to two minutes by default; an app that restarts after a long
        // outage should see its agents back within seconds.
        grpc::ChannelArguments arguments;
        arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
        arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
        d->channel = grpc::CreateCustomChannel(d->config.address, grpc::InsecureChannelCredentials(), arguments);
        d->stub = pb::ControlService::NewStub(d->channel);
    }
    d->running = true;
    d->worker = std::thread([this] { d->run(); });
}

void ControlAgent::stop()
{
    {
        std::lock_guard lock(d->mutex);
        d->running = false;
        d->wake.notify_all();
    }
    if (d->worker.joinable()) d->worker.join();
    d->revertEverything();
}

CallDecision ControlAgent::decideOutgoing(std::string_view target)
{
    return d->rules.decideOutgoing(target, d->clock.nowNs());
}

CallDecision ControlAgent::decideIncoming()
{
    return d->rules.decideIncoming(d->clock.nowNs());
}

int64_t ControlAgent::nowNs() const
{
    return d->clock.nowNs();
}

ControlAgentStats ControlAgent::stats() const
{
    std::lock_guard lock(d->mutex);
    return d->stats;
}

} // namespace faultline
