// Navigating the canvas as a user does: dragging nodes (remembered per layout key), focusing a
// neighbourhood, the keyboard, hiding idle nodes, collapsing a queue's consumers, selecting edges.
#include "edgeroute.h"
#include "graphview.h"
#include "support/graphbuilder.h"

#include <QApplication>
#include <QMouseEvent>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace faultline;
using namespace faultline::testing;

namespace {

std::shared_ptr<GraphSnapshot> shop()
{
    return buildSnapshot(
        {
            { "user", NodeKind::User },
            { "gateway" },
            { "orders" },
            { "inventory" },
            { "orders-db", NodeKind::Database },
            { "payments" },
            { "bank", NodeKind::External },
            { "order-events", NodeKind::Queue },
            { "email" },
            { "shipping" },
            { "smtp", NodeKind::External },
            { "legacy-report", NodeKind::Service, Health::Idle },
        },
        {
            { "user", "gateway" },
            { "gateway", "orders" },
            { "orders", "inventory" },
            { "orders", "orders-db" },
            { "orders", "payments" },
            { "payments", "bank" },
            { "orders", "order-events", EdgeKind::Async },
            { "order-events", "email", EdgeKind::Async },
            { "order-events", "shipping", EdgeKind::Async },
            { "email", "smtp" },
            { "shipping", "orders-db" },
            { "gateway", "shipping" }, // shipping is called directly too: not folded into the queue
            { "orders", "legacy-report", EdgeKind::Async, 0.0 },
        });
}

void send(QWidget* w, QEvent::Type type, QPointF pos, Qt::MouseButton button, Qt::MouseButtons buttons)
{
    QMouseEvent event(type, pos, w->mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &event);
}

void drag(QWidget* w, QPointF from, QPointF to)
{
    send(w, QEvent::MouseButtonPress, from, Qt::LeftButton, Qt::LeftButton);
    for (int i = 1; i <= 5; ++i)
        send(w, QEvent::MouseMove, from + (to - from) * (i / 5.0), Qt::NoButton, Qt::LeftButton);
    send(w, QEvent::MouseButtonRelease, to, Qt::LeftButton, Qt::NoButton);
}

// Where a point in layout units is drawn, from the drawn box of a node (the view's transform is a scale
// and a translation).
QPointF toWidget(const GraphView& view, const QString& anyNode, QPointF layoutPoint)
{
    const int i = view.snapshot()->findNode(anyNode.toStdString());
    const QRectF layoutBox = view.graphLayout().nodeRect(i);
    const QRectF box = view.nodeRect(anyNode);
    Q_ASSERT(!box.isNull());
    const double scale = box.width() / layoutBox.width();
    return box.topLeft() + (layoutPoint - layoutBox.topLeft()) * scale;
}

} // namespace

class tst_GraphNavigation : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("faultline-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_graphnavigation"));
        QSettings().clear();
    }

    void dragMovesANodeAndIsRememberedPerKey()
    {
        const auto s = shop();
        GraphView view;
        view.resize(1000, 600);
        view.setLayoutKey(QStringLiteral("Shop / test"));
        view.setSnapshot(s);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const int payments = s->findNode("payments");
        const QPointF computed = view.graphLayout().center(payments);
        const QPointF inventoryAt = view.graphLayout().center(s->findNode("inventory"));
        const QPointF from = view.nodeCenter("payments");
        QSignalSpy selected(&view, &GraphView::nodeSelected);
        drag(&view, from, from + QPointF(0, 90));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(view.selectedNode(), QStringLiteral("payments"));
        // The node followed the pointer, and stays under it after the release.
        QVERIFY(std::abs(view.nodeCenter("payments").y() - (from.y() + 90)) < 1.0);
        const QPointF moved = view.graphLayout().center(payments);
        QVERIFY(moved.y() > computed.y() + 10);
        QCOMPARE(view.graphLayout().center(s->findNode("inventory")), inventoryAt);

        // A new view with the same key puts it there again; another key does not.
        GraphView again;
        again.resize(800, 500);
        again.setSnapshot(s);
        QCOMPARE(again.graphLayout().center(payments), computed);
        again.setLayoutKey(QStringLiteral("Shop / test"));
        QCOMPARE(again.graphLayout().center(payments), moved);
        GraphView other;
        other.setLayoutKey(QStringLiteral("another scenario"));
        other.setSnapshot(s);
        QCOMPARE(other.graphLayout().center(payments), computed);

        // Reset forgets it, for this view and the next.
        again.resetLayout();
        QCOMPARE(again.graphLayout().center(payments), computed);
        GraphView third;
        third.setLayoutKey(QStringLiteral("Shop / test"));
        third.setSnapshot(s);
        QCOMPARE(third.graphLayout().center(payments), computed);
    }

    void focusSelectsZoomsAndDimsTheRest()
    {
        GraphView view;
        view.resize(900, 600);
        view.setSnapshot(shop());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const double fitWidth = view.nodeRect("payments").width();
        QSignalSpy selected(&view, &GraphView::nodeSelected);
        QVERIFY(!view.focusNode(QStringLiteral("no-such-service")));
        QCOMPARE(selected.count(), 0);
        QVERIFY(view.focusNode(QStringLiteral("payments")));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toString(), QStringLiteral("payments"));
        QCOMPARE(view.selectedNode(), QStringLiteral("payments"));
        QCOMPARE(view.focusedNode(), QStringLiteral("payments"));
        QCOMPARE(view.focusNeighbourhood(),
            QStringList({ QStringLiteral("bank"), QStringLiteral("orders"), QStringLiteral("payments") }));
        for (const QString& id : view.focusNeighbourhood())
            QVERIFY2(QRectF(view.rect()).contains(view.nodeRect(id)), qPrintable(id));
        QVERIFY(view.nodeRect("payments").width() > fitWidth); // zoomed in
        const QPointF centre = view.nodeRect("payments").united(view.nodeRect("bank")).center();
        QVERIFY(std::abs(centre.y() - view.height() / 2.0) < view.height() / 4.0);

        // The dimmed rest is drawn closer to the background than without focus.
        const QPointF farAway = view.nodeCenter("gateway");
        if (QRectF(view.rect()).contains(farAway)) {
            const QColor dimmed = view.grab().toImage().pixelColor(farAway.toPoint());
            view.clearNodeFocus();
            const QColor plain = view.grab().toImage().pixelColor(farAway.toPoint());
            QVERIFY(dimmed != plain);
            view.focusNode(QStringLiteral("payments"));
        }

        QTest::keyClick(&view, Qt::Key_Escape);
        QVERIFY(view.focusedNode().isEmpty());
        QCOMPARE(view.selectedNode(), QStringLiteral("payments")); // the selection stays

        // Double-click focuses too; a click on the background ends it.
        view.fitToView();
        QTest::mouseDClick(&view, Qt::LeftButton, Qt::NoModifier, view.nodeCenter("inventory").toPoint());
        QCOMPARE(view.focusedNode(), QStringLiteral("inventory"));
        QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, QPoint(3, 3));
        QVERIFY(view.focusedNode().isEmpty());
        QVERIFY(view.selectedNode().isEmpty());
    }

    void keyboardPansZoomsAndFits()
    {
        GraphView view;
        view.resize(900, 600);
        view.setSnapshot(shop());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFocus();
        const QRectF fitted = view.nodeRect("orders");
        QTest::keyClick(&view, Qt::Key_Right);
        QVERIFY(view.nodeRect("orders").x() < fitted.x() - 10); // the view moves right: the graph left
        QTest::keyClick(&view, Qt::Key_Down);
        QVERIFY(view.nodeRect("orders").y() < fitted.y() - 10);
        QTest::keyClick(&view, Qt::Key_Plus);
        QVERIFY(view.nodeRect("orders").width() > fitted.width() * 1.1);
        QTest::keyClick(&view, Qt::Key_Minus);
        QTest::keyClick(&view, Qt::Key_Minus);
        QVERIFY(view.nodeRect("orders").width() < fitted.width());
        QTest::keyClick(&view, Qt::Key_Home);
        QCOMPARE(view.nodeRect("orders"), fitted);
    }

    void idleNodesCanBeHidden()
    {
        GraphView view;
        view.resize(900, 600);
        const auto s = shop();
        view.setSnapshot(s);
        QVERIFY(!view.nodeRect("legacy-report").isNull());
        QSignalSpy changed(&view, &GraphView::idleNodesVisibleChanged);
        view.setIdleNodesVisible(false);
        QCOMPARE(changed.count(), 1);
        QVERIFY(!view.idleNodesVisible());
        QVERIFY(view.nodeRect("legacy-report").isNull());
        QCOMPARE(view.snapshot()->findNode("legacy-report"), -1);
        QCOMPARE(view.snapshot()->findEdge("orders", "legacy-report"), -1);
        QCOMPARE(view.snapshot()->nodes.size(), s->nodes.size() - 1);
        QCOMPARE(view.sourceSnapshot(), std::shared_ptr<const GraphSnapshot>(s));
        // Later snapshots are filtered the same way.
        view.setSnapshot(shop());
        QVERIFY(view.nodeRect("legacy-report").isNull());
        view.setIdleNodesVisible(true);
        QVERIFY(!view.nodeRect("legacy-report").isNull());
        QVERIFY(view.snapshot()->findEdge("orders", "legacy-report") >= 0);
    }

    void queueConsumersCollapseIntoTheQueue()
    {
        GraphView view;
        view.resize(900, 600);
        view.setSnapshot(shop());
        QSignalSpy changed(&view, &GraphView::queueConsumersCollapsedChanged);
        view.setQueueConsumersCollapsed(true);
        QCOMPARE(changed.count(), 1);
        QVERIFY(view.isQueueCollapsed(QStringLiteral("order-events")));
        // email only reads the queue: folded in, its call to smtp now leaves the queue.
        QVERIFY(view.nodeRect("email").isNull());
        QVERIFY(view.snapshot()->findEdge("order-events", "smtp") >= 0);
        QCOMPARE(view.snapshot()->findEdge("email", "smtp"), -1);
        // shipping is also called by the gateway: it stays.
        QVERIFY(!view.nodeRect("shipping").isNull());
        QVERIFY(view.snapshot()->findEdge("order-events", "shipping") >= 0);
        QCOMPARE(view.collapsedConsumers(QStringLiteral("order-events")), QStringList { QStringLiteral("email") });
        view.setQueueConsumersCollapsed(false);
        QVERIFY(!view.nodeRect("email").isNull());
        QVERIFY(view.collapsedConsumers(QStringLiteral("order-events")).isEmpty());

        // One queue at a time.
        view.setQueueCollapsed(QStringLiteral("order-events"), true);
        QVERIFY(view.nodeRect("email").isNull());
        view.setQueueCollapsed(QStringLiteral("order-events"), false);
        QVERIFY(!view.nodeRect("email").isNull());
    }

    void clickingAnEdgeSelectsIt()
    {
        GraphView view;
        view.resize(900, 600);
        view.setSnapshot(shop());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const int e = view.snapshot()->findEdge("payments", "bank");
        QVERIFY(e >= 0);
        const EdgeRoute route = EdgeRoute::compute(*view.snapshot(), view.graphLayout(), e);
        const QPointF at = toWidget(view, QStringLiteral("bank"), route.line.pointAtPercent(0.5));
        QVERIFY(view.nodeAt(at).isEmpty());
        QSignalSpy edgeSpy(&view, &GraphView::edgeSelected);
        QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, at.toPoint());
        QCOMPARE(edgeSpy.count(), 1);
        const auto picked = edgeSpy.at(0).at(0).value<EdgeRef>();
        QCOMPARE(picked.source, QStringLiteral("payments"));
        QCOMPARE(picked.target, QStringLiteral("bank"));
        QCOMPARE(view.selectedEdge(), picked);
        QVERIFY(view.selectedNode().isEmpty());
        // The background clears it, and says so.
        QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, QPoint(3, 3));
        QCOMPARE(edgeSpy.count(), 2);
        QVERIFY(edgeSpy.at(1).at(0).value<EdgeRef>().isNull());
        QVERIFY(view.selectedEdge().isNull());
    }
};

QTEST_MAIN(tst_GraphNavigation)
#include "tst_graphnavigation.moc"
