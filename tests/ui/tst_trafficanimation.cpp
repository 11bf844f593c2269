// The traffic animation: particle density follows the rate, crossing time the latency, diamonds the error
// rate; a cap keeps thousands of edges cheap; the view's particles stand still while it is paused.
#include "graphview.h"
#include "trafficanimation.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>

using namespace faultline;

namespace {

constexpr double kFrame = 1.0 / 30.0;

QPainterPath straight(double y = 0.0, double length = 300.0)
{
    QPainterPath path;
    path.moveTo(0, y);
    path.cubicTo(length / 3, y + 20, 2 * length / 3, y - 20, length, y);
    return path;
}

/// Runs `seconds` of frames; returns the average number of particles on each lane per frame.
std::vector<double> run(TrafficAnimation& a, double seconds)
{
    std::vector<double> sums(static_cast<size_t>(a.laneCount()), 0.0);
    const int frames = static_cast<int>(seconds / kFrame);
    for (int f = 0; f < frames; ++f) {
        a.advance(kFrame);
        for (const auto& p : a.particles())
            sums[static_cast<size_t>(p.lane)] += 1.0;
    }
    for (double& s : sums)
        s /= frames;
    return sums;
}

/// Wall seconds one particle takes to cross a lane with this latency, measured by frames: with a cap of one
/// particle, from the frame it appears to the frame it is gone.
double measuredCrossing(double latencyMs)
{
    TrafficAnimation a(7);
    a.reset(1);
    a.setPath(0, straight());
    a.setTraffic(0, 50.0, 0.0, latencyMs);
    a.setCap(1);
    const double step = 0.005;
    double t = 0.0;
    while (a.particles().empty() && t < 30.0) {
        a.advance(step);
        t += step;
    }
    if (a.particles().empty()) return -1.0;
    const double born = t - a.particles().front().t * TrafficAnimation::crossingSeconds(latencyMs);
    while (!a.particles().empty() && t < 60.0) {
        a.advance(step);
        t += step;
    }
    return t - born;
}

std::shared_ptr<GraphSnapshot> chain(double rps)
{
    auto s = std::make_shared<GraphSnapshot>();
    for (const char* id : { "a", "b", "c" }) {
        NodeSnapshot n;
        n.id = id;
        n.health = Health::Healthy;
        n.traffic.rps = rps;
        s->nodes.push_back(n);
    }
    for (uint32_t i = 0; i < 2; ++i) {
        EdgeSnapshot e;
        e.source = i;
        e.target = i + 1;
        e.kind = i == 0 ? EdgeKind::Sync : EdgeKind::Async;
        e.health = rps > 0.0 ? Health::Healthy : Health::Idle;
        e.traffic.rps = rps;
        e.traffic.error_rate = 0.1;
        e.traffic.latency = { rps > 0.0, 30.0, 25.0, 60.0, 90.0 };
        s->edges.push_back(e);
    }
    return s;
}

std::vector<QPointF> positions(const GraphView& view)
{
    std::vector<QPointF> out;
    const auto& a = view.trafficAnimation();
    for (const auto& p : a.particles())
        out.push_back(a.position(p));
    return out;
}

} // namespace

class tst_TrafficAnimation : public QObject {
    Q_OBJECT

private slots:
    void busierEdgesCarryMoreParticles()
    {
        TrafficAnimation a;
        a.reset(3);
        for (int lane = 0; lane < 3; ++lane)
            a.setPath(lane, straight(lane * 50.0));
        a.setTraffic(0, 100.0, 0.0, 40.0);
        a.setTraffic(1, 1.0, 0.0, 40.0);
        a.setTraffic(2, 1000.0, 0.0, 40.0);
        const auto average = run(a, 60.0);
        QVERIFY2(average[0] > 2.0 * average[1], qPrintable(QStringLiteral("%1 vs %2").arg(average[0]).arg(average[1])));
        QVERIFY(average[1] > 0.0);
        QVERIFY(average[2] > average[0]);
        // Log-compressed: ten times the traffic is far less than ten times the particles.
        QVERIFY(average[2] < 3.0 * average[0]);
    }

    void idleEdgesStayEmpty()
    {
        TrafficAnimation a;
        a.reset(3);
        a.setPath(0, straight(0));
        a.setPath(1, straight(50));
        // lane 2 has traffic but no path: nothing to draw it on.
        a.setTraffic(0, 0.0, 0.0, 10.0);
        a.setTraffic(1, 20.0, 0.0, 10.0);
        a.setTraffic(2, 20.0, 0.0, 10.0);
        a.warmUp();
        run(a, 20.0);
        QCOMPARE(a.particleCount(0), 0);
        QCOMPARE(a.particleCount(2), 0);
        QVERIFY(a.particleCount(1) > 0);
        QVERIFY(a.hasTraffic());
        a.setTraffic(1, 0.0, 0.0, 10.0);
        QVERIFY(!a.hasTraffic());
        run(a, TrafficAnimation::kMaxCrossSeconds + 1.0);
        QVERIFY(a.particles().empty());
    }

    void errorShareFollowsTheErrorRate()
    {
        TrafficAnimation a(42);
        a.reset(2);
        a.setPath(0, straight(0));
        a.setPath(1, straight(50));
        a.setTraffic(0, 500.0, 0.25, 20.0);
        a.setTraffic(1, 500.0, 0.0, 20.0);
        a.setCap(100000);
        run(a, 300.0);
        QVERIFY(a.spawned() > 2000);
        const double share = static_cast<double>(a.spawnedErrors()) / static_cast<double>(a.spawned());
        // Half the spawns are on the error-free lane.
        QVERIFY2(std::abs(share - 0.125) < 0.02, qPrintable(QString::number(share)));
        for (const auto& p : a.particles())
            if (p.lane == 1) QVERIFY(!p.error);
    }

    void slowerEdgesTakeLongerToCross()
    {
        double previous = 0.0;
        for (double ms : { 0.5, 2.0, 10.0, 50.0, 200.0, 1000.0, 5000.0 }) {
            const double expected = TrafficAnimation::crossingSeconds(ms);
            QVERIFY(expected > previous);
            QVERIFY(expected >= TrafficAnimation::kMinCrossSeconds && expected <= TrafficAnimation::kMaxCrossSeconds);
            previous = expected;
        }
        const double fast = measuredCrossing(5.0);
        const double slow = measuredCrossing(800.0);
        QVERIFY(fast > 0.0 && slow > 0.0);
        QVERIFY2(slow > fast + 1.0, qPrintable(QStringLiteral("%1 vs %2").arg(slow).arg(fast)));
        QVERIFY(std::abs(fast - TrafficAnimation::crossingSeconds(5.0)) < 0.02);
        QVERIFY(std::abs(slow - TrafficAnimation::crossingSeconds(800.0)) < 0.02);
    }

    void particlesFollowTheirPath()
    {
        TrafficAnimation a;
        a.reset(1);
        QPainterPath path;
        path.moveTo(10, 10);
        path.lineTo(110, 10);
        path.lineTo(110, 60);
        a.setPath(0, path);
        QCOMPARE(a.position({ 0, 0.0, false }), QPointF(10, 10));
        QCOMPARE(a.position({ 0, 0.5, false }), QPointF(85, 10));
        QCOMPARE(a.position({ 0, 1.0, false }), QPointF(110, 60));
    }

    void sameSeedSameRun()
    {
        const auto once = [] {
            TrafficAnimation a(99);
            a.reset(2);
            a.setPath(0, straight(0));
            a.setPath(1, straight(40));
            a.setTraffic(0, 30.0, 0.3, 100.0);
            a.setTraffic(1, 3.0, 0.0, 10.0);
            a.warmUp();
            run(a, 5.0);
            std::vector<std::pair<int, double>> out;
            for (const auto& p : a.particles())
                out.emplace_back(p.lane, p.t);
            return out;
        };
        QCOMPARE(once(), once());
    }

    void thousandsOfEdgesStayUnderTheCap()
    {
        TrafficAnimation a;
        const int lanes = 3000;
        a.reset(lanes);
        for (int lane = 0; lane < lanes; ++lane) {
            a.setPath(lane, straight(lane * 3.0, 200.0));
            a.setTraffic(lane, 1.0 + (lane * 37 % 1000), (lane % 10) / 100.0, 5.0 + lane % 400);
        }
        a.warmUp();
        QVERIFY(static_cast<int>(a.particles().size()) <= a.cap());
        size_t most = 0;
        for (int f = 0; f < 300; ++f) {
            a.advance(kFrame);
            most = std::max(most, a.particles().size());
            QVERIFY(static_cast<int>(a.particles().size()) <= a.cap());
        }
        // Under the cap, but busy: the scaling does not starve the picture.
        QVERIFY(most > static_cast<size_t>(a.cap() / 2));
    }

    void viewAnimatesOnlyWhileNotPaused()
    {
        GraphView view;
        view.resize(800, 400);
        view.setSnapshot(chain(40.0));
        QVERIFY(!view.trafficAnimation().particles().empty()); // warmed up: no empty first frame
        QCOMPARE(view.trafficAnimation().laneCount(), 2); // the async edge animates too

        view.setAnimationPaused(true);
        const auto before = positions(view);
        view.advanceAnimation(0.5);
        QCOMPARE(positions(view), before);

        view.setAnimationPaused(false);
        view.advanceAnimation(0.5);
        QVERIFY(positions(view) != before);

        // Shown and running: the view's own timer moves them; paused: the timer stops.
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTRY_VERIFY(view.animationRunning());
        const auto moving = positions(view);
        QTRY_VERIFY(positions(view) != moving);
        view.setAnimationPaused(true);
        QTRY_VERIFY(!view.animationRunning());
        const auto still = positions(view);
        QTest::qWait(150);
        QCOMPARE(positions(view), still);
    }

    void idleGraphDoesNotAnimate()
    {
        GraphView view;
        view.resize(800, 400);
        view.setSnapshot(chain(0.0));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.trafficAnimation().particles().empty());
        QVERIFY(!view.animationRunning());
        // Traffic arrives: the animation starts by itself.
        view.setSnapshot(chain(25.0));
        QTRY_VERIFY(view.animationRunning());
        QTRY_VERIFY(!view.trafficAnimation().particles().empty());
    }
};

QTEST_MAIN(tst_TrafficAnimation)
#include "tst_trafficanimation.moc"
