#pragma once
// Internal state of the simulator, shared by its translation units. Not part of core's public API.

#include "sim/eventqueue.h"
#include "sim/random.h"
#include "sim/rateschedule.h"
#include "sim/sampler.h"
#include "sim/simulator.h"

#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace faultline {

inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

/// A call site, resolved to indices, with its spans' constant fields filled in once.
struct CallSite {
    uint32_t service = kNone;
    uint32_t operation = kNone;
    bool sync = true;
    bool continue_on_error = false;
    int64_t timeout_ns = 0; ///< 0 = none
    Span client; ///< client span (sync) or producer span (async) of the caller
    Span server; ///< server span (sync) or consumer span (async) of the callee
};

struct PublishSite {
    uint32_t queue = kNone;
    Span producer;
};

/// One step of an operation: its publishes happen at once, then its calls are issued together and the
/// step completes when every sync call has returned. A plain call or publish is a group of one.
struct StepGroup {
    std::vector<PublishSite> publishes;
    std::vector<CallSite> calls;
};

struct OperationModel {
    Sampler service_time;
    double error_probability = 0.0;
    std::vector<StepGroup> steps;
};

struct InstanceState {
    int busy = 0;
    std::deque<uint32_t> waiting; ///< request indices, FIFO
};

struct ServiceModel {
    const Service* service = nullptr;
    bool emits_server_spans = true; ///< false for databases: they are seen through their callers' spans
    std::string_view node_kind;
    std::vector<OperationModel> operations;
    std::vector<InstanceState> instances;
    uint32_t next_instance = 0; ///< round robin
    int64_t last_change_ns = 0;
    ServiceRunStats stats;
};

struct WorkloadModel {
    const Workload* workload = nullptr;
    RateSchedule schedule;
    CallSite site;
};

struct Message {
    TraceId trace;
    SpanId producer_span = 0;
    int64_t enqueued_ns = 0;
};

/// A consumer instance attached to a subscription.
struct ConsumerEndpoint {
    uint32_t service = kNone;
    uint32_t operation = kNone;
    uint32_t instance = 0;
    int prefetch = 1;
    int unacked = 0;
    Span consumer; ///< the consumer span's constant fields
};

/// A stream of messages that a set of competing consumers drains: a rabbitmq queue has one, a kafka
/// topic one per consumer group.
struct Subscription {
    std::deque<Message> ready;
    std::vector<ConsumerEndpoint> endpoints;
    uint32_t next_endpoint = 0;
    int64_t unacked = 0;
};

struct QueueModel {
    const Queue* queue = nullptr;
    uint32_t dead_letter = kNone;
    std::vector<Subscription> subscriptions;
    QueueRunStats stats;
};

/// Where a delivered message came from, so its consumer can ack it.
struct Delivery {
    uint32_t queue = kNone;
    uint32_t subscription = kNone;
    uint32_t endpoint = kNone;
};

/// One execution of an operation at an instance: what a server (or consumer) span covers.
struct Request {
    uint32_t generation = 0;
    uint32_t service = kNone;
    uint32_t operation = kNone;
    uint32_t instance = 0;
    uint32_t caller_call = kNone; ///< the sync call waiting for this reply, if any
    uint32_t caller_generation = 0;
    uint32_t step = 0;
    uint32_t pending_calls = 0; ///< sync calls of the current step not yet returned
    uint32_t subscription = kNone; ///< for deliveries: where to ack
    uint32_t queue = kNone;
    uint32_t endpoint = kNone;
    bool step_failed = false;
    bool failed = false;
    bool rejected = false;
    const Span* span_template = nullptr;
    TraceId trace;
    SpanId span_id = 0;
    SpanId parent_span_id = 0;
    int64_t arrival_ns = 0;
};

/// One outgoing sync call, from a request or from a workload client; what a client span covers.
struct Call {
    uint32_t generation = 0;
    uint32_t caller_request = kNone; ///< kNone for a workload client
    uint32_t caller_generation = 0;
    bool pending = false;
    bool continue_on_error = false;
    const Span* span_template = nullptr;
    TraceId trace;
    SpanId span_id = 0;
    SpanId parent_span_id = 0;
    int64_t start_ns = 0;
};

class SimulatorImpl {
public:
    SimulatorImpl(std::shared_ptr<const Scenario> scenario, uint64_t seed, TelemetrySink* sink);

    // simulator.cpp: the request/call engine
    bool runUntil(int64_t until_ns, uint64_t max_events);
    void dispatch(const Event& event);
    void onArrival(uint32_t workload);
    void issueCall(const CallSite& site, uint32_t callerRequest, const TraceId& trace, SpanId parent);
    void arrive(uint32_t request, bool bypassCapacity);
    void startService(uint32_t request);
    void runSteps(uint32_t request);
    void finishRequest(uint32_t request);
    void returnCall(uint32_t call, bool failed, bool timedOut);
    void stepCallReturned(uint32_t request, bool failed);
    void changeInSystem(ServiceModel& service, int delta);
    uint32_t allocRequest();
    uint32_t allocCall();
    uint32_t pickInstance(ServiceModel& service);

    // simulatormessaging.cpp: queues and topics
    void publish(const PublishSite& site, TraceId trace, SpanId parent);
    void enqueue(uint32_t queue, uint32_t subscription, const Message& message);
    void deadLetter(uint32_t queue, const Message& message);
    void dispatchMessages(uint32_t queue, uint32_t subscription);
    void acknowledge(const Delivery& delivery, bool failed);

    // simulatortelemetry.cpp: building the model's span templates, emitting telemetry
    void buildModel();
    void emit(const Span& templ, const TraceId& trace, SpanId span, SpanId parent, int64_t start, int64_t end,
        bool error, std::string_view instance = {}, std::span<const KeyValue> attributes = {});
    void emitMetrics();
    void flush();
    TraceId newTrace();
    SpanId newSpanId() { return ++m_lastSpanId; }

    std::shared_ptr<const Scenario> m_scenario;
    TelemetrySink* m_sink = nullptr;
    Random m_random;
    uint64_t m_seed = 0;
    EventQueue m_events;
    int64_t m_now = 0;

    std::vector<ServiceModel> m_services;
    std::vector<WorkloadModel> m_workloads;
    std::vector<QueueModel> m_queues;
    std::vector<Request> m_requests;
    std::vector<uint32_t> m_freeRequests;
    std::vector<Call> m_calls;
    std::vector<uint32_t> m_freeCalls;

    /// Strings the spans point at that the scenario does not hold (instance ids), kept alive by batches.
    std::shared_ptr<std::deque<std::string>> m_strings; // a deque: views stay valid as it grows
    std::vector<std::vector<std::string_view>> m_instanceIds; ///< per service, per instance

    SpanBatch m_batch;
    uint64_t m_lastTrace = 0;
    SpanId m_lastSpanId = 0;
    SimulationStats m_stats;
};

} // namespace faultline
