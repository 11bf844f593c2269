#include "graph/tracestore.h"

#include <algorithm>
#include <array>
#include <functional>
#include <unordered_set>

namespace faultline {

namespace {

constexpr uint32_t kEmptyName = 0;
constexpr uint32_t kTruncatedName = 1;
/// The node the aggregator puts in front of a root server span (a request from outside).
constexpr std::string_view kUserNode = "user";

struct TraceIdHash {
    size_t operator()(const TraceId& id) const noexcept
    {
        return static_cast<size_t>(id.lo ^ (id.hi * 0x9E3779B97F4A7C15ull));
    }
};

struct StoredSpan {
    SpanId id = 0;
    SpanId parent = 0;
    int64_t start_ns = 0;
    int64_t end_ns = 0;
    uint32_t service = kEmptyName;
    uint32_t instance = kEmptyName;
    uint32_t name = kEmptyName;
    uint32_t peer = kEmptyName;
    SpanKind kind = SpanKind::Unspecified;
    StatusCode status = StatusCode::Unset;
    bool user = false; ///< sent by a workload client (`faultline.node.kind` = user)
    bool database = false; ///< a client span naming a database
};

struct StoredTrace {
    std::vector<StoredSpan> spans;
    uint64_t order = 0; ///< when it was first seen: the eviction order
};

/// The callee, queue or database a span names, as the aggregator derives it.
std::string_view peerOf(const Span& span)
{
    switch (span.kind) {
    case SpanKind::Client:
        if (!span.peer_service.empty()) return span.peer_service;
        if (!span.server_address.empty()) return span.server_address;
        return !span.db_name.empty() ? span.db_name : span.db_system;
    case SpanKind::Producer:
    case SpanKind::Consumer:
        return span.messaging_destination;
    default:
        return {};
    }
}

} // namespace

struct TraceStore::Impl {
    TraceStoreConfig config;
    std::deque<std::string> names; ///< stable storage that nameIds' keys view
    std::unordered_map<std::string_view, uint32_t> nameIds;
    std::unordered_map<TraceId, StoredTrace, TraceIdHash> traces;
    std::deque<std::pair<TraceId, uint64_t>> fifo; ///< (trace, order), oldest first
    uint64_t nextOrder = 0;
    uint64_t spanCount = 0;
    TraceStoreStats counters;

    explicit Impl(TraceStoreConfig c)
        : config(c)
    {
        resetNames();
    }

    void resetNames()
    {
        names.clear();
        nameIds.clear();
        intern("");
        intern("…");
    }

    uint32_t intern(std::string_view s)
    {
        if (auto it = nameIds.find(s); it != nameIds.end()) return it->second;
        if (names.size() >= config.max_names + 2) {
            ++counters.names_truncated;
            return kTruncatedName;
        }
        const auto id = static_cast<uint32_t>(names.size());
        nameIds.emplace(names.emplace_back(s), id);
        return id;
    }

    uint32_t find(std::string_view s) const
    {
        auto it = nameIds.find(s);
        return it == nameIds.end() ? UINT32_MAX : it->second;
    }

    void evictOldest()
    {
        while (!fifo.empty()) {
            const auto [id, order] = fifo.front();
            fifo.pop_front();
            auto it = traces.find(id);
            if (it == traces.end() || it->second.order != order) continue;
            spanCount -= it->second.spans.size();
            traces.erase(it);
            ++counters.traces_evicted;
            return;
        }
    }

    void add(const Span& span)
    {
        if (!span.trace_id.valid()) return;
        auto [it, fresh] = traces.try_emplace(span.trace_id);
        if (fresh) {
            it->second.order = nextOrder++;
            fifo.emplace_back(span.trace_id, it->second.order);
        }
        if (it->second.spans.size() >= config.max_spans_per_trace) {
            ++counters.spans_truncated;
            return;
        }
        StoredSpan s;
        s.id = span.span_id;
        s.parent = span.parent_span_id;
        s.start_ns = span.start_ns;
        s.end_ns = std::max(span.start_ns, span.end_ns);
        s.service = intern(span.service);
        s.instance = intern(span.service_instance);
        s.name = intern(span.name);
        s.peer = intern(peerOf(span));
        s.kind = span.kind;
        s.status = span.status;
        s.user = span.node_kind == "user";
        s.database = span.kind == SpanKind::Client && span.peer_service.empty() && span.server_address.empty()
            && (!span.db_name.empty() || !span.db_system.empty());
        it->second.spans.push_back(s);
        ++spanCount;
        // Make room after adding, so the trace just added to is never the one evicted while older ones stay.
        while (spanCount > config.max_spans && traces.size() > 1)
            evictOldest();
    }

    /// How long the trace spent on the node or edge the query names; negative when it does not touch it.
    double matchedMs(const StoredTrace& trace, uint32_t node, uint32_t source, uint32_t target, bool sourceIsUser) const
    {
        double best = -1.0;
        auto consider
            = [&](const StoredSpan& s) { best = std::max(best, static_cast<double>(s.end_ns - s.start_ns) / 1e6); };
        const auto& spans = trace.spans;
        if (node != UINT32_MAX) {
            for (const StoredSpan& s : spans)
                if (s.service == node || s.peer == node) consider(s);
            return best;
        }
        if (source == UINT32_MAX && !sourceIsUser) return best;
        for (const StoredSpan& s : spans) {
            const bool callerSide = s.service == source && s.peer == target
                && (s.kind == SpanKind::Client || s.kind == SpanKind::Producer);
            const bool queueToConsumer = s.kind == SpanKind::Consumer && s.peer == source && s.service == target;
            const bool rootFromUser
                = sourceIsUser && s.kind == SpanKind::Server && s.parent == 0 && s.service == target;
            if (callerSide || queueToConsumer || rootFromUser) {
                consider(s);
                continue;
            }
            if (s.service != target || (s.kind != SpanKind::Server && s.kind != SpanKind::Consumer) || s.parent == 0)
                continue;
            for (const StoredSpan& p : spans)
                if (p.id == s.parent && p.service == source) consider(p);
        }
        return best;
    }

    TraceSummary summarize(const TraceId& id, const StoredTrace& trace) const
    {
        TraceSummary t;
        t.id = id;
        t.span_count = static_cast<int>(trace.spans.size());
        int64_t start = INT64_MAX;
        int64_t end = INT64_MIN;
        std::unordered_set<SpanId> ids;
        for (const StoredSpan& s : trace.spans) {
            start = std::min(start, s.start_ns);
            end = std::max(end, s.end_ns);
            ids.insert(s.id);
            t.error = t.error || s.status == StatusCode::Error;
        }
        const StoredSpan* root = nullptr;
        for (const StoredSpan& s : trace.spans)
            if ((s.parent == 0 || !ids.contains(s.parent)) && (!root || s.start_ns < root->start_ns)) root = &s;
        if (root) {
            t.root_service = names[root->service];
            t.root_operation = names[root->name];
        }
        t.start_s = static_cast<double>(start) / 1e9;
        t.duration_ms = static_cast<double>(end - start) / 1e6;
        return t;
    }
};

std::string toHex(const TraceId& id)
{
    static constexpr std::array<char, 16> kDigits { '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c',
        'd', 'e', 'f' };
    std::string out(32, '0');
    for (int i = 0; i < 16; ++i) {
        out[15 - i] = kDigits[(id.hi >> (4 * i)) & 0xf];
        out[31 - i] = kDigits[(id.lo >> (4 * i)) & 0xf];
    }
    return out;
}

std::optional<TraceId> traceIdFromHex(std::string_view hex)
{
    if (hex.size() != 32) return std::nullopt;
    TraceId id;
    for (size_t i = 0; i < 32; ++i) {
        const char c = hex[i];
        uint64_t v = 0;
        if (c >= '0' && c <= '9')
            v = static_cast<uint64_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = static_cast<uint64_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v = static_cast<uint64_t>(c - 'A' + 10);
        else
            return std::nullopt;
        uint64_t& half = i < 16 ? id.hi : id.lo;
        half = (half << 4) | v;
    }
    return id;
}

TraceStore::TraceStore(TraceStoreConfig config)
    : d(std::make_unique<Impl>(config))
{
}

TraceStore::~TraceStore() = default;

void TraceStore::add(const SpanBatch& batch)
{
    for (const Span& span : batch.spans)
        d->add(span);
}

void TraceStore::clear()
{
    d->traces.clear();
    d->fifo.clear();
    d->spanCount = 0;
    d->resetNames();
}

std::vector<TraceSummary> TraceStore::query(const TraceQuery& q) const
{
    std::vector<TraceSummary> out;
    const bool nodeQuery = !q.node.empty();
    const uint32_t node = nodeQuery ? d->find(q.node) : UINT32_MAX;
    const uint32_t source = nodeQuery ? UINT32_MAX : d->find(q.source);
    const uint32_t target = nodeQuery ? UINT32_MAX : d->find(q.target);
    const bool sourceIsUser = !nodeQuery && q.source == kUserNode;
    if (q.limit == 0 || (nodeQuery ? node == UINT32_MAX : target == UINT32_MAX)) return out;

    struct Hit {
        const TraceId* id;
        const StoredTrace* trace;
        bool error;
        double matched;
    };
    std::vector<Hit> hits;
    for (const auto& [id, trace] : d->traces) {
        const double matched = d->matchedMs(trace, node, source, target, sourceIsUser);
        if (matched < 0) continue;
        const bool error = std::any_of(
            trace.spans.begin(), trace.spans.end(), [](const StoredSpan& s) { return s.status == StatusCode::Error; });
        hits.push_back({ &id, &trace, error, matched });
    }
    auto before = [](const Hit& a, const Hit& b) {
        if (a.error != b.error) return a.error;
        if (a.matched != b.matched) return a.matched > b.matched;
        return a.trace->order > b.trace->order;
    };
    const size_t n = std::min(q.limit, hits.size());
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(n), hits.end(), before);
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        TraceSummary t = d->summarize(*hits[i].id, *hits[i].trace);
        t.matched_ms = hits[i].matched;
        out.push_back(std::move(t));
    }
    return out;
}

std::optional<TraceWaterfall> TraceStore::waterfall(const TraceId& id) const
{
    auto it = d->traces.find(id);
    if (it == d->traces.end()) return std::nullopt;
    const std::vector<StoredSpan>& spans = it->second.spans;
    TraceWaterfall w;
    w.id = id;
    int64_t start = INT64_MAX;
    int64_t end = INT64_MIN;
    std::unordered_map<SpanId, std::vector<size_t>> children;
    std::unordered_set<SpanId> ids;
    for (const StoredSpan& s : spans) {
        start = std::min(start, s.start_ns);
        end = std::max(end, s.end_ns);
        ids.insert(s.id);
    }
    std::vector<size_t> roots;
    for (size_t i = 0; i < spans.size(); ++i) {
        const StoredSpan& s = spans[i];
        // A span that names itself as parent would loop; treat it as a root.
        if (s.parent != 0 && s.parent != s.id && ids.contains(s.parent))
            children[s.parent].push_back(i);
        else
            roots.push_back(i);
    }
    auto byStart = [&](size_t a, size_t b) {
        return spans[a].start_ns != spans[b].start_ns ? spans[a].start_ns < spans[b].start_ns : a < b;
    };
    std::sort(roots.begin(), roots.end(), byStart);
    for (auto& [parent, list] : children)
        std::sort(list.begin(), list.end(), byStart);

    w.start_s = static_cast<double>(start) / 1e9;
    w.duration_ms = static_cast<double>(end - start) / 1e6;
    w.rows.reserve(spans.size());
    std::vector<bool> visited(spans.size(), false);
    // Iterative depth-first walk: a malformed trace can nest arbitrarily deep. Spans caught in a parent
    // cycle are never reached from a root; they are appended afterwards as orphans.
    std::vector<std::pair<size_t, int>> stack;
    auto emit = [&](size_t i, int depth, bool orphan) {
        visited[i] = true;
        const StoredSpan& s = spans[i];
        WaterfallRow r;
        r.span_id = s.id;
        r.parent_span_id = s.parent;
        r.depth = depth;
        r.orphan = orphan;
        r.service = d->names[s.service];
        r.instance = d->names[s.instance];
        r.operation = d->names[s.name];
        r.peer = d->names[s.peer];
        r.kind = s.kind;
        r.status = s.status;
        r.start_ms = static_cast<double>(s.start_ns - start) / 1e6;
        r.duration_ms = static_cast<double>(s.end_ns - s.start_ns) / 1e6;
        w.rows.push_back(std::move(r));
        if (auto c = children.find(s.id); c != children.end())
            for (auto k = c->second.rbegin(); k != c->second.rend(); ++k)
                if (!visited[*k]) stack.emplace_back(*k, depth + 1);
    };
    auto walk = [&](size_t root, bool orphan) {
        emit(root, 0, orphan);
        while (!stack.empty()) {
            auto [i, depth] = stack.back();
            stack.pop_back();
            if (!visited[i]) emit(i, depth, false);
        }
    };
    for (size_t root : roots)
        walk(root, spans[root].parent != 0);
    for (size_t i = 0; i < spans.size(); ++i)
        if (!visited[i]) walk(i, true);
    return w;
}

TraceStoreStats TraceStore::stats() const
{
    TraceStoreStats s = d->counters;
    s.traces = d->traces.size();
    s.spans = d->spanCount;
    return s;
}

} // namespace faultline

namespace faultline {

namespace {

struct CallAcc {
    uint32_t callee = kEmptyName;
    uint32_t operation = kEmptyName;
    SpanKind kind = SpanKind::Client;
    bool publish = false;
    uint64_t count = 0;
    double offset_sum_ms = 0.0;
};

struct OperationAcc {
    uint32_t service = kEmptyName;
    uint32_t operation = kEmptyName;
    SpanKind kind = SpanKind::Server;
    uint32_t queue = kEmptyName;
    uint64_t requests = 0;
    uint64_t entry = 0;
    uint64_t own_errors = 0;
    std::unordered_map<uint32_t, uint64_t> entry_clients;
    std::vector<double> self_ms;
    std::vector<CallAcc> calls;

    void addCall(uint32_t callee, uint32_t op, SpanKind k, bool pub, double offset_ms)
    {
        for (CallAcc& c : calls)
            if (c.callee == callee && c.operation == op && c.kind == k && c.publish == pub) {
                ++c.count;
                c.offset_sum_ms += offset_ms;
                return;
            }
        calls.push_back(CallAcc { callee, op, k, pub, 1, offset_ms });
    }
};

double ms(int64_t ns)
{
    return static_cast<double>(ns) / 1e6;
}

/// Length of the union of the intervals, each clipped to [from, to].
int64_t coveredNs(std::vector<std::pair<int64_t, int64_t>>& intervals, int64_t from, int64_t to)
{
    std::sort(intervals.begin(), intervals.end());
    int64_t covered = 0;
    int64_t reach = from;
    for (auto [a, b] : intervals) {
        a = std::max(a, reach);
        b = std::min(b, to);
        if (b > a) {
            covered += b - a;
            reach = b;
        }
    }
    return covered;
}

} // namespace

std::vector<OperationProfile> TraceStore::profile(size_t max_samples) const
{
    std::unordered_map<uint64_t, OperationAcc> ops;
    std::unordered_map<uint64_t, OperationAcc> implied; ///< callees known only from their callers' client spans
    std::unordered_set<uint32_t> reporting; ///< services that send server or consumer spans
    auto keyOf = [](uint32_t service, uint32_t op) { return (uint64_t(service) << 32) | op; };
    auto accFor = [&](std::unordered_map<uint64_t, OperationAcc>& map, uint32_t service, uint32_t op) -> OperationAcc& {
        OperationAcc& acc = map[keyOf(service, op)];
        acc.service = service;
        acc.operation = op;
        return acc;
    };

    std::unordered_map<SpanId, size_t> byId;
    std::unordered_map<SpanId, std::vector<size_t>> children;
    std::vector<std::pair<int64_t, int64_t>> intervals;
    // Oldest trace first, so the samples kept under the cap do not depend on hash order.
    for (const auto& [id, order] : d->fifo) {
        auto t = d->traces.find(id);
        if (t == d->traces.end() || t->second.order != order) continue;
        const std::vector<StoredSpan>& spans = t->second.spans;
        byId.clear();
        children.clear();
        for (size_t i = 0; i < spans.size(); ++i)
            byId.emplace(spans[i].id, i);
        for (size_t i = 0; i < spans.size(); ++i)
            if (spans[i].parent != 0 && spans[i].parent != spans[i].id) children[spans[i].parent].push_back(i);
        auto childrenOf = [&](const StoredSpan& s) -> const std::vector<size_t>* {
            auto c = children.find(s.id);
            return c == children.end() ? nullptr : &c->second;
        };

        for (const StoredSpan& s : spans) {
            if (s.kind == SpanKind::Client && s.peer != kEmptyName) {
                // A call whose callee may send no spans of its own (a database, an external API).
                bool answered = false;
                if (const auto* kids = childrenOf(s))
                    for (size_t k : *kids)
                        answered = answered || spans[k].kind == SpanKind::Server;
                if (!answered) {
                    OperationAcc& acc = accFor(implied, s.peer, s.name);
                    ++acc.requests;
                    acc.own_errors += s.status == StatusCode::Error ? 1 : 0;
                    if (acc.self_ms.size() < max_samples) acc.self_ms.push_back(ms(s.end_ns - s.start_ns));
                }
            }
            if (s.kind != SpanKind::Server && s.kind != SpanKind::Consumer) continue;
            reporting.insert(s.service);
            OperationAcc& acc = accFor(ops, s.service, s.name);
            acc.kind = s.kind;
            if (s.kind == SpanKind::Consumer) acc.queue = s.peer;
            ++acc.requests;
            const auto parent = byId.find(s.parent);
            if (s.kind == SpanKind::Server && (s.parent == 0 || parent == byId.end())) {
                ++acc.entry;
            } else if (parent != byId.end() && spans[parent->second].user) {
                ++acc.entry;
                ++acc.entry_clients[spans[parent->second].service];
            }

            intervals.clear();
            bool childFailed = false;
            if (const auto* kids = childrenOf(s)) {
                for (size_t k : *kids) {
                    const StoredSpan& c = spans[k];
                    if (c.kind != SpanKind::Client && c.kind != SpanKind::Producer) continue;
                    intervals.emplace_back(c.start_ns, c.end_ns);
                    childFailed = childFailed || c.status == StatusCode::Error;
                    const double offset = ms(c.start_ns - s.start_ns);
                    uint32_t callee = kEmptyName;
                    uint32_t op = c.name;
                    bool publish = false;
                    for (size_t g : childrenOf(c) ? *childrenOf(c) : std::vector<size_t> {}) {
                        const StoredSpan& answer = spans[g];
                        if ((c.kind == SpanKind::Client && answer.kind == SpanKind::Server)
                            || (c.kind == SpanKind::Producer && answer.kind == SpanKind::Consumer)) {
                            callee = answer.service;
                            op = answer.name;
                            break;
                        }
                    }
                    if (c.kind == SpanKind::Producer && c.peer != kEmptyName) {
                        callee = c.peer; // a publish to a queue: the message is the operation
                        op = c.name;
                        publish = true;
                    } else if (callee == kEmptyName) {
                        callee = c.peer;
                    }
                    if (callee != kEmptyName) acc.addCall(callee, op, c.kind, publish, offset);
                }
            }
            const int64_t self = (s.end_ns - s.start_ns) - coveredNs(intervals, s.start_ns, s.end_ns);
            if (acc.self_ms.size() < max_samples) acc.self_ms.push_back(ms(std::max<int64_t>(0, self)));
            if (s.status == StatusCode::Error && !childFailed) ++acc.own_errors;
        }
    }
    for (auto& [key, acc] : implied)
        if (!reporting.contains(acc.service)) ops.emplace(key, std::move(acc));

    std::vector<OperationProfile> out;
    out.reserve(ops.size());
    for (auto& [key, acc] : ops) {
        OperationProfile p;
        p.service = d->names[acc.service];
        p.operation = d->names[acc.operation];
        p.kind = acc.kind;
        p.queue = d->names[acc.queue];
        p.requests = acc.requests;
        p.entry_requests = acc.entry;
        p.own_errors = acc.own_errors;
        uint64_t best = 0;
        for (const auto& [client, n] : acc.entry_clients)
            if (n > best || (n == best && d->names[client] < p.entry_client)) {
                best = n;
                p.entry_client = d->names[client];
            }
        p.self_ms = std::move(acc.self_ms);
        for (const CallAcc& c : acc.calls)
            p.calls.push_back(CallProfile { d->names[c.callee], d->names[c.operation], c.kind, c.publish, c.count,
                c.offset_sum_ms / static_cast<double>(c.count) });
        std::sort(p.calls.begin(), p.calls.end(), [](const CallProfile& a, const CallProfile& b) {
            return a.mean_offset_ms != b.mean_offset_ms ? a.mean_offset_ms < b.mean_offset_ms : a.callee < b.callee;
        });
        out.push_back(std::move(p));
    }
    std::sort(out.begin(), out.end(), [](const OperationProfile& a, const OperationProfile& b) {
        return a.service != b.service ? a.service < b.service : a.operation < b.operation;
    });
    return out;
}

} // namespace faultline
