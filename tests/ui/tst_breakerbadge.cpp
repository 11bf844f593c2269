// Breaker badges on the graph: one per guarded edge at the caller's end, one per unmatched node breaker,
// each state a distinct glyph, following the snapshot. Hand-built snapshots, no runner.
#include "breakerbadge.h"
#include "graphlegend.h"
#include "graphstyle.h"
#include "graphtext.h"
#include "graphview.h"

#include <QPainter>
#include <QTest>
#include <QTextDocument>

#include <algorithm>
#include <cmath>
#include <map>

using namespace faultline;

namespace {

struct EdgeSpec {
    std::string source;
    std::string target;
    std::optional<BreakerState> breaker;
};

std::shared_ptr<GraphSnapshot> makeSnapshot(
    const std::vector<std::pair<std::string, NodeKind>>& nodes, const std::vector<EdgeSpec>& edges)
{
    auto s = std::make_shared<GraphSnapshot>();
    std::map<std::string, uint32_t> index;
    auto sorted = nodes;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [id, kind] : sorted) {
        NodeSnapshot n;
        n.id = id;
        n.kind = kind;
        n.health = Health::Healthy;
        n.traffic.rps = 10.0;
        index[id] = static_cast<uint32_t>(s->nodes.size());
        s->nodes.push_back(n);
    }
    for (const auto& spec : edges) {
        EdgeSnapshot e;
        e.source = index.at(spec.source);
        e.target = index.at(spec.target);
        e.health = Health::Healthy;
        e.traffic.rps = 10.0;
        e.traffic.latency = { true, 20.0, 18.0, 40.0, 60.0 };
        if (spec.breaker) e.breaker = BreakerInfo { spec.target, *spec.breaker, 12.5, -1.0, 0, {} };
        s->edges.push_back(e);
    }
    std::sort(s->edges.begin(), s->edges.end(), [&](const EdgeSnapshot& a, const EdgeSnapshot& b) {
        return std::tie(s->nodes[a.source].id, s->nodes[a.target].id)
            < std::tie(s->nodes[b.source].id, s->nodes[b.target].id);
    });
    return s;
}

std::shared_ptr<GraphSnapshot> shop(BreakerState paymentsBreaker)
{
    return makeSnapshot(
        { { "user", NodeKind::User }, { "gateway", NodeKind::Service }, { "orders", NodeKind::Service },
            { "payments", NodeKind::Service }, { "inventory", NodeKind::Service }, { "db", NodeKind::Database } },
        { { "user", "gateway", {} }, { "gateway", "orders", BreakerState::Closed },
            { "orders", "payments", paymentsBreaker }, { "orders", "inventory", {} }, { "inventory", "db", {} } });
}

QPalette lightPalette()
{
    QPalette p(QColor(0xef, 0xef, 0xef));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::Text, QColor(0x20, 0x20, 0x20));
    return p;
}

QPalette darkPalette()
{
    QPalette p(QColor(0x2b, 0x2b, 0x2e));
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2e));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x20));
    p.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xea));
    return p;
}

double distance(QPointF a, QPointF b)
{
    return std::hypot(a.x() - b.x(), a.y() - b.y());
}

bool near(QColor a, QColor b, int tolerance = 12)
{
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance
        && std::abs(a.blue() - b.blue()) <= tolerance;
}

QImage glyph(BreakerState state, QColor ink, QColor paper)
{
    QImage image(40, 40, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    BreakerBadge::paintGlyph(p, state, QPointF(20, 20), 18, ink, paper);
    return image;
}

int differingPixels(const QImage& a, const QImage& b)
{
    int n = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x)
            if (std::abs(qGray(a.pixel(x, y)) - qGray(b.pixel(x, y))) > 64
                || std::abs(qAlpha(a.pixel(x, y)) - qAlpha(b.pixel(x, y))) > 64)
                ++n;
    return n;
}

} // namespace

class tst_BreakerBadge : public QObject {
    Q_OBJECT

private slots:
    void badgesSitAtTheCallersEndOfGuardedEdges()
    {
        GraphView view;
        view.resize(1100, 600);
        view.setSnapshot(shop(BreakerState::Open));
        const QList<GraphView::BadgeInfo> badges = view.breakerBadges();
        QCOMPARE(badges.size(), 2); // exactly the two guarded edges
        std::map<std::pair<QString, QString>, BreakerState> seen;
        for (const auto& b : badges) {
            QVERIFY(b.node.isEmpty());
            QVERIFY(!b.edge.isNull());
            seen[{ b.edge.source, b.edge.target }] = b.state;
            QVERIFY(view.rect().contains(b.rect.toRect()));
            // Near the caller: closer to the source's shape than to the target's, and outside both.
            const QPointF c = b.rect.center();
            const QRectF source = view.nodeRect(b.edge.source);
            const QRectF target = view.nodeRect(b.edge.target);
            QVERIFY(!source.intersects(b.rect) && !target.intersects(b.rect));
            QVERIFY2(distance(c, QPointF(source.right(), source.center().y()))
                    < distance(c, QPointF(target.left(), target.center().y())) / 2,
                qPrintable(b.edge.source));
            QVERIFY(c.x() > source.right() && c.x() < target.left());
        }
        QCOMPARE(seen.size(), size_t(2));
        QVERIFY((seen[{ "gateway", "orders" }]) == BreakerState::Closed);
        QVERIFY((seen[{ "orders", "payments" }]) == BreakerState::Open);
    }

    void unmatchedNodeBreakersGetABadgeOnTheNode()
    {
        auto s = shop(BreakerState::Closed);
        s->nodes[static_cast<size_t>(s->findNode("inventory"))].breakers.push_back(
            BreakerInfo { "legacy-pricing", BreakerState::HalfOpen, 40.0, -1.0, 3, {} });
        GraphView view;
        view.resize(1100, 600);
        view.setSnapshot(s);
        const auto badges = view.breakerBadges();
        QCOMPARE(badges.size(), 3);
        const auto it = std::find_if(badges.begin(), badges.end(), [](const auto& b) { return !b.node.isEmpty(); });
        QVERIFY(it != badges.end());
        QCOMPARE(it->node, QStringLiteral("inventory"));
        QCOMPARE(it->name, QStringLiteral("legacy-pricing"));
        QVERIFY(it->state == BreakerState::HalfOpen);
        QVERIFY(it->edge.isNull());
        QVERIFY(view.nodeRect("inventory").intersects(it->rect));
        QVERIFY(GraphText::nodeToolTip(*s, s->findNode("inventory")).contains(QStringLiteral("legacy-pricing")));
    }

    void everyStateHasItsOwnShape()
    {
        // Drawn in one colour, every pair of glyphs still differs in many pixels: shape alone tells them apart.
        const QColor ink(Qt::black);
        const QColor paper(Qt::white);
        std::vector<QImage> images;
        for (BreakerState s : BreakerBadge::kStates)
            images.push_back(glyph(s, ink, paper));
        for (size_t a = 0; a < images.size(); ++a)
            for (size_t b = a + 1; b < images.size(); ++b)
                QVERIFY2(
                    differingPixels(images[a], images[b]) > 60, qPrintable(QStringLiteral("%1 vs %2").arg(a).arg(b)));
    }

    void everyStateReadsInLightAndDarkPalettes_data()
    {
        QTest::addColumn<QPalette>("palette");
        QTest::addRow("light") << lightPalette();
        QTest::addRow("dark") << darkPalette();
    }
    void everyStateReadsInLightAndDarkPalettes()
    {
        QFETCH(QPalette, palette);
        std::vector<QImage> images;
        for (BreakerState s : BreakerBadge::kStates) {
            QVERIFY(GraphStyle::contrast(BreakerBadge::color(s, palette), GraphStyle::background(palette)) >= 2.5);
            images.push_back(BreakerBadge::image(s, 24, palette));
        }
        for (size_t a = 0; a < images.size(); ++a)
            for (size_t b = a + 1; b < images.size(); ++b)
                QVERIFY(images[a] != images[b]);
    }

    // A short guarded edge has no room for its label beside the badge: the label moves, the badge shows.
    void edgeLabelsLeaveTheBadgeVisible()
    {
        GraphView view;
        view.setPalette(lightPalette());
        view.resize(1100, 600);
        view.setAnimationPaused(true);
        auto s = shop(BreakerState::Open);
        for (EdgeSnapshot& e : s->edges) { // failing calls have the widest labels: "15.9 rps · 96.2%"
            e.traffic.rps = 15.9;
            e.traffic.error_rate = 0.962;
            e.traffic.latency = { true, 700.0, 650.0, 800.0, 814.0 };
            e.health = Health::Failing;
        }
        view.setSnapshot(s);
        QList<QRect> badges;
        for (const auto& b : view.breakerBadges())
            badges << b.rect.toAlignedRect();
        QCOMPARE(badges.size(), 2);
        view.setEdgeLabelsVisible(false);
        const QImage bare = view.grab().toImage();
        view.setEdgeLabelsVisible(true);
        const QImage labelled = view.grab().toImage();
        QVERIFY(bare != labelled); // the labels are drawn
        for (const QRect& r : badges)
            QCOMPARE(differingPixels(bare.copy(r), labelled.copy(r)), 0);
    }

    void badgeFollowsTheSnapshot()
    {
        GraphView view;
        view.setPalette(lightPalette());
        view.resize(1100, 600);
        view.setSnapshot(shop(BreakerState::Closed));
        const auto badgeOf = [&]() {
            for (const auto& b : view.breakerBadges())
                if (b.edge == EdgeRef { "orders", "payments" }) return b;
            return GraphView::BadgeInfo {};
        };
        const GraphView::BadgeInfo closed = badgeOf();
        QVERIFY(closed.state == BreakerState::Closed);
        // Closed is a filled disc: its centre is the ink.
        QImage image = view.grab().toImage();
        QVERIFY(near(image.pixelColor(closed.rect.center().toPoint()),
            BreakerBadge::color(BreakerState::Closed, view.palette())));

        view.setSnapshot(shop(BreakerState::Open));
        const GraphView::BadgeInfo open = badgeOf();
        QVERIFY(open.state == BreakerState::Open);
        QCOMPARE(open.rect, closed.rect);
        // Open is a broken ring: the centre is the paper, the ring the failing colour.
        image = view.grab().toImage();
        QVERIFY(near(image.pixelColor(open.rect.center().toPoint()), GraphStyle::background(view.palette())));
        // Along the centre row, left of the centre, the ring crosses: some pixel there is the open colour.
        bool ring = false;
        const int row = qRound(open.rect.center().y());
        for (int x = qFloor(open.rect.left()); x < qRound(open.rect.center().x()) && !ring; ++x)
            ring = near(image.pixelColor(x, row), BreakerBadge::color(BreakerState::Open, view.palette()), 24);
        QVERIFY(ring);

        view.setSnapshot(shop(BreakerState::ForcedOpen));
        QVERIFY(badgeOf().state == BreakerState::ForcedOpen);

        // The breaker goes away with the snapshot that no longer reports it.
        auto none = shop(BreakerState::Closed);
        for (auto& e : none->edges)
            e.breaker.reset();
        view.setSnapshot(none);
        QVERIFY(view.breakerBadges().isEmpty());
    }

    void legendShowsTheGlyphs()
    {
        QFont font;
        font.setPixelSize(11);
        const QSizeF size = GraphLegend::size(font);
        QImage image(size.toSize() + QSize(4, 4), QImage::Format_ARGB32_Premultiplied);
        const QPalette palette = lightPalette();
        image.fill(palette.color(QPalette::Base));
        QPainter p(&image);
        p.setRenderHint(QPainter::Antialiasing);
        GraphLegend::paint(p, QPointF(0, size.height()), palette, font);
        p.end();
        // Metrics-only's blue is used nowhere else in the legend: it is there only if the glyphs are.
        const QColor blue = BreakerBadge::color(BreakerState::MetricsOnly, palette);
        bool found = false;
        for (int y = 0; y < image.height() && !found; ++y)
            for (int x = 0; x < image.width() && !found; ++x)
                found = near(image.pixelColor(x, y), blue, 6);
        QVERIFY(found);
    }

    void toolTipShowsStateRatesAndRefusals()
    {
        auto s = shop(BreakerState::Open);
        auto& breaker = *s->edges[static_cast<size_t>(s->findEdge("orders", "payments"))].breaker;
        breaker.failure_rate = 62.5;
        breaker.not_permitted_calls = 17;
        const QString tip = GraphText::edgeToolTip(*s, s->findEdge("orders", "payments"), lightPalette());
        QVERIFY(tip.contains(QStringLiteral("<b>open</b>")));
        QVERIFY(tip.contains(QStringLiteral("failure rate 62.5%")));
        QVERIFY(tip.contains(QStringLiteral("17 calls not permitted")));
        // The glyph is an inline image that rich text can load.
        const qsizetype start = tip.indexOf(QStringLiteral("src=\"")) + 5;
        QVERIFY(start > 5);
        const QString src = tip.mid(start, tip.indexOf(QLatin1Char('"'), start) - start);
        QTextDocument doc;
        doc.setHtml(tip);
        QVERIFY(doc.resource(QTextDocument::ImageResource, QUrl(src)).isValid());
    }
};

QTEST_MAIN(tst_BreakerBadge)
#include "tst_breakerbadge.moc"
