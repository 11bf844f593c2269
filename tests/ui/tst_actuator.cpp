// Breaker overrides through the Resilience4j Spring Boot actuator (ui/actuatoradapter.cpp), reached the way
// the user reaches them: the window's breaker commands while Control Real Services is on, for a service
// configured in File > Breaker Actuators. A small HTTP server on loopback stands in for the actuator and
// records what it was sent.

#include "activefaultspanel.h"
#include "actuatoradapter.h"
#include "actuatordialog.h"
#include "faultdialog.h"
#include "livecontrol.h"
#include "mainwindow.h"
#include "whatifcontroller.h"

#include <QAbstractButton>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace faultline;

namespace {

struct HttpRequest {
    QByteArray method;
    QByteArray path;
    QByteArray body;
    QByteArray authorization;
};

/// Answers every request with `status` and `body`, and keeps what it was asked.
class FakeActuator : public QObject {
public:
    FakeActuator()
    {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    QUrl base() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/actuator").arg(m_server.serverPort())); }
    QList<HttpRequest> requests;
    int status = 200;
    QByteArray answer = R"({"circuitBreakers":["payments","inventory"]})";

    int count(const QByteArray& body) const
    {
        return static_cast<int>(std::count_if(
            requests.begin(), requests.end(), [&](const HttpRequest& r) { return r.body.contains(body); }));
    }

private:
    void read(QTcpSocket* socket)
    {
        QByteArray& buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        HttpRequest request;
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        request.method = first.value(0);
        request.path = first.value(1);
        qsizetype length = 0;
        for (const QByteArray& line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = line.left(colon).trimmed().toLower(), value = line.mid(colon + 1).trimmed();
            if (name == "content-length") length = value.toLongLong();
            if (name == "authorization") request.authorization = value;
        }
        if (buffer.size() < end + 4 + length) return;
        request.body = buffer.mid(end + 4, length);
        m_buffers.remove(socket);
        requests << request;
        const QByteArray reason = status == 200 ? "OK" : "Not Found";
        socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
            + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
            + QByteArray::number(answer.size()) + "\r\n\r\n" + answer);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket*, QByteArray> m_buffers;
};

constexpr QByteArrayView kForceOpen = R"({"updateState":"FORCE_OPEN"})";
constexpr QByteArrayView kClose = R"({"updateState":"CLOSE"})";

/// A window on live telemetry with control on and orders' breakers behind the fake actuator.
std::unique_ptr<MainWindow> controllingWindow(const FakeActuator& actuator)
{
    auto window = std::make_unique<MainWindow>();
    QString error;
    if (!window->listen(QStringLiteral("127.0.0.1:0"), &error)) qWarning() << error;
    if (!window->hostControl(QStringLiteral("127.0.0.1:0"), {}, &error)) qWarning() << error;
    window->liveControl()->actuators()->setEndpoints(
        { { QStringLiteral("orders"), actuator.base(), QStringLiteral("Bearer s3cret") } });
    return window;
}

/// The user forces orders -> payments' breaker from the window (the canvas's context menu, the inspector or
/// Ctrl+Shift+O all come here), for `ttl_s`.
void forceOpen(MainWindow& window, double ttl_s = 60.0)
{
    Fault fault = FaultDialog::breakerOverride(
        QStringLiteral("orders"), QStringLiteral("payments"), BreakerOverrideVerb::ForceOpen);
    fault.duration_s = ttl_s;
    window.whatIf()->setFaultPrompt(
        [fault](const FaultDialog::Target&, QWidget*) { return std::optional<Fault>(fault); });
    window.whatIf()->injectFaultOn(FaultDialog::Target::forEdge(QStringLiteral("orders"), QStringLiteral("payments")));
}

} // namespace

class TestActuator : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // A settings file of its own: these tests keep state there across windows (what a killed run left
        // forced), and the other window tests, which ctest runs alongside, clear the shared test-mode file.
        QVERIFY(m_settingsDir.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    }
    void init() { QSettings(QStringLiteral("Faultline"), QStringLiteral("Faultline")).clear(); }

    void urlsAndBodiesFollowTheActuatorApi()
    {
        QCOMPARE(ActuatorAdapter::stateUrl(QUrl(QStringLiteral("http://h:8080/actuator")), QStringLiteral("payments")),
            QUrl(QStringLiteral("http://h:8080/actuator/circuitbreakers/payments")));
        QCOMPARE(ActuatorAdapter::stateUrl(QUrl(QStringLiteral("http://h/mgmt/")), QStringLiteral("a b/c"))
                     .toString(QUrl::FullyEncoded),
            QStringLiteral("http://h/mgmt/circuitbreakers/a%20b%2Fc"));
        QCOMPARE(ActuatorAdapter::stateBody(BreakerOverrideVerb::ForceOpen), QByteArray(kForceOpen.data()));
        QCOMPARE(ActuatorAdapter::stateBody(BreakerOverrideVerb::Disable), QByteArray(R"({"updateState":"DISABLE"})"));
        QCOMPARE(ActuatorAdapter::stateBody(BreakerOverrideVerb::Automatic), QByteArray(kClose.data()));
        QVERIFY(
            !ActuatorAdapter::validate({ QStringLiteral("orders"), QUrl(QStringLiteral("ftp://h/a")), {} }).isEmpty());
        QVERIFY(!ActuatorAdapter::validate({ {}, QUrl(QStringLiteral("http://h/a")), {} }).isEmpty());
        QVERIFY(!ActuatorAdapter::validate(
            { QStringLiteral("o"), QUrl(QStringLiteral("http://h")), QStringLiteral("a\nb") })
                     .isEmpty());
        QVERIFY(
            ActuatorAdapter::validate({ QStringLiteral("o"), QUrl(QStringLiteral("https://h:1/a")), {} }).isEmpty());
    }

    void aBreakerVerbGoesToTheActuatorAndShowsInActiveFaults()
    {
        FakeActuator actuator;
        auto window = controllingWindow(actuator);
        forceOpen(*window);
        QTRY_COMPARE(actuator.requests.size(), 1);
        const HttpRequest sent = actuator.requests.first();
        QCOMPARE(sent.method, QByteArray("POST"));
        QCOMPARE(sent.path, QByteArray("/actuator/circuitbreakers/payments"));
        QCOMPARE(sent.body, QByteArray(kForceOpen.data()));
        QCOMPARE(sent.authorization, QByteArray("Bearer s3cret"));
        QTRY_COMPARE(window->liveControl()->actuators()->overrides().value(0).status, ActuatorAdapter::Status::Active);

        // The Active Faults dock lists it, counting down in wall time, with its own Revert button.
        ActiveFaultsPanel* faults = window->whatIf()->activeFaults();
        window->whatIf()->refresh();
        QCOMPARE(faults->model()->rowCount(), 1);
        QVERIFY(faults->model()->wallClock());
        QCOMPARE(faults->model()->index(0, ActiveFaultsModel::TargetColumn).data().toString(),
            QStringLiteral("orders: breaker payments"));
        const double left = faults->model()->index(0, 0).data(ActiveFaultsModel::RemainingSecondsRole).toDouble();
        QVERIFY2(left > 50.0 && left <= 60.0, qPrintable(QString::number(left)));
        QAbstractButton* revert = faults->revertButton(0);
        QVERIFY(revert);
        revert->click();
        QTRY_COMPARE(actuator.count(kClose.data()), 1);
        QTRY_VERIFY(window->liveControl()->actuators()->overrides().isEmpty());
        window->whatIf()->refresh();
        QCOMPARE(faults->model()->rowCount(), 0);
        // Nothing is left for a next start to hand back.
        QVERIFY(!QSettings(QStringLiteral("Faultline"), QStringLiteral("Faultline"))
                     .contains(QStringLiteral("actuators/outstanding")));
    }

    void theBreakerIsClosedWhenItsTimeToLiveEnds()
    {
        FakeActuator actuator;
        auto window = controllingWindow(actuator);
        ManualControlClock clock;
        window->liveControl()->actuators()->setClock(&clock);
        forceOpen(*window, 30.0);
        QTRY_COMPARE(actuator.count(kForceOpen.data()), 1);
        clock.advance(std::chrono::seconds(29));
        window->liveControl()->actuators()->checkExpiry(); // what its timer does every 250 ms
        QCOMPARE(actuator.count(kClose.data()), 0);
        clock.advance(std::chrono::seconds(2));
        QTRY_COMPARE(actuator.count(kClose.data()), 1); // by the adapter's own timer
        QTRY_VERIFY(window->liveControl()->actuators()->overrides().isEmpty());
        window->whatIf()->refresh();
        QCOMPARE(window->whatIf()->activeFaults()->model()->rowCount(), 0);
        window->liveControl()->actuators()->setClock(&SteadyControlClock::instance());
    }

    void aNewVerbSupersedesTheHeldOne()
    {
        FakeActuator actuator;
        auto window = controllingWindow(actuator);
        ManualControlClock clock;
        window->liveControl()->actuators()->setClock(&clock);
        forceOpen(*window, 10.0);
        QTRY_COMPARE(actuator.requests.size(), 1);
        forceOpen(*window, 100.0); // again, for longer
        QTRY_COMPARE(actuator.requests.size(), 2);
        clock.advance(std::chrono::seconds(11)); // the first TTL must not close what the second holds
        window->liveControl()->actuators()->checkExpiry();
        QCOMPARE(actuator.count(kClose.data()), 0);
        QCOMPARE(window->liveControl()->actuators()->overrides().size(), 1);
        // Automatic hands it back at once and holds nothing.
        window->whatIf()->applyBreakerVerb(BreakerOverrideVerb::Automatic); // no selection: says so, sends nothing
        QCOMPARE(actuator.requests.size(), 2);
        window->liveControl()->apply(FaultDialog::breakerOverride(QStringLiteral("orders"), QStringLiteral("payments"),
                                         BreakerOverrideVerb::Automatic),
            nullptr);
        QTRY_COMPARE(actuator.count(kClose.data()), 1);
        QVERIFY(window->liveControl()->actuators()->overrides().isEmpty());
        window->liveControl()->actuators()->setClock(&SteadyControlClock::instance());
    }

    void aRefusalIsReportedAndNothingIsHeld()
    {
        FakeActuator actuator;
        actuator.status = 404;
        actuator.answer = R"({"error":"no such breaker"})";
        auto window = controllingWindow(actuator);
        QSignalSpy failed(window->liveControl()->actuators(), &ActuatorAdapter::failed);
        forceOpen(*window);
        QTRY_COMPARE(failed.size(), 1);
        const QString why = failed.first().first().toString();
        QVERIFY2(
            why.contains(QStringLiteral("404")) && why.contains(QStringLiteral("no such breaker")), qPrintable(why));
        QVERIFY(window->liveControl()->actuators()->overrides().isEmpty());
        window->whatIf()->refresh();
        QCOMPARE(window->whatIf()->activeFaults()->model()->rowCount(), 0);
    }

    void unreachableActuatorIsReported()
    {
        FakeActuator actuator;
        const QUrl base = actuator.base();
        auto window = std::make_unique<MainWindow>();
        QString error;
        QVERIFY(window->listen(QStringLiteral("127.0.0.1:0"), &error));
        QVERIFY(window->hostControl(QStringLiteral("127.0.0.1:0"), {}, &error));
        QUrl dead = base;
        { // a port nothing listens on any more
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            dead.setPort(probe.serverPort());
        }
        window->liveControl()->actuators()->setEndpoints({ { QStringLiteral("orders"), dead, {} } });
        QSignalSpy failed(window->liveControl()->actuators(), &ActuatorAdapter::failed);
        forceOpen(*window);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
        QVERIFY(window->liveControl()->actuators()->overrides().isEmpty());
    }

    void turningControlOffAndTheWindowGoingAwayCloseTheBreaker()
    {
        FakeActuator actuator;
        auto window = controllingWindow(actuator);
        forceOpen(*window);
        QTRY_COMPARE(actuator.count(kForceOpen.data()), 1);
        window->controlAction()->trigger(); // off
        QVERIFY(!window->liveControl()->active());
        QTRY_COMPARE(actuator.count(kClose.data()), 1);

        QVERIFY(window->hostControl(QStringLiteral("127.0.0.1:0"), {}, nullptr));
        forceOpen(*window);
        QTRY_COMPARE(actuator.count(kForceOpen.data()), 2);
        window.reset(); // the app goes away: it waits for the actuator's answer
        QCOMPARE(actuator.count(kClose.data()), 2);
    }

    void aNextStartClosesWhatAKilledRunLeftForced()
    {
        FakeActuator actuator;
        ActuatorAdapter::saveEndpoints({ { QStringLiteral("orders"), actuator.base(), {} } });
        QSettings settings(QStringLiteral("Faultline"), QStringLiteral("Faultline"));
        {
            auto window = controllingWindow(actuator);
            forceOpen(*window);
            QTRY_COMPARE(actuator.count(kForceOpen.data()), 1);
            // What a run killed at this point leaves behind in the settings:
            QCOMPARE(settings.value(QStringLiteral("actuators/outstanding")).toStringList(),
                QStringList { QStringLiteral("orders\npayments") });
            const QStringList left = settings.value(QStringLiteral("actuators/outstanding")).toStringList();
            window.reset();
            QCOMPARE(actuator.count(kClose.data()), 1);
            settings.setValue(QStringLiteral("actuators/outstanding"), left); // as if it had been killed
        }
        MainWindow next; // the next start, with control off: handing back needs no opt-in
        QTRY_COMPARE(actuator.count(kClose.data()), 2);
        QTRY_VERIFY(!settings.contains(QStringLiteral("actuators/outstanding")));
    }

    void theDialogChecksRowsAndAsksTheActuator()
    {
        FakeActuator actuator;
        ActuatorDialog dialog({ { QStringLiteral("orders"), actuator.base(), {} } });
        QCOMPARE(dialog.table()->rowCount(), 1);
        QVERIFY(dialog.problems().isEmpty());
        dialog.table()->setCurrentCell(0, 0);
        dialog.checkButton()->click();
        QTRY_VERIFY2(dialog.statusLabel()->text().contains(QStringLiteral("payments, inventory")),
            qPrintable(dialog.statusLabel()->text()));
        QCOMPARE(actuator.requests.last().method, QByteArray("GET"));
        QCOMPARE(actuator.requests.last().path, QByteArray("/actuator/circuitbreakers"));

        dialog.addRow({ QStringLiteral("payments"), QUrl(QStringLiteral("ftp://h/x")), {} });
        dialog.addRow({ QStringLiteral("orders"), actuator.base(), {} });
        dialog.addRow(); // empty rows are ignored
        const QString problems = dialog.problems();
        QVERIFY2(problems.contains(QStringLiteral("Row 2")) && problems.contains(QStringLiteral("http")),
            qPrintable(problems));
        QVERIFY2(problems.contains(QStringLiteral("Row 3")) && problems.contains(QStringLiteral("twice")),
            qPrintable(problems));
        QCOMPARE(dialog.endpoints().size(), 3);
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestActuator)
#include "tst_actuator.moc"
