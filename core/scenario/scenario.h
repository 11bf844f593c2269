#pragma once
// The in-memory model of a scenario file (docs/scenario-format.md). Produced by ScenarioLoader, which has
// already checked every reference and range, so the simulator can trust it.

#include "resilience/fault.h"
#include "resilience/policies.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace faultline {

struct EmpiricalBucket {
    double upper_ms = 0.0; ///< samples fall uniformly in (previous upper, upper]
    double weight = 0.0;
};

/// z of the 99th percentile of the standard normal: a lognormal given by median and p99 has
/// sigma = (ln p99 - ln median) / kNormalZ99.
inline constexpr double kNormalZ99 = 2.3263478740408408;

/// A service-time distribution, in milliseconds.
struct Distribution {
    enum class Kind { Constant, Exponential, Uniform, Lognormal, Empirical };
    Kind kind = Kind::Constant;
    double value_ms = 0.0; ///< constant
    double mean_ms = 0.0; ///< exponential
    double min_ms = 0.0; ///< uniform; empirical: lower bound of the first bucket
    double max_ms = 0.0; ///< uniform
    double median_ms = 0.0; ///< lognormal
    double p99_ms = 0.0; ///< lognormal
    std::vector<EmpiricalBucket> buckets; ///< empirical, ascending upper bounds

    static Distribution constant(double ms)
    {
        Distribution d;
        d.kind = Kind::Constant;
        d.value_ms = ms;
        return d;
    }
    static Distribution exponential(double mean)
    {
        Distribution d;
        d.kind = Kind::Exponential;
        d.mean_ms = mean;
        return d;
    }
    /// The theoretical mean, in milliseconds.
    double mean() const;
};

enum class CallKind { Sync, Async };

/// A call from an operation to another service's operation.
struct CallStep {
    std::string service;
    std::string operation;
    CallKind kind = CallKind::Sync;
    std::string protocol = "http"; ///< http, grpc, ...
    double timeout_ms = 0.0; ///< 0 = no timeout (sync only); with retries, the overall deadline of all attempts
    bool continue_on_error = false; ///< `"on_error": "continue"`: a failure here does not fail the caller
    /// Chance that the call is made at all on a given request (a cache miss, a conditional branch); 1 = always.
    double probability = 1.0;

    // Resilience policies of the caller for this call (docs/scenario-format.md; sync calls only).
    std::optional<RetryConfig> retry;
    std::optional<CircuitBreakerConfig> circuit_breaker;
    std::optional<BulkheadConfig> bulkhead;
    std::optional<ConnectionLimitsConfig> limits; ///< Envoy cluster circuit breakers
    std::optional<OutlierDetectionConfig> outlier_detection;
    std::optional<HedgingConfig> hedging;
    std::optional<AdaptiveThrottlingConfig> adaptive_throttling;
    LoadBalancing load_balancing = LoadBalancing::RoundRobin;
    bool propagate_deadline = false; ///< the callee inherits the remaining deadline and drops expired work
};

/// Publish a message to a queue; the caller moves on at once.
struct PublishStep {
    std::string queue;
    std::string message; ///< message type, used as the span name
    double poison_probability = 0.0; ///< share of messages that fail on every delivery (malformed)
    double probability = 1.0; ///< chance that the message is published on a given request; 1 = always
};

struct ParallelStep;
using Step = std::variant<CallStep, PublishStep, ParallelStep>;

/// Run all sub-steps concurrently and wait for all of them.
struct ParallelStep {
    std::vector<Step> steps;
};

struct Operation {
    std::string name;
    Distribution service_time;
    double error_probability = 0.0;
    std::vector<Step> steps; ///< run in order after the service time has been spent
};

/// What a service stands for in the graph. A database emits no server span of its own (real databases
/// are not traced): its callers' client spans carry `db.system`, as instrumented database clients do.
enum class ServiceKind { Service, Database, External };

struct Service {
    std::string name;
    ServiceKind kind = ServiceKind::Service;
    int instances = 1;
    int concurrency = 16; ///< worker slots per instance
    int queue_capacity = 128; ///< waiting requests per instance beyond the busy workers; full = rejected
    std::vector<Operation> operations;
};

/// A subscription to a queue. On a rabbitmq queue all consumers compete for each message; on a kafka
/// topic each consumer is its own consumer group and receives every message.
struct Consumer {
    std::string service;
    std::string operation;
    int prefetch = 10; ///< unacked deliveries per consumer instance
};

enum class QueueOverflow { DropHead, RejectPublish, RejectPublishDlx };

struct Queue {
    std::string name;
    std::string system = "rabbitmq";
    int64_t capacity = 100000; ///< messages ready + unacked
    QueueOverflow overflow = QueueOverflow::DropHead;
    std::string dead_letter_queue; ///< empty = none
    int delivery_limit = 0; ///< deliveries before a failing message is dead-lettered; 0 = unlimited
    double message_ttl_ms = 0.0; ///< 0 = messages never expire; expiry happens at the head only
    bool requeue_on_failure = true; ///< a failed consumer nacks with requeue; false = dead-letter at once
    std::vector<Consumer> consumers;
};

/// One point of a workload's rate schedule. From `at_s` on, the rate is `rate_rps`; with `ramp_s` > 0 the
/// rate moves linearly from the previous rate to `rate_rps` over that many seconds.
struct RatePoint {
    double at_s = 0.0;
    double rate_rps = 0.0;
    double ramp_s = 0.0;
};

enum class Arrival { Poisson, Constant };

struct Workload {
    std::string client = "user"; ///< the client node's id
    std::string target;
    std::string operation;
    Arrival arrival = Arrival::Poisson;
    std::vector<RatePoint> schedule; ///< at least one point, ascending at_s, first at 0
    std::string protocol = "http";
    double timeout_ms = 0.0; ///< the client's own timeout; 0 = waits forever
};

/// One step of a lesson: what to do or notice, and optionally a fault the step makes happen.
struct LessonStep {
    std::string text;
    /// Injected when the user plays the step; its `at_s` counts from that moment.
    std::optional<ScheduledFault> fault;
};

/// A built-in scenario's teaching: the one idea it shows, why, what to watch, and a guided sequence.
struct Lesson {
    std::string idea; ///< one line: "A circuit breaker contains the cascade"
    std::string explanation;
    std::string watch; ///< what to look at on the graph
    std::vector<LessonStep> steps;
};

struct Scenario {
    std::string name;
    std::string description;
    uint64_t seed = 1;
    double duration_s = 300.0; ///< headless default duration
    std::vector<Workload> workload;
    std::vector<Service> services;
    std::vector<Queue> queues;
    std::vector<ScheduledFault> faults; ///< scripted faults, applied at their times
    std::optional<Lesson> lesson;

    const Service* findService(const std::string& name) const;
    const Queue* findQueue(const std::string& name) const;
};

} // namespace faultline
