// The Event log: incremental and bounded appends from fault logs, breaker events and snapshots, the kind
// filter, clicks that select, CSV export read back, and the whole path on a real run of checkout.
#include "activefaultspanel.h"
#include "eventlogpanel.h"
#include "faultdialog.h"
#include "run/simulationrunner.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "support/builtins.h"
#include "support/palettes.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace faultline;
using test::darkPalette;

namespace {

std::shared_ptr<const GraphSnapshot> snapshotAt(double t, Health payments, Health ordersToPayments)
{
    auto s = std::make_shared<GraphSnapshot>();
    s->source = "simulation";
    s->time_s = t;
    NodeSnapshot orders, pay;
    orders.id = "orders";
    orders.health = Health::Healthy;
    pay.id = "payments";
    pay.health = payments;
    s->nodes = { orders, pay };
    EdgeSnapshot e;
    e.source = 0;
    e.target = 1;
    e.health = ordersToPayments;
    s->edges = { e };
    return s;
}

FaultRecord delay(uint64_t id, double applied_s, double duration_s)
{
    FaultRecord r;
    r.id = id;
    r.fault.type = FaultType::Delay;
    r.fault.target = "payments";
    r.fault.delay_ms = 2000.0;
    r.fault.duration_s = duration_s;
    r.applied_ns = static_cast<int64_t>(applied_s * 1e9);
    r.ends_ns = static_cast<int64_t>((applied_s + duration_s) * 1e9);
    return r;
}

BreakerEvent breaker(double t, BreakerState from, BreakerState to)
{
    return BreakerEvent { static_cast<int64_t>(t * 1e9), "orders", "payments", from, to };
}

template <typename T> std::shared_ptr<const std::vector<T>> shared(std::vector<T> v)
{
    return std::make_shared<const std::vector<T>>(std::move(v));
}

QStringList kinds(const QAbstractItemModel& model)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out << EventLogModel::kindName(
            static_cast<LogEvent::Kind>(model.index(row, 0).data(EventLogModel::KindRole).toInt()));
    return out;
}

LogEvent plain(double t, LogEvent::Kind kind, const QString& subject, const QString& detail)
{
    LogEvent e;
    e.time_s = t;
    e.kind = kind;
    e.subject = subject;
    e.detail = detail;
    e.node = subject;
    return e;
}

// RFC 4180: fields separated by commas, records by CRLF, quoted fields may hold commas, CRLF and "".
QList<QStringList> parseCsv(const QString& text, bool* crlf)
{
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    *crlf = true;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            record << field;
            field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            record << field;
            records << record;
            record.clear();
            field.clear();
            ++i;
        } else if (c == '\n') {
            *crlf = false;
        } else {
            field += c;
        }
    }
    if (!field.isEmpty() || !record.isEmpty()) *crlf = false; // the last record must end with CRLF too
    return records;
}

bool settle(const SimulationRunner& runner, double time_s)
{
    return QTest::qWaitFor([&] { return runner.idle() && runner.latestSnapshot()->time_s >= time_s - 1e-9; }, 30000);
}

} // namespace

class tst_EventLog : public QObject {
    Q_OBJECT
private slots:
    void appendsWhatIsNewIncrementally()
    {
        EventLogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        auto a = delay(1, 0.5, 60.0);
        model.update(
            snapshotAt(1.0, Health::Healthy, Health::Healthy), shared<FaultRecord>({ a }), shared<BreakerEvent>({}));
        QCOMPARE(kinds(model), QStringList { "fault_applied" }); // the first snapshot is the health baseline
        QCOMPARE(model.event(0).time_s, 0.5);
        QCOMPARE(model.event(0).subject, QStringLiteral("payments"));
        QCOMPARE(model.event(0).node, QStringLiteral("payments"));

        auto breakers = shared<BreakerEvent>({ breaker(2.0, BreakerState::Closed, BreakerState::Open) });
        model.update(snapshotAt(2.0, Health::Failing, Health::Failing), shared<FaultRecord>({ a }), breakers);
        QCOMPARE(kinds(model), (QStringList { "fault_applied", "breaker", "health", "health" }));
        QCOMPARE(model.event(1).detail, QStringLiteral("Closed → Open"));
        QVERIFY(model.event(1).isEdge());
        QCOMPARE(model.event(2).detail, QStringLiteral("Healthy → Failing"));
        QCOMPARE(model.event(3).subject, QStringLiteral("orders → payments"));
        QCOMPARE(model.index(3, EventLogModel::TimeColumn).data().toString(), QStringLiteral("00:02.0"));

        // Nothing new: nothing appended.
        const int before = model.rowCount();
        model.update(snapshotAt(2.0, Health::Failing, Health::Failing), shared<FaultRecord>({ a }), breakers);
        QCOMPARE(model.rowCount(), before);

        // a is reverted by hand; b comes and expires between two updates; the breaker moves on (twice at
        // the same nanosecond as its last event, which must not be taken for an old one).
        a.reverted_ns = static_cast<int64_t>(2.5e9);
        auto b = delay(2, 2.6, 0.2);
        b.reverted_ns = b.ends_ns;
        breakers = shared<BreakerEvent>({ breaker(2.0, BreakerState::Closed, BreakerState::Open),
            breaker(2.0, BreakerState::Open, BreakerState::ForcedOpen),
            breaker(2.9, BreakerState::ForcedOpen, BreakerState::HalfOpen) });
        model.update(snapshotAt(3.0, Health::Failing, Health::Failing), shared<FaultRecord>({ a, b }), breakers);
        QCOMPARE(kinds(model).mid(before),
            (QStringList { "breaker", "fault_reverted", "fault_applied", "fault_reverted", "breaker" }));
        QVERIFY(model.event(before + 1).detail.startsWith(QStringLiteral("reverted: delay 2000 ms")));
        QVERIFY(model.event(before + 3).detail.startsWith(QStringLiteral("expired: ")));
        QCOMPARE(model.event(before + 4).detail, QStringLiteral("Forced open → Half open"));

        // Every update appended rows; none reset the model.
        QCOMPARE(reset.count(), 0);
        QCOMPARE(inserted.count(), 3);
        for (int row = 1; row < model.rowCount(); ++row)
            QVERIFY(model.event(row - 1).time_s <= model.event(row).time_s);

        // A reset run: time goes back, the trackers start over, the lines stay.
        const int lines = model.rowCount();
        model.update(
            snapshotAt(0.5, Health::Healthy, Health::Healthy), shared<FaultRecord>({}), shared<BreakerEvent>({}));
        QCOMPARE(model.rowCount(), lines);
        model.update(snapshotAt(1.0, Health::Healthy, Health::Healthy), shared<FaultRecord>({ delay(9, 0.7, 5.0) }),
            shared<BreakerEvent>({ breaker(0.9, BreakerState::Closed, BreakerState::Open) }));
        QCOMPARE(kinds(model).mid(lines), (QStringList { "fault_applied", "breaker" }));

        // Live sources have no fault log or breaker events.
        model.update(snapshotAt(2.0, Health::Degraded, Health::Healthy), nullptr, nullptr);
        QCOMPARE(kinds(model).last(), QStringLiteral("health"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void keepsTheNewestAndCountsWhatItDropped()
    {
        EventLogModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.capacity(), 10000);
        model.setCapacity(5);
        QSignalSpy dropped(&model, &EventLogModel::droppedChanged);
        for (int i = 0; i < 4; ++i)
            model.append({ plain(i, LogEvent::Kind::Health, "a", QString::number(i)) });
        QCOMPARE(model.dropped(), quint64(0));
        model.append({ plain(4, LogEvent::Kind::Health, "a", "4"), plain(5, LogEvent::Kind::Health, "a", "5"),
            plain(6, LogEvent::Kind::Health, "a", "6") });
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.dropped(), quint64(2));
        QCOMPARE(model.event(0).detail, QStringLiteral("2"));
        QCOMPARE(model.event(4).detail, QStringLiteral("6"));
        std::vector<LogEvent> flood;
        for (int i = 7; i < 20; ++i)
            flood.push_back(plain(i, LogEvent::Kind::Breaker, "b", QString::number(i)));
        model.append(flood); // more than the capacity in one batch
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.dropped(), quint64(15));
        QCOMPARE(model.event(0).detail, QStringLiteral("15"));
        QCOMPARE(dropped.last().at(0).value<quint64>(), quint64(15));

        // The default bound, and the panel saying so.
        EventLogPanel panel;
        std::vector<LogEvent> many;
        for (int i = 0; i < 10250; ++i)
            many.push_back(plain(i * 0.01, LogEvent::Kind::Health, "a", "x"));
        panel.model()->append(std::vector<LogEvent>(many.begin(), many.begin() + 6000));
        panel.model()->append(std::vector<LogEvent>(many.begin() + 6000, many.end()));
        QCOMPARE(panel.model()->rowCount(), 10000);
        QCOMPARE(panel.model()->dropped(), quint64(250));
        QVERIFY2(panel.statusText().contains(QStringLiteral("250 older dropped")), qPrintable(panel.statusText()));
    }

    void filtersByKind()
    {
        EventLogPanel panel;
        QAbstractItemModelTester tester(panel.filter(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        panel.model()->append({ plain(1, LogEvent::Kind::FaultApplied, "bank", "delay"),
            plain(2, LogEvent::Kind::Health, "bank", "Healthy → Failing"),
            plain(3, LogEvent::Kind::Breaker, "orders", "Closed → Open"),
            plain(4, LogEvent::Kind::FaultReverted, "bank", "reverted"),
            plain(5, LogEvent::Kind::DeadLetter, "q", "started"), plain(6, LogEvent::Kind::Ejection, "e", "ejected") });
        QCOMPARE(panel.filter()->rowCount(), 6);
        panel.filterButton(EventLogPanel::Group::Health)->click();
        QCOMPARE(kinds(*panel.filter()),
            (QStringList { "fault_applied", "breaker", "fault_reverted", "dead_letter", "ejection" }));
        panel.filterButton(EventLogPanel::Group::Faults)->click();
        QCOMPARE(kinds(*panel.filter()), (QStringList { "breaker", "dead_letter", "ejection" }));
        QVERIFY(panel.statusText().contains(QStringLiteral("3 shown")));
        // New events of hidden kinds stay hidden; shown kinds appear.
        panel.model()->append(
            { plain(7, LogEvent::Kind::Health, "x", "y"), plain(8, LogEvent::Kind::Breaker, "z", "w") });
        QCOMPARE(kinds(*panel.filter()), (QStringList { "breaker", "dead_letter", "ejection", "breaker" }));
        panel.filterButton(EventLogPanel::Group::Health)->click();
        panel.filterButton(EventLogPanel::Group::Faults)->click();
        QCOMPARE(panel.filter()->rowCount(), 8);
        for (auto group :
            { EventLogPanel::Group::Queues, EventLogPanel::Group::Ejections, EventLogPanel::Group::Breakers })
            QVERIFY(!panel.filterButton(group)->toolTip().isEmpty());
    }

    void clickingSelectsTheNodeOrEdge()
    {
        EventLogPanel panel;
        panel.resize(640, 240);
        LogEvent edge = plain(2, LogEvent::Kind::Breaker, "orders: breaker payments", "Closed → Open");
        edge.node.clear();
        edge.edgeSource = "orders";
        edge.edgeTarget = "payments";
        panel.model()->append({ plain(1, LogEvent::Kind::Health, "bank", "Healthy → Failing"), edge });
        panel.show();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
        QSignalSpy nodes(&panel, &EventLogPanel::nodeActivated);
        QSignalSpy edges(&panel, &EventLogPanel::edgeActivated);
        QTableView* view = panel.view();
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(panel.filter()->index(0, 2)).center());
        QCOMPARE(nodes.count(), 1);
        QCOMPARE(nodes.at(0).at(0).toString(), QStringLiteral("bank"));
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(panel.filter()->index(1, 3)).center());
        QCOMPARE(edges.count(), 1);
        QCOMPARE(edges.at(0).at(0).toString(), QStringLiteral("orders"));
        QCOMPARE(edges.at(0).at(1).toString(), QStringLiteral("payments"));
        // Keyboard: Up, then Enter.
        QTest::keyClick(view, Qt::Key_Up);
        QTest::keyClick(view, Qt::Key_Return);
        QCOMPARE(nodes.count(), 2);
        // Behind a filter, the row clicked is still the right event.
        panel.filterButton(EventLogPanel::Group::Health)->click();
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(panel.filter()->index(0, 1)).center());
        QCOMPARE(edges.count(), 2);
    }

    void exportsCsvThatReadsBack()
    {
        EventLogPanel panel;
        panel.model()->append({ plain(1.25, LogEvent::Kind::FaultApplied, "bank", "delay 2000 ms, on \"every\" call"),
            plain(2.5, LogEvent::Kind::Health, "orders → payments", "line one\r\nline two"),
            plain(3.0, LogEvent::Kind::Breaker, "plain", "Closed → Open") });
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath("events.csv");
        QString error;
        QVERIFY2(panel.exportCsv(path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        QVERIFY(text.startsWith(QStringLiteral("time_s,kind,subject,detail\r\n")));
        bool crlf = false;
        const auto records = parseCsv(text, &crlf);
        QVERIFY(crlf);
        QCOMPARE(records.size(), 4);
        QCOMPARE(records[1], (QStringList { "1.250", "fault_applied", "bank", "delay 2000 ms, on \"every\" call" }));
        QCOMPARE(records[2], (QStringList { "2.500", "health", "orders → payments", "line one\r\nline two" }));
        QCOMPARE(records[3], (QStringList { "3.000", "breaker", "plain", "Closed → Open" }));
        QCOMPARE(EventLogModel::csvField("a,b"), QStringLiteral("\"a,b\""));
        QCOMPARE(EventLogModel::csvField("say \"hi\""), QStringLiteral("\"say \"\"hi\"\"\""));
        QCOMPARE(EventLogModel::csvField("plain"), QStringLiteral("plain"));

        // What the filter hides is not exported.
        panel.filterButton(EventLogPanel::Group::Health)->click();
        QVERIFY(panel.exportCsv(path, &error));
        QVERIFY(file.seek(0) || (file.close(), file.open(QIODevice::ReadOnly)));
        file.close();
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(parseCsv(QString::fromUtf8(file.readAll()), &crlf).size(), 3);

        // A path that cannot be written gives a clear error, no crash.
        QVERIFY(!panel.exportCsv(dir.filePath("no/such/dir/events.csv"), &error));
        QVERIFY(error.contains(QStringLiteral("Cannot write")));
    }

    void theUsersPathOnARealRun()
    {
        SimulationRunner::Options options;
        options.start_paused = true;
        SimulationRunner runner(test::builtin("checkout"), options);
        EventLogPanel log;
        QAbstractItemModelTester tester(log.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        ActiveFaultsPanel faults;
        connect(&faults, &ActiveFaultsPanel::revertRequested, &log, [&](quint64 id) { runner.revertFault(id); });
        QSignalSpy reset(log.model(), &QAbstractItemModel::modelReset);
        auto refresh = [&] {
            faults.setFaultLog(runner.faultLog(), runner.latestSnapshot()->time_s);
            log.update(runner.latestSnapshot(), runner.faultLog(), runner.breakerEvents());
        };
        auto stepTo = [&](double t) {
            runner.step(t - runner.latestSnapshot()->time_s);
            QVERIFY(settle(runner, t));
            refresh();
        };
        // Every second, as the window's snapshot timer would.
        for (int t = 1; t <= 10; ++t)
            stepTo(t);
        QCOMPARE(log.model()->rowCount(), 0); // a healthy fleet: nothing to report

        const auto target = FaultDialog::Target::fromSnapshot(*runner.latestSnapshot(), "fraud-check", "bank");
        FaultDialog dialog(target); // the defaults: delay 2000 ms at 100 % on calls to the bank, 60 s
        runner.injectFault(dialog.fault());
        QVERIFY(settle(runner, 10.0));
        refresh();
        QCOMPARE(log.model()->rowCount(), 1);
        QVERIFY(log.model()->event(0).kind == LogEvent::Kind::FaultApplied);
        QCOMPARE(log.model()->event(0).time_s, 10.0);
        for (int t = 11; t <= 40; ++t)
            stepTo(t);
        QCOMPARE(faults.model()->rowCount(), 1);

        QTest::mouseClick(faults.revertButton(0), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(runner.faultLog()->front().reverted_ns >= 0, 20000);
        refresh();
        for (int t = 41; t <= 70; ++t)
            stepTo(t);
        QCOMPARE(faults.model()->rowCount(), 0);

        const QStringList seen = kinds(*log.model());
        const int applied = seen.indexOf("fault_applied");
        const int reverted = seen.indexOf("fault_reverted");
        QVERIFY2(applied == 0 && reverted > applied, qPrintable(seen.join(' ')));
        QCOMPARE(log.model()->event(reverted).time_s, 40.0);
        QVERIFY(log.model()->event(reverted).detail.startsWith(QStringLiteral("reverted: ")));
        // The delay pushes fraud-check's calls to the bank past their 1.5 s timeout: the edge fails while
        // the fault holds, and the payments breaker of orders opens.
        bool bankFailed = false, breakerOpened = false;
        for (int row = 0; row < log.model()->rowCount(); ++row) {
            const LogEvent& e = log.model()->event(row);
            if (row > 0) QVERIFY(log.model()->event(row - 1).time_s <= e.time_s);
            bankFailed |= e.kind == LogEvent::Kind::Health && e.edgeTarget == "bank" && e.detail.endsWith("Failing")
                && e.time_s > 10.0 && e.time_s <= 40.0;
            breakerOpened
                |= e.kind == LogEvent::Kind::Breaker && e.edgeSource == "orders" && e.detail.endsWith("→ Open");
        }
        QVERIFY2(bankFailed, "no health event shows the calls to the bank failing");
        QVERIFY2(breakerOpened, "no breaker event shows orders' payments breaker opening");
        QCOMPARE(reset.count(), 0);

        log.resize(720, 300);
        log.show();
        QVERIFY(QTest::qWaitForWindowExposed(&log));
        QDir().mkpath(QStringLiteral("/tmp/ctl-shots"));
        QVERIFY(log.grab().save(QStringLiteral("/tmp/ctl-shots/eventlog-run-light.png")));
        log.view()->scrollToTop();
        QVERIFY(log.grab().save(QStringLiteral("/tmp/ctl-shots/eventlog-run-top.png")));
        log.setPalette(darkPalette());
        QVERIFY(log.grab().save(QStringLiteral("/tmp/ctl-shots/eventlog-run-dark.png")));
    }
};

QTEST_MAIN(tst_EventLog)
#include "tst_eventlog.moc"
