// The control plane end to end over loopback gRPC (docs/control.md): a ControlServer and real
// ControlAgents, with the safety rules each checked. Timing goes through QTRY_* conditions or clocks the
// test advances, never a sleep.
#include "control/controlagent.h"
#include "control/controlserver.h"

#include "faultline/control/v1/control.grpc.pb.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <QElapsedTimer>
#include <QTest>

#include <memory>

using namespace faultline;
namespace pb = faultline::control::v1;

namespace {

constexpr int kWait = 10000; // generous: the machine is shared

std::unique_ptr<ControlServer> startServer(ControlServerConfig config = {})
{
    if (config.address == ControlServerConfig {}.address) config.address = "127.0.0.1:0";
    auto server = std::make_unique<ControlServer>(config);
    std::string error;
    if (!server->start(error)) qFatal("control server did not start: %s", error.c_str());
    return server;
}

std::unique_ptr<ControlAgent> makeAgent(const ControlServer& server, std::string service, std::string instance,
    const ControlClock* clock = nullptr, std::string token = {})
{
    ControlAgentConfig config;
    config.address = server.view()->listening_on;
    config.service = std::move(service);
    config.instance = std::move(instance);
    config.call_targets = { "payments", "bank" };
    config.clock = clock;
    config.token = std::move(token);
    config.reconnect_interval_ms = 200;
    auto agent = std::make_unique<ControlAgent>(config);
    CircuitBreakerConfig breaker;
    agent->breakers().add("payments", "payments", breaker);
    return agent;
}

size_t agentCount(const ControlServer& server)
{
    return server.view()->agents.size();
}

const ControlRuleView* ruleIn(
    const ControlServer& server, const std::string& service, const std::string& id, ControlRuleView& copy)
{
    for (const ControlAgentView& agent : server.view()->agents) {
        if (agent.service != service) continue;
        for (const ControlRuleView& rule : agent.rules) {
            if (rule.id == id) {
                copy = rule;
                return &copy;
            }
        }
    }
    return nullptr;
}

bool viewHasNoRules(const ControlServer& server)
{
    for (const ControlAgentView& agent : server.view()->agents) {
        if (!agent.rules.empty()) return false;
    }
    return true;
}

LiveFaultRule delayOnPayments(int64_t ttl_ms = 60000)
{
    LiveFaultRule rule;
    rule.kind = LiveFaultKind::Delay;
    rule.target = "payments";
    rule.delay_ms = 400.0;
    rule.ttl_ms = ttl_ms;
    return rule;
}

} // namespace

class TestControlPlane : public QObject {
    Q_OBJECT

private slots:
    void agentsRegisterWhoTheyAre()
    {
        auto server = startServer();
        auto agent = makeAgent(*server, "orders", "orders-1");
        agent->start();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(1), kWait);
        const ControlAgentView view = server->view()->agents.front();
        QCOMPARE(view.service, std::string("orders"));
        QCOMPARE(view.instance, std::string("orders-1"));
        QCOMPARE(view.call_targets, (std::vector<std::string> { "payments", "bank" }));
        QCOMPARE(view.breakers.size(), size_t(1));
        QCOMPARE(view.breakers.front().first, std::string("payments"));
        QTRY_VERIFY_WITH_TIMEOUT(agent->stats().connected, kWait);
        QCOMPARE(agent->stats().agent_id, view.agent_id);

        agent->stop();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(0), kWait);
    }

    void nothingIsAppliedUntilEnabled()
    {
        auto server = startServer();
        auto agent = makeAgent(*server, "orders", "orders-1");
        agent->start();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(1), kWait);
        QVERIFY(!server->enabled());
        QVERIFY(!server->view()->enabled);
        std::string error;
        QVERIFY(server->applyFault({ {}, "orders" }, delayOnPayments(), error).empty());
        QVERIFY2(QString::fromStdString(error).contains("off"), error.c_str());
        QVERIFY(
            server->overrideBreaker({ {}, "orders" }, { {}, "payments", BreakerOverrideVerb::ForceOpen, 60000 }, error)
                .empty());
        QVERIFY(viewHasNoRules(*server));
        QCOMPARE(server->view()->stats.directives_sent, uint64_t(0));

        server->setEnabled(true);
        const std::string id = server->applyFault({ {}, "orders" }, delayOnPayments(), error);
        QVERIFY2(!id.empty(), error.c_str());
        QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(1), kWait);
        QCOMPARE(agent->decideOutgoing("payments").delay_ms, 400.0);
        QVERIFY(!agent->decideOutgoing("bank").affected());
        ControlRuleView rule;
        QTRY_VERIFY_WITH_TIMEOUT(
            ruleIn(*server, "orders", id, rule) && rule.status == ControlRuleStatus::Active, kWait);
        QCOMPARE(rule.description, std::string("delay 400 ms on calls to payments (100 %) for 60 s"));

        // Switching control off takes back what it did.
        server->setEnabled(false);
        QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(0), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(viewHasNoRules(*server), kWait);
    }

    void breakerOverridesReachTheRealBreaker()
    {
        auto server = startServer();
        server->setEnabled(true);
        auto agent = makeAgent(*server, "orders", "orders-1");
        agent->start();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(1), kWait);
        std::string error;
        const std::string id = server->overrideBreaker(
            { {}, "orders" }, { {}, "payments", BreakerOverrideVerb::ForceOpen, 60000 }, error);
        QVERIFY2(!id.empty(), error.c_str());
        QTRY_COMPARE_WITH_TIMEOUT(
            agent->breakers().state("payments", agent->nowNs()), std::optional(BreakerState::ForcedOpen), kWait);
        QVERIFY(!agent->breakers().tryAcquirePermission("payments", agent->nowNs()));
        ControlRuleView rule;
        QTRY_VERIFY_WITH_TIMEOUT(
            ruleIn(*server, "orders", id, rule) && rule.status == ControlRuleStatus::Active, kWait);

        QVERIFY(server->revert(id));
        QTRY_COMPARE_WITH_TIMEOUT(
            agent->breakers().state("payments", agent->nowNs()), std::optional(BreakerState::Closed), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(viewHasNoRules(*server), kWait);

        // A breaker the agent never registered is refused by the server before anything is sent.
        QVERIFY(server->overrideBreaker({ {}, "orders" }, { {}, "ledger", BreakerOverrideVerb::ForceOpen, 1000 }, error)
                    .empty());
        QVERIFY2(QString::fromStdString(error).contains("ledger"), error.c_str());
    }

    void serverRefusesWhatItCannotSend()
    {
        auto server = startServer();
        server->setEnabled(true);
        auto agent = makeAgent(*server, "orders", "orders-1");
        agent->start();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(1), kWait);
        std::string error;
        LiveFaultRule bad = delayOnPayments();
        bad.target.clear();
        QVERIFY(server->applyFault({ {}, "orders" }, bad, error).empty());
        QVERIFY2(QString::fromStdString(error).contains("target"), error.c_str());
        QVERIFY(server->applyFault({ {}, "billing" }, delayOnPayments(), error).empty());
        QVERIFY2(QString::fromStdString(error).contains("billing"), error.c_str());
        QVERIFY(server->applyFault({ "agent-999", {} }, delayOnPayments(), error).empty());
        QVERIFY2(QString::fromStdString(error).contains("agent-999"), error.c_str());
        QVERIFY(viewHasNoRules(*server));
        QCOMPARE(agent->rules().size(), size_t(0));

        // By agent id, only that agent gets it.
        const std::string agentId = server->view()->agents.front().agent_id;
        QVERIFY2(!server->applyFault({ agentId, {} }, delayOnPayments(), error).empty(), error.c_str());
        QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(1), kWait);
    }

    void serverViewExpiresAtTtl()
    {
        ManualControlClock serverClock;
        ManualControlClock agentClock; // never moves: the agent keeps the rule, the view must not
        ControlServerConfig config;
        config.clock = &serverClock;
        auto server = startServer(config);
        server->setEnabled(true);
        auto agent = makeAgent(*server, "orders", "orders-1", &agentClock);
        agent->start();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(1), kWait);
        std::string error;
        const std::string id = server->applyFault({ {}, "orders" }, delayOnPayments(5000), error);
        QVERIFY2(!id.empty(), error.c_str());
        ControlRuleView rule;
        QTRY_VERIFY_WITH_TIMEOUT(
            ruleIn(*server, "orders", id, rule) && rule.status == ControlRuleStatus::Active, kWait);
        QCOMPARE(rule.expires_ns - rule.issued_ns, int64_t(5'000'000'000));

        // The ping this advance triggers comes from the same housekeeping pass that expires rules.
        const uint64_t heard = agent->stats().messages;
        serverClock.advance(std::chrono::milliseconds(4999));
        QTRY_VERIFY_WITH_TIMEOUT(agent->stats().messages > heard, kWait);
        QVERIFY(ruleIn(*server, "orders", id, rule));
        serverClock.advance(std::chrono::milliseconds(1));
        QTRY_VERIFY_WITH_TIMEOUT(viewHasNoRules(*server), kWait);
        QCOMPARE(server->view()->stats.rules_expired, uint64_t(1));
        QCOMPARE(agent->rules().size(), size_t(1));
    }

    void agentExpiresAtTtl()
    {
        // One clock for both sides, stepped a second at a time; each step waits for the server's ping,
        // so the dead-man switch stays quiet and only the TTL ends the rule.
        ManualControlClock clock;
        ControlServerConfig config;
        config.clock = &clock;
        auto server = startServer(config);
        server->setEnabled(true);
        auto agent = makeAgent(*server, "orders", "orders-1", &clock);
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(agent->stats().connected, kWait);
        std::string error;
        QVERIFY(!server->applyFault({ {}, "orders" }, delayOnPayments(3000), error).empty());
        QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(1), kWait);
        for (int step = 0; step < 3; ++step) {
            QVERIFY(agent->decideOutgoing("payments").affected());
            const uint64_t heard = agent->stats().messages;
            clock.advance(std::chrono::seconds(1));
            QTRY_VERIFY_WITH_TIMEOUT(agent->stats().messages > heard, kWait);
        }
        QVERIFY(!agent->decideOutgoing("payments").affected());
        QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(0), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(viewHasNoRules(*server), kWait);
        QCOMPARE(agent->stats().expired, uint64_t(1));
        QCOMPARE(agent->stats().dead_man_reverts, uint64_t(0));
        QVERIFY(agent->stats().connected);
    }

    void revertAllReachesEveryAgent()
    {
        auto server = startServer();
        server->setEnabled(true);
        std::vector<std::unique_ptr<ControlAgent>> agents;
        agents.push_back(makeAgent(*server, "orders", "orders-1"));
        agents.push_back(makeAgent(*server, "orders", "orders-2"));
        agents.push_back(makeAgent(*server, "gateway", "gateway-1"));
        for (auto& agent : agents)
            agent->start();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(3), kWait);
        std::string error;
        QVERIFY(!server->applyFault({ {}, "orders" }, delayOnPayments(), error).empty());
        QVERIFY(!server->applyFault({ {}, "gateway" }, delayOnPayments(), error).empty());
        QVERIFY(
            !server->overrideBreaker(
                       { {}, "gateway" }, { {}, "payments", BreakerOverrideVerb::ForceOpen, 60000 }, error)
                 .empty());
        for (auto& agent : agents)
            QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(1), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(agents[2]->breakers().overrideIds().size() == 1, kWait);

        QCOMPARE(server->revertAll("game day over"), size_t(3));
        for (auto& agent : agents) {
            QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(0), kWait);
            QVERIFY(agent->breakers().overrideIds().empty());
        }
        QTRY_VERIFY_WITH_TIMEOUT(viewHasNoRules(*server), kWait);
    }

    void agentsRevertWithinFiveSecondsWhenTheServerGoes()
    {
        auto server = startServer();
        server->setEnabled(true);
        auto agent = makeAgent(*server, "orders", "orders-1");
        agent->start();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(1), kWait);
        std::string error;
        QVERIFY(!server->applyFault({ {}, "orders" }, delayOnPayments(), error).empty());
        QVERIFY(
            !server->overrideBreaker({ {}, "orders" }, { {}, "payments", BreakerOverrideVerb::ForceOpen, 60000 }, error)
                 .empty());
        QTRY_VERIFY_WITH_TIMEOUT(agent->rules().size() == 1 && agent->breakers().overrideIds().size() == 1, kWait);

        QElapsedTimer gone;
        gone.start();
        server.reset(); // the app goes away without a word to the agents
        QTRY_VERIFY_WITH_TIMEOUT(agent->rules().size() == 0 && agent->breakers().overrideIds().empty(), 5000);
        QVERIFY2(gone.elapsed() < 5000, qPrintable(QString::number(gone.elapsed())));
        QCOMPARE(agent->breakers().state("payments", agent->nowNs()), std::optional(BreakerState::Closed));
        QCOMPARE(agent->stats().stream_drop_reverts, uint64_t(1));
        QVERIFY(!agent->stats().connected);
    }

    void agentsFindTheAppAgainAfterItRestarts()
    {
        auto server = startServer();
        const std::string address = server->view()->listening_on;
        auto agent = makeAgent(*server, "orders", "orders-1");
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(agent->stats().connected, kWait);
        server.reset();
        QTRY_VERIFY_WITH_TIMEOUT(!agent->stats().connected, kWait);

        ControlServerConfig config;
        config.address = address; // the same port: the app started again
        server = startServer(config);
        server->setEnabled(true);
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(1), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(agent->stats().connects >= 2, kWait);
        std::string error;
        QVERIFY2(!server->applyFault({ {}, "orders" }, delayOnPayments(), error).empty(), error.c_str());
        QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(1), kWait);
    }

    void agentsRevertWhenTheServerFallsSilent()
    {
        ManualControlClock serverClock; // frozen: the server pings at most once, at start
        ManualControlClock agentClock;
        ControlServerConfig config;
        config.clock = &serverClock;
        auto server = startServer(config);
        server->setEnabled(true);
        auto agent = makeAgent(*server, "orders", "orders-1", &agentClock);
        agent->start();
        QTRY_VERIFY_WITH_TIMEOUT(agent->stats().connected, kWait);
        std::string error;
        const std::string id = server->applyFault({ {}, "orders" }, delayOnPayments(), error);
        QVERIFY2(!id.empty(), error.c_str());
        ControlRuleView rule;
        QTRY_VERIFY_WITH_TIMEOUT(
            ruleIn(*server, "orders", id, rule) && rule.status == ControlRuleStatus::Active, kWait);
        QCOMPARE(agent->rules().size(), size_t(1));

        // Under the 3 s dead-man time the rule is held; the heartbeat this advance makes due shows the
        // agent's worker has looked at the time (it checks the dead-man switch first).
        const uint64_t version = server->view()->version;
        agentClock.advance(std::chrono::milliseconds(2900));
        QTRY_VERIFY_WITH_TIMEOUT(server->view()->version > version, kWait);
        QCOMPARE(agent->rules().size(), size_t(1));
        agentClock.advance(std::chrono::milliseconds(200));
        QTRY_COMPARE_WITH_TIMEOUT(agent->rules().size(), size_t(0), kWait);
        QCOMPARE(agent->stats().dead_man_reverts, uint64_t(1));
        // It drops the silent stream and registers afresh.
        QTRY_VERIFY_WITH_TIMEOUT(agent->stats().connects >= 2, kWait);
    }

    void loopbackAddresses()
    {
        QVERIFY(isLoopbackAddress("127.0.0.1:4320"));
        QVERIFY(isLoopbackAddress("localhost:0"));
        QVERIFY(isLoopbackAddress("[::1]:4320"));
        QVERIFY(!isLoopbackAddress("0.0.0.0:4320"));
        QVERIFY(!isLoopbackAddress("[::]:4320"));
        QVERIFY(!isLoopbackAddress("10.1.2.3:4320"));
        QVERIFY(!isLoopbackAddress(":4320"));
    }

    void remoteBindRequiresAToken()
    {
        for (const std::string& token : { std::string(), std::string("short") }) {
            ControlServerConfig config;
            config.address = "0.0.0.0:0";
            config.token = token;
            ControlServer server(config);
            std::string error;
            QVERIFY(!server.start(error));
            QVERIFY2(QString::fromStdString(error).contains("token"), error.c_str());
            QVERIFY(server.view()->listening_on.empty());
        }
        ControlServerConfig config;
        config.address = "0.0.0.0:0";
        config.token = "a-long-enough-shared-token";
        ControlServer server(config);
        std::string error;
        QVERIFY2(server.start(error), error.c_str());
        QVERIFY(!server.view()->listening_on.empty());
    }

    void everyStreamIsCheckedForTheToken()
    {
        ControlServerConfig config;
        config.token = "correct-horse-battery-staple";
        auto server = startServer(config);
        auto missing = makeAgent(*server, "orders", "orders-1");
        auto wrong = makeAgent(*server, "orders", "orders-2", nullptr, "correct-horse-battery-stapler");
        missing->start();
        wrong->start();
        QTRY_VERIFY_WITH_TIMEOUT(server->view()->stats.unauthenticated >= 2, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(
            QString::fromStdString(missing->stats().last_error).contains("requires a token"), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(QString::fromStdString(wrong->stats().last_error).contains("wrong"), kWait);
        QCOMPARE(agentCount(*server), size_t(0));
        QCOMPARE(server->view()->stats.streams_accepted, uint64_t(0));

        auto right = makeAgent(*server, "orders", "orders-3", nullptr, config.token);
        right->start();
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(1), kWait);
        QCOMPARE(server->view()->agents.front().instance, std::string("orders-3"));
    }

    void protocolViolationsEndTheStream_data()
    {
        QTest::addColumn<int>("violation");
        QTest::addColumn<QString>("expected");
        QTest::newRow("ack before hello") << 0 << "first message must be Hello";
        QTest::newRow("hello twice") << 1 << "twice";
        QTest::newRow("future protocol") << 2 << "protocol version 2";
        QTest::newRow("no service") << 3 << "no service";
    }
    void protocolViolationsEndTheStream()
    {
        QFETCH(int, violation);
        QFETCH(QString, expected);
        auto server = startServer();
        auto channel = grpc::CreateChannel(server->view()->listening_on, grpc::InsecureChannelCredentials());
        auto stub = pb::ControlService::NewStub(channel);
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        auto stream = stub->Connect(&context);
        pb::AgentMessage hello;
        hello.mutable_hello()->set_protocol_version(violation == 2 ? 2 : 1);
        hello.mutable_hello()->set_service(violation == 3 ? "" : "orders");
        pb::AgentMessage ack;
        ack.mutable_ack()->set_directive_id(7);
        pb::ServerMessage reply;
        if (violation == 1) {
            QVERIFY(stream->Write(hello));
            QVERIFY(stream->Read(&reply));
            QVERIFY(reply.has_welcome());
        }
        QVERIFY(stream->Write(violation == 0 ? ack : hello));
        while (stream->Read(&reply)) { } // pings may come before the end
        const grpc::Status status = stream->Finish();
        QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY2(QString::fromStdString(status.error_message()).contains(expected), status.error_message().c_str());
        QTRY_COMPARE_WITH_TIMEOUT(server->view()->stats.malformed, uint64_t(1), kWait);
        QTRY_COMPARE_WITH_TIMEOUT(agentCount(*server), size_t(0), kWait);
    }
};

QTEST_GUILESS_MAIN(TestControlPlane)
#include "tst_controlplane.moc"
