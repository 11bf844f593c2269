// Sends a known topology to an OTLP/gRPC endpoint with the OpenTelemetry JS SDK: an independent, real
// OTLP client for Faultline's end-to-end test (tests/tst_otlpe2e.cpp). Usage: node emit-topology.js PORT
'use strict';

const api = require('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-grpc');

const url = `http://127.0.0.1:${process.argv[2]}`;
const { SpanKind, SpanStatusCode, context, trace } = api;

const providers = {};
function tracer(service) {
    if (!providers[service]) {
        providers[service] = new BasicTracerProvider({
            resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': `${service}-1` }),
            // One batch per flush: exporting span by span trips the SDK's own concurrent-export limit.
            spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }),
                { maxQueueSize: 10000, maxExportBatchSize: 10000, scheduledDelayMillis: 60000 })],
        });
    }
    return providers[service].getTracer('faultline-e2e');
}

function child(parent) {
    return trace.setSpan(context.active(), parent);
}

function request(i) {
    const t0 = Date.now() - 2000;
    const at = (ms) => new Date(t0 + ms);
    const failed = i % 10 === 0; // one request in ten fails at payments

    const web = tracer('web').startSpan('GET /checkout',
        { kind: SpanKind.SERVER, startTime: at(0), attributes: { 'http.request.method': 'GET' } });
    const toOrders = tracer('web').startSpan('POST /orders',
        { kind: SpanKind.CLIENT, startTime: at(1), attributes: { 'http.request.method': 'POST' } }, child(web));
    const orders = tracer('orders').startSpan('POST /orders',
        { kind: SpanKind.SERVER, startTime: at(2), attributes: { 'http.request.method': 'POST' } }, child(toOrders));

    const toDb = tracer('orders').startSpan('INSERT orders', { kind: SpanKind.CLIENT, startTime: at(3),
        attributes: { 'db.system': 'postgresql', 'db.name': 'ordersdb' } }, child(orders));
    toDb.end(at(8));

    const toPayments = tracer('orders').startSpan('payments.Charge',
        { kind: SpanKind.CLIENT, startTime: at(9), attributes: { 'rpc.system': 'grpc' } }, child(orders));
    const payments = tracer('payments').startSpan('payments.Charge',
        { kind: SpanKind.SERVER, startTime: at(10), attributes: { 'rpc.system': 'grpc' } }, child(toPayments));
    if (failed) {
        payments.setStatus({ code: SpanStatusCode.ERROR });
        toPayments.setStatus({ code: SpanStatusCode.ERROR });
    }
    payments.end(at(40));
    toPayments.end(at(42));

    const publish = tracer('orders').startSpan('order-events publish', { kind: SpanKind.PRODUCER, startTime: at(43),
        attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'order-events' } }, child(orders));
    publish.end(at(44));
    orders.end(at(45));
    toOrders.end(at(46));
    web.end(at(47));

    // The consumer starts a trace of its own and links to the producer, as messaging instrumentations do.
    const consume = tracer('mailer').startSpan('order-events process', { kind: SpanKind.CONSUMER, startTime: at(100),
        links: [{ context: publish.spanContext() }],
        attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'order-events' } }, context.active());
    consume.end(at(130));
}

async function main() {
    const meterProvider = new MeterProvider({
        resource: resourceFromAttributes({ 'service.name': 'orders' }),
        readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url }), exportIntervalMillis: 500 })],
    });
    const states = ['closed', 'open', 'half_open', 'disabled', 'forced_open', 'metrics_only'];
    meterProvider.getMeter('resilience4j').createObservableGauge('resilience4j.circuitbreaker.state')
        .addCallback((result) => {
            for (const state of states)
                result.observe(state === 'open' ? 1 : 0, { name: 'payments', state });
        });

    for (let i = 0; i < 50; ++i)
        request(i);
    await Promise.all(Object.values(providers).map((p) => p.forceFlush()));
    await meterProvider.forceFlush();
    await Promise.all(Object.values(providers).map((p) => p.shutdown()));
    await meterProvider.shutdown();
    console.log('sent 50 requests and a breaker gauge');
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
