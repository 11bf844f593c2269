#pragma once
// Small helpers to build scenarios in code for tests, without going through JSON.

#include "scenario/scenario.h"

#include <limits>
#include <string>
#include <vector>

namespace faultline::test {

inline Operation operation(
    std::string name, Distribution serviceTime, std::vector<Step> steps = {}, double errorProbability = 0.0)
{
    Operation op;
    op.name = std::move(name);
    op.service_time = std::move(serviceTime);
    op.steps = std::move(steps);
    op.error_probability = errorProbability;
    return op;
}

inline Service service(std::string name, std::vector<Operation> operations, int instances = 1, int concurrency = 16,
    int queueCapacity = std::numeric_limits<int>::max())
{
    Service s;
    s.name = std::move(name);
    s.operations = std::move(operations);
    s.instances = instances;
    s.concurrency = concurrency;
    s.queue_capacity = queueCapacity;
    return s;
}

inline CallStep syncCall(std::string service, std::string op, double timeoutMs = 0.0, bool continueOnError = false)
{
    CallStep c;
    c.service = std::move(service);
    c.operation = std::move(op);
    c.timeout_ms = timeoutMs;
    c.continue_on_error = continueOnError;
    return c;
}

inline Workload workload(std::string target, std::string op, double rate, Arrival arrival = Arrival::Poisson)
{
    Workload w;
    w.target = std::move(target);
    w.operation = std::move(op);
    w.arrival = arrival;
    w.schedule = { RatePoint { 0.0, rate, 0.0 } };
    return w;
}

inline Queue queue(std::string name, std::vector<Consumer> consumers, std::string system = "rabbitmq")
{
    Queue q;
    q.name = std::move(name);
    q.consumers = std::move(consumers);
    q.system = std::move(system);
    return q;
}

} // namespace faultline::test
