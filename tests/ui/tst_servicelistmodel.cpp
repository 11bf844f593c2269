// ServiceListModel over a sequence of snapshots where nodes appear, vanish and change, checked by
// QAbstractItemModelTester and by the exact signals a view relies on.

#include "servicelistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace faultline;

namespace {

NodeSnapshot node(const std::string& id, Health health = Health::Healthy, double rps = 10.0, double p99 = 20.0)
{
    NodeSnapshot n;
    n.id = id;
    n.health = health;
    n.instances = 2;
    n.traffic.rps = rps;
    n.traffic.error_rate = 0.01;
    n.traffic.latency.valid = true;
    n.traffic.latency.p99_ms = p99;
    return n;
}

std::shared_ptr<const GraphSnapshot> snapshot(std::vector<NodeSnapshot> nodes)
{
    static uint64_t sequence = 0;
    auto s = std::make_shared<GraphSnapshot>();
    s->sequence = ++sequence;
    std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    s->nodes = std::move(nodes);
    return s;
}

} // namespace

class tst_ServiceListModel : public QObject {
    Q_OBJECT

private slots:
    void followsSnapshotsWithMinimalSignals()
    {
        ServiceListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        model.setSnapshot(snapshot({ node("b"), node("d"), node("f") }));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(model.ids(), QStringList({ "b", "d", "f" }));

        // Same figures again: nothing to say.
        inserted.clear();
        model.setSnapshot(snapshot({ node("b"), node("d"), node("f") }));
        QCOMPARE(inserted.size() + removed.size() + changed.size(), 0);

        // a and c appear (two separate places), e and g appear together at the end... plus d changes.
        model.setSnapshot(snapshot(
            { node("a"), node("b"), node("c"), node("d", Health::Failing, 3.0), node("f"), node("g"), node("h") }));
        QCOMPARE(model.ids(), QStringList({ "a", "b", "c", "d", "f", "g", "h" }));
        QCOMPARE(inserted.size(), 3);
        QCOMPARE(inserted.at(2).at(1).toInt(), 5); // g, h inserted as one range: rows 5..6
        QCOMPARE(inserted.at(2).at(2).toInt(), 6);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 3);
        QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), 3);
        const int d = model.rowOf(QStringLiteral("d"));
        QCOMPARE(model.data(model.index(d, ServiceListModel::Health)).toString(), QStringLiteral("Failing"));
        QCOMPARE(model.data(model.index(d, ServiceListModel::Rate), ServiceListModel::SortRole).toDouble(), 3.0);

        // b, c vanish together; h vanishes; f changes.
        inserted.clear();
        changed.clear();
        model.setSnapshot(
            snapshot({ node("a"), node("d", Health::Failing, 3.0), node("f", Health::Healthy, 99.0), node("g") }));
        QCOMPARE(model.ids(), QStringList({ "a", "d", "f", "g" }));
        QCOMPARE(removed.size(), 2);
        QCOMPARE(inserted.size(), 0);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.rowOf(QStringLiteral("f")), 2);
        QCOMPARE(model.rowOf(QStringLiteral("h")), -1);

        // Everything vanishes, then a null snapshot.
        model.setSnapshot(snapshot({}));
        QCOMPARE(model.rowCount(), 0);
        model.setSnapshot(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(reset.size(), 0);
    }

    void sortsNumericallyAndWorstHealthFirst()
    {
        ServiceListModel model;
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(ServiceListModel::SortRole);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.sort(ServiceListModel::Rate, Qt::DescendingOrder);
        model.setSnapshot(snapshot(
            { node("a", Health::Healthy, 9.0), node("b", Health::Healthy, 10.0), node("c", Health::Healthy, 100.0) }));
        auto column = [&](int col) {
            QStringList out;
            for (int r = 0; r < proxy.rowCount(); ++r)
                out << proxy.data(proxy.index(r, col), ServiceListModel::IdRole).toString();
            return out;
        };
        QCOMPARE(column(ServiceListModel::Rate), QStringList({ "c", "b", "a" })); // 100 > 10 > 9, not "9" > "100"

        proxy.sort(ServiceListModel::Health, Qt::DescendingOrder);
        model.setSnapshot(snapshot({ node("a", Health::Idle), node("b", Health::Failing), node("c", Health::Healthy),
            node("d", Health::Degraded) }));
        QCOMPARE(column(ServiceListModel::Id), QStringList({ "b", "d", "c", "a" }));
        QVERIFY(!proxy.data(proxy.index(0, ServiceListModel::Health), Qt::DecorationRole).value<QIcon>().isNull());
    }

    void showsDashesForUnknownFigures()
    {
        ServiceListModel model;
        NodeSnapshot n = node("x");
        n.instances = 0;
        n.traffic.latency.valid = false;
        model.setSnapshot(snapshot({ n }));
        QCOMPARE(model.data(model.index(0, ServiceListModel::Instances)).toString(), QStringLiteral("–"));
        QCOMPARE(model.data(model.index(0, ServiceListModel::P99)).toString(), QStringLiteral("–"));
        QCOMPARE(model.data(model.index(0, ServiceListModel::Rate)).toString(), QStringLiteral("10.0"));
    }
};

QTEST_MAIN(tst_ServiceListModel)
#include "tst_servicelistmodel.moc"
