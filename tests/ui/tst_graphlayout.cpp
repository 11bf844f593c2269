// GraphLayout on its own and through GraphView: layering, stability when nodes come and go, and big
// graphs laid out off the UI thread.
#include "graphlayout.h"
#include "graphview.h"
#include "support/graphbuilder.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QThreadPool>
#include <QTimer>

#include <map>
#include <set>
#include <string>

using namespace faultline;
using namespace faultline::testing;

namespace {

// Old nodes' order within each layer, by id: the ids of each layer, top to bottom.
std::map<int, std::vector<std::string>> layerOrders(const GraphLayout& layout, const GraphSnapshot& s)
{
    std::map<int, std::map<int, std::string>> byLayer;
    for (int v = 0; v < layout.nodeCount(); ++v)
        byLayer[layout.layer(v)][layout.order(v)] = s.nodes[v].id;
    std::map<int, std::vector<std::string>> out;
    for (const auto& [layer, ids] : byLayer)
        for (const auto& [order, id] : ids)
            out[layer].push_back(id);
    return out;
}

// `orders` restricted to the ids in `keep`.
std::map<int, std::vector<std::string>> restricted(
    std::map<int, std::vector<std::string>> orders, const GraphSnapshot& keep)
{
    for (auto& [layer, ids] : orders)
        std::erase_if(ids, [&](const std::string& id) { return keep.findNode(id) < 0; });
    std::erase_if(orders, [](const auto& entry) { return entry.second.empty(); });
    return orders;
}

void verifyForwardEdgesGoRight(const GraphLayout& layout, const GraphSnapshot& s)
{
    for (int e = 0; e < static_cast<int>(s.edges.size()); ++e) {
        if (layout.isBackEdge(e)) continue;
        const auto& edge = s.edges[e];
        QVERIFY2(layout.layer(static_cast<int>(edge.source)) < layout.layer(static_cast<int>(edge.target)),
            (s.nodes[edge.source].id + " -> " + s.nodes[edge.target].id).c_str());
        QVERIFY(layout.center(static_cast<int>(edge.source)).x() < layout.center(static_cast<int>(edge.target)).x());
    }
}

} // namespace

class tst_GraphLayout : public QObject {
    Q_OBJECT
private slots:
    void entryPointsSitLeftAndEdgesRunRight()
    {
        const auto s = layeredFleet(400);
        GraphLayout layout;
        layout.compute(*s);
        QCOMPARE(layout.layer(s->findNode("user")), 0);
        // The user, in the first layer, is left of every node of the others (the first layer may be two
        // staggered columns, the user in either).
        for (int v = 0; v < layout.nodeCount(); ++v)
            if (layout.layer(v) > 0) QVERIFY(layout.center(s->findNode("user")).x() < layout.center(v).x());
        verifyForwardEdgesGoRight(layout, *s);
        int back = 0;
        for (int e = 0; e < static_cast<int>(s->edges.size()); ++e)
            back += layout.isBackEdge(e) ? 1 : 0;
        QVERIFY(back <= 1); // the one edge back to the first layer, if it closes a cycle
        // Nodes of a layer never overlap, nor do the figures below them.
        const auto drawn = [&](int v) { return layout.nodeRect(v).adjusted(0, 0, 0, GraphLayout::kLabelHeight); };
        for (int a = 0; a < layout.nodeCount(); ++a)
            for (int b = a + 1; b < layout.nodeCount(); ++b)
                if (layout.layer(a) == layout.layer(b)) QVERIFY(!drawn(a).intersects(drawn(b)));
    }

    void aWideLayerIsDrawnAsTwoStaggeredColumns()
    {
        // A gateway that calls 30 services: one layer of 30, which as one column was some 3,100 px tall
        // for 370 px of width, and fitting it to a window made it unreadable.
        std::vector<NodeSpec> nodes { { "user", NodeKind::User }, { "gateway" } };
        std::vector<EdgeSpec> edges { { "user", "gateway" } };
        for (int i = 0; i < 30; ++i) {
            nodes.push_back({ "svc-" + std::to_string(100 + i) });
            edges.push_back({ "gateway", "svc-" + std::to_string(100 + i) });
        }
        const auto s = buildSnapshot(nodes, edges);
        GraphLayout layout;
        layout.compute(*s);
        const double column = 30 * (GraphLayout::kNodeHeight + GraphLayout::kRowGap);
        QVERIFY2(layout.bounds().height() < column * 0.6, qPrintable(QString::number(layout.bounds().height())));
        // Two columns, the services alternating between them in their order; every figure clear of the rest.
        std::set<double> xs;
        for (int v = 0; v < layout.nodeCount(); ++v)
            if (layout.layer(v) == 2) xs.insert(layout.center(v).x());
        QCOMPARE(xs.size(), size_t(2));
        const auto drawn = [&](int v) { return layout.nodeRect(v).adjusted(0, 0, 0, GraphLayout::kLabelHeight); };
        for (int a = 0; a < layout.nodeCount(); ++a)
            for (int b = a + 1; b < layout.nodeCount(); ++b)
                QVERIFY(!drawn(a).intersects(drawn(b)));
        verifyForwardEdgesGoRight(layout, *s);
        // The gateway's layer, of one node, stays one column at the usual distance from the user's.
        QCOMPARE(layout.center(s->findNode("gateway")).x() - layout.center(s->findNode("user")).x(),
            GraphLayout::kNodeWidth + GraphLayout::kLayerGap);
    }

    void addingANodeKeepsTheOthersInPlace()
    {
        const auto before = layeredFleet(300);
        GraphLayout first;
        first.compute(*before);

        // The same fleet plus one service called from the middle of the graph, calling a database.
        std::vector<NodeSpec> nodes;
        std::vector<EdgeSpec> edges;
        for (const auto& n : before->nodes)
            nodes.push_back({ n.id, n.kind, n.health });
        for (const auto& e : before->edges)
            edges.push_back({ before->nodes[e.source].id, before->nodes[e.target].id, e.kind });
        nodes.push_back({ "svc-new" });
        nodes.push_back({ "svc-new-db", NodeKind::Database });
        edges.push_back({ "svc-00100", "svc-new" });
        edges.push_back({ "svc-new", "svc-new-db" });
        const auto after = buildSnapshot(nodes, edges);
        GraphLayout second;
        second.compute(*after, &first);

        QCOMPARE(restricted(layerOrders(second, *after), *before), layerOrders(first, *before));
        int moved = 0;
        for (int v = 0; v < first.nodeCount(); ++v) {
            const int w = second.indexOf(first.nodeId(v));
            QVERIFY(w >= 0);
            QCOMPARE(second.layer(w), first.layer(v));
            moved += second.center(w) == first.center(v) ? 0 : 1;
        }
        // Most nodes stay exactly where they were; only some below the newcomer are pushed down.
        QVERIFY2(moved < first.nodeCount() / 4, qPrintable(QString::number(moved)));
        verifyForwardEdgesGoRight(second, *after);

        // Laid out from scratch instead, the same graph may well reshuffle: the seed is what keeps it.
        QVERIFY(second.indexOf("svc-new") >= 0);
        QCOMPARE(second.indexOf("nonexistent"), -1);
    }

    void removingANodeKeepsTheOthersInOrder()
    {
        const auto before = layeredFleet(300);
        GraphLayout first;
        first.compute(*before);
        std::vector<NodeSpec> nodes;
        std::vector<EdgeSpec> edges;
        for (const auto& n : before->nodes)
            if (n.id != "svc-00150") nodes.push_back({ n.id, n.kind, n.health });
        for (const auto& e : before->edges)
            if (before->nodes[e.source].id != "svc-00150" && before->nodes[e.target].id != "svc-00150")
                edges.push_back({ before->nodes[e.source].id, before->nodes[e.target].id, e.kind });
        const auto after = buildSnapshot(nodes, edges);
        GraphLayout second;
        second.compute(*after, &first);
        QCOMPARE(layerOrders(second, *after), restricted(layerOrders(first, *before), *after));
        verifyForwardEdgesGoRight(second, *after);
    }

    void viewReLaysOutStablyWhenANodeAppears()
    {
        GraphView view;
        view.resize(900, 600);
        const auto a = buildSnapshot({ { "user", NodeKind::User }, { "gw" }, { "b" }, { "c" }, { "d" } },
            { { "user", "gw" }, { "gw", "b" }, { "gw", "c" }, { "gw", "d" } });
        view.setSnapshot(a);
        const auto ordersBefore = layerOrders(view.graphLayout(), *view.snapshot());
        const auto b = buildSnapshot({ { "user", NodeKind::User }, { "gw" }, { "a" }, { "b" }, { "c" }, { "d" } },
            { { "user", "gw" }, { "gw", "a" }, { "gw", "b" }, { "gw", "c" }, { "gw", "d" } });
        view.setSnapshot(b);
        QCOMPARE(restricted(layerOrders(view.graphLayout(), *view.snapshot()), *a), ordersBefore);
    }

    void fiveThousandNodesAreLaidOutOffTheUiThread()
    {
        GraphView view;
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setSnapshot(layeredFleet(60));
        QVERIFY(!view.layoutPending()); // small graphs at once
        const int generation = view.layoutGeneration();

        // Count event-loop turns while the big layout runs: the UI thread must stay free.
        int turnsWhilePending = 0;
        QTimer ticker;
        QObject::connect(&ticker, &QTimer::timeout, &view, [&] {
            if (view.layoutPending()) ++turnsWhilePending;
        });
        ticker.start(0);
        QSignalSpy laidOut(&view, &GraphView::layoutChanged);
        // Hold every pool thread, so the layout is queued for certain while the event loop turns: a 5,000-node
        // layout takes well under 0.1 s, and could otherwise finish before the first turn.
        QThreadPool* pool = QThreadPool::globalInstance();
        QSemaphore gate;
        const int threads = pool->maxThreadCount();
        for (int i = 0; i < threads; ++i)
            pool->start([&gate] { gate.acquire(); });
        const auto big = layeredFleet(5000);
        view.setSnapshot(big);
        QVERIFY(view.layoutPending());
        // Meanwhile the old graph is still what is drawn, consistent with its layout.
        QCOMPARE(view.snapshot()->nodes.size(), size_t(60));
        QCOMPARE(view.graphLayout().nodeCount(), 60);
        QVERIFY(!view.grab().isNull());
        QTRY_VERIFY2(turnsWhilePending > 0, "the event loop did not turn while the layout ran");
        gate.release(threads);
        QTRY_VERIFY_WITH_TIMEOUT(!view.layoutPending(), 120000);
        ticker.stop();
        QCOMPARE(laidOut.count(), 1);
        QCOMPARE(view.graphLayout().nodeCount(), 5000);
        QCOMPARE(view.snapshot(), std::shared_ptr<const GraphSnapshot>(big));
        QVERIFY(view.layoutGeneration() > generation);
        verifyForwardEdgesGoRight(view.graphLayout(), *big);
        QVERIFY(!view.nodeRect("svc-04000").isNull());
    }

    void aSupersededLayoutIsDropped()
    {
        GraphView view;
        view.resize(800, 600);
        view.setAsyncLayoutThreshold(0); // everything off the UI thread
        view.setSnapshot(layeredFleet(2000, 1));
        const auto last = layeredFleet(1500, 2);
        view.setSnapshot(last);
        QTRY_VERIFY_WITH_TIMEOUT(!view.layoutPending(), 120000);
        QCOMPARE(view.snapshot(), std::shared_ptr<const GraphSnapshot>(last));
        QCOMPARE(view.graphLayout().nodeCount(), 1500);
    }
};

QTEST_MAIN(tst_GraphLayout)
#include "tst_graphlayout.moc"
