#pragma once
// The gRPC interceptors of the live agent (docs/control.md), for any C++ gRPC service; no Qt.
// The client interceptor is attached per channel, so it knows the callee service: it asks the agent what to
// do to each outgoing call (delay, abort, lose: ControlAgent::decideOutgoing) and consults the circuit
// breaker guarding calls to that service, if one is registered (not permitted: the call fails at once with
// UNAVAILABLE; permitted: its outcome and duration are recorded). The server interceptor applies the
// incoming rules (ControlAgent::decideIncoming) by replacing the status the handler sends.

#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>
#include <vector>

namespace faultline {

class AgentTelemetry;
class ControlAgent;

struct AgentCallTarget {
    std::string service; ///< the callee's service.name, as rules and breakers name it
    std::string breaker; ///< the registered breaker guarding these calls; empty: none
};

class AgentClientInterceptorFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
public:
    /// `agent` (and `telemetry`, which may be null) must outlive every channel made with this factory.
    AgentClientInterceptorFactory(ControlAgent& agent, AgentCallTarget target, AgentTelemetry* telemetry = nullptr);
    grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo* info) override;

private:
    ControlAgent& agent_;
    AgentCallTarget target_;
    AgentTelemetry* telemetry_;
};

class AgentServerInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
public:
    explicit AgentServerInterceptorFactory(ControlAgent& agent, AgentTelemetry* telemetry = nullptr);
    grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;

private:
    ControlAgent& agent_;
    AgentTelemetry* telemetry_;
};

/// An insecure channel to `address` whose calls go through the agent as calls to `target`; with
/// `telemetry`, each call is a CLIENT span and carries its W3C traceparent in the metadata.
std::shared_ptr<grpc::Channel> createAgentChannel(
    ControlAgent& agent, const std::string& address, AgentCallTarget target, AgentTelemetry* telemetry = nullptr);

/// The server interceptor factories to pass to grpc::ServerBuilder::experimental().SetInterceptorCreators().
/// With `telemetry`, each incoming call is a SERVER span, child of the caller's traceparent.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> agentServerInterceptors(
    ControlAgent& agent, AgentTelemetry* telemetry = nullptr);

} // namespace faultline
