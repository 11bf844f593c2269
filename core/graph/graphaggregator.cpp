#include "graph/graphaggregator.h"

#include "graph/graphaggregatorimpl.h"

#include <algorithm>
#include <cmath>

namespace faultline {

namespace {

constexpr size_t kMaxInstancesPerNode = 1024;
constexpr size_t kMaxInstanceNames = 65536;

NodeKind kindOf(std::string_view nodeKind)
{
    if (nodeKind.empty()) return NodeKind::Service;
    return nodeKindFromString(nodeKind).value_or(NodeKind::Service);
}

} // namespace

// ---- NameTable ----

uint32_t NameTable::find(std::string_view name) const
{
    auto it = m_ids.find(name);
    return it == m_ids.end() ? kNoId : it->second;
}

uint32_t NameTable::intern(std::string_view name, size_t cap)
{
    if (const uint32_t id = find(name); id != kNoId) return id;
    if (m_names.size() >= cap) return kNoId;
    const auto id = static_cast<uint32_t>(m_names.size());
    m_names.emplace_back(name);
    m_ids.emplace(m_names.back(), id);
    return id;
}

// ---- GraphAggregatorImpl: spans ----

GraphAggregatorImpl::GraphAggregatorImpl(const AggregatorConfig& c)
    : config(c)
    , m_pairing(c.pairing_capacity)
    , m_ttl_ns(std::llround(c.pairing_ttl_s * 1e9))
{
    m_userName = m_names.intern("user", SIZE_MAX);
    m_unknownServiceName = m_names.intern("unknown_service", SIZE_MAX);
    m_httpName = m_names.intern("http", SIZE_MAX);
}

uint32_t GraphAggregatorImpl::nameId(std::string_view name)
{
    if (const uint32_t cached = m_cache.get(name); cached != kNoId) return cached;
    const uint32_t id = internName(name);
    if (id != kNoId) m_cache.put(name, id);
    return id;
}

uint32_t GraphAggregatorImpl::internName(std::string_view name)
{
    // Names are bounded apart from nodes (peers, protocols and queues share the table), so a flood of
    // distinct peer addresses cannot grow memory without bound.
    return m_names.intern(name, config.max_nodes * 4 + 4096);
}

uint32_t GraphAggregatorImpl::nodeFor(uint32_t name, NodeKind kind, bool inferred)
{
    if (name == kNoId) return kNoId;
    if (name < m_nodeOfName.size() && m_nodeOfName[name] != kNoId) return m_nodeOfName[name];
    if (m_nodes.size() >= config.max_nodes) return kNoId;
    if (m_nodeOfName.size() <= name) m_nodeOfName.resize(std::max<size_t>(name + 1, m_names.size()), kNoId);
    const auto index = static_cast<uint32_t>(m_nodes.size());
    GraphNode& node = m_nodes.emplace_back();
    node.name = name;
    node.kind = kind;
    node.inferred = inferred;
    node.stats = RollingStats(config.window_s, config.history_s);
    m_nodeOfName[name] = index;
    return index;
}

uint32_t GraphAggregatorImpl::reportingNode(const Span& span)
{
    const uint32_t name = span.service.empty() ? m_unknownServiceName : nameId(span.service);
    const NodeKind kind = kindOf(span.node_kind);
    const uint32_t index = nodeFor(name, kind, false);
    if (index == kNoId) return kNoId;
    GraphNode& node = m_nodes[index];
    if (!span.node_kind.empty()) {
        // What a node's own spans say it is wins over any guess, including one made from a metric that
        // arrived before its first span.
        node.kind = kind;
    } else if (!node.reported && node.inferred) {
        // A node first known from someone else's attributes is, by its own spans, a plain service.
        node.kind = NodeKind::Service;
    }
    node.reported = true;
    return index;
}

void GraphAggregatorImpl::noteInstance(uint32_t node, std::string_view instance, int64_t time_ns)
{
    uint32_t id = m_instanceCache.get(instance);
    if (id == kNoId) {
        id = m_instanceNames.intern(instance, kMaxInstanceNames);
        if (id == kNoId) return;
        m_instanceCache.put(instance, id);
    }
    auto& list = m_nodes[node].instances;
    for (auto& [name, seen] : list) {
        if (name == id) {
            seen = std::max(seen, time_ns);
            return;
        }
    }
    if (list.size() < kMaxInstancesPerNode) {
        list.emplace_back(id, time_ns);
        return;
    }
    auto oldest
        = std::min_element(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    *oldest = { id, time_ns };
}

uint32_t GraphAggregatorImpl::protocolOf(const Span& span)
{
    switch (span.kind) {
    case SpanKind::Producer:
    case SpanKind::Consumer:
        return span.messaging_system.empty() ? kNoId : nameId(span.messaging_system);
    default:
        if (!span.rpc_system.empty()) return nameId(span.rpc_system);
        return span.http_method.empty() ? kNoId : m_httpName;
    }
}

PendingSpan GraphAggregatorImpl::pendingOf(const Span& span, uint32_t node, SpanId key)
{
    PendingSpan p;
    p.trace = span.trace_id;
    p.key = key;
    p.end_ns = span.end_ns;
    p.duration_ns = span.durationNs();
    // Saturating: one span ending in the far future (up to INT64_MAX, OTLP times are unsigned) moves the clock.
    p.expires_ns = clock_ns > INT64_MAX - m_ttl_ns ? INT64_MAX : clock_ns + m_ttl_ns;
    p.node = node;
    p.protocol = protocolOf(span);
    p.kind = span.kind;
    p.error = span.status == StatusCode::Error;
    if (span.kind == SpanKind::Client) {
        std::string_view peer;
        if (!span.peer_service.empty())
            peer = span.peer_service;
        else if (!span.server_address.empty())
            peer = span.server_address;
        else if (!span.db_name.empty() || !span.db_system.empty()) {
            peer = !span.db_name.empty() ? span.db_name : span.db_system;
            p.peer_is_database = true;
        }
        if (!peer.empty()) {
            p.peer = nameId(peer);
            p.peer_rejected = p.peer == kNoId;
        }
    }
    return p;
}

GraphEdge* GraphAggregatorImpl::edgeFor(uint32_t source, uint32_t target, EdgeKind kind, uint32_t protocol)
{
    const uint64_t key = edgeKey(source, target, kind);
    GraphEdge* edge = nullptr;
    if (const uint32_t index = m_edgeIndex.find(key); index != FlatIndex::kNone) {
        edge = &m_edges[index];
    } else {
        if (m_edges.size() >= config.max_edges) return nullptr;
        m_edgeIndex.insert(key, static_cast<uint32_t>(m_edges.size()));
        edge = &m_edges.emplace_back();
        edge->source = source;
        edge->target = target;
        edge->kind = kind;
        edge->stats = RollingStats(config.window_s, config.history_s);
    }
    if (edge->protocol == kNoId) edge->protocol = protocol;
    return edge;
}

bool GraphAggregatorImpl::observeEdge(uint32_t source, uint32_t target, EdgeKind kind, uint32_t protocol,
    int64_t time_ns, int64_t latency_ns, bool error, const PendingSpan* server)
{
    GraphEdge* edge = edgeFor(source, target, kind, protocol);
    if (!edge) {
        ++counters.cardinality_rejected;
        return false;
    }
    ++counters.edges_observed;
    // Lateness is judged against the aggregator's clock, not against the edge's own last observation.
    edge->stats.advance(clock_ns);
    if (!edge->stats.add(time_ns, latency_ns, error)) ++counters.late_observations;
    if (server) {
        if (!edge->server) edge->server = std::make_unique<RollingStats>(config.window_s, 0);
        edge->server->advance(clock_ns);
        edge->server->add(time_ns, server->duration_ns, error);
    }
    return true;
}

void GraphAggregatorImpl::observeNode(uint32_t node, int64_t time_ns, int64_t latency_ns, bool error, bool countLate)
{
    RollingStats& stats = m_nodes[node].stats;
    stats.advance(clock_ns);
    if (!stats.add(time_ns, latency_ns, error) && countLate) ++counters.late_observations;
}

void GraphAggregatorImpl::pairSync(const PendingSpan& client, const PendingSpan& server)
{
    const uint32_t protocol = client.protocol != kNoId ? client.protocol : server.protocol;
    observeEdge(client.node, server.node, EdgeKind::Sync, protocol, std::max(client.end_ns, server.end_ns),
        client.duration_ns, client.error || server.error, &server);
}

void GraphAggregatorImpl::pairAsync(const PendingSpan& producer, const PendingSpan& consumer)
{
    const uint32_t protocol = producer.protocol != kNoId ? producer.protocol : consumer.protocol;
    observeEdge(producer.node, consumer.node, EdgeKind::Async, protocol, std::max(producer.end_ns, consumer.end_ns),
        producer.duration_ns, producer.error || consumer.error);
}

void GraphAggregatorImpl::wait(const PendingSpan& span)
{
    PairingStore::InsertResult r = m_pairing.insert(span);
    if (r.evicted) ++counters.pairing_evicted;
    if (r.displaced) // a duplicate key: the earlier span will not be paired now
        expired(*r.displaced);
}

void GraphAggregatorImpl::expired(const PendingSpan& span)
{
    ++counters.unpaired_expired;
    // A client whose callee could not even be named (the name table is full) is a span not graphed.
    if (span.peer_rejected) {
        ++counters.cardinality_rejected;
        return;
    }
    // Only a client names its callee; an unpaired server already counted in its node's own statistics.
    if (span.kind != SpanKind::Client || span.peer == kNoId) return;
    const uint32_t peer = nodeFor(span.peer, span.peer_is_database ? NodeKind::Database : NodeKind::External, true);
    if (peer == kNoId) {
        ++counters.cardinality_rejected;
        return;
    }
    if (observeEdge(span.node, peer, EdgeKind::Sync, span.protocol, span.end_ns, span.duration_ns, span.error)
        && !m_nodes[peer].reported)
        observeNode(peer, span.end_ns, span.duration_ns, span.error, false);
}

void GraphAggregatorImpl::expirePairings()
{
    while (auto span = m_pairing.popExpired(clock_ns))
        expired(*span);
}

void GraphAggregatorImpl::processSpan(const Span& span)
{
    clock_ns = std::max(clock_ns, span.end_ns);
    const uint32_t node = reportingNode(span);
    if (node == kNoId) {
        ++counters.cardinality_rejected;
        return;
    }
    if (!span.service_instance.empty()) noteInstance(node, span.service_instance, span.end_ns);
    const bool error = span.status == StatusCode::Error;
    const int64_t duration = span.durationNs();

    switch (span.kind) {
    case SpanKind::Server:
        observeNode(node, span.end_ns, duration, error, true);
        if (span.parent_span_id == 0) {
            // A root server span: the request came from outside, from a virtual user.
            const uint32_t user = nodeFor(m_userName, NodeKind::User, true);
            if (user == kNoId)
                ++counters.cardinality_rejected;
            else
                observeEdge(user, node, EdgeKind::Sync, protocolOf(span), span.end_ns, duration, error);
        } else if (auto client = m_pairing.take(span.trace_id, span.parent_span_id, SpanKind::Client)) {
            pairSync(*client, pendingOf(span, node, span.parent_span_id));
        } else {
            wait(pendingOf(span, node, span.parent_span_id));
        }
        break;

    case SpanKind::Client:
        if (!span.db_system.empty() || !span.db_name.empty()) {
            const uint32_t db
                = nodeFor(nameId(!span.db_name.empty() ? span.db_name : span.db_system), NodeKind::Database, false);
            if (db == kNoId) {
                ++counters.cardinality_rejected;
                break;
            }
            const uint32_t protocol = span.db_system.empty() ? kNoId : nameId(span.db_system);
            if (observeEdge(node, db, EdgeKind::Sync, protocol, span.end_ns, duration, error) && !m_nodes[db].reported)
                observeNode(db, span.end_ns, duration, error, false);
        } else if (auto server = m_pairing.take(span.trace_id, span.span_id, SpanKind::Server)) {
            pairSync(pendingOf(span, node, span.span_id), *server);
        } else {
            wait(pendingOf(span, node, span.span_id));
        }
        break;

    case SpanKind::Producer:
        if (!span.messaging_destination.empty()) {
            const uint32_t queue = nodeFor(nameId(span.messaging_destination), NodeKind::Queue, false);
            if (queue == kNoId) {
                ++counters.cardinality_rejected;
                break;
            }
            // The queue node's own figures are what was published to it.
            if (observeEdge(node, queue, EdgeKind::Async, protocolOf(span), span.end_ns, duration, error)
                && !m_nodes[queue].reported)
                observeNode(queue, span.end_ns, duration, error, false);
        } else if (auto consumer = m_pairing.take(span.trace_id, span.span_id, SpanKind::Consumer)) {
            pairAsync(pendingOf(span, node, span.span_id), *consumer);
        } else {
            wait(pendingOf(span, node, span.span_id));
        }
        break;

    case SpanKind::Consumer: {
        observeNode(node, span.end_ns, duration, error, true);
        if (!span.messaging_destination.empty()) {
            const uint32_t queue = nodeFor(nameId(span.messaging_destination), NodeKind::Queue, false);
            if (queue == kNoId)
                ++counters.cardinality_rejected;
            else
                observeEdge(queue, node, EdgeKind::Async, protocolOf(span), span.end_ns, duration, error);
            break;
        }
        std::optional<PendingSpan> producer;
        if (span.parent_span_id != 0) producer = m_pairing.take(span.trace_id, span.parent_span_id, SpanKind::Producer);
        for (size_t i = 0; !producer && i < span.links.size(); ++i)
            producer = m_pairing.take(span.links[i].trace_id, span.links[i].span_id, SpanKind::Producer);
        // Consumers that start a new trace link to the producer; wait under the link then, else the parent.
        const bool viaLink = !span.links.empty();
        PendingSpan self = pendingOf(span, node, viaLink ? span.links[0].span_id : span.parent_span_id);
        if (viaLink) self.trace = span.links[0].trace_id;
        if (producer)
            pairAsync(*producer, self);
        else if (self.key != 0)
            wait(self);
        break;
    }

    case SpanKind::Internal:
    case SpanKind::Unspecified:
        break;
    }
}

void GraphAggregatorImpl::onSpans(const SpanBatch& batch)
{
    m_cache.clear();
    m_instanceCache.clear();
    counters.spans_received += batch.spans.size();
    for (const Span& span : batch.spans)
        processSpan(span);
    expirePairings();
}

void GraphAggregatorImpl::onClock(int64_t now_ns)
{
    clock_ns = std::max(clock_ns, now_ns);
    expirePairings();
}

const GraphNode* GraphAggregatorImpl::findNode(std::string_view id) const
{
    const uint32_t name = m_names.find(id);
    if (name == kNoId || name >= m_nodeOfName.size() || m_nodeOfName[name] == kNoId) return nullptr;
    return &m_nodes[m_nodeOfName[name]];
}

const GraphEdge* GraphAggregatorImpl::findEdge(std::string_view source, std::string_view target, EdgeKind kind) const
{
    const GraphNode* s = findNode(source);
    const GraphNode* t = findNode(target);
    if (!s || !t) return nullptr;
    const uint32_t index = m_edgeIndex.find(
        edgeKey(static_cast<uint32_t>(s - m_nodes.data()), static_cast<uint32_t>(t - m_nodes.data()), kind));
    return index == FlatIndex::kNone ? nullptr : &m_edges[index];
}

// ---- GraphAggregator ----

GraphAggregator::GraphAggregator(AggregatorConfig config)
    : d(std::make_unique<GraphAggregatorImpl>(config))
{
}

GraphAggregator::~GraphAggregator() = default;

void GraphAggregator::onSpans(SpanBatch&& batch)
{
    d->onSpans(batch);
}
void GraphAggregator::onMetrics(std::vector<MetricPoint>&& points)
{
    d->onMetrics(points);
}
void GraphAggregator::onClock(int64_t now_ns)
{
    d->onClock(now_ns);
}
void GraphAggregator::addDroppedSpans(uint64_t count)
{
    d->counters.spans_dropped += count;
}

std::shared_ptr<const GraphSnapshot> GraphAggregator::snapshot(const std::string& source) const
{
    // Building a snapshot rolls the windows forward to the clock: logically const, as the aggregator
    // is single-threaded.
    return d->snapshot(source);
}

const AggregatorConfig& GraphAggregator::config() const
{
    return d->config;
}

void GraphAggregator::reset()
{
    const uint64_t sequence = d->sequence();
    d = std::make_unique<GraphAggregatorImpl>(d->config);
    d->setSequence(sequence); // consumers drop snapshots older than the last they saw: keep counting up
}

History GraphAggregator::nodeHistory(std::string_view id) const
{
    const GraphNode* node = d->findNode(id);
    return node ? node->stats.history(d->clock_ns) : History {};
}

History GraphAggregator::edgeHistory(std::string_view source, std::string_view target, EdgeKind kind) const
{
    const GraphEdge* edge = d->findEdge(source, target, kind);
    return edge ? edge->stats.history(d->clock_ns) : History {};
}

LogHistogram GraphAggregator::nodeLatencyHistogram(std::string_view id) const
{
    const GraphNode* node = d->findNode(id);
    return node ? node->stats.windowHistogram() : LogHistogram {};
}

LogHistogram GraphAggregator::edgeLatencyHistogram(
    std::string_view source, std::string_view target, EdgeKind kind) const
{
    const GraphEdge* edge = d->findEdge(source, target, kind);
    return edge ? edge->stats.windowHistogram() : LogHistogram {};
}

} // namespace faultline
