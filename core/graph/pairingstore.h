#pragma once

#include "telemetry/span.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace faultline {

/// What the aggregator keeps of a span while it waits for its partner: no strings, only interned ids.
struct PendingSpan {
    TraceId trace;
    SpanId key = 0; ///< the pairing key: the client's/producer's span id, which a partner names as parent or link
    int64_t end_ns = 0;
    int64_t duration_ns = 0;
    int64_t expires_ns = 0;
    uint32_t node = 0; ///< node index of the span's own service
    uint32_t protocol = UINT32_MAX; ///< interned name, or UINT32_MAX
    uint32_t peer = UINT32_MAX; ///< interned peer name for an unpaired client, or UINT32_MAX
    SpanKind kind = SpanKind::Unspecified;
    bool error = false;
    bool peer_is_database = false;
    bool peer_rejected = false; ///< the client named a peer, but the name table was full: counted if it expires

    /// Sync (client/server) and async (producer/consumer) pairings live apart.
    uint8_t channel() const { return kind == SpanKind::Client || kind == SpanKind::Server ? 0 : 1; }
};

/// Bounded store of spans waiting for a partner, keyed by (trace id, span id, channel): an open-addressing
/// hash table over a slab of entries, with the entries also in a FIFO list by insertion time, so eviction of
/// the oldest and expiry are O(1). The table grows with the spans waiting, up to twice the capacity; neither
/// it nor the slab allocates once both have reached their largest size.
class PairingStore {
public:
    explicit PairingStore(size_t capacity);

    /// Removes and returns the span waiting under (trace, key) on the channel of `partner_kind` whose kind
    /// is `partner_kind`, if any.
    std::optional<PendingSpan> take(const TraceId& trace, SpanId key, SpanKind partner_kind);

    struct InsertResult {
        std::optional<PendingSpan> evicted; ///< the oldest span, pushed out because the store was full
        std::optional<PendingSpan> displaced; ///< a span that waited under the same key (a duplicate)
    };
    /// Adds a span to wait; its `expires_ns` must not be earlier than any already stored.
    InsertResult insert(const PendingSpan& span);

    /// Removes and returns the oldest span if it expired at or before `now_ns`.
    std::optional<PendingSpan> popExpired(int64_t now_ns);

    size_t size() const { return m_size; }
    size_t capacity() const { return m_capacity; }
    void clear();

private:
    static constexpr uint32_t kNone = UINT32_MAX;
    static constexpr size_t kMinTable = 16;
    struct Entry {
        PendingSpan span;
        uint32_t hash = 0;
        uint32_t prev = kNone;
        uint32_t next = kNone;
    };
    /// A table slot keeps its entry's hash: probes and backward shifts compare and rehash without
    /// touching the entries.
    struct Slot {
        uint32_t entry = kNone;
        uint32_t hash = 0;
    };

    static uint32_t hashOf(const TraceId& trace, SpanId key, uint8_t channel);
    /// Table slot of the span under (trace, key, channel), or SIZE_MAX.
    size_t findSlot(const TraceId& trace, SpanId key, uint8_t channel, uint32_t hash) const;
    size_t slotOfEntry(uint32_t entry) const; ///< the table slot of a stored entry
    void place(uint32_t entry, uint32_t hash);
    PendingSpan removeAt(size_t slot);
    void grow(); ///< doubles the table and reinserts every waiting span

    size_t m_capacity;
    size_t m_maxTable; ///< the table never grows beyond this (twice the capacity, a power of two)
    size_t m_mask = 0;
    std::vector<Slot> m_table;
    std::vector<Entry> m_entries;
    std::vector<uint32_t> m_free;
    uint32_t m_head = kNone; ///< oldest
    uint32_t m_tail = kNone;
    size_t m_size = 0;
};

} // namespace faultline
