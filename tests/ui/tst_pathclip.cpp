// Cutting long edge routes down to what shows (ui/pathclip.h): runs stay inside the area, keep the true
// curve, and know where along the route they start, so a dash pattern keeps its phase when panning.

#include "pathclip.h"

#include <QPainterPath>
#include <QTest>

#include <cmath>

using namespace faultline;

namespace {

/// A route as EdgeRoute builds one: layer-to-layer S-curves through waypoints, `hops` of them.
QPainterPath longRoute(int hops, double gap = 300.0, double rise = 40.0)
{
    QPainterPath path(QPointF(0, 0));
    for (int i = 0; i < hops; ++i) {
        const QPointF a(i * gap, i * rise);
        const QPointF b((i + 1) * gap, (i + 1) * rise);
        path.cubicTo(QPointF(a.x() + gap / 2, a.y()), QPointF(b.x() - gap / 2, b.y()), b);
    }
    return path;
}

/// Points along every cubic of `path` (a moveTo then cubics), `perPiece` to each, by the curve's formula.
std::vector<QPointF> sample(const QPainterPath& path, int perPiece)
{
    std::vector<QPointF> points;
    for (int i = 1; i + 2 < path.elementCount(); i += 3) {
        const QPointF p0 = path.elementAt(i - 1), p1 = path.elementAt(i), p2 = path.elementAt(i + 1),
                      p3 = path.elementAt(i + 2);
        for (int k = 0; k <= perPiece; ++k) {
            const double t = static_cast<double>(k) / perPiece;
            const double u = 1.0 - t;
            points.push_back(u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3);
        }
    }
    return points;
}

} // namespace

class TestPathClip : public QObject {
    Q_OBJECT

private slots:
    void lengthMatchesQt()
    {
        const QPainterPath route = longRoute(12);
        QVERIFY(std::abs(routeLength(route) - route.length()) < 0.001 * route.length());
        // A straight cubic is its chord.
        QCOMPARE(qRound(cubicLength(QPointF(0, 0), QPointF(10, 0), QPointF(20, 0), QPointF(30, 0)) * 1000), 30000);
    }

    void wholeRouteInsideIsOneRun()
    {
        const QPainterPath route = longRoute(3);
        std::vector<PathRun> runs;
        visibleRuns(route, route.controlPointRect().adjusted(-1, -1, 1, 1), runs);
        QCOMPARE(runs.size(), size_t(1));
        QCOMPARE(runs[0].startLength, 0.0);
        QVERIFY(std::abs(runs[0].length - route.length()) < 0.5);
        QCOMPARE(runs[0].path.pointAtPercent(1.0), route.pointAtPercent(1.0));
    }

    void routeOutsideLeavesNothing()
    {
        std::vector<PathRun> runs;
        visibleRuns(longRoute(5), QRectF(-500, 2000, 100, 100), runs);
        QVERIFY(runs.empty());
    }

    void keepsOnlyWhatCrossesTheArea()
    {
        // 30 hops, 9,000 units long; a 400-unit window in the middle.
        const QPainterPath route = longRoute(30);
        const QRectF area(4400, 500, 400, 300);
        std::vector<PathRun> runs;
        visibleRuns(route, area, runs);
        QCOMPARE(runs.size(), size_t(1));
        const PathRun& run = runs[0];
        // Short: a little more than the window, not the route.
        QVERIFY2(run.length < 0.15 * route.length(), qPrintable(QString::number(run.length)));
        QVERIFY(run.path.controlPointRect().intersects(area));
        // It is the route itself: every point of the run lies on the route.
        const std::vector<QPointF> onRoute = sample(route, 2000);
        for (const QPointF& p : sample(run.path, 50)) {
            double nearest = 1e9;
            for (const QPointF& q : onRoute)
                nearest = std::min(nearest, QLineF(p, q).length());
            QVERIFY2(nearest < 0.5, qPrintable(QStringLiteral("%1 from the route").arg(nearest)));
        }
        // And it covers every point of the route inside the area.
        for (int k = 0; k <= 1000; ++k) {
            const QPointF q = route.pointAtPercent(k / 1000.0);
            if (!area.contains(q)) continue;
            const double along = route.length() * k / 1000.0;
            QVERIFY(along >= run.startLength - 0.5 && along <= run.startLength + run.length + 0.5);
        }
    }

    void runsStartWhereTheRouteIs()
    {
        // Two windows far apart on one route: two runs, each starting at its true distance along the route,
        // which is what keeps a dashed edge's dashes in place as the view pans.
        const QPainterPath route = longRoute(30);
        std::vector<PathRun> runs;
        visibleRuns(route, QRectF(1180, 0, 80, 400), runs);
        visibleRuns(route, QRectF(7200, 0, 300, 2000), runs);
        QCOMPARE(runs.size(), size_t(2));
        for (const PathRun& run : runs) {
            const QPointF start = run.path.pointAtPercent(0.0);
            const QPointF there = route.pointAtPercent(route.percentAtLength(run.startLength));
            QVERIFY2(QLineF(start, there).length() < 1.0, qPrintable(QString::number(run.startLength)));
        }
        // Without measuring gaps the runs are the same, only their start is unknown.
        std::vector<PathRun> quick;
        visibleRuns(route, QRectF(7200, 0, 300, 2000), quick, false);
        QCOMPARE(quick.size(), size_t(1));
        QCOMPARE(quick[0].path.elementCount(), runs[1].path.elementCount());
        QVERIFY(std::abs(quick[0].length - runs[1].length) < 1e-9);
    }

    void straightLinesAndEmptyPaths()
    {
        QPainterPath line(QPointF(0, 100));
        line.lineTo(10000, 100); // horizontal: its hull has no height
        std::vector<PathRun> runs;
        visibleRuns(line, QRectF(5000, 0, 100, 200), runs);
        QCOMPARE(runs.size(), size_t(1));
        // Pieces are split down to 1/128 of the line, so the run starts at most one piece before the area.
        QVERIFY2(runs[0].startLength <= 5000.0 && runs[0].startLength >= 5000.0 - 10000.0 / 128 - 1e-6,
            qPrintable(QString::number(runs[0].startLength)));
        QVERIFY(runs[0].length < 100 + 2 * 10000.0 / 128);
        runs.clear();
        visibleRuns(QPainterPath(), QRectF(0, 0, 10, 10), runs);
        QVERIFY(runs.empty());
        QCOMPARE(routeLength(QPainterPath()), 0.0);
    }
};

QTEST_GUILESS_MAIN(TestPathClip)
#include "tst_pathclip.moc"
