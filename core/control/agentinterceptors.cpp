#include "control/agentinterceptors.h"

#include "control/agenttelemetry.h"
#include "control/controlagent.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/support/status.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace faultline {

namespace {

using grpc::experimental::InterceptionHookPoints;

/// How long a lost call with no deadline waits before it is failed anyway.
constexpr auto kLostCallCap = std::chrono::seconds(30);

CallOutcome outcomeOf(const grpc::Status& status)
{
    switch (status.error_code()) {
    case grpc::StatusCode::OK:
        return CallOutcome::Success;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
        return CallOutcome::Timeout;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
        return CallOutcome::Rejected;
    case grpc::StatusCode::UNAVAILABLE:
        return CallOutcome::ConnectFailure;
    default:
        return CallOutcome::Error;
    }
}

/// Time left until the call's deadline, capped; zero when it has passed.
std::chrono::nanoseconds untilDeadline(grpc::ClientContext* context, std::chrono::nanoseconds cap)
{
    if (context == nullptr) return cap;
    const auto deadline = context->deadline();
    if (deadline == std::chrono::system_clock::time_point::max()) return cap;
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::system_clock::now());
    return std::clamp(left, std::chrono::nanoseconds::zero(), cap);
}

void waitMs(double ms, grpc::ClientContext* context)
{
    const auto wanted = std::chrono::nanoseconds(msToNs(ms));
    const auto wait = context ? untilDeadline(context, wanted) : wanted;
    if (wait > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(wait);
}

class AgentClientInterceptor final : public grpc::experimental::Interceptor {
public:
    AgentClientInterceptor(ControlAgent& agent, const AgentCallTarget& target, AgentTelemetry* telemetry,
        grpc::experimental::ClientRpcInfo* info)
        : agent_(agent)
        , target_(target)
        , telemetry_(telemetry)
        , context_(info->client_context())
        , method_(info->method() ? info->method() : "")
    {
    }

    void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override
    {
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
            if (start(methods)) return; // hijacked: Hijack() was called instead of Proceed()
        }
        if (hijacked_) {
            if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_MESSAGE))
                methods->FailHijackedRecvMessage();
            if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_STATUS)) {
                *methods->GetRecvStatus() = hijack_status_;
                record(hijack_status_);
            }
        } else if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
            record(*methods->GetRecvStatus());
        }
        methods->Proceed();
    }

private:
    /// Decides the call; true when it was hijacked (failed here, never sent).
    bool start(grpc::experimental::InterceptorBatchMethods* methods)
    {
        start_ns_ = agent_.nowNs();
        if (telemetry_) {
            const std::optional<SpanContext> parent = AgentTelemetry::current();
            span_.context = telemetry_->newSpan(parent);
            span_.parent_span_id = parent ? parent->span_id : 0;
            span_.start_unix_ns = AgentTelemetry::unixNowNs();
            methods->GetSendInitialMetadata()->emplace("traceparent", formatTraceparent(span_.context));
        }
        if (!target_.breaker.empty()) {
            if (!agent_.breakers().tryAcquirePermission(target_.breaker, start_ns_))
                return hijack(methods,
                    grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "faultline: circuit breaker " + target_.breaker + " does not permit calls"));
            permitted_ = true;
        }
        const CallDecision decision = agent_.decideOutgoing(target_.service);
        if (decision.delay_ms > 0.0) waitMs(decision.delay_ms, context_);
        if (decision.abort_status)
            return hijack(methods,
                grpc::Status(
                    static_cast<grpc::StatusCode>(*decision.abort_status), "faultline: aborted by a fault rule"));
        if (decision.lose) {
            const auto wait = untilDeadline(context_, kLostCallCap);
            if (wait > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(wait);
            return hijack(
                methods, grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "faultline: call lost by a fault rule"));
        }
        return false;
    }

    bool hijack(grpc::experimental::InterceptorBatchMethods* methods, grpc::Status status)
    {
        hijacked_ = true;
        hijack_status_ = std::move(status);
        methods->Hijack();
        return true;
    }

    void record(const grpc::Status& status)
    {
        if (recorded_) return;
        recorded_ = true;
        if (telemetry_) {
            span_.kind = SpanKind::Client;
            span_.method = method_;
            span_.peer = target_.service;
            span_.grpc_status = static_cast<int>(status.error_code());
            span_.end_unix_ns = AgentTelemetry::unixNowNs();
            telemetry_->record(std::move(span_));
        }
        if (!permitted_) return;
        const int64_t now = agent_.nowNs();
        agent_.breakers().onResult(target_.breaker, now, std::max<int64_t>(0, now - start_ns_), outcomeOf(status));
    }

    ControlAgent& agent_;
    AgentCallTarget target_;
    AgentTelemetry* telemetry_;
    grpc::ClientContext* context_;
    std::string method_;
    AgentCallRecord span_;
    int64_t start_ns_ = 0;
    bool permitted_ = false;
    bool recorded_ = false;
    bool hijacked_ = false;
    grpc::Status hijack_status_;
};

class AgentServerInterceptor final : public grpc::experimental::Interceptor {
public:
    AgentServerInterceptor(ControlAgent& agent, AgentTelemetry* telemetry, grpc::experimental::ServerRpcInfo* info)
        : agent_(agent)
        , telemetry_(telemetry)
        , method_(info->method() ? info->method() : "")
    {
    }

    void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override
    {
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
            if (telemetry_) {
                std::optional<SpanContext> parent;
                const auto* metadata = methods->GetRecvInitialMetadata();
                if (metadata) {
                    const auto it = metadata->find("traceparent");
                    if (it != metadata->end())
                        parent = parseTraceparent(std::string_view(it->second.data(), it->second.size()));
                }
                span_.context = telemetry_->newSpan(parent);
                span_.parent_span_id = parent ? parent->span_id : 0;
                span_.start_unix_ns = AgentTelemetry::unixNowNs();
                AgentTelemetry::setCurrent(span_.context);
            }
            decision_ = agent_.decideIncoming();
            if (decision_.delay_ms > 0.0) waitMs(decision_.delay_ms, nullptr);
        }
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
            if (decision_.abort_status)
                methods->ModifySendStatus(grpc::Status(
                    static_cast<grpc::StatusCode>(*decision_.abort_status), "faultline: failed by a fault rule"));
            if (telemetry_ && !recorded_) {
                recorded_ = true;
                span_.kind = SpanKind::Server;
                span_.method = method_;
                span_.grpc_status = static_cast<int>(methods->GetSendStatus().error_code());
                span_.end_unix_ns = AgentTelemetry::unixNowNs();
                telemetry_->record(std::move(span_));
                AgentTelemetry::setCurrent(std::nullopt);
            }
        }
        methods->Proceed();
    }

private:
    ControlAgent& agent_;
    AgentTelemetry* telemetry_;
    std::string method_;
    AgentCallRecord span_;
    bool recorded_ = false;
    CallDecision decision_;
};

} // namespace

AgentClientInterceptorFactory::AgentClientInterceptorFactory(
    ControlAgent& agent, AgentCallTarget target, AgentTelemetry* telemetry)
    : agent_(agent)
    , target_(std::move(target))
    , telemetry_(telemetry)
{
}

grpc::experimental::Interceptor* AgentClientInterceptorFactory::CreateClientInterceptor(
    grpc::experimental::ClientRpcInfo* info)
{
    return new AgentClientInterceptor(agent_, target_, telemetry_, info);
}

AgentServerInterceptorFactory::AgentServerInterceptorFactory(ControlAgent& agent, AgentTelemetry* telemetry)
    : agent_(agent)
    , telemetry_(telemetry)
{
}

grpc::experimental::Interceptor* AgentServerInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info)
{
    return new AgentServerInterceptor(agent_, telemetry_, info);
}

std::shared_ptr<grpc::Channel> createAgentChannel(
    ControlAgent& agent, const std::string& address, AgentCallTarget target, AgentTelemetry* telemetry)
{
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
    factories.push_back(std::make_unique<AgentClientInterceptorFactory>(agent, std::move(target), telemetry));
    return grpc::experimental::CreateCustomChannelWithInterceptors(
        address, grpc::InsecureChannelCredentials(), grpc::ChannelArguments(), std::move(factories));
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> agentServerInterceptors(
    ControlAgent& agent, AgentTelemetry* telemetry)
{
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
    factories.push_back(std::make_unique<AgentServerInterceptorFactory>(agent, telemetry));
    return factories;
}

} // namespace faultline
