#pragma once
// The client side of the control plane (docs/control.md), for any C++ gRPC service; no Qt. It connects
// to the Faultline app, registers the service, its breakers and call targets, applies the directives it
// receives to its RuleTable and BreakerRegistry, acknowledges them and heartbeats. Dead-man switch: when
// the stream drops, or the app is silent for the dead-man time, it reverts everything it holds.

#include "control/breakerregistry.h"
#include "control/controlclock.h"
#include "control/ruletable.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

struct ControlAgentConfig {
    std::string address = "127.0.0.1:4320"; ///< the Faultline app's control service
    std::string token; ///< sent as "x-faultline-token" when not empty
    std::string service; ///< service.name, as the service's telemetry reports it
    std::string instance; ///< service.instance.id
    std::string agent_version = "faultline-agent 1";
    std::vector<std::string> call_targets; ///< the services this one calls
    int dead_man_ms = 3000; ///< at most 4000; the app may ask for less
    int reconnect_interval_ms = 1000;
    const ControlClock* clock = nullptr; ///< nullptr: the steady clock
};

struct ControlAgentStats {
    bool connected = false; ///< registered and welcomed
    std::string agent_id; ///< the app's name for the current stream
    uint64_t connects = 0; ///< welcomed streams
    uint64_t messages = 0; ///< messages received from the app (welcome, pings, directives)
    uint64_t directives = 0;
    uint64_t refused = 0; ///< directives acknowledged as not applied
    uint64_t expired = 0; ///< rules and overrides ended by their TTL
    uint64_t stream_drop_reverts = 0; ///< times everything was reverted because the stream ended
    uint64_t dead_man_reverts = 0; ///< times everything was reverted because the app fell silent
    std::string last_error; ///< the status the last stream ended with
};

class ControlAgentImpl;

class ControlAgent {
public:
    explicit ControlAgent(ControlAgentConfig config);
    ~ControlAgent(); ///< stops, reverting everything
    ControlAgent(const ControlAgent&) = delete;
    ControlAgent& operator=(const ControlAgent&) = delete;

    /// Breakers must be added before start() so the Hello lists them.
    BreakerRegistry& breakers();
    RuleTable& rules();

    /// Connects in the background and keeps reconnecting until stop().
    void start();
    /// Ends the stream and reverts every rule and override.
    void stop();

    /// For the client interceptor: what to do to a call to `target` now.
    CallDecision decideOutgoing(std::string_view target);
    /// For a server interceptor: what to do to an incoming call now.
    CallDecision decideIncoming();
    int64_t nowNs() const;

    ControlAgentStats stats() const;

private:
    std::unique_ptr<ControlAgentImpl> d;
};

} // namespace faultline
