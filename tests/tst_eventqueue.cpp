// The simulator's event queue: pops in time order, equal times first in first out, and carries each
// event's type and subject through unchanged.

#include "sim/eventqueue.h"
#include "sim/random.h"

#include <QTest>

#include <algorithm>
#include <vector>

using namespace faultline;

class tst_EventQueue : public QObject {
    Q_OBJECT

private slots:
    void popsInTimeOrderThenInPushOrder();
    void keepsTypeAndSubjectOfEveryEvent();
};

void tst_EventQueue::popsInTimeOrderThenInPushOrder()
{
    // Interleaved pushes and pops, with many equal times, against a stable sort of what was pushed.
    struct Pushed {
        int64_t time;
        uint32_t index;
    };
    EventQueue q;
    Random random(3);
    std::vector<Pushed> pending;
    std::vector<uint32_t> popped;
    std::vector<uint32_t> expected;
    uint32_t next = 0;
    int64_t now = 0;
    for (int round = 0; round < 2000; ++round) {
        const int pushes = static_cast<int>(random.next() % 8);
        for (int i = 0; i < pushes; ++i) {
            const int64_t t = now + static_cast<int64_t>(random.next() % 5);
            q.push(t, EventType::ServiceDone, next);
            pending.push_back({ t, next++ });
        }
        const int pops = static_cast<int>(random.next() % 8);
        for (int i = 0; i < pops && !q.empty(); ++i) {
            std::stable_sort(
                pending.begin(), pending.end(), [](const Pushed& x, const Pushed& y) { return x.time < y.time; });
            expected.push_back(pending.front().index);
            pending.erase(pending.begin());
            const Event e = q.pop();
            QVERIFY(e.time >= now);
            now = e.time;
            popped.push_back(e.a);
        }
    }
    QVERIFY(popped.size() > 1000);
    QCOMPARE(popped, expected);
}

void tst_EventQueue::keepsTypeAndSubjectOfEveryEvent()
{
    EventQueue q;
    q.push(30, EventType::FaultEnd, 7, 0xffffffffu);
    q.push(10, EventType::Arrival, 0xffffffffu, 1);
    q.push(20, EventType::BreakerTimer, 5, 6);
    Event e = q.pop();
    QCOMPARE(e.time, int64_t(10));
    QVERIFY(e.type() == EventType::Arrival);
    QCOMPARE(e.a, 0xffffffffu);
    QCOMPARE(e.b, 1u);
    e = q.pop();
    QVERIFY(e.type() == EventType::BreakerTimer);
    QCOMPARE(e.a, 5u);
    QCOMPARE(e.b, 6u);
    e = q.pop();
    QVERIFY(e.type() == EventType::FaultEnd);
    QCOMPARE(e.b, 0xffffffffu);
    QCOMPARE(e.sequence(), uint64_t(0));
    QVERIFY(q.empty());
}

QTEST_APPLESS_MAIN(tst_EventQueue)
#include "tst_eventqueue.moc"
