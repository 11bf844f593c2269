#include "inspectorconfig.h"

#include "figureformat.h"

#include <QCoreApplication>

namespace faultline {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("InspectorConfig", text);
}

QString ms(double value)
{
    return FigureFormat::millis(value);
}

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

/// Calls of `steps` (parallel ones included) to `target`.
void collectCalls(const std::vector<Step>& steps, const std::string& target, std::vector<const CallStep*>& out)
{
    for (const Step& step : steps) {
        if (const auto* call = std::get_if<CallStep>(&step)) {
            if (call->service == target) out.push_back(call);
        } else if (const auto* parallel = std::get_if<ParallelStep>(&step)) {
            collectCalls(parallel->steps, target, out);
        }
    }
}

void collectPublishes(const std::vector<Step>& steps, const std::string& queue, std::vector<const PublishStep*>& out)
{
    for (const Step& step : steps) {
        if (const auto* publish = std::get_if<PublishStep>(&step)) {
            if (publish->queue == queue) out.push_back(publish);
        } else if (const auto* parallel = std::get_if<ParallelStep>(&step)) {
            collectPublishes(parallel->steps, queue, out);
        }
    }
}

QString rateOf(const Workload& w)
{
    QString rate = FigureFormat::rate(w.schedule.empty() ? 0.0 : w.schedule.front().rate_rps) + tr(" rps");
    if (w.schedule.size() > 1) rate += tr(" at first, %1 changes scheduled").arg(w.schedule.size() - 1);
    return rate + (w.arrival == Arrival::Poisson ? tr(", Poisson") : tr(", constant"));
}

void callRows(QList<InspectorConfig::Row>& rows, const CallStep& c)
{
    rows.append({ tr("Protocol"), q(c.protocol) });
    rows.append({ tr("Timeout"), c.timeout_ms > 0 ? ms(c.timeout_ms) : tr("none") });
    rows.append({ tr("Retries"), c.retry ? InspectorConfig::retry(*c.retry) : tr("none") });
    rows.append({ tr("Breaker"), c.circuit_breaker ? InspectorConfig::breaker(*c.circuit_breaker) : tr("none") });
    if (c.bulkhead)
        rows.append({ tr("Bulkhead"),
            tr("%1 concurrent calls, wait %2")
                .arg(c.bulkhead->max_concurrent_calls)
                .arg(ms(c.bulkhead->max_wait_ms)) });
    if (c.limits)
        rows.append({ tr("Connection limits"),
            tr("%1 connections, %2 pending, %3 requests")
                .arg(c.limits->max_connections)
                .arg(c.limits->max_pending_requests)
                .arg(c.limits->max_requests) });
    if (c.outlier_detection)
        rows.append({ tr("Outlier detection"),
            tr("eject after %1 × 5xx for %2")
                .arg(c.outlier_detection->consecutive_5xx)
                .arg(ms(c.outlier_detection->base_ejection_time_ms)) });
    if (c.hedging)
        rows.append({ tr("Hedging"),
            tr("%1 attempts, delay %2").arg(c.hedging->max_attempts).arg(ms(c.hedging->hedging_delay_ms)) });
    if (c.continue_on_error) rows.append({ tr("On error"), tr("continue") });
    if (c.propagate_deadline) rows.append({ tr("Deadline"), tr("propagated") });
}

void serviceRows(QList<InspectorConfig::Row>& rows, const Service& s)
{
    rows.append({ tr("Instances"), QString::number(s.instances) });
    rows.append({ tr("Concurrency"), tr("%1 per instance").arg(s.concurrency) });
    rows.append({ tr("Queue capacity"), tr("%1 per instance").arg(s.queue_capacity) });
    for (const Operation& op : s.operations) {
        QString value = InspectorConfig::distribution(op.service_time);
        if (op.error_probability > 0) value += tr(", %1 errors").arg(FigureFormat::percent(op.error_probability));
        rows.append({ tr("Operation %1").arg(q(op.name)), value });
    }
}

void queueRows(QList<InspectorConfig::Row>& rows, const Queue& queue)
{
    rows.append({ tr("System"), q(queue.system) });
    rows.append({ tr("Capacity"), FigureFormat::count(static_cast<uint64_t>(queue.capacity)) });
    const QString overflow = queue.overflow == QueueOverflow::DropHead ? tr("drop head")
        : queue.overflow == QueueOverflow::RejectPublish               ? tr("reject publish")
                                                                       : tr("reject to dead-letter queue");
    rows.append({ tr("Overflow"), overflow });
    if (!queue.dead_letter_queue.empty()) rows.append({ tr("Dead letters"), q(queue.dead_letter_queue) });
    if (queue.delivery_limit > 0) rows.append({ tr("Delivery limit"), QString::number(queue.delivery_limit) });
    if (queue.message_ttl_ms > 0) rows.append({ tr("Message TTL"), ms(queue.message_ttl_ms) });
    for (const Consumer& c : queue.consumers)
        rows.append({ tr("Consumer"), tr("%1.%2, prefetch %3").arg(q(c.service), q(c.operation)).arg(c.prefetch) });
}

} // namespace

QString InspectorConfig::distribution(const Distribution& d)
{
    switch (d.kind) {
    case Distribution::Kind::Constant:
        return tr("constant %1").arg(ms(d.value_ms));
    case Distribution::Kind::Exponential:
        return tr("exponential, mean %1").arg(ms(d.mean_ms));
    case Distribution::Kind::Uniform:
        return tr("uniform %1 – %2").arg(ms(d.min_ms), ms(d.max_ms));
    case Distribution::Kind::Lognormal:
        return tr("lognormal, median %1, p99 %2").arg(ms(d.median_ms), ms(d.p99_ms));
    case Distribution::Kind::Empirical:
        break;
    }
    return tr("empirical, mean %1").arg(ms(d.mean()));
}

QString InspectorConfig::breaker(const CircuitBreakerConfig& b)
{
    switch (b.flavor) {
    case BreakerFlavor::ConsecutiveFailures:
        return tr("opens after %1 consecutive failures, recovers after %2")
            .arg(b.failure_threshold)
            .arg(ms(b.recovery_timeout_ms));
    case BreakerFlavor::Hystrix:
        return tr("Hystrix: opens at %1% errors of ≥ %2 calls in %3, sleeps %4")
            .arg(b.error_threshold_percentage)
            .arg(b.request_volume_threshold)
            .arg(ms(b.rolling_window_ms), ms(b.sleep_window_ms));
    case BreakerFlavor::Resilience4j:
        break;
    }
    const QString window = b.sliding_window_type == SlidingWindowType::CountBased
        ? tr("last %1 calls").arg(b.sliding_window_size)
        : tr("last %1 s").arg(b.sliding_window_size);
    return tr("opens at %1% failures of the %2 (≥ %3 calls), open %4, %5 probes")
        .arg(b.failure_rate_threshold)
        .arg(window)
        .arg(b.minimum_number_of_calls)
        .arg(ms(b.wait_duration_in_open_state_ms))
        .arg(b.permitted_number_of_calls_in_half_open_state);
}

QString InspectorConfig::retry(const RetryConfig& r)
{
    const bool countsFirst = r.flavor == RetryFlavor::Resilience4j || r.flavor == RetryFlavor::Grpc;
    QString s = countsFirst ? tr("%1 attempts in all").arg(r.count) : tr("%1 retries").arg(r.count);
    s += r.backoff.kind == BackoffKind::Fixed
        ? tr(", backoff %1").arg(ms(r.backoff.initial_ms))
        : tr(", backoff %1 × %2").arg(ms(r.backoff.initial_ms)).arg(r.backoff.multiplier);
    if (r.per_try_timeout_ms > 0) s += tr(", %1 per try").arg(ms(r.per_try_timeout_ms));
    return s;
}

QList<InspectorConfig::Row> InspectorConfig::rows(
    const DetailKey& key, const Scenario* scenario, const GraphSnapshot* snapshot)
{
    QList<Row> rows;
    if (key.empty()) return rows;
    if (scenario == nullptr) {
        rows.append({ tr("Source"), tr("observed (live telemetry)") });
        if (snapshot && key.isEdge()) {
            const int e = snapshot->findEdge(key.source, key.target);
            if (e >= 0) {
                const EdgeSnapshot& edge = snapshot->edges[static_cast<size_t>(e)];
                rows.append({ tr("Protocol"), edge.protocol.empty() ? tr("unknown") : q(edge.protocol) });
                if (edge.breaker) rows.append({ tr("Breaker"), tr("reported as %1").arg(q(edge.breaker->name)) });
            }
        } else if (snapshot) {
            const int n = snapshot->findNode(key.node);
            if (n >= 0) {
                const NodeSnapshot& node = snapshot->nodes[static_cast<size_t>(n)];
                rows.append({ tr("Instances"), node.instances > 0 ? QString::number(node.instances) : tr("unknown") });
                if (node.virtual_node) rows.append({ tr("Reporting"), tr("no: inferred from its callers") });
            }
        }
        return rows;
    }

    if (!key.isEdge()) {
        if (const Service* s = scenario->findService(key.node)) {
            serviceRows(rows, *s);
        } else if (const Queue* queue = scenario->findQueue(key.node)) {
            queueRows(rows, *queue);
        } else {
            for (const Workload& w : scenario->workload)
                if (w.client == key.node)
                    rows.append({ tr("Calls %1.%2").arg(q(w.target), q(w.operation)), rateOf(w) });
        }
        if (rows.isEmpty()) rows.append({ tr("Scenario"), tr("not configured there") });
        return rows;
    }

    // An edge: a workload's client calling its target, a service calling another or publishing to a
    // queue, or a queue delivering to a consumer.
    for (const Workload& w : scenario->workload) {
        if (w.client != key.source || w.target != key.target) continue;
        rows.append({ tr("Workload %1").arg(q(w.operation)), rateOf(w) });
        rows.append({ tr("Protocol"), q(w.protocol) });
        rows.append({ tr("Timeout"), w.timeout_ms > 0 ? ms(w.timeout_ms) : tr("none") });
    }
    if (const Service* s = scenario->findService(key.source)) {
        for (const Operation& op : s->operations) {
            std::vector<const CallStep*> calls;
            collectCalls(op.steps, key.target, calls);
            for (const CallStep* c : calls) {
                rows.append({ tr("Call"), tr("%1 → %2.%3").arg(q(op.name), q(c->service), q(c->operation)) });
                callRows(rows, *c);
            }
            std::vector<const PublishStep*> publishes;
            collectPublishes(op.steps, key.target, publishes);
            for (const PublishStep* p : publishes) {
                QString value = tr("%1 from %2").arg(q(p->message), q(op.name));
                if (p->poison_probability > 0)
                    value += tr(", %1 poison").arg(FigureFormat::percent(p->poison_probability));
                rows.append({ tr("Publishes"), value });
            }
        }
    }
    if (const Queue* queue = scenario->findQueue(key.source)) {
        for (const Consumer& c : queue->consumers)
            if (c.service == key.target)
                rows.append({ tr("Consumer"), tr("%1, prefetch %2").arg(q(c.operation)).arg(c.prefetch) });
    }
    if (rows.isEmpty()) rows.append({ tr("Scenario"), tr("not configured there") });
    return rows;
}

} // namespace faultline
