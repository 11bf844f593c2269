#include "otlp/otlpdecode.h"

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>
#include <limits>
#include <memory>

namespace faultline {

namespace {

namespace common = opentelemetry::proto::common::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

constexpr std::string_view kUnknownService = "unknown_service";
constexpr size_t kMaxSpanAttributes = 32;
constexpr size_t kMaxAttributeValueBytes = 256;
constexpr size_t kMaxWarningReasons = 3;

/// Everything the spans of one batch point into: the arena owning the parsed request, and the arrays
/// behind Span::links and Span::attributes. Both arrays are reserved up front and never reallocate.
struct TraceStorage {
    google::protobuf::Arena arena;
    std::vector<SpanLink> links;
    std::vector<KeyValue> attributes;
};

/// What a batch keeps once decoded: its strings copied into one buffer, and the arrays behind Span::links
/// and Span::attributes (moved from the TraceStorage, so their addresses stay put).
struct CompactSpans {
    std::string strings;
    std::vector<SpanLink> links;
    std::vector<KeyValue> attributes;
};

/// Copies every string the spans view into one buffer and points the views there, so that the parsed
/// message (most of a decoded request's memory, and thousands of frees) goes away on the decoding thread
/// instead of sitting in the hand-off queue and being freed by the consumer. Consecutive spans of one
/// resource share their resource strings, copied once.
std::shared_ptr<CompactSpans> compact(std::vector<Span>& spans, TraceStorage& storage)
{
    auto out = std::make_shared<CompactSpans>();
    // Pass 0 sizes the buffer, pass 1 copies into it: it never reallocates under the views it hands out.
    for (int pass = 0; pass < 2; ++pass) {
        size_t size = 0;
        auto relocate = [&](std::string_view& view) {
            if (view.empty()) return;
            if (pass == 1) {
                std::memcpy(out->strings.data() + size, view.data(), view.size());
                view = std::string_view(out->strings.data() + size, view.size());
            }
            size += view.size();
        };
        std::string_view service, instance, nodeKind; // the previous span's, as parsed
        std::string_view serviceTo, instanceTo, nodeKindTo; // and where they went
        auto moveShared = [&](std::string_view& view, std::string_view& previous, std::string_view& previousTo) {
            if (!view.empty() && view.data() == previous.data() && view.size() == previous.size()) {
                view = previousTo;
                return;
            }
            previous = view;
            relocate(view);
            previousTo = view;
        };
        for (Span& span : spans) {
            moveShared(span.service, service, serviceTo);
            moveShared(span.service_instance, instance, instanceTo);
            moveShared(span.node_kind, nodeKind, nodeKindTo);
            for (std::string_view* view :
                { &span.name, &span.rpc_system, &span.http_method, &span.messaging_system, &span.messaging_destination,
                    &span.db_system, &span.db_name, &span.peer_service, &span.server_address })
                relocate(*view);
        }
        for (KeyValue& kv : storage.attributes) {
            relocate(kv.key);
            relocate(kv.value);
        }
        if (pass == 0) out->strings.resize(size);
    }
    out->links = std::move(storage.links);
    out->attributes = std::move(storage.attributes);
    return out;
}

/// Distinct reasons for rejecting items, joined into the partial_success message.
class Rejections {
public:
    void add(uint64_t count, std::string reason)
    {
        if (count == 0) return;
        m_total += count;
        if (m_reasons.size() < kMaxWarningReasons
            && std::find(m_reasons.begin(), m_reasons.end(), reason) == m_reasons.end())
            m_reasons.push_back(std::move(reason));
    }
    uint64_t total() const { return m_total; }
    std::string message(std::string_view what) const
    {
        if (m_total == 0) return {};
        std::string text = std::to_string(m_total) + " " + std::string(what) + " rejected: ";
        for (size_t i = 0; i < m_reasons.size(); ++i)
            text += (i ? "; " : "") + m_reasons[i];
        return text;
    }

private:
    uint64_t m_total = 0;
    std::vector<std::string> m_reasons;
};

bool parseInto(
    google::protobuf::MessageLite& message, std::string_view bytes, std::string_view type, std::string& error)
{
    if (bytes.size() > static_cast<size_t>(INT_MAX)) {
        error = "payload too large for one " + std::string(type);
        return false;
    }
    // ParseFromArray bounds nesting by protobuf's default recursion limit, so hostile bytes cost linear work.
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        error = "malformed " + std::string(type) + " (" + std::to_string(bytes.size()) + " bytes)";
        return false;
    }
    return true;
}

/// Cuts at `max` bytes without splitting a UTF-8 sequence.
std::string_view truncated(std::string_view value, size_t max)
{
    if (value.size() <= max) return value;
    size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80)
        --end;
    return value.substr(0, end);
}

std::string_view stringAttribute(
    const google::protobuf::RepeatedPtrField<common::KeyValue>& attributes, std::string_view key)
{
    for (const auto& kv : attributes)
        if (kv.key() == key && kv.value().value_case() == common::AnyValue::kStringValue)
            return truncated(kv.value().string_value(), kMaxAttributeValueBytes);
    return {};
}

std::string_view serviceName(const google::protobuf::RepeatedPtrField<common::KeyValue>& resourceAttributes)
{
    const std::string_view name = stringAttribute(resourceAttributes, "service.name");
    return name.empty() ? kUnknownService : name;
}

/// Big-endian id bytes; false unless the length is exactly `size` and the id is not all zero.
bool readId(const std::string& bytes, size_t size, uint64_t& hi, uint64_t& lo)
{
    if (bytes.size() != size) return false;
    hi = lo = 0;
    for (size_t i = 0; i < size; ++i) {
        uint64_t& word = (size == 16 && i < 8) ? hi : lo;
        word = (word << 8) | static_cast<unsigned char>(bytes[i]);
    }
    return hi != 0 || lo != 0;
}

bool readTraceId(const std::string& bytes, TraceId& id)
{
    return readId(bytes, 16, id.hi, id.lo);
}

bool readSpanId(const std::string& bytes, SpanId& id)
{
    uint64_t unused = 0;
    return readId(bytes, 8, unused, id);
}

int64_t toInt64(uint64_t nanos)
{
    return static_cast<int64_t>(std::min<uint64_t>(nanos, std::numeric_limits<int64_t>::max()));
}

/// Reads the span attributes the graph needs into named fields (newer semantic-convention names win over
/// older ones), and up to kMaxSpanAttributes of the other string-valued ones into `rest`.
void liftAttributes(const trace::Span& in, Span& out, std::vector<KeyValue>& rest)
{
    std::string_view httpOld, destinationOld, dbNamespace, netPeerName;
    const size_t restBegin = rest.size();
    for (const auto& kv : in.attributes()) {
        if (kv.value().value_case() != common::AnyValue::kStringValue) continue;
        const std::string_view key = kv.key();
        // Every value is cut to a bound, lifted ones too: a hostile sender must not grow the graph's names.
        const std::string_view value = truncated(kv.value().string_value(), kMaxAttributeValueBytes);
        // Dispatch on the key's length first: most keys are then ruled out by one compare, or none.
        std::string_view* field = nullptr;
        switch (key.size()) {
        case 7:
            if (key == "db.name") field = &out.db_name;
            break;
        case 9:
            if (key == "db.system") field = &out.db_system;
            break;
        case 10:
            if (key == "rpc.system") field = &out.rpc_system;
            break;
        case 11:
            if (key == "http.method") field = &httpOld;
            break;
        case 12:
            if (key == "db.namespace")
                field = &dbNamespace;
            else if (key == "peer.service")
                field = &out.peer_service;
            break;
        case 13:
            if (key == "net.peer.name") field = &netPeerName;
            break;
        case 14:
            if (key == "server.address") field = &out.server_address;
            break;
        case 16:
            if (key == "messaging.system") field = &out.messaging_system;
            break;
        case 19:
            if (key == "http.request.method") field = &out.http_method;
            break;
        case 21:
            if (key == "messaging.destination") field = &destinationOld;
            break;
        case 26:
            if (key == "messaging.destination.name") field = &out.messaging_destination;
            break;
        default:
            break;
        }
        if (field)
            *field = value;
        else if (rest.size() - restBegin < kMaxSpanAttributes)
            rest.push_back({ key, value });
    }
    if (out.http_method.empty()) out.http_method = httpOld;
    if (out.messaging_destination.empty()) out.messaging_destination = destinationOld;
    if (out.db_name.empty()) out.db_name = dbNamespace;
    if (out.server_address.empty()) out.server_address = netPeerName;
    out.attributes = std::span<const KeyValue>(rest.data() + restBegin, rest.size() - restBegin);
}

/// Decodes one span into `out`; false (with `reason`) when its ids make it unusable.
bool decodeSpan(const trace::Span& in, Span& out, TraceStorage& storage, std::string& reason)
{
    if (!readTraceId(in.trace_id(), out.trace_id)) {
        reason = "trace_id must be 16 bytes, not all zero (got " + std::to_string(in.trace_id().size()) + ")";
        return false;
    }
    if (!readSpanId(in.span_id(), out.span_id)) {
        reason = "span_id must be 8 bytes, not all zero (got " + std::to_string(in.span_id().size()) + ")";
        return false;
    }
    if (!in.parent_span_id().empty() && in.parent_span_id().size() != 8) {
        reason = "parent_span_id must be 8 bytes or empty (got " + std::to_string(in.parent_span_id().size()) + ")";
        return false;
    }
    if (!in.parent_span_id().empty()) readSpanId(in.parent_span_id(), out.parent_span_id); // all zero: a root

    // Both enums are open in proto3: unknown numbers arrive as they were sent.
    const int kind = in.kind();
    out.kind = (kind >= 0 && kind <= 5) ? static_cast<SpanKind>(kind) : SpanKind::Unspecified;
    const int code = in.status().code();
    out.status = (code >= 0 && code <= 2) ? static_cast<StatusCode>(code) : StatusCode::Unset;
    out.start_ns = toInt64(in.start_time_unix_nano());
    out.end_ns = toInt64(in.end_time_unix_nano());
    out.name = truncated(in.name(), kMaxAttributeValueBytes);

    liftAttributes(in, out, storage.attributes);

    const size_t linksBegin = storage.links.size();
    for (const auto& link : in.links()) {
        SpanLink l;
        if (readTraceId(link.trace_id(), l.trace_id) && readSpanId(link.span_id(), l.span_id))
            storage.links.push_back(l); // a link to nothing identifiable is dropped, not the span
    }
    out.links = std::span<const SpanLink>(storage.links.data() + linksBegin, storage.links.size() - linksBegin);
    return true;
}

/// Text for a metric point attribute; nothing for arrays, maps and bytes, which never label a series here.
bool attributeText(const common::AnyValue& value, std::string& text)
{
    switch (value.value_case()) {
    case common::AnyValue::kStringValue:
        text = value.string_value();
        return true;
    case common::AnyValue::kBoolValue:
        text = value.bool_value() ? "true" : "false";
        return true;
    case common::AnyValue::kIntValue:
        text = std::to_string(value.int_value());
        return true;
    case common::AnyValue::kDoubleValue: {
        char buffer[32];
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, value.double_value());
        text.assign(buffer, result.ptr);
        return true;
    }
    default:
        return false;
    }
}

struct MetricContext {
    std::string_view service;
    std::string_view instance;
    std::string_view name;
};

MetricPoint makePoint(const MetricContext& context, std::string name, MetricType type, double value, uint64_t timeNs,
    const google::protobuf::RepeatedPtrField<common::KeyValue>& attributes)
{
    MetricPoint point;
    point.name = std::move(name);
    point.service = context.service;
    point.service_instance = context.instance;
    point.type = type;
    point.value = value;
    point.time_ns = toInt64(timeNs);
    point.attributes.reserve(static_cast<size_t>(attributes.size()));
    std::string text;
    for (const auto& kv : attributes)
        if (attributeText(kv.value(), text)) point.attributes.emplace_back(kv.key(), text);
    return point;
}

/// Sum type from temporality; false for UNSPECIFIED, which the OTLP schema says must not be used.
bool sumType(metrics::AggregationTemporality temporality, MetricType& type)
{
    if (temporality == metrics::AGGREGATION_TEMPORALITY_DELTA)
        type = MetricType::DeltaSum;
    else if (temporality == metrics::AGGREGATION_TEMPORALITY_CUMULATIVE)
        type = MetricType::CumulativeSum;
    else
        return false;
    return true;
}

bool hasNoRecordedValue(uint32_t flags)
{
    return (flags & metrics::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK) != 0;
}

void decodeNumberPoints(const google::protobuf::RepeatedPtrField<metrics::NumberDataPoint>& points, MetricType type,
    const MetricContext& context, DecodedMetrics& out, Rejections& rejections)
{
    for (const auto& p : points) {
        if (hasNoRecordedValue(p.flags())) continue; // a staleness marker: valid, but nothing to record
        double value = 0.0;
        if (p.value_case() == metrics::NumberDataPoint::kAsDouble)
            value = p.as_double();
        else if (p.value_case() == metrics::NumberDataPoint::kAsInt)
            value = static_cast<double>(p.as_int());
        else {
            rejections.add(1, "data point without a value (" + std::string(context.name) + ")");
            continue;
        }
        out.points.push_back(
            makePoint(context, std::string(context.name), type, value, p.time_unix_nano(), p.attributes()));
    }
}

void decodeMetric(const metrics::Metric& metric, MetricContext context, DecodedMetrics& out, Rejections& rejections)
{
    context.name = metric.name();
    MetricType type = MetricType::Gauge;
    switch (metric.data_case()) {
    case metrics::Metric::kGauge:
        decodeNumberPoints(metric.gauge().data_points(), MetricType::Gauge, context, out, rejections);
        break;
    case metrics::Metric::kSum:
        if (!sumType(metric.sum().aggregation_temporality(), type)) {
            rejections.add(static_cast<uint64_t>(metric.sum().data_points_size()),
                "sum without aggregation temporality (" + metric.name() + ")");
            break;
        }
        decodeNumberPoints(metric.sum().data_points(), type, context, out, rejections);
        break;
    case metrics::Metric::kHistogram:
        if (!sumType(metric.histogram().aggregation_temporality(), type)) {
            rejections.add(static_cast<uint64_t>(metric.histogram().data_points_size()),
                "histogram without aggregation temporality (" + metric.name() + ")");
            break;
        }
        // Count and sum are what the graph reads from a histogram (rates and mean latency).
        for (const auto& p : metric.histogram().data_points()) {
            if (hasNoRecordedValue(p.flags())) continue;
            out.points.push_back(makePoint(context, metric.name() + ".count", type, static_cast<double>(p.count()),
                p.time_unix_nano(), p.attributes()));
            if (p.has_sum())
                out.points.push_back(
                    makePoint(context, metric.name() + ".sum", type, p.sum(), p.time_unix_nano(), p.attributes()));
        }
        break;
    case metrics::Metric::kExponentialHistogram:
        rejections.add(static_cast<uint64_t>(metric.exponential_histogram().data_points_size()),
            "exponential histograms are not supported (" + metric.name() + ")");
        break;
    case metrics::Metric::kSummary:
        rejections.add(static_cast<uint64_t>(metric.summary().data_points_size()),
            "summaries are not supported (" + metric.name() + ")");
        break;
    case metrics::Metric::DATA_NOT_SET:
        break;
    }
}

} // namespace

bool decodeTraceRequest(std::string_view bytes, DecodedTraces& out, std::string& error)
{
    out = {};
    auto storage = std::make_shared<TraceStorage>();
    auto* request = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&storage->arena);
    if (!parseInto(*request, bytes, "ExportTraceServiceRequest", error)) return false;

    size_t spanCount = 0, linkCount = 0, attributeCount = 0;
    for (const auto& rs : request->resource_spans())
        for (const auto& ss : rs.scope_spans())
            for (const auto& span : ss.spans()) {
                ++spanCount;
                linkCount += static_cast<size_t>(span.links_size());
                attributeCount += std::min(static_cast<size_t>(span.attributes_size()), kMaxSpanAttributes);
            }
    // Exact upper bounds, so the arrays never reallocate under the spans' std::span views.
    storage->links.reserve(linkCount);
    storage->attributes.reserve(attributeCount);
    out.batch.spans.reserve(spanCount);

    Rejections rejections;
    std::string reason;
    for (const auto& rs : request->resource_spans()) {
        const auto& resource = rs.resource().attributes();
        const std::string_view service = serviceName(resource);
        const std::string_view instance = stringAttribute(resource, "service.instance.id");
        const std::string_view nodeKind = stringAttribute(resource, "faultline.node.kind");
        for (const auto& ss : rs.scope_spans())
            for (const auto& in : ss.spans()) {
                // Decoded in place (capacity is reserved): a Span is 280 bytes, not worth a copy.
                Span& span = out.batch.spans.emplace_back();
                span.service = service;
                span.service_instance = instance;
                span.node_kind = nodeKind;
                if (!decodeSpan(in, span, *storage, reason)) {
                    out.batch.spans.pop_back();
                    rejections.add(1, reason);
                }
            }
    }
    out.rejected_spans = rejections.total();
    out.warning = rejections.message("spans");
    std::shared_ptr<CompactSpans> kept = compact(out.batch.spans, *storage);
    storage.reset(); // the parsed message, here on the decoding thread
    out.memory_bytes = kept->strings.capacity() + out.batch.spans.capacity() * sizeof(Span)
        + kept->links.capacity() * sizeof(SpanLink) + kept->attributes.capacity() * sizeof(KeyValue);
    out.batch.keepalive.push_back(std::move(kept));
    return true;
}

bool decodeMetricsRequest(std::string_view bytes, DecodedMetrics& out, std::string& error)
{
    out = {};
    google::protobuf::Arena arena;
    auto* request = google::protobuf::Arena::CreateMessage<ExportMetricsServiceRequest>(&arena);
    if (!parseInto(*request, bytes, "ExportMetricsServiceRequest", error)) return false;

    Rejections rejections;
    for (const auto& rm : request->resource_metrics()) {
        const auto& resource = rm.resource().attributes();
        const MetricContext context { serviceName(resource), stringAttribute(resource, "service.instance.id"), {} };
        for (const auto& sm : rm.scope_metrics())
            for (const auto& metric : sm.metrics())
                decodeMetric(metric, context, out, rejections);
    }
    out.rejected_data_points = rejections.total();
    out.warning = rejections.message("data points");
    return true;
}

} // namespace faultline
