// End to end with an independent OTLP client: the OpenTelemetry JS SDK (tests/e2e/emit-topology.js, packages
// pinned in tests/e2e/package-lock.json and installed by npm into the build tree) sends a known topology to
// `faultline --headless --listen`, and the snapshot must hold exactly that graph.

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <tuple>

namespace {

const QString kE2eSource = QStringLiteral(FAULTLINE_SOURCE_DIR "/tests/e2e");

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// A port that was free on loopback a moment ago (the kernel picks it).
uint16_t freePort()
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0
        || getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        qFatal("no free port on loopback");
    close(fd);
    return ntohs(address.sin_port);
}

} // namespace

class tst_otlpe2e : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
        m_npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
        QVERIFY2(
            !m_node.isEmpty() && !m_npm.isEmpty(), "node and npm are needed (scripts/install-deps.sh installs them)");

        // Install the pinned SDK into the build tree, once per lock file.
        m_modules = QCoreApplication::applicationDirPath() + QStringLiteral("/e2e-node");
        QDir().mkpath(m_modules);
        const QByteArray lock = readFile(kE2eSource + QStringLiteral("/package-lock.json"));
        if (readFile(m_modules + QStringLiteral("/package-lock.json")) != lock
            || !QFile::exists(m_modules + QStringLiteral("/node_modules/@opentelemetry/sdk-trace-base"))) {
            for (const char* name : { "package.json", "package-lock.json" }) {
                QFile::remove(m_modules + QLatin1Char('/') + QLatin1String(name));
                QVERIFY(QFile::copy(kE2eSource + QLatin1Char('/') + QLatin1String(name),
                    m_modules + QLatin1Char('/') + QLatin1String(name)));
            }
            QProcess npm;
            npm.setWorkingDirectory(m_modules);
            npm.start(m_npm, { QStringLiteral("ci"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund") });
            QVERIFY(npm.waitForFinished(300000));
            QVERIFY2(npm.exitCode() == 0, npm.readAllStandardError().constData());
        }
        QFile::remove(m_modules + QStringLiteral("/emit-topology.js"));
        QVERIFY(QFile::copy(
            kE2eSource + QStringLiteral("/emit-topology.js"), m_modules + QStringLiteral("/emit-topology.js")));
    }

    void snapshotHoldsExactlyTheTopologyTheSdkSent()
    {
        QTemporaryDir dir;
        const QString snapshotPath = dir.filePath(QStringLiteral("live.json"));
        const QString port = QString::number(freePort());

        QProcess faultline;
        faultline.start(QStringLiteral(FAULTLINE_BINARY),
            { QStringLiteral("--headless"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:") + port,
                QStringLiteral("--duration"), QStringLiteral("300"), QStringLiteral("--snapshot"), snapshotPath });
        QVERIFY(faultline.waitForStarted());
        QByteArray log;
        QTRY_VERIFY_WITH_TIMEOUT((log += faultline.readAllStandardError()).contains("listening for OTLP/gRPC"), 20000);

        QProcess sdk;
        sdk.setWorkingDirectory(m_modules);
        sdk.start(m_node, { QStringLiteral("emit-topology.js"), port });
        QVERIFY(sdk.waitForFinished(120000));
        QVERIFY2(sdk.exitCode() == 0, sdk.readAllStandardError().constData());

        // Everything the SDK sent has been answered (its exporters awaited the replies); Ctrl+C ends the run
        // early, and faultline still writes the snapshot.
        faultline.terminate();
        QVERIFY(faultline.waitForFinished(20000));
        log += faultline.readAllStandardError();
        QVERIFY2(faultline.exitCode() == 0, log.constData());

        std::ifstream in(snapshotPath.toStdString());
        const nlohmann::json snap = nlohmann::json::parse(in);
        QCOMPARE(snap["source"].get<std::string>(), std::string("live"));

        std::map<std::string, std::pair<std::string, bool>> nodes;
        for (const auto& n : snap["nodes"])
            nodes[n["id"]] = { n["kind"].get<std::string>(), n["virtual"].get<bool>() };
        const std::map<std::string, std::pair<std::string, bool>> expectedNodes { { "user", { "user", true } },
            { "web", { "service", false } }, { "orders", { "service", false } }, { "payments", { "service", false } },
            { "ordersdb", { "database", false } }, { "order-events", { "queue", false } },
            { "mailer", { "service", false } } };
        QCOMPARE(nodes, expectedNodes);

        using Edge = std::tuple<std::string, std::string, std::string, std::string>;
        std::map<Edge, std::pair<uint64_t, uint64_t>> edges;
        std::string breakerState;
        for (const auto& e : snap["edges"]) {
            edges[{ e["source"], e["target"], e["kind"], e["protocol"] }]
                = { e["totals"]["requests"].get<uint64_t>(), e["totals"]["errors"].get<uint64_t>() };
            if (e["source"] == "orders" && e["target"] == "payments" && !e["breaker"].is_null())
                breakerState = e["breaker"]["state"];
        }
        const std::map<Edge, std::pair<uint64_t, uint64_t>> expectedEdges {
            { { "user", "web", "sync", "http" }, { 50, 0 } },
            { { "web", "orders", "sync", "http" }, { 50, 0 } },
            { { "orders", "payments", "sync", "grpc" }, { 50, 5 } },
            { { "orders", "ordersdb", "sync", "postgresql" }, { 50, 0 } },
            { { "orders", "order-events", "async", "rabbitmq" }, { 50, 0 } },
            { { "order-events", "mailer", "async", "rabbitmq" }, { 50, 0 } },
        };
        QCOMPARE(edges, expectedEdges);
        QCOMPARE(breakerState, std::string("open")); // from the Resilience4j-named gauge the SDK exported

        QCOMPARE(snap["pipeline"]["spans_received"].get<uint64_t>(), uint64_t(400));
        QCOMPARE(snap["pipeline"]["spans_dropped"].get<uint64_t>(), uint64_t(0));
        QVERIFY(log.contains("received 400 spans"));
    }

private:
    QString m_node;
    QString m_npm;
    QString m_modules;
};

QTEST_GUILESS_MAIN(tst_otlpe2e)
#include "tst_otlpe2e.moc"
