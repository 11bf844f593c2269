#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace faultline {

/// A map from 64-bit keys to 32-bit indices that only grows: open addressing with linear probing in a
/// power-of-two table kept at most half full. For the aggregator's per-span lookups (edges by source,
/// target and kind), where std::unordered_map paid a division by a prime and a node per key.
class FlatIndex {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    /// The index stored under `key`, or kNone.
    uint32_t find(uint64_t key) const
    {
        if (m_slots.empty()) return kNone;
        for (size_t i = slotOf(key);; i = (i + 1) & m_mask) {
            const Slot& s = m_slots[i];
            if (s.value == kNone || s.key == key) return s.value;
        }
    }
    /// Stores `value` (not kNone) under a key not stored yet.
    void insert(uint64_t key, uint32_t value)
    {
        if ((m_size + 1) * 2 > m_slots.size()) rehash(m_slots.empty() ? 16 : m_slots.size() * 2);
        put(key, value);
        ++m_size;
    }
    size_t size() const { return m_size; }

private:
    struct Slot {
        uint64_t key = 0;
        uint32_t value = kNone;
    };
    size_t slotOf(uint64_t key) const
    {
        // Fibonacci hashing: the high bits of the product mix every bit of the key.
        return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> m_shift) & m_mask;
    }
    void put(uint64_t key, uint32_t value)
    {
        size_t i = slotOf(key);
        while (m_slots[i].value != kNone)
            i = (i + 1) & m_mask;
        m_slots[i] = Slot { key, value };
    }
    void rehash(size_t size)
    {
        std::vector<Slot> old = std::move(m_slots);
        m_slots.assign(size, Slot {});
        m_mask = size - 1;
        m_shift = 64 - std::countr_zero(size);
        for (const Slot& s : old)
            if (s.value != kNone) put(s.key, s.value);
    }

    std::vector<Slot> m_slots;
    size_t m_mask = 0;
    int m_shift = 64;
    size_t m_size = 0;
};

} // namespace faultline
