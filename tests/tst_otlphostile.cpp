// Hostile OTLP payloads: deep nesting, huge values and floods of distinct names never crash, hang or grow
// memory without bound, and what is refused is counted exactly.

#include "graph/graphaggregator.h"
#include "otlp/otlpdecode.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <QTest>

#include <deque>
#include <string>

using namespace faultline;
namespace otlp_common = opentelemetry::proto::common::v1;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

// Protobuf wire format, written by hand so the nesting can be deeper than any generated code would build.
std::string varint(uint64_t v)
{
    std::string out;
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
    return out;
}

std::string field(int number, const std::string& payload) // a length-delimited field
{
    return varint(static_cast<uint64_t>(number) << 3 | 2) + varint(payload.size()) + payload;
}

void addString(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* attributes, const std::string& key,
    const std::string& value)
{
    auto* kv = attributes->Add();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
}

const std::string kTraceId("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);

std::string spanId(uint64_t n)
{
    std::string id(8, '\0');
    for (int i = 0; i < 8; ++i)
        id[static_cast<size_t>(7 - i)] = static_cast<char>((n + 1) >> (8 * i));
    return id;
}

} // namespace

class tst_OtlpHostile : public QObject {
    Q_OBJECT
private slots:
    void deepNestingIsRefusedNotRecursedInto()
    {
        // An attribute whose value is an array holding an array holding ... 5,000 levels deep (libprotobuf's
        // recursion limit is 100; a decoder that recursed without one would overflow its stack here).
        std::string value; // AnyValue{}
        for (int depth = 0; depth < 5'000; ++depth)
            value = field(5, field(1, value)); // AnyValue.array_value = ArrayValue{ values: [value] }
        const std::string keyValue = field(1, "nested") + field(2, value); // KeyValue{key, value}
        const std::string span = field(1, kTraceId) + field(2, spanId(1)) + field(5, "GET /") + field(9, keyValue);
        const std::string request = field(1, field(2, field(2, span))); // ResourceSpans/ScopeSpans/Span
        DecodedTraces out;
        std::string error;
        const bool ok = decodeTraceRequest(request, out, error);
        // libprotobuf stops at its recursion limit (100): a malformed request, told apart and explained.
        QVERIFY(!ok);
        QVERIFY(!error.empty());
        QVERIFY(out.batch.spans.empty());
    }

    void hugeValuesAreCutToABound()
    {
        ExportTraceServiceRequest request;
        auto* rs = request.add_resource_spans();
        const std::string huge(2'000'000, 's');
        addString(rs->mutable_resource()->mutable_attributes(), "service.name", huge);
        addString(rs->mutable_resource()->mutable_attributes(), "service.instance.id", huge);
        auto* span = rs->add_scope_spans()->add_spans();
        span->set_trace_id(kTraceId);
        span->set_span_id(spanId(1));
        span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
        span->set_name(huge);
        addString(span->mutable_attributes(), "peer.service", huge);
        addString(span->mutable_attributes(), "db.system", huge);
        addString(span->mutable_attributes(), "other", huge);
        DecodedTraces out;
        std::string error;
        QVERIFY2(decodeTraceRequest(request.SerializeAsString(), out, error), error.c_str());
        QCOMPARE(out.batch.spans.size(), size_t(1));
        const Span& s = out.batch.spans[0];
        for (std::string_view v : { s.service, s.service_instance, s.name, s.peer_service, s.db_system })
            QCOMPARE(v.size(), size_t(256));
        QCOMPARE(s.attributes.size(), size_t(1));
        QCOMPARE(s.attributes[0].value.size(), size_t(256));
    }

    void floodsOfDistinctServicesStayWithinTheCaps()
    {
        // 200,000 services through the decoder, each a root server span: far beyond the node cap.
        AggregatorConfig config;
        config.max_nodes = 1000;
        GraphAggregator graph(config);
        uint64_t sent = 0;
        for (int batch = 0; batch < 20; ++batch) {
            ExportTraceServiceRequest request;
            for (int i = 0; i < 10'000; ++i, ++sent) {
                auto* rs = request.add_resource_spans();
                addString(rs->mutable_resource()->mutable_attributes(), "service.name", "svc-" + std::to_string(sent));
                auto* span = rs->add_scope_spans()->add_spans();
                span->set_trace_id(kTraceId);
                span->set_span_id(spanId(sent));
                span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
                span->set_start_time_unix_nano(1'000'000'000);
                span->set_end_time_unix_nano(1'001'000'000);
                span->set_name("GET /");
            }
            DecodedTraces out;
            std::string error;
            QVERIFY2(decodeTraceRequest(request.SerializeAsString(), out, error), error.c_str());
            QCOMPARE(out.batch.spans.size(), size_t(10'000));
            graph.onSpans(std::move(out.batch));
        }
        const auto snapshot = graph.snapshot("live");
        QCOMPARE(snapshot->nodes.size(), size_t(1000)); // the user node and 999 services
        QCOMPARE(snapshot->counters.spans_received, sent);
        // Every span of a service beyond the cap is counted, exactly once.
        QCOMPARE(snapshot->counters.cardinality_rejected, sent - 999);
    }

    void aMillionDistinctNamesDoNotGrowTheNameTable()
    {
        // Straight into the aggregator, as a hostile in-process source would: the name table is capped.
        AggregatorConfig config;
        config.max_nodes = 100;
        GraphAggregator graph(config);
        std::deque<std::string> names;
        uint64_t sent = 0;
        for (int batch = 0; batch < 100; ++batch) {
            SpanBatch b;
            names.clear();
            for (int i = 0; i < 10'000; ++i, ++sent) {
                Span s;
                s.trace_id = TraceId { 1, sent + 1 };
                s.span_id = sent + 1;
                s.kind = SpanKind::Client;
                s.service = "caller";
                s.peer_service = names.emplace_back("peer-" + std::to_string(sent));
                s.start_ns = 1'000'000'000;
                s.end_ns = 1'001'000'000;
                b.spans.push_back(s);
            }
            graph.onSpans(std::move(b));
            graph.onClock(static_cast<int64_t>(1'000'000'000) + (batch + 1) * 100'000'000'000LL);
        }
        const auto snapshot = graph.snapshot("live");
        QVERIFY(snapshot->nodes.size() <= 100);
        QCOMPARE(snapshot->counters.spans_received, sent);
        // Unpaired client spans expire into edges to their peers; beyond the cap they are counted.
        QCOMPARE(snapshot->counters.unpaired_expired + snapshot->counters.pairing_evicted
                + snapshot->counters.pairing_pending,
            sent);
        const auto& c = snapshot->counters;
        QVERIFY2(c.cardinality_rejected >= sent - 100,
            qPrintable(QString("rejected %1 expired %2 evicted %3 pending %4 nodes %5")
                           .arg(c.cardinality_rejected)
                           .arg(c.unpaired_expired)
                           .arg(c.pairing_evicted)
                           .arg(c.pairing_pending)
                           .arg(snapshot->nodes.size())));
    }
};

QTEST_APPLESS_MAIN(tst_OtlpHostile)
#include "tst_otlphostile.moc"
