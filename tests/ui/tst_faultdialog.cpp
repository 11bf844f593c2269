// The fault dialog: the types it offers per target, the Fault it returns, validation, the keyboard path,
// and a delay injected through it into a real run of the checkout scenario.
#include "faultdialog.h"
#include "run/simulationrunner.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "support/builtins.h"
#include "support/palettes.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>
#include <QTimer>

using namespace faultline;
using test::darkPalette;
using Target = FaultDialog::Target;

namespace {

Target paymentsNode()
{
    Target t = Target::forNode("payments", NodeKind::Service, 2);
    t.peers = QStringList { "gateway", "orders", "fraud-check" };
    return t;
}

void save(QWidget* widget, const QString& name)
{
    QDir().mkpath(QStringLiteral("/tmp/ctl-shots"));
    QVERIFY(widget->grab().save(QStringLiteral("/tmp/ctl-shots/") + name));
}

} // namespace

class tst_FaultDialog : public QObject {
    Q_OBJECT
private slots:
    void offersOnlyTheTypesThatApply()
    {
        using F = FaultType;
        QVERIFY(FaultDialog::typesFor(paymentsNode())
            == (QList<F> {
                F::Delay, F::Abort, F::ErrorRate, F::Slowdown, F::Crash, F::Pause, F::Partition, F::PacketLoss }));
        QVERIFY(!FaultDialog::typesFor(Target::forNode("payments")).contains(F::Partition)); // nobody to partition from
        QVERIFY(FaultDialog::typesFor(Target::forNode("order-events", NodeKind::Queue))
            == (QList<F> { F::ConsumerPause, F::BrokerDown }));
        QVERIFY(FaultDialog::typesFor(Target::forNode("user", NodeKind::User)).isEmpty());
        QVERIFY(FaultDialog::typesFor(Target::forEdge("orders", "payments"))
            == (QList<F> { F::Delay, F::Abort, F::PacketLoss, F::Partition }));
        QVERIFY(FaultDialog::typesFor(Target::forEdge("user", "gateway", NodeKind::User))
            == (QList<F> { F::Delay, F::Abort, F::PacketLoss }));
        QVERIFY(FaultDialog::typesFor(Target::forEdge("orders", "order-events", NodeKind::Service, NodeKind::Queue))
            == (QList<F> { F::BrokerDown, F::ConsumerPause }));
        QVERIFY(FaultDialog::typesFor(Target::forInstance("payments", 1, 2)) == (QList<F> { F::Crash, F::Pause }));
        QVERIFY(FaultDialog::typesFor(Target::forEdge("orders", "orders")).isEmpty());

        FaultDialog dialog(Target::forNode("order-events", NodeKind::Queue));
        QCOMPARE(dialog.typeBox()->count(), 2);
        QCOMPARE(dialog.typeBox()->itemText(0), QStringLiteral("Pause consumers"));
    }

    void mapsEveryTypeOntoTheFaultFields()
    {
        FaultDialog dialog(paymentsNode());
        QVERIFY(dialog.type() == FaultType::Delay);
        Fault f = dialog.fault();
        QVERIFY(f.type == FaultType::Delay);
        QCOMPARE(f.target, std::string("payments"));
        QCOMPARE(f.delay_ms, 2000.0);
        QCOMPARE(f.percentage, 100.0);
        QCOMPARE(f.duration_s, 60.0);
        QVERIFY(dialog.validationError().isEmpty());

        dialog.delayBox()->setValue(750);
        dialog.percentageBox()->setValue(25);
        dialog.durationBox()->setValue(90);
        f = dialog.fault();
        QCOMPARE(f.delay_ms, 750.0);
        QCOMPARE(f.percentage, 25.0);
        QCOMPARE(f.duration_s, 90.0);
        QCOMPARE(f.factor, 1.0); // fields of other types stay at the Fault defaults

        dialog.setType(FaultType::Abort);
        f = dialog.fault();
        QVERIFY(f.type == FaultType::Abort);
        QCOMPARE(f.status, 503);
        QCOMPARE(f.percentage, 100.0);
        QCOMPARE(f.delay_ms, 0.0);
        QCOMPARE(f.duration_s, 90.0); // the duration survives a change of type

        dialog.setType(FaultType::ErrorRate);
        QCOMPARE(dialog.fault().percentage, 50.0);
        dialog.setType(FaultType::Slowdown);
        QCOMPARE(dialog.fault().factor, 4.0);
        dialog.setType(FaultType::Crash);
        QCOMPARE(dialog.fault().instance, -1);
        QCOMPARE(dialog.instanceBox()->text(), QStringLiteral("All instances"));
        dialog.instanceBox()->setValue(1);
        QCOMPARE(dialog.fault().instance, 1);
        QCOMPARE(dialog.instanceBox()->maximum(), 1); // two instances: #0 and #1
        dialog.setType(FaultType::Partition);
        QCOMPARE(dialog.fault().peer, std::string("gateway"));
        dialog.peerBox()->setCurrentText("fraud-check");
        QCOMPARE(dialog.fault().peer, std::string("fraud-check"));
        dialog.setType(FaultType::PacketLoss);
        QCOMPARE(dialog.fault().percentage, 30.0);
        QCOMPARE(dialog.fault().target, std::string("payments"));
    }

    void showsOnlyTheFieldsOfTheType()
    {
        FaultDialog dialog(paymentsNode());
        auto* form = dialog.findChild<QFormLayout*>();
        QVERIFY(form);
        const QList<QWidget*> fields { dialog.delayBox(), dialog.statusBox(), dialog.percentageBox(),
            dialog.factorBox(), dialog.instanceBox(), dialog.peerBox() };
        const QList<QPair<FaultType, QList<QWidget*>>> expected {
            { FaultType::Delay, { dialog.delayBox(), dialog.percentageBox() } },
            { FaultType::Abort, { dialog.statusBox(), dialog.percentageBox() } },
            { FaultType::ErrorRate, { dialog.percentageBox() } },
            { FaultType::Slowdown, { dialog.factorBox() } },
            { FaultType::Crash, { dialog.instanceBox() } },
            { FaultType::Pause, { dialog.instanceBox() } },
            { FaultType::Partition, { dialog.peerBox() } },
            { FaultType::PacketLoss, { dialog.percentageBox() } },
        };
        for (const auto& [type, shown] : expected) {
            dialog.setType(type);
            QVERIFY(dialog.type() == type);
            for (QWidget* field : fields)
                QCOMPARE(form->isRowVisible(field), shown.contains(field));
            QVERIFY(form->isRowVisible(dialog.durationBox()));
        }
    }

    void edgeFaultsAimAtTheRightEnd()
    {
        FaultDialog dialog(Target::forEdge("orders", "payments"));
        QCOMPARE(dialog.fault().target, std::string("payments")); // delay on calls to the callee
        dialog.setType(FaultType::Partition);
        QCOMPARE(dialog.fault().target, std::string("orders"));
        QCOMPARE(dialog.fault().peer, std::string("payments"));

        FaultDialog queue(Target::forEdge("order-events", "email", NodeKind::Queue, NodeKind::Service));
        QVERIFY(queue.fault().type == FaultType::BrokerDown);
        QCOMPARE(queue.fault().target, std::string("order-events"));

        FaultDialog instance(Target::forInstance("payments", 1, 2));
        QVERIFY(instance.fault().type == FaultType::Crash);
        QCOMPARE(instance.fault().instance, 1);
        QCOMPARE(instance.windowTitle(), QStringLiteral("Inject fault"));
    }

    void refusesBadValuesWithAMessage()
    {
        FaultDialog dialog(paymentsNode());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(dialog.message().isEmpty());
        dialog.percentageBox()->setValue(0);
        QVERIFY(dialog.message().contains(QStringLiteral("0 %")));
        dialog.accept();
        QVERIFY(dialog.isVisible()); // not accepted
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(dialog.percentageBox()));
        dialog.percentageBox()->setValue(10);
        QVERIFY(dialog.message().isEmpty());

        dialog.setType(FaultType::Slowdown);
        dialog.factorBox()->setValue(1.0);
        QVERIFY(dialog.message().contains(QStringLiteral("factor of 1")));
        dialog.setType(FaultType::Abort);
        dialog.statusBox()->setValue(42);
        QVERIFY(dialog.message().contains(QStringLiteral("42")));
        dialog.statusBox()->setValue(14); // a gRPC status
        QVERIFY(dialog.message().isEmpty());
        dialog.durationBox()->setValue(0);
        QVERIFY(dialog.message().contains(QStringLiteral("duration")));

        FaultDialog nothing(Target::forNode("user", NodeKind::User));
        QVERIFY(!nothing.validationError().isEmpty());
        QVERIFY(!FaultDialog::ask(Target::forNode("user", NodeKind::User)).has_value());
    }

    void isKeyboardDriven()
    {
        FaultDialog dialog(paymentsNode());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowActive(&dialog));
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(dialog.typeBox()));

        // Every visible field has a label with a mnemonic pointing at it.
        auto* form = dialog.findChild<QFormLayout*>();
        QVERIFY(form);
        for (QWidget* field : { static_cast<QWidget*>(dialog.typeBox()), static_cast<QWidget*>(dialog.delayBox()),
                 static_cast<QWidget*>(dialog.percentageBox()), static_cast<QWidget*>(dialog.durationBox()) }) {
            auto* label = qobject_cast<QLabel*>(form->labelForField(field));
            QVERIFY(label);
            QVERIFY2(label->text().contains(QLatin1Char('&')), qPrintable(label->text()));
            QCOMPARE(label->buddy(), field);
            QVERIFY(!field->toolTip().isEmpty());
        }

        // Tab walks the visible fields in order.
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(dialog.delayBox()));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(dialog.percentageBox()));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(dialog.durationBox()));

        // Alt+D jumps to the delay; typing a new value and Enter injects.
        QTest::keyClick(&dialog, Qt::Key_D, Qt::AltModifier);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(dialog.delayBox()));
        dialog.delayBox()->selectAll();
        QTest::keyClicks(dialog.delayBox(), QStringLiteral("1500"));
        QTest::keyClick(dialog.delayBox(), Qt::Key_Return);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(dialog.fault().delay_ms, 1500.0);
    }

    void enterOnABadValueExplainsInsteadOfInjecting()
    {
        FaultDialog dialog(paymentsNode());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowActive(&dialog));
        dialog.durationBox()->setFocus();
        dialog.durationBox()->selectAll();
        QTest::keyClicks(dialog.durationBox(), QStringLiteral("0"));
        QTest::keyClick(dialog.durationBox(), Qt::Key_Return);
        QVERIFY(dialog.isVisible());
        QVERIFY(!dialog.message().isEmpty());
    }

    void buildsBreakerOverrides()
    {
        const Fault open = FaultDialog::breakerOverride("orders", "payments", BreakerOverrideVerb::ForceOpen);
        QVERIFY(open.type == FaultType::BreakerOverride);
        QCOMPARE(open.target, std::string("orders"));
        QCOMPARE(open.peer, std::string("payments"));
        QVERIFY(open.verb == BreakerOverrideVerb::ForceOpen);
        QCOMPARE(open.duration_s, FaultDialog::kBreakerOverrideDurationS);
        QCOMPARE(FaultDialog::breakerOverride("orders", "payments", BreakerOverrideVerb::Disable, 30).duration_s, 30.0);
        QCOMPARE(FaultDialog::breakerOverride("orders", "payments", BreakerOverrideVerb::Automatic).duration_s,
            FaultDialog::kAutomaticDurationS);
        QCOMPARE(FaultDialog::verbLabel(BreakerOverrideVerb::ForceOpen), QStringLiteral("Force open"));
        QCOMPARE(FaultDialog::verbLabel(BreakerOverrideVerb::Close), QStringLiteral("Close"));
        QCOMPARE(FaultDialog::verbLabel(BreakerOverrideVerb::Disable), QStringLiteral("Disable"));
        QCOMPARE(FaultDialog::verbLabel(BreakerOverrideVerb::Automatic), QStringLiteral("Automatic"));

        // The real run takes it: the breaker is forced open at once.
        SimulationRunner::Options options;
        options.start_paused = true;
        SimulationRunner runner(test::builtin("checkout"), options);
        runner.step(2.0);
        runner.injectFault(open);
        QTRY_VERIFY_WITH_TIMEOUT(!runner.faultLog()->empty(), 20000);
        QVERIFY(runner.faultLog()->front().fault.verb == BreakerOverrideVerb::ForceOpen);
        QTRY_VERIFY_WITH_TIMEOUT(!runner.breakerEvents()->empty(), 20000);
        QVERIFY(runner.breakerEvents()->back().to == BreakerState::ForcedOpen);
    }

    void injectsADelayIntoARealRun()
    {
        SimulationRunner::Options options;
        options.start_paused = true;
        SimulationRunner runner(test::builtin("checkout"), options);
        runner.step(5.0);
        QTRY_COMPARE_WITH_TIMEOUT(runner.latestSnapshot()->time_s, 5.0, 20000);
        const auto snapshot = runner.latestSnapshot();
        const Target target = Target::fromSnapshot(*snapshot, "fraud-check", "bank");
        QVERIFY(target.calleeKind == snapshot->nodes[size_t(snapshot->findNode("bank"))].kind);

        FaultDialog dialog(target);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowActive(&dialog));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return); // the defaults: delay 2000 ms at 100 %
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        const Fault fault = dialog.fault();
        QCOMPARE(fault.target, std::string("bank"));
        const uint64_t id = runner.injectFault(fault);

        runner.step(10.0);
        QTRY_COMPARE_WITH_TIMEOUT(runner.latestSnapshot()->time_s, 15.0, 30000);
        const auto log = runner.faultLog();
        QCOMPARE(log->size(), size_t(1));
        QCOMPARE(log->front().id, id);
        QCOMPARE(log->front().fault.delay_ms, 2000.0);
        QCOMPARE(log->front().reverted_ns, int64_t(-1));
        const auto after = runner.latestSnapshot();
        const int edge = after->findEdge("fraud-check", "bank");
        QVERIFY(edge >= 0);
        // fraud-check gives up on the bank after 1.5 s, before the 2 s delay ends: every call times out.
        const TrafficStats& calls = after->edges[size_t(edge)].traffic;
        QVERIFY2(calls.latency.p50_ms >= 1400.0, "the delay does not show on the edge");
        QVERIFY(calls.error_rate > 0.9);
    }

    void looksRightInLightAndDark()
    {
        for (const bool dark : { false, true }) {
            FaultDialog dialog(Target::forEdge("orders", "payments"));
            if (dark) dialog.setPalette(darkPalette());
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            save(&dialog, dark ? "faultdialog-dark.png" : "faultdialog-light.png");
            dialog.percentageBox()->setValue(0); // with its message
            save(&dialog, dark ? "faultdialog-invalid-dark.png" : "faultdialog-invalid-light.png");
        }
        FaultDialog node(paymentsNode());
        node.setType(FaultType::Partition);
        node.show();
        QVERIFY(QTest::qWaitForWindowExposed(&node));
        save(&node, "faultdialog-partition.png");
    }
};

QTEST_MAIN(tst_FaultDialog)
#include "tst_faultdialog.moc"
