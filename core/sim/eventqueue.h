#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace faultline {

enum class EventType : uint8_t {
    Arrival, ///< a workload arrival: a = workload
    ServiceDone, ///< a = request, b = generation
    CallTimeout, ///< an attempt's timeout: a = call, b = generation
    MetricsTick,
    RetryAttempt, ///< a = logical call, b = generation
    BulkheadTimeout, ///< a wait for a bulkhead slot or a connection ends: a = logical call, b = generation
    DelayedArrival, ///< a delayed request reaches its instance: a = request, b = generation
    BreakerTimer, ///< a breaker's automatic transition is due: a = breaker
    FaultStart, ///< a scripted fault: a = index into the scenario's faults
    FaultEnd, ///< a = fault id (low 32 bits), b = high bits
};

/// A scheduled event. `a` and `b` identify its subject (a record index and its generation), so events
/// stay 24 bytes and no closure is allocated per event. The type rides in the low byte of the order key.
struct Event {
    int64_t time = 0;
    uint64_t order = 0; ///< sequence << 8 | type; the sequence keeps equal times FIFO, so runs are deterministic
    uint32_t a = 0;
    uint32_t b = 0;

    EventType type() const { return static_cast<EventType>(order & 0xff); }
    uint64_t sequence() const { return order >> 8; }
};
static_assert(sizeof(Event) == 24);

/// A 4-ary min-heap on (time, sequence): shallower than a binary heap, and its children share a cache line.
class EventQueue {
public:
    bool empty() const { return m_heap.empty(); }
    size_t size() const { return m_heap.size(); }
    const Event& top() const { return m_heap.front(); }
    void clear() { m_heap.clear(); }

    void push(int64_t time, EventType type, uint32_t a = 0, uint32_t b = 0)
    {
        // Sequences are unique, so ordering by the whole key is ordering by sequence. 2^56 of them would
        // take years at a hundred million events a second.
        const Event e { time, m_nextSequence++ << 8 | static_cast<uint8_t>(type), a, b };
        // Sift up with `e` in registers: writing it into the new last slot and reading it back stalled on
        // store forwarding.
        size_t i = m_heap.size();
        m_heap.emplace_back();
        while (i > 0) {
            const size_t parent = (i - 1) / 4;
            if (!before(e, m_heap[parent])) break;
            m_heap[i] = m_heap[parent];
            i = parent;
        }
        m_heap[i] = e;
    }

    Event pop()
    {
        Event top = m_heap.front();
        const Event last = m_heap.back();
        m_heap.pop_back();
        if (!m_heap.empty()) siftDown(last);
        return top;
    }

private:
    static bool before(const Event& x, const Event& y)
    {
        return x.time < y.time || (x.time == y.time && x.order < y.order);
    }
    // Places `e` (the former last element) starting from the root.
    void siftDown(const Event& e)
    {
        const size_t n = m_heap.size();
        size_t i = 0;
        while (true) {
            const size_t first = 4 * i + 1;
            if (first >= n) break;
            size_t best = first;
            const size_t end = first + 4 < n ? first + 4 : n;
            for (size_t c = first + 1; c < end; ++c)
                if (before(m_heap[c], m_heap[best])) best = c;
            if (!before(m_heap[best], e)) break;
            m_heap[i] = m_heap[best];
            i = best;
        }
        m_heap[i] = e;
    }

    std::vector<Event> m_heap;
    uint64_t m_nextSequence = 0;
};

} // namespace faultline
