// Queues and topics: publish with overflow policies, prefetch-bounded delivery to competing consumers,
// acknowledgement, dead-lettering (RabbitMQ semantics, spec/resilience.md section 8).

#include "sim/simulatorimpl.h"

namespace faultline {

void SimulatorImpl::publish(const PublishSite& site, TraceId trace, SpanId parent)
{
    QueueModel& q = m_queues[site.queue];
    const SpanId span = newSpanId();
    const Message message { trace, span, m_now };
    ++q.stats.published;
    bool nacked = false;
    for (Subscription& sub : q.subscriptions) {
        if (static_cast<int64_t>(sub.ready.size()) + sub.unacked < q.queue->capacity) {
            sub.ready.push_back(message);
            continue;
        }
        switch (q.queue->overflow) {
        case QueueOverflow::DropHead:
            if (sub.ready.empty()) {
                ++q.stats.dropped; // every slot is an unacked delivery: nothing ready to push out
                continue;
            }
            deadLetter(site.queue, sub.ready.front());
            sub.ready.pop_front();
            sub.ready.push_back(message);
            break;
        case QueueOverflow::RejectPublish:
            ++q.stats.dropped;
            nacked = true;
            break;
        case QueueOverflow::RejectPublishDlx:
            deadLetter(site.queue, message);
            nacked = true;
            break;
        }
    }
    // A publisher confirm nack shows as an error on the producer span.
    emit(site.producer, trace, span, parent, m_now, m_now, nacked);
    for (uint32_t s = 0; s < q.subscriptions.size(); ++s)
        dispatchMessages(site.queue, s);
}

void SimulatorImpl::deadLetter(uint32_t queue, const Message& message)
{
    QueueModel& q = m_queues[queue];
    if (q.dead_letter == kNone) {
        ++q.stats.dropped;
        return;
    }
    ++q.stats.dead_lettered;
    QueueModel& dlq = m_queues[q.dead_letter];
    ++dlq.stats.published;
    for (uint32_t s = 0; s < dlq.subscriptions.size(); ++s) {
        Subscription& sub = dlq.subscriptions[s];
        if (static_cast<int64_t>(sub.ready.size()) + sub.unacked >= dlq.queue->capacity) {
            // A full dead-letter queue drops rather than dead-letters again: no cycles.
            ++dlq.stats.dropped;
            if (sub.ready.empty()) continue;
            sub.ready.pop_front();
        }
        sub.ready.push_back(message);
        dispatchMessages(q.dead_letter, s);
    }
}

void SimulatorImpl::dispatchMessages(uint32_t queue, uint32_t s)
{
    QueueModel& q = m_queues[queue];
    Subscription& sub = q.subscriptions[s];
    const uint32_t n = static_cast<uint32_t>(sub.endpoints.size());
    while (!sub.ready.empty() && n > 0) {
        uint32_t chosen = kNone;
        for (uint32_t k = 0; k < n; ++k) {
            const uint32_t e = (sub.next_endpoint + k) % n;
            if (sub.endpoints[e].unacked < sub.endpoints[e].prefetch) {
                chosen = e;
                break;
            }
        }
        if (chosen == kNone) return; // every consumer has its prefetch window full
        sub.next_endpoint = (chosen + 1) % n;
        ConsumerEndpoint& endpoint = sub.endpoints[chosen];
        const Message message = sub.ready.front();
        sub.ready.pop_front();
        ++endpoint.unacked;
        ++sub.unacked;
        ++q.stats.delivered;

        const uint32_t ri = allocRequest();
        Request& r = m_requests[ri];
        r.service = endpoint.service;
        r.operation = endpoint.operation;
        r.instance = endpoint.instance;
        r.span_template = &endpoint.consumer;
        r.trace = message.trace;
        r.span_id = newSpanId();
        r.parent_span_id = message.producer_span;
        r.arrival_ns = m_now;
        r.step = 0;
        r.pending_calls = 0;
        r.step_failed = r.failed = r.rejected = false;
        r.caller_call = kNone;
        r.queue = queue;
        r.subscription = s;
        r.endpoint = chosen;
        // Prefetch already bounds what a consumer holds, so deliveries never bounce off a full instance queue.
        arrive(ri, true);
    }
}

void SimulatorImpl::acknowledge(const Delivery& delivery, bool failed)
{
    QueueModel& q = m_queues[delivery.queue];
    Subscription& sub = q.subscriptions[delivery.subscription];
    --sub.endpoints[delivery.endpoint].unacked;
    --sub.unacked;
    ++q.stats.acked;
    if (failed) ++q.stats.consumer_failures;
    dispatchMessages(delivery.queue, delivery.subscription);
}

} // namespace faultline
