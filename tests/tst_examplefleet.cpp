// The example fleet (examples/fleet) end to end: four real processes instrumented with the agent, the app's
// side hosted here (an OTLP receiver feeding the LiveRunner the window uses, and a ControlServer). A delay
// injected into calls to payments shows in the ingested graph as latency and as the orders -> payments
// breaker opening; when the app's side dies the agents revert; a rule's TTL ends it; a wrong token is
// refused. Every wait is a QTRY_* condition with a generous timeout (the machine is shared).
#include "control/controlserver.h"
#include "run/liverunner.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QProcess>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>

using namespace faultline;

namespace {

constexpr int kWait = 60000;

int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        qFatal("no free port");
    ::close(fd);
    return ntohs(addr.sin_port);
}

QString loopback(int port)
{
    return QStringLiteral("127.0.0.1:%1").arg(port);
}

} // namespace

class TestExampleFleet : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        binary = QCoreApplication::applicationDirPath() + "/../examples/fleet/faultline-fleet";
        QVERIFY2(QFileInfo(binary).isExecutable(), qPrintable(binary + " was not built"));
        LiveRunner::Options options;
        options.receiver.address = "127.0.0.1:0";
        runner = std::make_unique<LiveRunner>(options);
        std::string error;
        QVERIFY2(runner->start(error), error.c_str());
        otlp = QString::fromStdString(runner->receiverStats().listening_on);
        QVERIFY(!otlp.isEmpty());
        controlAddress = loopback(freePort()).toStdString();
        startControl();
        for (const char* role : { "orders", "payments", "bank" })
            ports[role] = freePort();
        for (const char* role : { "bank", "payments", "orders", "gateway" }) {
            auto process = std::make_unique<QProcess>();
            process->setProgram(binary);
            process->setArguments({ "--role", role, "--orders", loopback(ports["orders"]), "--payments",
                loopback(ports["payments"]), "--bank", loopback(ports["bank"]), "--otlp", otlp, "--control",
                QString::fromStdString(controlAddress), "--status-ms", "200", "--rps", "20" });
            process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            process->start();
            QVERIFY2(process->waitForStarted(10000), role);
            processes[role] = std::move(process);
        }
    }

    void cleanupTestCase()
    {
        for (auto& [role, process] : processes) {
            process->terminate();
            if (!process->waitForFinished(10000)) process->kill();
        }
        processes.clear();
        control.reset();
        runner.reset();
    }

    void agentsConnectAndTrafficFlows()
    {
        QTRY_COMPARE_WITH_TIMEOUT(control->view()->agents.size(), size_t(4), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(edgeRps("gateway", "orders") > 5.0, kWait);
        // The gateway generates the load and is never called: healthy while it sends, not idle.
        QVERIFY(snapshot->nodes[static_cast<size_t>(snapshot->findNode("gateway"))].health == Health::Healthy);
        QTRY_VERIFY_WITH_TIMEOUT(edgeRps("orders", "payments") > 5.0, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(edgeRps("payments", "bank") > 5.0, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(status("orders", "breaker"), QString("closed"), kWait);
        // The client and server spans pair up over traceparent: the callee's own time is known, and the
        // edges are gRPC, not virtual nodes.
        QTRY_VERIFY_WITH_TIMEOUT(edge("orders", "payments") && edge("orders", "payments")->server_latency.valid, kWait);
        QCOMPARE(edge("orders", "payments")->protocol, std::string("grpc"));
        QVERIFY(!snapshot->nodes[static_cast<size_t>(snapshot->findNode("payments"))].virtual_node);
        QTRY_VERIFY_WITH_TIMEOUT(edgeBreaker("orders", "payments") == "closed", kWait);
    }

    void anExpiredRuleIsGone()
    {
        LiveFaultRule rule;
        rule.kind = LiveFaultKind::Delay;
        rule.target = "bank";
        rule.delay_ms = 1;
        rule.ttl_ms = 2000;
        std::string error;
        const std::string id = control->applyFault({ "", "payments" }, rule, error);
        QVERIFY2(!id.empty(), error.c_str());
        QTRY_COMPARE_WITH_TIMEOUT(status("payments", "rules"), QString("1"), kWait);
        QTRY_COMPARE_WITH_TIMEOUT(status("payments", "rules"), QString("0"), kWait);
    }

    void delayShowsAsLatencyAndOpensTheBreaker()
    {
        LiveFaultRule rule;
        rule.kind = LiveFaultKind::Delay;
        rule.target = "payments";
        rule.delay_ms = 800; // the fleet's calls have a 1 s deadline and count 500 ms as slow
        rule.ttl_ms = 300000;
        std::string error;
        QVERIFY2(!control->applyFault({ "", "orders" }, rule, error).empty(), error.c_str());
        QTRY_VERIFY_WITH_TIMEOUT(edgeP99("orders", "payments") > 400.0, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(edgeBreaker("orders", "payments") == "open", kWait);
    }

    void agentsRevertWhenTheAppGoes()
    {
        QCOMPARE(status("orders", "rules"), QString("1"));
        control->stop();
        control.reset();
        // The stream drops: the agent reverts at once; 5 s is the promise.
        QTRY_COMPARE_WITH_TIMEOUT(status("orders", "rules"), QString("0"), 5000);
    }

    void aWrongTokenIsRefused()
    {
        startControl("a-token-the-fleet-does-not-have");
        QTRY_VERIFY_WITH_TIMEOUT(control->view()->stats.unauthenticated >= 4, kWait);
        QCOMPARE(control->view()->agents.size(), size_t(0));
        QCOMPARE(status("orders", "connected"), QString("0"));
    }

private:
    void startControl(const std::string& token = {})
    {
        ControlServerConfig config;
        config.address = controlAddress;
        config.token = token;
        control = std::make_unique<ControlServer>(config);
        std::string error;
        QVERIFY2(control->start(error), error.c_str());
        control->setEnabled(true);
    }

    const EdgeSnapshot* edge(const char* from, const char* to)
    {
        snapshot = runner->latestSnapshot();
        const int e = snapshot->findEdge(from, to);
        return e < 0 ? nullptr : &snapshot->edges[static_cast<size_t>(e)];
    }
    double edgeRps(const char* from, const char* to)
    {
        const EdgeSnapshot* e = edge(from, to);
        return e ? e->traffic.rps : 0.0;
    }
    double edgeP99(const char* from, const char* to)
    {
        const EdgeSnapshot* e = edge(from, to);
        return e && e->traffic.latency.valid ? e->traffic.latency.p99_ms : 0.0;
    }
    QString edgeBreaker(const char* from, const char* to)
    {
        const EdgeSnapshot* e = edge(from, to);
        return e && e->breaker ? QString::fromUtf8(std::string(toString(e->breaker->state)).c_str()) : QString();
    }

    /// A field of the process's latest status line ("fleet orders: connected=1 rules=0 breaker=closed ...").
    QString status(const char* role, const QString& field)
    {
        QProcess& process = *processes.at(role);
        output[role] += QString::fromUtf8(process.readAllStandardOutput());
        const QStringList lines = output[role].split('\n', Qt::SkipEmptyParts);
        for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
            if (!line->contains(" connected=")) continue;
            for (const QString& part : line->split(' '))
                if (part.startsWith(field + "=")) return part.mid(field.size() + 1);
        }
        return {};
    }

    QString binary;
    QString otlp;
    std::string controlAddress;
    std::unique_ptr<LiveRunner> runner;
    std::unique_ptr<ControlServer> control;
    std::map<std::string, int> ports;
    std::map<std::string, std::unique_ptr<QProcess>> processes;
    std::map<std::string, QString> output;
    std::shared_ptr<const GraphSnapshot> snapshot;
};

QTEST_GUILESS_MAIN(TestExampleFleet)
#include "tst_examplefleet.moc"
