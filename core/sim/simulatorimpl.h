#pragma once
// Internal state of the simulator, shared by its translation units. Not part of core's public API.

#include "resilience/circuitbreaker.h"
#include "resilience/fault.h"
#include "resilience/retry.h"
#include "sim/eventqueue.h"
#include "sim/random.h"
#include "sim/rateschedule.h"
#include "sim/sampler.h"
#include "sim/simulator.h"
#include "sim/timeunits.h"

#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace faultline {

inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
inline constexpr size_t kBatchSize = 8192; ///< spans per batch handed to the sink
inline constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

enum class DeadLetterReason { Rejected, Expired, MaxLen, DeliveryLimit };

/// A call site, resolved to indices, with its spans' constant fields filled in once.
struct CallSite {
    uint32_t caller = kNone; ///< calling service, kNone for a workload client
    uint32_t service = kNone;
    uint32_t operation = kNone;
    uint32_t state = kNone; ///< index into SimulatorImpl::m_sites (mutable per-site state)
    uint32_t breaker = kNone; ///< index into SimulatorImpl::m_breakers
    /// Index into SimulatorImpl::m_roundRobin: one position per caller and callee, as a client's load
    /// balancer keeps one per cluster, so the calls of a fan-out to one service spread over its instances.
    uint32_t balancer = kNone;
    bool sync = true;
    bool continue_on_error = false;
    bool propagate_deadline = false;
    double probability = 1.0; ///< chance the call is made on a given request
    int64_t timeout_ns = 0; ///< 0 = none; with retries, the overall deadline
    const CallStep* step = nullptr; ///< policies; null for workload clients
    Span client; ///< client span (sync) or producer span (async) of the caller
    Span server; ///< server span (sync) or consumer span (async) of the callee
};

/// Envoy-style outlier detection state of one callee instance, as one caller site sees it.
struct OutlierState {
    int consecutive_failures = 0;
    int ejections = 0;
    int64_t ejected_until = 0;
};

/// Mutable state of a call site: concurrency for bulkheads and limits, balancing, ejections, throttles.
struct SiteState {
    int active = 0; ///< attempts in flight
    int active_retries = 0; ///< of which retries
    std::deque<uint32_t> bulkhead_waiting; ///< logical calls waiting for a bulkhead slot
    std::deque<uint32_t> pending_requests; ///< logical calls waiting for an Envoy connection
    std::vector<OutlierState> outliers; ///< per callee instance
    std::unique_ptr<RetryThrottle> throttle;
    std::unique_ptr<AdaptiveThrottle> adaptive;
};

/// A breaker of a calling service, shared by that service's call sites with the same breaker name.
struct BreakerSlot {
    uint32_t service = kNone;
    uint32_t callee = kNone;
    std::string name;
    CircuitBreaker breaker;
    BreakerState last_state = BreakerState::Closed;
};

struct PublishSite {
    uint32_t queue = kNone;
    double poison_probability = 0.0;
    double probability = 1.0; ///< chance the message is published on a given request
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
    std::vector<uint32_t> running; ///< requests holding a worker (request.running_slot is the position)
    std::vector<uint32_t> frozen; ///< finished their service time while the instance was paused
    bool crashed = false;
    bool paused = false;
};

/// What the active faults do to a service, recomputed whenever a fault starts or ends.
struct ServiceFaults {
    struct Chance {
        double probability = 0.0;
        double delay_ms = 0.0;
        int status = 0;
    };
    std::vector<Chance> delays;
    std::vector<Chance> aborts;
    double error_probability = 0.0;
    double loss_probability = 0.0;
    double slowdown = 1.0;
    std::vector<uint32_t> partitioned_from; ///< services that cannot reach this one (and vice versa)
};

struct ServiceModel {
    const Service* service = nullptr;
    bool emits_server_spans = true; ///< false for databases: they are seen through their callers' spans
    std::string_view node_kind;
    std::vector<OperationModel> operations;
    std::vector<InstanceState> instances;
    ServiceFaults faults;
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
    int deliveries = 0; ///< failed deliveries so far
    bool poison = false; ///< fails on every delivery
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
    bool paused = false; ///< consumers paused by a fault
};

struct QueueModel {
    const Queue* queue = nullptr;
    uint32_t dead_letter = kNone;
    bool broker_down = false;
    Span dead_letter_producer; ///< the broker republishing to the dead-letter queue
    std::vector<Subscription> subscriptions;
    QueueRunStats stats;
};

/// Where a delivered message came from, so its consumer can ack it (or the broker requeue it).
struct Delivery {
    uint32_t queue = kNone;
    uint32_t subscription = kNone;
    uint32_t endpoint = kNone;
    Message message;
};

/// One execution of an operation at an instance: what a server (or consumer) span covers.
struct Request {
    uint32_t generation = 0;
    uint32_t service = kNone;
    uint32_t operation = kNone;
    uint32_t instance = 0;
    uint32_t caller_call = kNone; ///< the sync call attempt waiting for this reply, if any
    uint32_t caller_generation = 0;
    uint32_t running_slot = kNone; ///< position in the instance's running list while holding a worker
    int deliveries = 0; ///< for deliveries: failed deliveries before this one
    bool poison = false; ///< for deliveries: a poison message, which the consumer always fails on
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
    int64_t deadline_ns = kNoDeadline; ///< propagated deadline: work found past it is dropped
    int64_t message_enqueued_ns = 0; ///< for deliveries: when the message was first enqueued (TTL)
};

/// What the caller asked for: a sync call, made of one or more attempts under its policies.
struct LogicalCall {
    uint32_t generation = 0;
    uint32_t caller_request = kNone; ///< kNone for a workload client
    uint32_t caller_generation = 0;
    const CallSite* site = nullptr;
    TraceId trace;
    SpanId parent_span_id = 0;
    int64_t deadline_ns = kNoDeadline; ///< overall deadline of every attempt and backoff
    int64_t propagated_deadline_ns = kNoDeadline; ///< what the callee inherits
    int attempts = 0;
    bool pending = false;
    bool waiting_for_bulkhead = false;
    bool waiting_for_connection = false; ///< pending in Envoy's connection pool
    uint8_t hedge_count = 0; ///< hedged attempts in flight
    uint32_t hedges[5] = {}; ///< their call indices
};

/// One attempt of a logical call: what a client span covers.
struct Call {
    uint32_t generation = 0;
    const CallSite* site = nullptr;
    uint32_t logical = kNone;
    uint32_t logical_generation = 0;
    uint32_t instance = 0; ///< callee instance, for outlier detection
    bool pending = false;
    bool retry = false; ///< not the first attempt
    bool holds_breaker_permit = false;
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
    void issueCall(
        const CallSite& site, uint32_t callerRequest, const TraceId& trace, SpanId parent, int64_t inheritedDeadline);
    void issueAsyncCall(const CallSite& site, const TraceId& trace, SpanId parent);
    void arrive(uint32_t request, bool bypassCapacity);
    void startService(uint32_t request);
    void runSteps(uint32_t request);
    void finishRequest(uint32_t request);
    void returnCall(uint32_t call, CallOutcome outcome, std::span<const KeyValue> attributes = {});
    void stepCallReturned(uint32_t request, bool failed);
    void failRequestAtOnce(uint32_t request, std::span<const KeyValue> attributes);
    void changeInSystem(ServiceModel& service, int delta);
    uint32_t allocRequest();
    uint32_t allocCall();
    uint32_t allocLogical();

    // simulatorcalls.cpp: attempts, retries and the policies around them
    void startAttempt(uint32_t logical);
    void accountAttempt(const Call& attempt, int64_t duration, CallOutcome outcome, bool cancelled);
    void decideAfterAttempt(uint32_t logical, uint32_t call, CallOutcome outcome);
    void cancelHedges(uint32_t logical);
    void finishLogical(uint32_t logical, bool failed);
    void failAttemptAtOnce(uint32_t logical, CallOutcome outcome);
    void releaseSlots(const CallSite& site);
    int connectionCapacity(const CallSite& site) const;
    uint32_t chooseInstance(const CallSite& site);
    void noteOutlier(const CallSite& site, uint32_t instance, CallOutcome outcome);
    void onBreakerTimer(uint32_t breaker);
    void scheduleBreakerTimer(uint32_t breaker);
    void noteBreakerState(uint32_t breaker);
    void emitBreakerMetrics(uint32_t breaker);
    void appendBreakerMetrics(uint32_t breaker, std::vector<MetricPoint>& points);

    // simulatorfaults.cpp
    uint64_t injectFault(const Fault& fault, uint64_t id);
    bool revertFault(uint64_t id);
    void revertAllFaults();
    void recomputeFaults();
    void killRequest(uint32_t request);
    void crashInstance(uint32_t service, uint32_t instance);
    void resumeInstance(uint32_t service, uint32_t instance);
    void applyBreakerOverride(const Fault& fault, bool starting);
    int findBreaker(const std::string& service, const std::string& name) const;
    uint32_t pickInstance(ServiceModel& service);

    // simulatormessaging.cpp: queues and topics
    void publish(const PublishSite& site, TraceId trace, SpanId parent);
    void enqueue(uint32_t queue, uint32_t subscription, const Message& message);
    void deadLetter(uint32_t queue, const Message& message, DeadLetterReason reason);
    void dispatchMessages(uint32_t queue, uint32_t subscription);
    void acknowledge(const Delivery& delivery, bool failed);
    void requeueLost(const Delivery& delivery);
    void expireHeads(uint32_t queue);

    // simulatortelemetry.cpp: building the model's span templates, emitting telemetry
    void buildModel();
    void attachPolicies(CallSite& site, uint32_t caller, const CallStep& step);
    /// Appends a span built from a template to the batch (flushed to the sink when full). Inline: with
    /// its ten arguments the out-of-line call passed the last ones on the stack, and reading them back
    /// stalled on store forwarding.
    void emit(const Span& templ, const TraceId& trace, SpanId span, SpanId parent, int64_t start, int64_t end,
        bool error, std::string_view instance = {}, std::span<const KeyValue> attributes = {})
    {
        ++m_stats.spans;
        if (!m_sink) return;
        Span& s = m_batch.spans.emplace_back(templ);
        s.trace_id = trace;
        s.span_id = span;
        s.parent_span_id = parent;
        s.start_ns = start;
        s.end_ns = end;
        s.status = error ? StatusCode::Error : StatusCode::Unset;
        s.service_instance = instance;
        s.attributes = attributes;
        if (m_batch.spans.size() >= kBatchSize) flush();
    }
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
    std::vector<LogicalCall> m_logicals;
    std::vector<uint32_t> m_freeLogicals;
    std::deque<SiteState> m_sites; // a deque: call sites keep indices, states never move
    std::vector<uint32_t> m_roundRobin; // next instance, per (caller, callee) pair that has a call site
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> m_balancerOf; // (caller, callee) -> m_roundRobin index
    uint32_t balancerFor(uint32_t caller, uint32_t callee);
    std::deque<BreakerSlot> m_breakers;

    struct ActiveFault {
        uint64_t id = 0;
        Fault fault;
        int64_t start_ns = 0;
        int64_t end_ns = 0;
    };
    std::vector<ActiveFault> m_activeFaults;
    uint64_t m_nextFaultId = 1;
    std::vector<FaultRecord> m_faultLog;
    std::vector<BreakerEvent> m_breakerEvents;

    /// Strings the spans point at that the scenario does not hold (instance ids), kept alive by batches.
    std::shared_ptr<std::deque<std::string>> m_strings; // a deque: views stay valid as it grows
    std::vector<std::vector<std::string_view>> m_instanceIds; ///< per service, per instance

    SpanBatch m_batch;
    uint64_t m_lastTrace = 0;
    SpanId m_lastSpanId = 0;
    SimulationStats m_stats;
};

} // namespace faultline
