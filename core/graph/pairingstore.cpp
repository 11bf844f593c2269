#include "graph/pairingstore.h"

#include <algorithm>
#include <bit>

namespace faultline {

PairingStore::PairingStore(size_t capacity)
    : m_capacity(capacity)
    // Load factor at most 1/2 keeps linear probing short.
    , m_maxTable(std::bit_ceil(std::clamp<size_t>(capacity * 2, kMinTable, size_t(1) << 31)))
{
    m_mask = kMinTable - 1;
    m_table.assign(kMinTable, Slot {});
}

void PairingStore::grow()
{
    // The table follows the number of spans waiting, not the capacity: a few thousand in flight probe a
    // table that stays in cache, where one sized for the capacity (a megabyte) missed on every lookup.
    const size_t size = m_table.size() * 2;
    m_mask = size - 1;
    m_table.assign(size, Slot {});
    for (uint32_t e = m_head; e != kNone; e = m_entries[e].next)
        place(e, m_entries[e].hash);
}

void PairingStore::place(uint32_t entry, uint32_t hash)
{
    size_t i = hash & m_mask;
    while (m_table[i].entry != kNone)
        i = (i + 1) & m_mask;
    m_table[i] = Slot { entry, hash };
}

uint32_t PairingStore::hashOf(const TraceId& trace, SpanId key, uint8_t channel)
{
    uint64_t h = trace.hi * 0x9E3779B97F4A7C15ull ^ trace.lo;
    h ^= key + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
    h ^= channel;
    // splitmix64 finaliser
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    return static_cast<uint32_t>(h ^ (h >> 31));
}

size_t PairingStore::findSlot(const TraceId& trace, SpanId key, uint8_t channel, uint32_t hash) const
{
    for (size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
        const Slot& slot = m_table[i];
        if (slot.entry == kNone) return SIZE_MAX;
        if (slot.hash != hash) continue; // the stored hash spares most probes a visit to the entry
        const PendingSpan& s = m_entries[slot.entry].span;
        if (s.key == key && s.trace == trace && s.channel() == channel) return i;
    }
}

size_t PairingStore::slotOfEntry(uint32_t entry) const
{
    for (size_t i = m_entries[entry].hash & m_mask;; i = (i + 1) & m_mask)
        if (m_table[i].entry == entry) return i;
}

PendingSpan PairingStore::removeAt(size_t slot)
{
    const uint32_t index = m_table[slot].entry;
    Entry& entry = m_entries[index];

    // Backward-shift deletion: no tombstones, so probes stay short however many spans come and go.
    size_t i = slot;
    for (size_t j = (i + 1) & m_mask; m_table[j].entry != kNone; j = (j + 1) & m_mask) {
        const size_t home = m_table[j].hash & m_mask;
        const bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            m_table[i] = m_table[j];
            i = j;
        }
    }
    m_table[i] = Slot {};

    if (entry.prev != kNone)
        m_entries[entry.prev].next = entry.next;
    else
        m_head = entry.next;
    if (entry.next != kNone)
        m_entries[entry.next].prev = entry.prev;
    else
        m_tail = entry.prev;
    m_free.push_back(index);
    --m_size;
    return entry.span;
}

std::optional<PendingSpan> PairingStore::take(const TraceId& trace, SpanId key, SpanKind partner_kind)
{
    PendingSpan probe;
    probe.kind = partner_kind;
    const uint8_t channel = probe.channel();
    const size_t slot = findSlot(trace, key, channel, hashOf(trace, key, channel));
    if (slot == SIZE_MAX || m_entries[m_table[slot].entry].span.kind != partner_kind) return std::nullopt;
    return removeAt(slot);
}

PairingStore::InsertResult PairingStore::insert(const PendingSpan& span)
{
    InsertResult result;
    if (m_capacity == 0) {
        result.evicted = span;
        return result;
    }
    const uint32_t hash = hashOf(span.trace, span.key, span.channel());
    if (const size_t slot = findSlot(span.trace, span.key, span.channel(), hash); slot != SIZE_MAX)
        result.displaced = removeAt(slot);
    if (m_size >= m_capacity) result.evicted = removeAt(slotOfEntry(m_head));

    uint32_t index;
    if (!m_free.empty()) {
        index = m_free.back();
        m_free.pop_back();
    } else {
        index = static_cast<uint32_t>(m_entries.size());
        m_entries.emplace_back();
    }
    if ((m_size + 1) * 2 > m_table.size() && m_table.size() < m_maxTable) grow();
    Entry& entry = m_entries[index];
    entry.span = span;
    entry.hash = hash;
    entry.prev = m_tail;
    entry.next = kNone;
    if (m_tail != kNone)
        m_entries[m_tail].next = index;
    else
        m_head = index;
    m_tail = index;
    place(index, hash);
    ++m_size;
    return result;
}

std::optional<PendingSpan> PairingStore::popExpired(int64_t now_ns)
{
    if (m_head == kNone || m_entries[m_head].span.expires_ns > now_ns) return std::nullopt;
    return removeAt(slotOfEntry(m_head));
}

void PairingStore::clear()
{
    m_mask = kMinTable - 1;
    m_table.assign(kMinTable, Slot {});
    m_entries.clear();
    m_free.clear();
    m_head = m_tail = kNone;
    m_size = 0;
}

} // namespace faultline
