// GraphView and its helpers on hand-built snapshots: no simulation, no runner.
#include "graphlayout.h"
#include "graphstyle.h"
#include "graphtext.h"
#include "graphview.h"

#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <map>

using namespace faultline;

namespace {

struct NodeSpec {
    std::string id;
    NodeKind kind = NodeKind::Service;
    Health health = Health::Healthy;
    double rps = 10.0;
};

struct EdgeSpec {
    std::string source;
    std::string target;
    EdgeKind kind = EdgeKind::Sync;
    double rps = 10.0;
};

// Builds a snapshot the way the aggregator publishes one: nodes sorted by id, edges by (source, target, kind).
std::shared_ptr<GraphSnapshot> makeSnapshot(std::vector<NodeSpec> nodes, const std::vector<EdgeSpec>& edges)
{
    auto s = std::make_shared<GraphSnapshot>();
    s->source = "simulation";
    std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    std::map<std::string, uint32_t> index;
    for (const auto& spec : nodes) {
        NodeSnapshot n;
        n.id = spec.id;
        n.kind = spec.kind;
        n.health = spec.health;
        n.instances = spec.kind == NodeKind::User ? 0 : 2;
        n.traffic.rps = spec.kind == NodeKind::User ? 0.0 : spec.rps;
        n.traffic.error_rate = 0.01;
        n.traffic.latency = { true, 55.0, 51.0, 80.0, 95.4 };
        if (spec.kind == NodeKind::Queue) n.queue = QueueInfo { 12.0, 10.0, 2.0, 0, 0 };
        index[spec.id] = static_cast<uint32_t>(s->nodes.size());
        s->nodes.push_back(n);
    }
    for (const auto& spec : edges) {
        EdgeSnapshot e;
        e.source = index.at(spec.source);
        e.target = index.at(spec.target);
        e.kind = spec.kind;
        e.health = Health::Healthy;
        e.traffic.rps = spec.rps;
        e.traffic.latency = { true, 20.0, 18.0, 40.0, 60.0 };
        s->edges.push_back(e);
    }
    std::sort(s->edges.begin(), s->edges.end(), [&](const EdgeSnapshot& a, const EdgeSnapshot& b) {
        return std::tie(s->nodes[a.source].id, s->nodes[a.target].id, a.kind)
            < std::tie(s->nodes[b.source].id, s->nodes[b.target].id, b.kind);
    });
    return s;
}

std::shared_ptr<GraphSnapshot> checkout()
{
    return makeSnapshot(
        {
            { "user", NodeKind::User },
            { "gateway" },
            { "orders" },
            { "inventory" },
            { "orders-db", NodeKind::Database },
            { "payments", NodeKind::Service, Health::Degraded },
            { "fraud-check" },
            { "bank", NodeKind::External, Health::Failing },
            { "order-events", NodeKind::Queue },
            { "email", NodeKind::Service, Health::Idle, 0.0 },
            { "shipping" },
        },
        {
            { "user", "gateway" },
            { "gateway", "orders" },
            { "orders", "inventory" },
            { "orders", "orders-db" },
            { "orders", "payments" },
            { "payments", "fraud-check" },
            { "fraud-check", "bank" },
            { "orders", "order-events", EdgeKind::Async },
            { "order-events", "email", EdgeKind::Async },
            { "order-events", "shipping", EdgeKind::Async },
        });
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

bool sameColor(QColor a, QColor b, int tolerance = 3)
{
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance
        && std::abs(a.blue() - b.blue()) <= tolerance;
}

int layerOf(const GraphLayout& layout, const GraphSnapshot& s, const char* id)
{
    return layout.layer(s.findNode(id));
}

} // namespace

class tst_GraphView : public QObject {
    Q_OBJECT

private slots:
    void healthColoursAreDistinctAndReadable_data()
    {
        QTest::addColumn<QPalette>("palette");
        QTest::addRow("light theme") << lightPalette();
        QTest::addRow("dark theme") << darkPalette();
    }
    void healthColoursAreDistinctAndReadable()
    {
        QFETCH(QPalette, palette);
        const QColor healthy = GraphStyle::healthColor(Health::Healthy, palette);
        const QColor degraded = GraphStyle::healthColor(Health::Degraded, palette);
        const QColor failing = GraphStyle::healthColor(Health::Failing, palette);
        const QColor idle = GraphStyle::healthColor(Health::Idle, palette);
        QVERIFY(healthy.hslHue() > 90 && healthy.hslHue() < 160);
        QVERIFY(degraded.hslHue() > 25 && degraded.hslHue() < 55);
        QVERIFY(failing.hslHue() < 15 || failing.hslHue() > 345);
        QVERIFY(idle.hslSaturation() < 40);
        for (Health h : { Health::Healthy, Health::Degraded, Health::Failing, Health::Idle }) {
            const QColor fill = GraphStyle::healthFill(h, palette);
            // Node labels use the palette's text colour on the fill: WCAG AA for normal text.
            QVERIFY2(GraphStyle::contrast(fill, palette.color(QPalette::Text)) >= 4.5,
                qPrintable(QString::number(static_cast<int>(h))));
            // The outline must stand out from the background.
            QVERIFY(GraphStyle::contrast(GraphStyle::healthColor(h, palette), GraphStyle::background(palette)) >= 2.5);
        }
    }

    void edgeWidthGrowsWithRateAndIsClamped()
    {
        QCOMPARE(GraphStyle::edgeWidth(0.0), GraphStyle::kMinEdgeWidth);
        QCOMPARE(GraphStyle::edgeWidth(-5.0), GraphStyle::kMinEdgeWidth);
        QVERIFY(GraphStyle::edgeWidth(1.0) < GraphStyle::edgeWidth(10.0));
        QVERIFY(GraphStyle::edgeWidth(10.0) < GraphStyle::edgeWidth(100.0));
        QCOMPARE(GraphStyle::edgeWidth(1e12), GraphStyle::kMaxEdgeWidth);
    }

    void layersFollowLongestPathFromSources()
    {
        const auto s
            = makeSnapshot({ { "user", NodeKind::User }, { "gateway" }, { "orders" }, { "db", NodeKind::Database } },
                { { "user", "gateway" }, { "gateway", "orders" }, { "gateway", "db" }, { "orders", "db" } });
        GraphLayout layout;
        layout.compute(*s);
        QCOMPARE(layout.layerCount(), 4);
        QCOMPARE(layerOf(layout, *s, "user"), 0);
        QCOMPARE(layerOf(layout, *s, "gateway"), 1);
        QCOMPARE(layerOf(layout, *s, "orders"), 2);
        QCOMPARE(layerOf(layout, *s, "db"), 3); // the longer path wins
        // gateway -> db spans two layers, so it is routed through the layer in between.
        QCOMPARE(layout.waypoints(s->findEdge("gateway", "db")).size(), 1);
    }

    void backEdgesAreIgnoredForLayering()
    {
        const auto s = makeSnapshot({ { "user", NodeKind::User }, { "a" }, { "b" }, { "c" } },
            { { "user", "a" }, { "a", "b" }, { "b", "c" }, { "c", "a" } });
        GraphLayout layout;
        layout.compute(*s);
        QCOMPARE(layerOf(layout, *s, "a"), 1);
        QCOMPARE(layerOf(layout, *s, "b"), 2);
        QCOMPARE(layerOf(layout, *s, "c"), 3);
        QVERIFY(layout.isBackEdge(s->findEdge("c", "a")));
        QVERIFY(!layout.isBackEdge(s->findEdge("a", "b")));
    }

    void userNodesStartTheirLayer()
    {
        // A user that is not the first id and a service with no callers both start at the left.
        const auto s = makeSnapshot({ { "zz-client", NodeKind::User }, { "api" }, { "cron" }, { "store" } },
            { { "zz-client", "api" }, { "api", "store" }, { "cron", "store" } });
        GraphLayout layout;
        layout.compute(*s);
        QCOMPARE(layerOf(layout, *s, "zz-client"), 0);
        QCOMPARE(layerOf(layout, *s, "cron"), 0);
        QCOMPARE(layerOf(layout, *s, "store"), 2);
    }

    void orderingLeavesATreeWithoutCrossings()
    {
        const auto s = checkout();
        GraphLayout layout;
        layout.compute(*s);
        int crossings = 0;
        for (const auto& e1 : s->edges)
            for (const auto& e2 : s->edges) {
                if (layout.layer(e1.source) != layout.layer(e2.source)
                    || layout.layer(e1.target) != layout.layer(e2.target))
                    continue;
                if (layout.order(e1.source) < layout.order(e2.source)
                    && layout.order(e1.target) > layout.order(e2.target))
                    ++crossings;
            }
        QCOMPARE(crossings, 0);
        // No two nodes overlap, labels included.
        for (int a = 0; a < layout.nodeCount(); ++a)
            for (int b = a + 1; b < layout.nodeCount(); ++b)
                QVERIFY(!layout.nodeRect(a)
                             .adjusted(0, 0, 0, GraphLayout::kLabelHeight)
                             .intersects(layout.nodeRect(b).adjusted(0, 0, 0, GraphLayout::kLabelHeight)));
    }

    void viewDrawsNodesLeftToRight()
    {
        GraphView view;
        view.resize(1000, 600);
        view.setSnapshot(checkout());
        QVERIFY(view.nodeCenter("user").x() < view.nodeCenter("gateway").x());
        QVERIFY(view.nodeCenter("gateway").x() < view.nodeCenter("orders").x());
        QVERIFY(view.nodeCenter("orders").x() < view.nodeCenter("payments").x());
        QVERIFY(view.nodeCenter("payments").x() < view.nodeCenter("fraud-check").x());
        QVERIFY(view.nodeCenter("fraud-check").x() < view.nodeCenter("bank").x());
        QVERIFY(view.nodeCenter("no-such-node").isNull());
        // The whole graph fits the widget.
        for (const auto& n : view.snapshot()->nodes)
            QVERIFY(view.rect().contains(view.nodeRect(QString::fromStdString(n.id)).toRect()));
    }

    void clickSelectsANodeAndBackgroundClears()
    {
        GraphView view;
        view.resize(1000, 600);
        view.setSnapshot(checkout());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy spy(&view, &GraphView::nodeSelected);

        QTest::mouseClick(&view, Qt::LeftButton, {}, view.nodeCenter("payments").toPoint());
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("payments"));
        QCOMPARE(view.selectedNode(), QStringLiteral("payments"));
        QCOMPARE(view.nodeAt(view.nodeCenter("bank")), QStringLiteral("bank"));

        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(3, 3));
        QCOMPARE(spy.count(), 2);
        QVERIFY(spy.at(1).at(0).toString().isEmpty());
        QVERIFY(view.selectedNode().isEmpty());
    }

    void edgeLabelsCanBeToggled()
    {
        GraphView view;
        view.resize(1000, 600);
        view.setSnapshot(checkout());
        QSignalSpy spy(&view, &GraphView::edgeLabelsVisibleChanged);
        QVERIFY(view.edgeLabelsVisible());
        const QImage with = view.grab().toImage();
        view.setEdgeLabelsVisible(false);
        QCOMPARE(spy.count(), 1);
        QVERIFY(!view.edgeLabelsVisible());
        const QImage without = view.grab().toImage();
        QVERIFY(with != without);
        view.setEdgeLabelsVisible(false);
        QCOMPARE(spy.count(), 1); // no change, no signal
        view.setEdgeLabelsVisible(true);
        QCOMPARE(view.grab().toImage(), with);
    }

    void positionsStayWhileTopologyStays()
    {
        GraphView view;
        view.resize(1000, 600);
        auto first = checkout();
        view.setSnapshot(first);
        const int generation = view.layoutGeneration();
        const QPointF payments = view.nodeCenter("payments");
        const QPointF email = view.nodeCenter("email");

        auto busier = checkout();
        for (auto& n : busier->nodes) {
            n.traffic.rps *= 7.0;
            n.health = Health::Failing;
        }
        for (auto& e : busier->edges)
            e.traffic.rps = 900.0;
        busier->sequence = first->sequence + 1;
        view.setSnapshot(busier);
        QCOMPARE(view.layoutGeneration(), generation);
        QCOMPARE(view.nodeCenter("payments"), payments);
        QCOMPARE(view.nodeCenter("email"), email);

        auto grown = checkout();
        NodeSnapshot extra;
        extra.id = "zz-audit";
        grown->nodes.push_back(extra);
        view.setSnapshot(grown);
        QCOMPARE(view.layoutGeneration(), generation + 1);
        QVERIFY(!view.nodeCenter("zz-audit").isNull());
    }

    void fillShowsHealth()
    {
        GraphView view;
        view.setPalette(lightPalette());
        view.resize(1000, 600);
        view.setSnapshot(checkout());
        const QImage image = view.grab().toImage();
        const auto sample = [&](const char* id) {
            const QRectF r = view.nodeRect(id);
            return image.pixelColor(QPointF(r.left() + r.width() * 0.12, r.top() + r.height() * 0.8).toPoint());
        };
        QVERIFY(sameColor(sample("gateway"), GraphStyle::healthFill(Health::Healthy, view.palette())));
        QVERIFY(sameColor(sample("payments"), GraphStyle::healthFill(Health::Degraded, view.palette())));
        QVERIFY(sameColor(sample("email"), GraphStyle::healthFill(Health::Idle, view.palette())));
    }

    void faultTargetsCarryAMarker()
    {
        GraphView view;
        view.setPalette(lightPalette());
        view.resize(1000, 600);
        view.setSnapshot(checkout());
        QVERIFY(view.faultMarkerRect("inventory").isNull());
        view.setFaultTargets({ "inventory", "no-such-node" });
        const QRectF marker = view.faultMarkerRect("inventory");
        QVERIFY(!marker.isNull());
        QVERIFY(view.faultMarkerRect("no-such-node").isNull());
        // On the node's corner, and drawn: the disc is the failing colour, the bolt white.
        const QRectF node = view.nodeRect("inventory");
        QVERIFY(marker.intersects(node));
        QVERIFY(marker.center().x() < node.center().x() && marker.center().y() < node.center().y());
        const QImage image = view.grab().toImage();
        const QColor failing = GraphStyle::healthColor(Health::Failing, view.palette());
        int discPixels = 0;
        int boltPixels = 0;
        for (int y = int(marker.top()); y <= int(marker.bottom()); ++y)
            for (int x = int(marker.left()); x <= int(marker.right()); ++x) {
                const QColor c = image.pixelColor(x, y);
                discPixels += sameColor(c, failing) ? 1 : 0;
                boltPixels += c == QColor(Qt::white) ? 1 : 0;
            }
        QVERIFY2(discPixels > 20 && boltPixels > 5, qPrintable(QString("%1 %2").arg(discPixels).arg(boltPixels)));
        view.setFaultTargets({});
        QVERIFY(view.faultMarkerRect("inventory").isNull());
    }

    void edgeAtNamesTheCallUnderThePointer()
    {
        GraphView view;
        view.resize(1000, 600);
        view.setSnapshot(checkout());
        const QPointF a = view.nodeCenter("gateway");
        const QPointF b = view.nodeCenter("orders");
        const QRectF ra = view.nodeRect("gateway");
        const QRectF rb = view.nodeRect("orders");
        // Halfway between the two shapes' facing sides, on the line between their centres.
        const double x = (ra.right() + rb.left()) / 2;
        const QPointF mid(x, a.y() + (b.y() - a.y()) * (x - a.x()) / (b.x() - a.x()));
        QCOMPARE(view.edgeAt(mid), (EdgeRef { "gateway", "orders" }));
        QVERIFY(view.edgeAt(QPointF(2, 2)).isNull());
    }

    void drawsEveryKindAndState()
    {
        auto s = checkout();
        for (auto& n : s->nodes)
            if (n.id == "fraud-check") n.virtual_node = true;
        for (auto& e : s->edges) {
            e.breaker = BreakerInfo { "b", BreakerState::Open, 80.0, -1.0, 3, {} };
            e.health = Health::Failing;
        }
        GraphView view;
        view.resize(400, 260); // small: level of detail drops the figures
        view.setSnapshot(s);
        QVERIFY(!view.grab().toImage().isNull());
        view.resize(1400, 900);
        QVERIFY(!view.grab().toImage().isNull());
    }

    void emptyViewShowsAPlaceholder()
    {
        GraphView view;
        view.resize(400, 300);
        const QImage none = view.grab().toImage();
        view.setSnapshot(std::make_shared<GraphSnapshot>());
        const QImage empty = view.grab().toImage();
        const QColor bg = GraphStyle::background(view.palette());
        bool drewSomething = false;
        for (int y = 0; y < empty.height() && !drewSomething; ++y)
            for (int x = 0; x < empty.width() && !drewSomething; ++x)
                drewSomething = empty.pixelColor(x, y) != bg;
        QVERIFY(drewSomething);
        QVERIFY(none != empty);
        QVERIFY(view.nodeAt(QPointF(200, 150)).isEmpty());
    }

    void textDescribesFigures()
    {
        const auto s = checkout();
        const int payments = s->findNode("payments");
        QCOMPARE(GraphText::figuresLine(*s, payments), QStringLiteral("10.0 rps · 1.0% err · p99 95 ms"));
        QCOMPARE(GraphText::figuresLine(*s, s->findNode("order-events")), QStringLiteral("10.0 msg/s · depth 12"));
        // The user serves nothing; it shows what it sends.
        QCOMPARE(GraphText::shownTraffic(*s, s->findNode("user")).rps, 10.0);
        QVERIFY(GraphText::nodeToolTip(*s, payments).contains(QStringLiteral("payments")));
        const QString edgeTip = GraphText::edgeToolTip(*s, s->findEdge("orders", "payments"));
        QVERIFY(edgeTip.contains(QStringLiteral("orders → payments")));
        QCOMPARE(GraphText::edgeLabel(s->edges.at(s->findEdge("orders", "payments"))),
            QStringList({ QStringLiteral("10.0 rps"), QStringLiteral("p99 60 ms") }));
    }
};

QTEST_MAIN(tst_GraphView)
#include "tst_graphview.moc"
