#pragma once
// What the aggregator tests share (tst_graphaggregator, tst_graphmetrics): terse span and metric builders,
// feeding, and one-line descriptions of a snapshot's nodes and edges to compare against.

#include "graph/graphaggregator.h"

#include <QString>
#include <QStringList>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace faultline::test {

constexpr int64_t kMs = 1'000'000;

inline int64_t at(double seconds)
{
    return static_cast<int64_t>(std::llround(seconds * 1e9));
}

/// Builds spans tersely; every string is a literal, so views stay valid.
struct SpanBuilder {
    Span s;
    SpanBuilder(SpanKind kind, std::string_view service, SpanId id, SpanId parent = 0)
    {
        s.kind = kind;
        s.service = service;
        s.span_id = id;
        s.parent_span_id = parent;
        s.trace_id = TraceId { 0, 1 };
        s.start_ns = at(1.0);
        s.end_ns = at(1.0) + 20 * kMs;
    }
    SpanBuilder& trace(uint64_t lo)
    {
        s.trace_id = TraceId { 0, lo };
        return *this;
    }
    SpanBuilder& time(double start_s, double duration_ms)
    {
        s.start_ns = at(start_s);
        s.end_ns = s.start_ns + static_cast<int64_t>(duration_ms * kMs);
        return *this;
    }
    SpanBuilder& rpc(std::string_view v)
    {
        s.rpc_system = v;
        return *this;
    }
    SpanBuilder& http()
    {
        s.http_method = "GET";
        return *this;
    }
    SpanBuilder& db(std::string_view system, std::string_view name)
    {
        s.db_system = system;
        s.db_name = name;
        return *this;
    }
    SpanBuilder& messaging(std::string_view system, std::string_view destination = {})
    {
        s.messaging_system = system;
        s.messaging_destination = destination;
        return *this;
    }
    SpanBuilder& peer(std::string_view v)
    {
        s.peer_service = v;
        return *this;
    }
    SpanBuilder& address(std::string_view v)
    {
        s.server_address = v;
        return *this;
    }
    SpanBuilder& nodeKind(std::string_view v)
    {
        s.node_kind = v;
        return *this;
    }
    SpanBuilder& instance(std::string_view v)
    {
        s.service_instance = v;
        return *this;
    }
    SpanBuilder& failed()
    {
        s.status = StatusCode::Error;
        return *this;
    }
    SpanBuilder& links(std::span<const SpanLink> l)
    {
        s.links = l;
        return *this;
    }
    operator Span() const { return s; }
};

inline SpanBuilder client(std::string_view service, SpanId id, SpanId parent = 1)
{
    return { SpanKind::Client, service, id, parent };
}
inline SpanBuilder server(std::string_view service, SpanId id, SpanId parent)
{
    return { SpanKind::Server, service, id, parent };
}
inline SpanBuilder producer(std::string_view service, SpanId id, SpanId parent = 1)
{
    return { SpanKind::Producer, service, id, parent };
}
inline SpanBuilder consumer(std::string_view service, SpanId id, SpanId parent)
{
    return { SpanKind::Consumer, service, id, parent };
}

inline void feed(GraphAggregator& g, std::vector<Span> spans)
{
    SpanBatch batch;
    batch.spans = std::move(spans);
    g.onSpans(std::move(batch));
}

inline MetricPoint metric(std::string name, std::string service,
    std::vector<std::pair<std::string, std::string>> attributes, double value, MetricType type = MetricType::Gauge)
{
    MetricPoint p;
    p.name = std::move(name);
    p.service = std::move(service);
    p.attributes = std::move(attributes);
    p.value = value;
    p.type = type;
    return p;
}

inline QStringList describeNodes(const GraphSnapshot& s)
{
    QStringList out;
    for (const NodeSnapshot& n : s.nodes)
        out << QStringLiteral("%1 %2%3").arg(QString::fromStdString(n.id), QString::fromUtf8(toString(n.kind).data()),
            n.virtual_node ? QStringLiteral(" virtual") : QString());
    return out;
}

inline QStringList describeEdges(const GraphSnapshot& s)
{
    QStringList out;
    for (const EdgeSnapshot& e : s.edges)
        out << QStringLiteral("%1->%2 %3 %4 %5/%6")
                   .arg(QString::fromStdString(s.nodes[e.source].id), QString::fromStdString(s.nodes[e.target].id),
                       QString::fromUtf8(toString(e.kind).data()),
                       e.protocol.empty() ? QStringLiteral("-") : QString::fromStdString(e.protocol))
                   .arg(e.traffic.totals.requests)
                   .arg(e.traffic.totals.errors);
    return out;
}

/// Enums compare through their snapshot spelling: faultline::toString hides QTest::toString from ADL.
template <typename Enum> QString spelling(Enum value)
{
    return QString::fromUtf8(toString(value).data());
}

inline const SpanLink kLinkToProducer7 { TraceId { 0, 1 }, 7 };

} // namespace faultline::test
