// The inspector through the real widget: figures, sparklines, histogram, breaker transitions and
// configuration of a node and an edge of a paused, stepped simulation.

#include "figureformat.h"
#include "inspectorpanel.h"
#include "latencychart.h"
#include "run/simulationrunner.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "sparkline.h"

#include <QLineSeries>
#include <QTest>

using namespace faultline;

namespace {

Scenario builtin(std::string_view id)
{
    auto loaded = ScenarioLoader::fromString(builtinScenario(id));
    if (!loaded.scenario) qFatal("built-in scenario does not load");
    return *loaded.scenario;
}

QString configValue(const InspectorPanel& panel, const QString& label)
{
    for (const auto& row : panel.configuration())
        if (row.label == label) return row.value;
    return QStringLiteral("<none>");
}

} // namespace

class tst_inspectorpanel : public QObject {
    Q_OBJECT

    std::unique_ptr<SimulationRunner> m_runner;
    std::unique_ptr<InspectorPanel> m_panel;

    /// Steps to `seconds` and hands the panel what the main window would: the snapshot and the detail.
    bool stepTo(double seconds)
    {
        m_runner->step(seconds - m_runner->simulatedSeconds());
        if (!QTest::qWaitFor(
                [&] {
                    auto d = m_runner->latestDetail();
                    return m_runner->idle() && m_runner->simulatedSeconds() == seconds && d
                        && d->key == m_panel->detailKey() && d->sequence == m_runner->latestSnapshot()->sequence;
                },
                120000))
            return false;
        m_panel->setSnapshot(m_runner->latestSnapshot());
        m_panel->setDetail(m_runner->latestDetail());
        // To look at the panel: FAULTLINE_SHOT_DIR=/some/dir saves what it shows after every step.
        if (const QByteArray dir = qgetenv("FAULTLINE_SHOT_DIR"); !dir.isEmpty()) {
            QTest::qWait(50); // let the layouts settle, as they would before the next paint
            m_panel->grab().save(QStringLiteral("%1/inspector-%2.png").arg(QString::fromLocal8Bit(dir)).arg(seconds));
        }
        return true;
    }

private slots:
    void init()
    {
        SimulationRunner::Options o;
        o.start_paused = true;
        m_runner = std::make_unique<SimulationRunner>(builtin("cascade-with-breaker"), o);
        m_panel = std::make_unique<InspectorPanel>();
        m_panel->resize(320, 900);
        connect(m_panel.get(), &InspectorPanel::detailKeyChanged, this,
            [this](const DetailKey& key) { m_runner->watch(key); });
        m_panel->show();
    }
    void cleanup()
    {
        m_panel.reset();
        m_runner.reset();
    }

    void nodeFiguresTrendAndHistogram()
    {
        QCOMPARE(m_panel->title(), QStringLiteral("No selection"));
        m_panel->setNode(QStringLiteral("catalog"));
        QVERIFY(stepTo(20.0));
        const auto snapshot = m_runner->latestSnapshot();
        const auto detail = m_runner->latestDetail();
        const NodeSnapshot& n = snapshot->nodes[static_cast<size_t>(snapshot->findNode("catalog"))];
        QCOMPARE(m_panel->title(), QStringLiteral("catalog"));
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::Kind), QStringLiteral("Service"));
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::Instances), QStringLiteral("2"));
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::Rate), FigureFormat::rate(n.traffic.rps) + " rps");
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::P99), FigureFormat::millis(n.traffic.latency.p99_ms));
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::InFlight), QString::number(n.in_flight, 'f', 1));
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::Protocol), QString()); // a node has none

        // Sparklines: one point per whole second of the run so far (0..19), values from the history.
        const auto* rate = m_panel->sparkline(InspectorPanel::Trend::Rate)->series();
        const auto* errors = m_panel->sparkline(InspectorPanel::Trend::ErrorPercent)->series();
        const auto* mean = m_panel->sparkline(InspectorPanel::Trend::MeanLatency)->series();
        QCOMPARE(rate->count(), 20);
        QCOMPARE(errors->count(), 20);
        const auto& points = detail->history.points;
        const size_t second0 = static_cast<size_t>(-detail->history.first_second);
        int withTraffic = 0;
        for (int i = 0; i < 20; ++i) {
            const HistoryPoint& p = points[second0 + static_cast<size_t>(i)];
            QCOMPARE(rate->at(i).y(), double(p.count));
            QCOMPARE(rate->at(i).x(), double(i - 19));
            QCOMPARE(errors->at(i).y(), p.count ? 100.0 * p.errors / p.count : 0.0);
            if (p.count > 0) QCOMPARE(mean->at(withTraffic++).y(), double(p.mean_ms));
        }
        QCOMPARE(mean->count(), withTraffic);
        QVERIFY(withTraffic > 15);

        // The histogram: its bars hold the window's requests, each bar its buckets.
        const auto& bars = m_panel->latencyChart()->bars();
        QVERIFY(!bars.isEmpty());
        uint64_t total = 0;
        for (const auto& bar : bars) {
            uint64_t expected = 0;
            for (const LatencyBucket& b : detail->latency) {
                const double mid = 0.5 * (b.lower_ms + b.upper_ms);
                if (mid >= bar.lower_ms && mid < bar.upper_ms) expected += b.count;
            }
            QCOMPARE(bar.count, expected);
            total += bar.count;
        }
        QCOMPARE(total, detail->latency_count);
        QCOMPARE(m_panel->latencyChart()->p50Mark(), n.traffic.latency.p50_ms);
        QCOMPARE(m_panel->latencyChart()->p99Mark(), n.traffic.latency.p99_ms);

        // Configuration from the scenario.
        QCOMPARE(configValue(*m_panel, QStringLiteral("Instances")), QStringLiteral("2"));
        QCOMPARE(configValue(*m_panel, QStringLiteral("Concurrency")), QStringLiteral("50 per instance"));
        QVERIFY(configValue(*m_panel, QStringLiteral("Operation list")).startsWith(QStringLiteral("exponential")));
        QVERIFY(m_panel->breakerTransitions().isEmpty());
    }

    void edgeBreakerAndConfiguration()
    {
        m_panel->setEdge(EdgeRef { QStringLiteral("payments"), QStringLiteral("bank") });
        QVERIFY(stepTo(70.0));
        const auto snapshot = m_runner->latestSnapshot();
        const auto detail = m_runner->latestDetail();
        const EdgeSnapshot& e = snapshot->edges[static_cast<size_t>(snapshot->findEdge("payments", "bank"))];
        QCOMPARE(m_panel->title(), QStringLiteral("payments → bank"));
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::Kind), QStringLiteral("Sync call"));
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::Protocol), QStringLiteral("http"));
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::Instances), QString());
        QCOMPARE(
            m_panel->fieldText(InspectorPanel::Field::TotalRequests), FigureFormat::count(e.traffic.totals.requests));
        QVERIFY(e.breaker.has_value());
        QVERIFY(
            m_panel->fieldText(InspectorPanel::Field::Breaker).endsWith(FigureFormat::breakerState(e.breaker->state)));

        // The transitions, newest first, at simulated time.
        QVERIFY(!detail->breaker_events.empty());
        const QStringList lines = m_panel->breakerTransitions();
        QCOMPARE(lines.size(),
            std::min<qsizetype>(InspectorPanel::kShownTransitions, qsizetype(detail->breaker_events.size())));
        const BreakerEvent& newest = detail->breaker_events.back();
        QCOMPARE(lines.front(),
            QStringLiteral("%1  %2 → %3")
                .arg(FigureFormat::clock(static_cast<double>(newest.time_ns) / 1e9),
                    FigureFormat::breakerState(newest.from), FigureFormat::breakerState(newest.to)));
        QVERIFY(lines.back().contains(QStringLiteral("Closed → Open"))
            || lines.size() == InspectorPanel::kShownTransitions);

        // What the scenario gave the call.
        QCOMPARE(configValue(*m_panel, QStringLiteral("Timeout")), FigureFormat::millis(3000));
        QCOMPARE(configValue(*m_panel, QStringLiteral("Protocol")), QStringLiteral("http"));
        QVERIFY(configValue(*m_panel, QStringLiteral("Breaker")).contains(QStringLiteral("50% failures")));
        QCOMPARE(configValue(*m_panel, QStringLiteral("Retries")), QStringLiteral("none"));

        // Back to a node: the edge's detail is dropped until the runner publishes the node's.
        m_panel->setNode(QStringLiteral("payments"));
        QVERIFY(m_panel->breakerTransitions().isEmpty());
        QCOMPARE(m_panel->fieldText(InspectorPanel::Field::Protocol), QString());
        QVERIFY(stepTo(71.0));
        QVERIFY(!m_panel->breakerTransitions().isEmpty()); // the node owns the breaker
        // A detail published for another item is ignored.
        m_panel->setDetail(detail);
        QCOMPARE(m_runner->latestDetail()->key.node, std::string("payments"));
    }
};

QTEST_MAIN(tst_inspectorpanel)
#include "tst_inspectorpanel.moc"
