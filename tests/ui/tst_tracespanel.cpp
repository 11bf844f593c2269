// The traces dock's own behaviour: the list and waterfall models (checked by QAbstractItemModelTester),
// choosing a trace, keeping the choice across refreshes, and the waterfall bars.

#include "graph/tracestore.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"
#include "tracespanel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using namespace faultline;

namespace {

/// Simulates the checkout scenario with a trace store listening, as the runners do.
struct SimulatedTraces final : TelemetrySink {
    TraceStore store;
    std::shared_ptr<const Scenario> scenario;
    std::unique_ptr<Simulator> sim;

    explicit SimulatedTraces(double seconds)
    {
        auto loaded = ScenarioLoader::fromString(builtinScenario("checkout"));
        if (!loaded.ok()) qFatal("checkout does not load");
        scenario = std::make_shared<const Scenario>(std::move(*loaded.scenario));
        sim = std::make_unique<Simulator>(scenario, scenario->seed, this);
        sim->runUntil(static_cast<int64_t>(seconds * 1e9));
    }
    void onSpans(SpanBatch&& batch) override { store.add(batch); }
    void onMetrics(std::vector<MetricPoint>&&) override { }
    void onClock(int64_t) override { }
};

} // namespace

class TestTracesPanel : public QObject {
    Q_OBJECT
private slots:
    void modelsPassTheModelTester()
    {
        SimulatedTraces sim(3.0);
        TracesPanel panel;
        QAbstractItemModelTester listTester(panel.listModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester waterfallTester(
            panel.waterfallModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        panel.setSubject(QStringLiteral("orders → payments"));
        panel.setTraces(sim.store.query(TraceQuery::ofEdge("orders", "payments", 20)), sim.store.stats());
        QCOMPARE(panel.listModel()->rowCount(), 20);
        panel.setWaterfall(sim.store.waterfall(panel.listModel()->traces()[0].id));
        QVERIFY(panel.waterfallModel()->rowCount() >= 3);
        panel.setTraces(sim.store.query(TraceQuery::ofNode("bank", 5)), sim.store.stats());
        QCOMPARE(panel.listModel()->rowCount(), 5);
        panel.setWaterfall(std::nullopt);
        QCOMPARE(panel.waterfallModel()->rowCount(), 0);
    }

    void choosingATraceAsksForItsWaterfallAndKeepsTheChoice()
    {
        SimulatedTraces sim(3.0);
        TracesPanel panel;
        panel.resize(700, 500);
        panel.setSubject(QStringLiteral("payments"));
        panel.setTraces(sim.store.query(TraceQuery::ofNode("payments", 10)), sim.store.stats());
        QSignalSpy chosen(&panel, &TracesPanel::traceChosen);

        // A click on a row, as the user does it.
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QTableView* list = panel.listView();
        const QRect row2 = list->visualRect(panel.listModel()->index(2, TraceListModel::Root));
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, row2.center());
        QCOMPARE(chosen.count(), 1);
        const TraceId id = chosen.at(0).at(0).value<TraceId>();
        QCOMPARE(id, panel.listModel()->traces()[2].id);
        QCOMPARE(panel.chosenTrace(), std::optional<TraceId>(id));

        const auto waterfall = sim.store.waterfall(id);
        QVERIFY(waterfall.has_value());
        panel.setWaterfall(waterfall);
        QCOMPARE(panel.waterfallModel()->rowCount(), static_cast<int>(waterfall->rows.size()));
        // Every bar lies within the trace's timeline, the root spans all of it.
        for (int r = 0; r < panel.waterfallModel()->rowCount(); ++r) {
            const QPointF bar
                = panel.waterfallModel()->index(r, WaterfallModel::Timeline).data(WaterfallModel::BarRole).toPointF();
            QVERIFY(bar.x() >= 0.0 && bar.y() <= 1.0 + 1e-9 && bar.x() <= bar.y());
        }
        // The root starts the timeline; the latest span (a consumer, after the root answered) ends it.
        double latestEnd = 0.0;
        for (int r = 0; r < panel.waterfallModel()->rowCount(); ++r)
            latestEnd = std::max(latestEnd,
                panel.waterfallModel()
                    ->index(r, WaterfallModel::Timeline)
                    .data(WaterfallModel::BarRole)
                    .toPointF()
                    .y());
        QCOMPARE(
            panel.waterfallModel()->index(0, WaterfallModel::Timeline).data(WaterfallModel::BarRole).toPointF().x(),
            0.0);
        QCOMPARE(latestEnd, 1.0);
        // Children are indented under their parents.
        QVERIFY(panel.waterfallModel()->index(1, WaterfallModel::Operation).data().toString().startsWith("  "));

        // A refresh with a new list keeps the chosen trace selected where it moved to.
        auto list2 = sim.store.query(TraceQuery::ofNode("payments", 10));
        std::rotate(list2.begin(), list2.begin() + 1, list2.end());
        const int expectedRow = static_cast<int>(std::find_if(list2.begin(), list2.end(), [&](const TraceSummary& t) {
            return t.id == id;
        }) - list2.begin());
        panel.setTraces(std::move(list2), sim.store.stats());
        QCOMPARE(list->selectionModel()->selectedRows().size(), 1);
        QCOMPARE(list->selectionModel()->selectedRows().front().row(), expectedRow);
        QVERIFY(panel.statusText().contains("traces kept"));

        // A new subject starts over.
        panel.setSubject(QStringLiteral("bank"));
        QVERIFY(!panel.chosenTrace());
        QCOMPARE(panel.listModel()->rowCount(), 0);
        QCOMPARE(panel.waterfallModel()->rowCount(), 0);

        const QString shots = qEnvironmentVariable("FAULTLINE_SHOTS");
        if (!shots.isEmpty()) {
            panel.setSubject(QStringLiteral("orders → payments"));
            panel.setTraces(sim.store.query(TraceQuery::ofEdge("orders", "payments", 10)), sim.store.stats());
            panel.chooseTrace(0);
            panel.setWaterfall(sim.store.waterfall(panel.listModel()->traces()[0].id));
            panel.grab().save(shots + "/traces.png");
        }
    }

    void failedSpansAreMarked()
    {
        TraceStore store;
        SpanBatch batch;
        Span root;
        root.trace_id = TraceId { 0, 1 };
        root.span_id = 1;
        root.kind = SpanKind::Server;
        root.service = "gateway";
        root.name = "GET /";
        root.start_ns = 0;
        root.end_ns = 10'000'000;
        Span child = root;
        child.span_id = 2;
        child.parent_span_id = 1;
        child.kind = SpanKind::Client;
        child.status = StatusCode::Error;
        child.start_ns = 2'000'000;
        child.end_ns = 4'000'000;
        batch.spans = { root, child };
        store.add(batch);
        TracesPanel panel;
        panel.setTraces(store.query(TraceQuery::ofNode("gateway")), store.stats());
        QCOMPARE(panel.listModel()->index(0, TraceListModel::Status).data().toString(), QStringLiteral("failed"));
        panel.setWaterfall(store.waterfall(TraceId { 0, 1 }));
        auto* m = panel.waterfallModel();
        QCOMPARE(m->index(0, 0).data(WaterfallModel::ErrorRole).toBool(), false);
        QCOMPARE(m->index(1, 0).data(WaterfallModel::ErrorRole).toBool(), true);
        QCOMPARE(m->index(1, WaterfallModel::Timeline).data(WaterfallModel::BarRole).toPointF(), QPointF(0.2, 0.4));
        QCOMPARE(m->index(1, WaterfallModel::Kind).data().toString(), QStringLiteral("client"));
    }
};

QTEST_MAIN(TestTracesPanel)
#include "tst_tracespanel.moc"
