// OTLP decoding: requests built with the generated classes and hand-encoded bytes, mapped to spans and
// metric points; unusable spans and unsupported metrics are counted; hostile bytes never crash.

#include "otlp/otlpdecode.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <QTest>

#include <random>

using namespace faultline;
namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;
namespace otlp_metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

const std::string kTraceId("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
const std::string kSpanId("\x11\x12\x13\x14\x15\x16\x17\x18", 8);
const std::string kParentId("\x21\x22\x23\x24\x25\x26\x27\x28", 8);

void addString(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* attributes, const std::string& key,
    const std::string& value)
{
    auto* kv = attributes->Add();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
}

/// A request with one resource (service "checkout" unless empty) and one valid span, returned for editing.
otlp_trace::Span* addSpan(ExportTraceServiceRequest& request, const std::string& service = "checkout")
{
    auto* rs = request.add_resource_spans();
    if (!service.empty()) addString(rs->mutable_resource()->mutable_attributes(), "service.name", service);
    auto* span = rs->add_scope_spans()->add_spans();
    span->set_trace_id(kTraceId);
    span->set_span_id(kSpanId);
    span->set_name("GET /cart");
    return span;
}

DecodedTraces decodeTraces(const ExportTraceServiceRequest& request)
{
    DecodedTraces out;
    std::string error;
    const bool ok = decodeTraceRequest(request.SerializeAsString(), out, error);
    if (!ok) qWarning("decode failed: %s", error.c_str());
    return out;
}

DecodedMetrics decodeMetrics(const ExportMetricsServiceRequest& request)
{
    DecodedMetrics out;
    std::string error;
    if (!decodeMetricsRequest(request.SerializeAsString(), out, error)) qWarning("decode failed: %s", error.c_str());
    return out;
}

otlp_metrics::Metric* addMetric(ExportMetricsServiceRequest& request, const std::string& name)
{
    auto* rm = request.add_resource_metrics();
    addString(rm->mutable_resource()->mutable_attributes(), "service.name", "orders");
    addString(rm->mutable_resource()->mutable_attributes(), "service.instance.id", "orders-1");
    auto* metric = rm->add_scope_metrics()->add_metrics();
    metric->set_name(name);
    return metric;
}

std::string_view liftedField(const Span& span, const QString& field)
{
    if (field == "rpc_system") return span.rpc_system;
    if (field == "http_method") return span.http_method;
    if (field == "messaging_system") return span.messaging_system;
    if (field == "messaging_destination") return span.messaging_destination;
    if (field == "db_system") return span.db_system;
    if (field == "db_name") return span.db_name;
    if (field == "peer_service") return span.peer_service;
    if (field == "server_address") return span.server_address;
    qFatal("unknown field %s", qPrintable(field));
}

std::string fromHex(std::string_view hex)
{
    std::string bytes;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return bytes;
}

/// A protobuf length-delimited field (wire type 2), encoded by hand.
std::string lengthDelimited(int field, const std::string& payload)
{
    std::string out(1, static_cast<char>(field << 3 | 2));
    for (size_t n = payload.size();; n >>= 7) {
        out.push_back(static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
        if (n <= 0x7f) break;
    }
    return out + payload;
}

} // namespace

class tst_OtlpDecode : public QObject {
    Q_OBJECT

private slots:
    void liftsStringAttributesPreferringNewerNames_data();
    void liftsStringAttributesPreferringNewerNames();
    void ignoresNonStringValuesOfLiftedAttributes();
    void mapsKindAndStatusNumbers_data();
    void mapsKindAndStatusNumbers();
    void mapsIdsTimesAndResource();
    void substitutesUnknownServiceWhenServiceNameIsMissing();
    void rejectsAndCountsSpansWithBadIds_data();
    void rejectsAndCountsSpansWithBadIds();
    void decodesLinksAndDropsUnidentifiableOnes();
    void keepsOtherStringAttributesBounded();
    void stringsOutliveTheRequest();
    void decodesHandEncodedTraceBytes();
    void mapsNumberPoints_data();
    void mapsNumberPoints();
    void splitsHistogramIntoCountAndSum();
    void rejectsUnsupportedMetricTypes_data();
    void rejectsUnsupportedMetricTypes();
    void decodesHandEncodedMetricBytes();
    void rejectsMalformedBytes_data();
    void rejectsMalformedBytes();
    void survivesRandomBytes();
};

void tst_OtlpDecode::liftsStringAttributesPreferringNewerNames_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("otherKey"); // set first, with value "other"; empty for none
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");

    QTest::addRow("rpc.system") << "rpc.system"
                                << ""
                                << "rpc_system"
                                << "value";
    QTest::addRow("http.request.method") << "http.request.method"
                                         << ""
                                         << "http_method"
                                         << "value";
    QTest::addRow("http.method fallback") << "http.method"
                                          << ""
                                          << "http_method"
                                          << "value";
    QTest::addRow("http.request.method wins after") << "http.request.method"
                                                    << "http.method"
                                                    << "http_method"
                                                    << "value";
    QTest::addRow("http.request.method wins before") << "http.method"
                                                     << "http.request.method"
                                                     << "http_method"
                                                     << "other";
    QTest::addRow("messaging.system") << "messaging.system"
                                      << ""
                                      << "messaging_system"
                                      << "value";
    QTest::addRow("messaging.destination.name") << "messaging.destination.name"
                                                << ""
                                                << "messaging_destination"
                                                << "value";
    QTest::addRow("messaging.destination fallback") << "messaging.destination"
                                                    << ""
                                                    << "messaging_destination"
                                                    << "value";
    QTest::addRow("messaging.destination.name wins") << "messaging.destination"
                                                     << "messaging.destination.name"
                                                     << "messaging_destination"
                                                     << "other";
    QTest::addRow("db.system") << "db.system"
                               << ""
                               << "db_system"
                               << "value";
    QTest::addRow("db.name") << "db.name"
                             << ""
                             << "db_name"
                             << "value";
    QTest::addRow("db.namespace fallback") << "db.namespace"
                                           << ""
                                           << "db_name"
                                           << "value";
    QTest::addRow("db.name wins") << "db.namespace"
                                  << "db.name"
                                  << "db_name"
                                  << "other";
    QTest::addRow("peer.service") << "peer.service"
                                  << ""
                                  << "peer_service"
                                  << "value";
    QTest::addRow("server.address") << "server.address"
                                    << ""
                                    << "server_address"
                                    << "value";
    QTest::addRow("net.peer.name fallback") << "net.peer.name"
                                            << ""
                                            << "server_address"
                                            << "value";
    QTest::addRow("server.address wins") << "net.peer.name"
                                         << "server.address"
                                         << "server_address"
                                         << "other";
}

void tst_OtlpDecode::liftsStringAttributesPreferringNewerNames()
{
    QFETCH(QString, key);
    QFETCH(QString, otherKey);
    QFETCH(QString, field);
    QFETCH(QString, expected);

    ExportTraceServiceRequest request;
    auto* span = addSpan(request);
    if (!otherKey.isEmpty()) addString(span->mutable_attributes(), otherKey.toStdString(), "other");
    addString(span->mutable_attributes(), key.toStdString(), "value");

    const DecodedTraces out = decodeTraces(request);
    QCOMPARE(out.batch.spans.size(), size_t(1));
    QCOMPARE(liftedField(out.batch.spans[0], field), expected.toStdString());
    QVERIFY(out.batch.spans[0].attributes.empty()); // lifted keys are not repeated among the rest
}

void tst_OtlpDecode::ignoresNonStringValuesOfLiftedAttributes()
{
    ExportTraceServiceRequest request;
    auto* span = addSpan(request);
    auto* kv = span->add_attributes();
    kv->set_key("peer.service");
    kv->mutable_value()->set_int_value(42);
    const DecodedTraces out = decodeTraces(request);
    QCOMPARE(out.batch.spans.size(), size_t(1));
    QVERIFY(out.batch.spans[0].peer_service.empty());
}

void tst_OtlpDecode::mapsKindAndStatusNumbers_data()
{
    QTest::addColumn<int>("wireKind");
    QTest::addColumn<int>("wireStatus");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("status");
    QTest::addRow("unspecified, unset") << 0 << 0 << int(SpanKind::Unspecified) << int(StatusCode::Unset);
    QTest::addRow("internal, ok") << 1 << 1 << int(SpanKind::Internal) << int(StatusCode::Ok);
    QTest::addRow("server, error") << 2 << 2 << int(SpanKind::Server) << int(StatusCode::Error);
    QTest::addRow("client") << 3 << 0 << int(SpanKind::Client) << int(StatusCode::Unset);
    QTest::addRow("producer") << 4 << 0 << int(SpanKind::Producer) << int(StatusCode::Unset);
    QTest::addRow("consumer") << 5 << 0 << int(SpanKind::Consumer) << int(StatusCode::Unset);
    QTest::addRow("unknown numbers") << 9 << 7 << int(SpanKind::Unspecified) << int(StatusCode::Unset);
}

void tst_OtlpDecode::mapsKindAndStatusNumbers()
{
    QFETCH(int, wireKind);
    QFETCH(int, wireStatus);
    QFETCH(int, kind);
    QFETCH(int, status);

    ExportTraceServiceRequest request;
    auto* span = addSpan(request);
    span->set_kind(static_cast<otlp_trace::Span::SpanKind>(wireKind));
    span->mutable_status()->set_code(static_cast<otlp_trace::Status::StatusCode>(wireStatus));
    const DecodedTraces out = decodeTraces(request);
    QCOMPARE(out.batch.spans.size(), size_t(1));
    QCOMPARE(int(out.batch.spans[0].kind), kind);
    QCOMPARE(int(out.batch.spans[0].status), status);
}

void tst_OtlpDecode::mapsIdsTimesAndResource()
{
    ExportTraceServiceRequest request;
    auto* span = addSpan(request);
    span->set_parent_span_id(kParentId);
    span->set_start_time_unix_nano(1'700'000'000'000'000'000ULL);
    span->set_end_time_unix_nano(1'700'000'000'250'000'000ULL);
    auto* resource = request.mutable_resource_spans(0)->mutable_resource()->mutable_attributes();
    addString(resource, "service.instance.id", "checkout-7");
    addString(resource, "faultline.node.kind", "user");

    const DecodedTraces out = decodeTraces(request);
    QCOMPARE(out.rejected_spans, uint64_t(0));
    QVERIFY(out.warning.empty());
    QCOMPARE(out.batch.spans.size(), size_t(1));
    const Span& s = out.batch.spans[0];
    QCOMPARE(s.trace_id.hi, 0x0102030405060708ULL);
    QCOMPARE(s.trace_id.lo, 0x090a0b0c0d0e0f10ULL);
    QCOMPARE(s.span_id, 0x1112131415161718ULL);
    QCOMPARE(s.parent_span_id, 0x2122232425262728ULL);
    QCOMPARE(s.start_ns, int64_t(1'700'000'000'000'000'000LL));
    QCOMPARE(s.durationNs(), int64_t(250'000'000));
    QCOMPARE(s.name, std::string_view("GET /cart"));
    QCOMPARE(s.service, std::string_view("checkout"));
    QCOMPARE(s.service_instance, std::string_view("checkout-7"));
    QCOMPARE(s.node_kind, std::string_view("user"));
}

void tst_OtlpDecode::substitutesUnknownServiceWhenServiceNameIsMissing()
{
    ExportTraceServiceRequest request;
    addSpan(request, "");
    const DecodedTraces out = decodeTraces(request);
    QCOMPARE(out.batch.spans.size(), size_t(1));
    QCOMPARE(out.batch.spans[0].service, std::string_view("unknown_service"));
    QCOMPARE(out.batch.spans[0].parent_span_id, SpanId(0));
}

void tst_OtlpDecode::rejectsAndCountsSpansWithBadIds_data()
{
    QTest::addColumn<QByteArray>("traceId");
    QTest::addColumn<QByteArray>("spanId");
    QTest::addColumn<QByteArray>("parentId");
    const QByteArray trace = QByteArray::fromStdString(kTraceId);
    const QByteArray span = QByteArray::fromStdString(kSpanId);
    QTest::addRow("no trace id") << QByteArray() << span << QByteArray();
    QTest::addRow("trace id of 15 bytes") << trace.left(15) << span << QByteArray();
    QTest::addRow("trace id of 17 bytes") << trace + '\x01' << span << QByteArray();
    QTest::addRow("all-zero trace id") << QByteArray(16, '\0') << span << QByteArray();
    QTest::addRow("no span id") << trace << QByteArray() << QByteArray();
    QTest::addRow("span id of 7 bytes") << trace << span.left(7) << QByteArray();
    QTest::addRow("span id of 9 bytes") << trace << span + '\x01' << QByteArray();
    QTest::addRow("all-zero span id") << trace << QByteArray(8, '\0') << QByteArray();
    QTest::addRow("parent id of 4 bytes") << trace << span << span.left(4);
}

void tst_OtlpDecode::rejectsAndCountsSpansWithBadIds()
{
    QFETCH(QByteArray, traceId);
    QFETCH(QByteArray, spanId);
    QFETCH(QByteArray, parentId);

    ExportTraceServiceRequest request;
    auto* bad = addSpan(request);
    bad->set_trace_id(traceId.toStdString());
    bad->set_span_id(spanId.toStdString());
    bad->set_parent_span_id(parentId.toStdString());
    addSpan(request)->set_name("good");
    auto* alsoBad = addSpan(request);
    *alsoBad = *bad;

    const DecodedTraces out = decodeTraces(request);
    QCOMPARE(out.batch.spans.size(), size_t(1));
    QCOMPARE(out.batch.spans[0].name, std::string_view("good"));
    QCOMPARE(out.rejected_spans, uint64_t(2));
    QVERIFY2(out.warning.find("2 spans rejected") == 0, out.warning.c_str());
}

void tst_OtlpDecode::decodesLinksAndDropsUnidentifiableOnes()
{
    ExportTraceServiceRequest request;
    auto* consumer = addSpan(request);
    consumer->set_kind(otlp_trace::Span::SPAN_KIND_CONSUMER);
    auto* link = consumer->add_links();
    link->set_trace_id(std::string(16, '\x0f'));
    link->set_span_id(kParentId);
    auto* broken = consumer->add_links();
    broken->set_trace_id(kTraceId);
    broken->set_span_id("abc");
    auto* second = addSpan(request); // a second span, so its links follow the first one's in storage
    second->add_links()->CopyFrom(*link);
    second->mutable_links(0)->set_span_id(kSpanId);

    const DecodedTraces out = decodeTraces(request);
    QCOMPARE(out.batch.spans.size(), size_t(2));
    QCOMPARE(out.rejected_spans, uint64_t(0));
    const Span& s = out.batch.spans[0];
    QCOMPARE(s.links.size(), size_t(1));
    QCOMPARE(s.links[0].trace_id.hi, 0x0f0f0f0f0f0f0f0fULL);
    QCOMPARE(s.links[0].trace_id.lo, 0x0f0f0f0f0f0f0f0fULL);
    QCOMPARE(s.links[0].span_id, 0x2122232425262728ULL);
    QCOMPARE(out.batch.spans[1].links.size(), size_t(1));
    QCOMPARE(out.batch.spans[1].links[0].span_id, 0x1112131415161718ULL);
}

void tst_OtlpDecode::keepsOtherStringAttributesBounded()
{
    ExportTraceServiceRequest request;
    auto* span = addSpan(request);
    auto* number = span->add_attributes();
    number->set_key("http.response.status_code");
    number->mutable_value()->set_int_value(503);
    addString(span->mutable_attributes(), "long", std::string(300, 'x'));
    // A two-byte character straddling the cut is dropped whole, not split.
    addString(span->mutable_attributes(), "utf8", std::string(255, 'y') + "\xc3\xa9" + "z");
    for (int i = 0; i < 40; ++i)
        addString(span->mutable_attributes(), "k" + std::to_string(i), "v");
    addString(span->mutable_attributes(), "rpc.system", "grpc"); // lifted even past the bound

    const DecodedTraces out = decodeTraces(request);
    QCOMPARE(out.batch.spans.size(), size_t(1));
    const Span& s = out.batch.spans[0];
    QCOMPARE(s.rpc_system, std::string_view("grpc"));
    QCOMPARE(s.attributes.size(), size_t(32));
    QCOMPARE(s.attributes[0].key, std::string_view("long"));
    QCOMPARE(s.attributes[0].value, std::string_view(std::string(256, 'x')));
    QCOMPARE(s.attributes[1].key, std::string_view("utf8"));
    QCOMPARE(s.attributes[1].value.size(), size_t(255));
    QCOMPARE(s.attributes[2].key, std::string_view("k0"));
    QCOMPARE(s.attributes[31].key, std::string_view("k29"));
}

void tst_OtlpDecode::stringsOutliveTheRequest()
{
    DecodedTraces out;
    std::string error;
    {
        auto request = std::make_unique<ExportTraceServiceRequest>();
        auto* span = addSpan(*request, std::string(100, 's'));
        addString(span->mutable_attributes(), "db.system", "postgresql");
        addString(span->mutable_attributes(), "custom", "kept");
        span->add_links()->set_trace_id(kTraceId);
        span->mutable_links(0)->set_span_id(kParentId);
        std::string bytes = request->SerializeAsString();
        request.reset();
        QVERIFY(decodeTraceRequest(bytes, out, error));
        std::fill(bytes.begin(), bytes.end(), '\0'); // the input buffer is not what the views point into
    }
    SpanBatch moved = std::move(out.batch); // moving the batch keeps views valid
    QCOMPARE(moved.spans.size(), size_t(1));
    QCOMPARE(moved.spans[0].service, std::string_view(std::string(100, 's')));
    QCOMPARE(moved.spans[0].db_system, std::string_view("postgresql"));
    QCOMPARE(moved.spans[0].name, std::string_view("GET /cart"));
    QCOMPARE(moved.spans[0].attributes.size(), size_t(1));
    QCOMPARE(moved.spans[0].attributes[0].value, std::string_view("kept"));
    QCOMPARE(moved.spans[0].links.size(), size_t(1));
    QCOMPARE(moved.spans[0].links[0].span_id, 0x2122232425262728ULL);
}

void tst_OtlpDecode::decodesHandEncodedTraceBytes()
{
    // ExportTraceServiceRequest written from the published field numbers, without the generated code.
    const std::string hex = "0a73" // resource_spans=1, 115 bytes
                            "0a18" // ResourceSpans.resource=1, 24 bytes
                            "0a16" // Resource.attributes=1, KeyValue of 22 bytes
                            "0a0c"
                            "736572766963652e6e616d65" // key=1 "service.name"
                            "1206"
                            "0a04"
                            "73686f70" // value=2: AnyValue.string_value=1 "shop"
                            "1257" // ResourceSpans.scope_spans=2, 87 bytes
                            "1255" // ScopeSpans.spans=2, 85 bytes
                            "0a10"
                            "0102030405060708090a0b0c0d0e0f10" // trace_id=1
                            "1208"
                            "1112131415161718" // span_id=2
                            "2a03"
                            "474554" // name=5 "GET"
                            "3003" // kind=6 CLIENT
                            "39"
                            "e803000000000000" // start_time_unix_nano=7 fixed64 1000
                            "41"
                            "dc05000000000000" // end_time_unix_nano=8 fixed64 1500
                            "4a14"
                            "0a0c"
                            "706565722e73657276696365"
                            "1204"
                            "0a02"
                            "6462" // attributes=9 peer.service=db
                            "7a02"
                            "1802" // status=15 { code=3 ERROR }
                            "8501"
                            "01000000"; // flags=16 fixed32 1
    DecodedTraces out;
    std::string error;
    QVERIFY2(decodeTraceRequest(fromHex(hex), out, error), error.c_str());
    QCOMPARE(out.batch.spans.size(), size_t(1));
    const Span& s = out.batch.spans[0];
    QCOMPARE(s.service, std::string_view("shop"));
    QCOMPARE(s.trace_id.hi, 0x0102030405060708ULL);
    QCOMPARE(s.trace_id.lo, 0x090a0b0c0d0e0f10ULL);
    QCOMPARE(s.span_id, 0x1112131415161718ULL);
    QCOMPARE(s.parent_span_id, SpanId(0));
    QCOMPARE(s.name, std::string_view("GET"));
    QCOMPARE(s.kind, SpanKind::Client);
    QCOMPARE(s.start_ns, int64_t(1000));
    QCOMPARE(s.end_ns, int64_t(1500));
    QCOMPARE(s.peer_service, std::string_view("db"));
    QCOMPARE(s.status, StatusCode::Error);
}

void tst_OtlpDecode::mapsNumberPoints_data()
{
    QTest::addColumn<int>("shape"); // 0 gauge, else a sum with this aggregation temporality
    QTest::addColumn<bool>("asInt");
    QTest::addColumn<int>("type");
    QTest::addColumn<double>("value");
    QTest::addRow("gauge int") << 0 << true << int(MetricType::Gauge) << 7.0;
    QTest::addRow("gauge double") << 0 << false << int(MetricType::Gauge) << 0.25;
    QTest::addRow("cumulative sum") << int(otlp_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE) << true
                                    << int(MetricType::CumulativeSum) << 7.0;
    QTest::addRow("delta sum") << int(otlp_metrics::AGGREGATION_TEMPORALITY_DELTA) << false << int(MetricType::DeltaSum)
                               << 0.25;
}

void tst_OtlpDecode::mapsNumberPoints()
{
    QFETCH(int, shape);
    QFETCH(bool, asInt);
    QFETCH(int, type);
    QFETCH(double, value);

    ExportMetricsServiceRequest request;
    auto* metric = addMetric(request, "resilience4j.circuitbreaker.state");
    otlp_metrics::NumberDataPoint* point = nullptr;
    if (shape == 0) {
        point = metric->mutable_gauge()->add_data_points();
    } else {
        metric->mutable_sum()->set_aggregation_temporality(static_cast<otlp_metrics::AggregationTemporality>(shape));
        point = metric->mutable_sum()->add_data_points();
    }
    if (asInt)
        point->set_as_int(7);
    else
        point->set_as_double(0.25);
    point->set_time_unix_nano(123456789);
    addString(point->mutable_attributes(), "name", "payments");
    auto* attribute = point->add_attributes();
    attribute->set_key("retries");
    attribute->mutable_value()->set_int_value(-3);
    attribute = point->add_attributes();
    attribute->set_key("ratio");
    attribute->mutable_value()->set_double_value(0.5);
    attribute = point->add_attributes();
    attribute->set_key("open");
    attribute->mutable_value()->set_bool_value(true);

    const DecodedMetrics out = decodeMetrics(request);
    QCOMPARE(out.rejected_data_points, uint64_t(0));
    QCOMPARE(out.points.size(), size_t(1));
    const MetricPoint& p = out.points[0];
    QCOMPARE(p.name, std::string("resilience4j.circuitbreaker.state"));
    QCOMPARE(p.service, std::string("orders"));
    QCOMPARE(p.service_instance, std::string("orders-1"));
    QCOMPARE(int(p.type), type);
    QCOMPARE(p.value, value);
    QCOMPARE(p.time_ns, int64_t(123456789));
    QCOMPARE(p.attribute("name"), std::string("payments"));
    QCOMPARE(p.attribute("retries"), std::string("-3"));
    QCOMPARE(p.attribute("ratio"), std::string("0.5"));
    QCOMPARE(p.attribute("open"), std::string("true"));
}

void tst_OtlpDecode::splitsHistogramIntoCountAndSum()
{
    ExportMetricsServiceRequest request;
    auto* histogram = addMetric(request, "http.server.duration")->mutable_histogram();
    histogram->set_aggregation_temporality(otlp_metrics::AGGREGATION_TEMPORALITY_DELTA);
    auto* point = histogram->add_data_points();
    point->set_count(12);
    point->set_sum(3.5);
    point->set_time_unix_nano(99);
    point->add_bucket_counts(12);
    addString(point->mutable_attributes(), "http.route", "/cart");
    histogram->add_data_points()->set_count(4); // no sum: only a count point

    const DecodedMetrics out = decodeMetrics(request);
    QCOMPARE(out.rejected_data_points, uint64_t(0));
    QCOMPARE(out.points.size(), size_t(3));
    QCOMPARE(out.points[0].name, std::string("http.server.duration.count"));
    QCOMPARE(out.points[0].value, 12.0);
    QCOMPARE(out.points[0].type, MetricType::DeltaSum);
    QCOMPARE(out.points[0].time_ns, int64_t(99));
    QCOMPARE(out.points[0].attribute("http.route"), std::string("/cart"));
    QCOMPARE(out.points[1].name, std::string("http.server.duration.sum"));
    QCOMPARE(out.points[1].value, 3.5);
    QCOMPARE(out.points[1].type, MetricType::DeltaSum);
    QCOMPARE(out.points[2].name, std::string("http.server.duration.count"));
    QCOMPARE(out.points[2].value, 4.0);
}

void tst_OtlpDecode::rejectsUnsupportedMetricTypes_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("reason");
    QTest::addRow("exponential histogram") << "exponential"
                                           << "exponential histograms are not supported";
    QTest::addRow("summary") << "summary"
                             << "summaries are not supported";
    QTest::addRow("sum without temporality") << "sum"
                                             << "sum without aggregation temporality";
    QTest::addRow("gauge point without value") << "novalue"
                                               << "data point without a value";
}

void tst_OtlpDecode::rejectsUnsupportedMetricTypes()
{
    QFETCH(QString, kind);
    QFETCH(QString, reason);

    ExportMetricsServiceRequest request;
    auto* metric = addMetric(request, "latency");
    if (kind == "exponential") {
        metric->mutable_exponential_histogram()->add_data_points()->set_count(1);
        metric->mutable_exponential_histogram()->add_data_points()->set_count(2);
    } else if (kind == "summary") {
        metric->mutable_summary()->add_data_points()->set_count(1);
        metric->mutable_summary()->add_data_points()->set_count(2);
    } else if (kind == "sum") {
        metric->mutable_sum()->add_data_points()->set_as_int(1);
        metric->mutable_sum()->add_data_points()->set_as_int(2);
    } else {
        metric->mutable_gauge()->add_data_points()->set_time_unix_nano(1);
        metric->mutable_gauge()->add_data_points()->set_time_unix_nano(2);
    }
    auto* good = request.mutable_resource_metrics(0)->mutable_scope_metrics(0)->add_metrics();
    good->set_name("ok");
    good->mutable_gauge()->add_data_points()->set_as_double(1.0);

    const DecodedMetrics out = decodeMetrics(request);
    QCOMPARE(out.rejected_data_points, uint64_t(2));
    QVERIFY2(out.warning.find("2 data points rejected") == 0, out.warning.c_str());
    QVERIFY2(out.warning.find(reason.toStdString()) != std::string::npos, out.warning.c_str());
    QCOMPARE(out.points.size(), size_t(1));
    QCOMPARE(out.points[0].name, std::string("ok"));
}

void tst_OtlpDecode::decodesHandEncodedMetricBytes()
{
    // ExportMetricsServiceRequest written from the published field numbers, without the generated code.
    const std::string hex = "0a28" // resource_metrics=1, 40 bytes
                            "1226" // ResourceMetrics.scope_metrics=2, 38 bytes
                            "1224" // ScopeMetrics.metrics=2, 36 bytes
                            "0a01"
                            "71" // Metric.name=1 "q"
                            "3a1f" // Metric.sum=7, 31 bytes
                            "0a1b" // Sum.data_points=1, 27 bytes
                            "19"
                            "0500000000000000" // time_unix_nano=3 fixed64 5
                            "31"
                            "feffffffffffffff" // as_int=6 sfixed64 -2
                            "3a07"
                            "0a01"
                            "6b"
                            "1202"
                            "1807" // attributes=7 { k: int_value=3 7 }
                            "1001"; // Sum.aggregation_temporality=2 DELTA
    DecodedMetrics out;
    std::string error;
    QVERIFY2(decodeMetricsRequest(fromHex(hex), out, error), error.c_str());
    QCOMPARE(out.points.size(), size_t(1));
    const MetricPoint& p = out.points[0];
    QCOMPARE(p.name, std::string("q"));
    QCOMPARE(p.service, std::string("unknown_service"));
    QCOMPARE(p.type, MetricType::DeltaSum);
    QCOMPARE(p.value, -2.0);
    QCOMPARE(p.time_ns, int64_t(5));
    QCOMPARE(p.attribute("k"), std::string("7"));
}

void tst_OtlpDecode::rejectsMalformedBytes_data()
{
    QTest::addColumn<QByteArray>("bytes");

    ExportTraceServiceRequest request;
    addString(addSpan(request)->mutable_attributes(), "peer.service", "inventory");
    const std::string valid = request.SerializeAsString();
    QTest::addRow("truncated by one byte") << QByteArray::fromStdString(valid.substr(0, valid.size() - 1));
    QTest::addRow("truncated in half") << QByteArray::fromStdString(valid.substr(0, valid.size() / 2));
    QTest::addRow("all 0xff") << QByteArray(64, '\xff');
    QTest::addRow("field number zero") << QByteArray::fromHex("0001");
    QTest::addRow("length past the end") << QByteArray::fromHex("0a7f0a");
    QTest::addRow("unterminated varint") << QByteArray::fromHex("08ffffffffffffffffffff");
    QTest::addRow("end-group without start") << QByteArray::fromHex("0c");

    // AnyValue arrays nested far past protobuf's recursion limit, inside a span attribute's value.
    std::string value = fromHex("0a0178"); // AnyValue{string_value "x"}
    for (int depth = 0; depth < 300; ++depth)
        value = lengthDelimited(5, lengthDelimited(1, value)); // AnyValue.array_value{values=[value]}
    const std::string keyValue = lengthDelimited(1, "deep") + lengthDelimited(2, value);
    const std::string span = lengthDelimited(1, kTraceId) + lengthDelimited(2, kSpanId) + lengthDelimited(9, keyValue);
    const std::string bomb = lengthDelimited(1, lengthDelimited(2, lengthDelimited(2, span)));
    QTest::addRow("nesting bomb") << QByteArray::fromStdString(bomb);
}

void tst_OtlpDecode::rejectsMalformedBytes()
{
    QFETCH(QByteArray, bytes);
    const std::string_view view(bytes.constData(), static_cast<size_t>(bytes.size()));
    DecodedTraces traces;
    std::string error;
    QVERIFY(!decodeTraceRequest(view, traces, error));
    QVERIFY(!error.empty());
    QVERIFY(traces.batch.spans.empty());
}

void tst_OtlpDecode::survivesRandomBytes()
{
    std::mt19937 random(20240601);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 400);
    int rejected = 0;
    for (int i = 0; i < 5000; ++i) {
        std::string bytes(static_cast<size_t>(length(random)), '\0');
        for (char& c : bytes)
            c = static_cast<char>(byte(random));
        DecodedTraces traces;
        DecodedMetrics metrics;
        std::string error;
        if (!decodeTraceRequest(bytes, traces, error)) {
            QVERIFY(!error.empty());
            ++rejected;
        }
        error.clear();
        if (!decodeMetricsRequest(bytes, metrics, error)) QVERIFY(!error.empty());
    }
    QVERIFY(rejected > 4000); // nearly all random buffers are not requests
}

QTEST_APPLESS_MAIN(tst_OtlpDecode)
#include "tst_otlpdecode.moc"
