// The agent side's rule table and breaker registry (docs/control.md), driven with explicit time.
#include "control/breakerregistry.h"
#include "control/ruletable.h"

#include <QTest>

using namespace faultline;

namespace {

constexpr int64_t kT0 = 5'000'000'000;

LiveFaultRule rule(std::string id, LiveFaultKind kind, std::string target, int64_t ttl_ms = 10000)
{
    LiveFaultRule r;
    r.id = std::move(id);
    r.kind = kind;
    r.target = std::move(target);
    r.delay_ms = 250.0;
    r.grpc_status = 14;
    r.ttl_ms = ttl_ms;
    return r;
}

CircuitBreakerConfig smallBreaker()
{
    CircuitBreakerConfig config;
    config.sliding_window_size = 4;
    config.minimum_number_of_calls = 4;
    config.wait_duration_in_open_state_ms = 60000.0;
    return config;
}

} // namespace

class TestControlRules : public QObject {
    Q_OBJECT

private slots:
    void decidesOnlyForTheTargetNamed()
    {
        RuleTable table(1);
        std::string error;
        QVERIFY(table.apply(rule("d", LiveFaultKind::Delay, "payments"), kT0, error));
        QVERIFY(table.apply(rule("a", LiveFaultKind::Abort, "bank"), kT0, error));
        QVERIFY(table.apply(rule("l", LiveFaultKind::PacketLoss, "ledger"), kT0, error));

        const CallDecision toPayments = table.decideOutgoing("payments", kT0);
        QCOMPARE(toPayments.delay_ms, 250.0);
        QVERIFY(!toPayments.abort_status);
        QVERIFY(!toPayments.lose);
        QCOMPARE(toPayments.rule_ids, std::vector<std::string> { "d" });

        const CallDecision toBank = table.decideOutgoing("bank", kT0);
        QCOMPARE(toBank.abort_status.value_or(0), 14);
        QCOMPARE(toBank.delay_ms, 0.0);
        QVERIFY(table.decideOutgoing("ledger", kT0).lose);
        QVERIFY(!table.decideOutgoing("orders", kT0).affected());
        QVERIFY(!table.decideIncoming(kT0).affected()); // no error_rate rule
    }

    void expiresExactlyAtItsTtl()
    {
        RuleTable table(1);
        std::string error;
        QVERIFY(table.apply(rule("d", LiveFaultKind::Delay, "payments", 2000), kT0, error));
        const int64_t end = kT0 + 2'000'000'000;
        QVERIFY(table.decideOutgoing("payments", end - 1).affected());
        QCOMPARE(table.rules(end - 1).size(), size_t(1));
        // At the instant the TTL ends the rule no longer fires, even before expire() removed it.
        QVERIFY(!table.decideOutgoing("payments", end).affected());
        QVERIFY(table.rules(end).empty());
        QCOMPARE(table.size(), size_t(1));
        QVERIFY(table.expire(end - 1).empty());
        QCOMPARE(table.expire(end), std::vector<std::string> { "d" });
        QCOMPARE(table.size(), size_t(0));
    }

    void reapplyingAnIdReplacesTheRule()
    {
        RuleTable table(1);
        std::string error;
        QVERIFY(table.apply(rule("d", LiveFaultKind::Delay, "payments", 1000), kT0, error));
        LiveFaultRule longer = rule("d", LiveFaultKind::Delay, "payments", 5000);
        longer.delay_ms = 900.0;
        QVERIFY(table.apply(longer, kT0, error));
        QCOMPARE(table.size(), size_t(1));
        QCOMPARE(table.decideOutgoing("payments", kT0 + 3'000'000'000).delay_ms, 900.0);
    }

    void percentageIsDrawnPerCall()
    {
        RuleTable table(42);
        std::string error;
        LiveFaultRule some = rule("a", LiveFaultKind::Abort, "bank");
        some.percentage = 30.0;
        LiveFaultRule none = rule("n", LiveFaultKind::Abort, "ledger");
        none.percentage = 0.0;
        QVERIFY(table.apply(some, kT0, error));
        QVERIFY(table.apply(none, kT0, error));
        int aborted = 0;
        for (int i = 0; i < 10000; ++i) {
            if (table.decideOutgoing("bank", kT0).abort_status) ++aborted;
            QVERIFY(!table.decideOutgoing("ledger", kT0).affected());
        }
        QVERIFY2(aborted > 2700 && aborted < 3300, qPrintable(QString::number(aborted)));
    }

    void errorRateAppliesToIncomingCalls()
    {
        RuleTable table(1);
        std::string error;
        LiveFaultRule r = rule("e", LiveFaultKind::ErrorRate, "");
        r.grpc_status = 13;
        QVERIFY2(table.apply(r, kT0, error), error.c_str());
        QCOMPARE(table.decideIncoming(kT0).abort_status.value_or(0), 13);
        QVERIFY(!table.decideOutgoing("", kT0).affected());
    }

    void refusesInvalidRulesWithAReason_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no id") << 0 << "no id";
        QTest::newRow("no target") << 1 << "call target";
        QTest::newRow("percentage") << 2 << "percentage";
        QTest::newRow("ttl zero") << 3 << "ttl";
        QTest::newRow("ttl huge") << 4 << "ttl";
        QTest::newRow("delay") << 5 << "delay";
        QTest::newRow("status") << 6 << "status";
    }
    void refusesInvalidRulesWithAReason()
    {
        QFETCH(int, which);
        QFETCH(QString, expected);
        LiveFaultRule r = rule("x", which == 6 ? LiveFaultKind::Abort : LiveFaultKind::Delay, "payments");
        switch (which) {
        case 0:
            r.id.clear();
            break;
        case 1:
            r.target.clear();
            break;
        case 2:
            r.percentage = 140.0;
            break;
        case 3:
            r.ttl_ms = 0;
            break;
        case 4:
            r.ttl_ms = kMaxRuleTtlMs + 1;
            break;
        case 5:
            r.delay_ms = -3.0;
            break;
        case 6:
            r.grpc_status = 0;
            break;
        }
        RuleTable table(1);
        std::string error;
        QVERIFY(!table.apply(r, kT0, error));
        QVERIFY2(QString::fromStdString(error).contains(expected), error.c_str());
        QCOMPARE(table.size(), size_t(0));
    }

    void revertAndRevertAll()
    {
        RuleTable table(1);
        std::string error;
        QVERIFY(table.apply(rule("a", LiveFaultKind::Delay, "payments"), kT0, error));
        QVERIFY(table.apply(rule("b", LiveFaultKind::Delay, "bank"), kT0, error));
        QVERIFY(table.apply(rule("c", LiveFaultKind::Abort, "bank"), kT0, error));
        QVERIFY(table.revert("a"));
        QVERIFY(!table.revert("a"));
        QVERIFY(!table.decideOutgoing("payments", kT0).affected());
        QCOMPARE(table.revertAll(), size_t(2));
        QVERIFY(!table.decideOutgoing("bank", kT0).affected());
    }

    void simulatorFaultsBecomeLiveRulesWhereAnAgentCanApplyThem()
    {
        Fault abort;
        abort.type = FaultType::Abort;
        abort.target = "payments";
        abort.status = 503;
        abort.percentage = 50.0;
        abort.duration_s = 90.0;
        std::string error;
        const std::optional<LiveFaultRule> live = liveRuleFromFault(abort, error);
        QVERIFY(live);
        QVERIFY(live->kind == LiveFaultKind::Abort);
        QCOMPARE(live->grpc_status, 14); // UNAVAILABLE
        QCOMPARE(live->ttl_ms, int64_t(90000));
        QCOMPARE(live->percentage, 50.0);

        Fault crash;
        crash.type = FaultType::Crash;
        crash.target = "payments";
        QVERIFY(!liveRuleFromFault(crash, error));
        QVERIFY2(QString::fromStdString(error).contains("crash"), error.c_str());
    }

    // --- breakers: the project's CircuitBreaker, behind overrides -----------------------------------

    void overrideForcesTheRealBreakerUntilItsTtl()
    {
        BreakerRegistry registry;
        QVERIFY(registry.add("payments", "payments", smallBreaker()));
        QVERIFY(!registry.add("payments", "payments", smallBreaker()));
        std::string error;
        QVERIFY(registry.applyOverride({ "o1", "payments", BreakerOverrideVerb::ForceOpen, 3000 }, kT0, error));
        QCOMPARE(registry.state("payments", kT0), std::optional(BreakerState::ForcedOpen));
        QVERIFY(!registry.tryAcquirePermission("payments", kT0 + 1));
        QCOMPARE(registry.overrideIds(), std::vector<std::string> { "o1" });

        const int64_t end = kT0 + 3'000'000'000;
        QVERIFY(!registry.tryAcquirePermission("payments", end - 1));
        // At the TTL the breaker is automatic again: closed, with a fresh window.
        QVERIFY(registry.tryAcquirePermission("payments", end));
        QCOMPARE(registry.state("payments", end), std::optional(BreakerState::Closed));
        QVERIFY(registry.overrideIds().empty());
        QVERIFY(registry.metrics("payments", end)->not_permitted_calls >= 2);
    }

    void breakerTripsOnItsOwnAndOverridesWin()
    {
        BreakerRegistry registry;
        QVERIFY(registry.add("bank", "bank", smallBreaker()));
        int64_t t = kT0;
        for (int i = 0; i < 4; ++i) {
            QVERIFY(registry.tryAcquirePermission("bank", t));
            registry.onResult("bank", t + 1000, 1000, CallOutcome::Error);
            t += 1'000'000;
        }
        QCOMPARE(registry.state("bank", t), std::optional(BreakerState::Open));
        std::string error;
        QVERIFY(registry.applyOverride({ "dis", "bank", BreakerOverrideVerb::Disable, 60000 }, t, error));
        QCOMPARE(registry.state("bank", t), std::optional(BreakerState::Disabled));
        QVERIFY(registry.tryAcquirePermission("bank", t));
        QVERIFY(registry.revertOverride("dis", t));
        QVERIFY(!registry.revertOverride("dis", t));
        QCOMPARE(registry.state("bank", t), std::optional(BreakerState::Closed));

        QVERIFY(!registry.applyOverride({ "x", "nobody", BreakerOverrideVerb::ForceOpen, 1000 }, t, error));
        QVERIFY2(QString::fromStdString(error).contains("nobody"), error.c_str());
        QVERIFY(!registry.applyOverride({ "y", "bank", BreakerOverrideVerb::ForceOpen, 0 }, t, error));
        QVERIFY2(QString::fromStdString(error).contains("ttl"), error.c_str());
    }

    void expireAndRevertAllReportWhatEnded()
    {
        BreakerRegistry registry;
        QVERIFY(registry.add("a", "svc-a", smallBreaker()));
        QVERIFY(registry.add("b", "svc-b", smallBreaker()));
        std::string error;
        QVERIFY(registry.applyOverride({ "oa", "a", BreakerOverrideVerb::ForceOpen, 1000 }, kT0, error));
        QVERIFY(registry.applyOverride({ "ob", "b", BreakerOverrideVerb::ForceOpen, 9000 }, kT0, error));
        QCOMPARE(registry.expire(kT0 + 1'000'000'000), std::vector<std::string> { "oa" });
        QCOMPARE(registry.revertAll(kT0 + 1'000'000'000), size_t(1));
        for (const BreakerView& view : registry.breakers(kT0 + 1'000'000'000)) {
            QVERIFY(view.state == BreakerState::Closed);
            QVERIFY(!view.override_);
        }
        // Unknown names permit everything: the interceptor never blocks a call it has no breaker for.
        QVERIFY(registry.tryAcquirePermission("unknown", kT0));
        QVERIFY(!registry.state("unknown", kT0));
    }
};

QTEST_GUILESS_MAIN(TestControlRules)
#include "tst_controlrules.moc"
