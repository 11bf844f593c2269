// Queues and topics with RabbitMQ semantics (spec/resilience.md section 8): publish with overflow
// policies, prefetch-bounded delivery to competing consumers, ack, nack with requeue and a delivery
// limit, TTL expiry at the head, dead-lettering with a reason, and redelivery after a consumer dies.

#include "sim/simulatorimpl.h"

namespace faultline {

void SimulatorImpl::publish(const PublishSite& site, TraceId trace, SpanId parent)
{
    QueueModel& q = m_queues[site.queue];
    const SpanId span = newSpanId();
    const Message message { trace, span, m_now, 0,
        site.poison_probability > 0.0 && m_random.bernoulli(site.poison_probability) };
    ++q.stats.published;
    if (q.broker_down) {
        ++q.stats.publish_failures;
        emit(site.producer, trace, span, parent, m_now, m_now, true);
        return;
    }
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
            deadLetter(site.queue, sub.ready.front(), DeadLetterReason::MaxLen);
            sub.ready.pop_front();
            sub.ready.push_back(message);
            break;
        case QueueOverflow::RejectPublish:
            ++q.stats.dropped;
            ++q.stats.publish_failures;
            nacked = true;
            break;
        case QueueOverflow::RejectPublishDlx:
            deadLetter(site.queue, message, DeadLetterReason::MaxLen);
            ++q.stats.publish_failures;
            nacked = true;
            break;
        }
    }
    // A publisher confirm nack shows as an error on the producer span.
    emit(site.producer, trace, span, parent, m_now, m_now, nacked);
    for (uint32_t s = 0; s < q.subscriptions.size(); ++s)
        dispatchMessages(site.queue, s);
}

void SimulatorImpl::deadLetter(uint32_t queue, const Message& message, DeadLetterReason reason)
{
    QueueModel& q = m_queues[queue];
    switch (reason) {
    case DeadLetterReason::Rejected:
        ++q.stats.rejected;
        break;
    case DeadLetterReason::Expired:
        ++q.stats.expired;
        break;
    case DeadLetterReason::MaxLen:
        ++q.stats.maxlen;
        break;
    case DeadLetterReason::DeliveryLimit:
        ++q.stats.delivery_limit;
        break;
    }
    if (q.dead_letter == kNone) {
        ++q.stats.dropped;
        return;
    }
    ++q.stats.dead_lettered;
    // The broker republishes to the dead-letter queue: shown as the queue producing to it.
    const SpanId span = newSpanId();
    emit(q.dead_letter_producer, message.trace, span, message.producer_span, m_now, m_now, false);
    QueueModel& dlq = m_queues[q.dead_letter];
    ++dlq.stats.published;
    const Message moved { message.trace, span, m_now, 0, message.poison };
    for (uint32_t s = 0; s < dlq.subscriptions.size(); ++s) {
        Subscription& sub = dlq.subscriptions[s];
        if (static_cast<int64_t>(sub.ready.size()) + sub.unacked >= dlq.queue->capacity) {
            // A full dead-letter queue drops rather than dead-letters again: no cycles.
            ++dlq.stats.dropped;
            if (sub.ready.empty()) continue;
            sub.ready.pop_front();
        }
        sub.ready.push_back(moved);
        dispatchMessages(q.dead_letter, s);
    }
}

void SimulatorImpl::expireHeads(uint32_t queue)
{
    QueueModel& q = m_queues[queue];
    if (q.queue->message_ttl_ms <= 0.0) return;
    const int64_t ttl = msToNs(q.queue->message_ttl_ms);
    for (Subscription& sub : q.subscriptions) {
        // Only the head expires: a live message in front shields expired ones behind it (RabbitMQ).
        while (!sub.ready.empty() && later(sub.ready.front().enqueued_ns, ttl) <= m_now) {
            const Message expired = sub.ready.front();
            sub.ready.pop_front();
            deadLetter(queue, expired, DeadLetterReason::Expired);
        }
    }
}

void SimulatorImpl::dispatchMessages(uint32_t queue, uint32_t s)
{
    expireHeads(queue);
    QueueModel& q = m_queues[queue];
    Subscription& sub = q.subscriptions[s];
    if (sub.paused || q.broker_down) return;
    const uint32_t n = static_cast<uint32_t>(sub.endpoints.size());
    while (!sub.ready.empty() && n > 0) {
        uint32_t chosen = kNone;
        for (uint32_t k = 0; k < n; ++k) {
            const uint32_t e = (sub.next_endpoint + k) % n;
            const ConsumerEndpoint& endpoint = sub.endpoints[e];
            if (endpoint.unacked < endpoint.prefetch
                && !m_services[endpoint.service].instances[endpoint.instance].crashed) {
                chosen = e;
                break;
            }
        }
        if (chosen == kNone) return; // every live consumer has its prefetch window full
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
        r.queue = queue;
        r.subscription = s;
        r.endpoint = chosen;
        r.deliveries = message.deliveries;
        r.message_enqueued_ns = message.enqueued_ns;
        r.poison = message.poison;
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
    if (!failed) {
        ++q.stats.acked;
    } else {
        ++q.stats.consumer_failures;
        Message message = delivery.message;
        ++message.deliveries;
        if (!q.queue->requeue_on_failure) {
            deadLetter(delivery.queue, message, DeadLetterReason::Rejected); // nack, requeue=false
        } else if (q.queue->delivery_limit > 0 && message.deliveries > q.queue->delivery_limit) {
            deadLetter(delivery.queue, message, DeadLetterReason::DeliveryLimit); // exceeded the limit
        } else {
            ++q.stats.requeued;
            sub.ready.push_front(message); // back where it was: at the head
        }
    }
    dispatchMessages(delivery.queue, delivery.subscription);
}

void SimulatorImpl::requeueLost(const Delivery& delivery)
{
    // A consumer died holding the message: the broker requeues it, without counting a failed delivery.
    QueueModel& q = m_queues[delivery.queue];
    Subscription& sub = q.subscriptions[delivery.subscription];
    --sub.endpoints[delivery.endpoint].unacked;
    --sub.unacked;
    ++q.stats.requeued;
    sub.ready.push_front(delivery.message);
    dispatchMessages(delivery.queue, delivery.subscription);
}

} // namespace faultline
