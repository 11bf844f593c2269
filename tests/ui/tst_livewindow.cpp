// The main window on live telemetry: a real OTLP/gRPC client sends spans to MainWindow::listen over loopback.
#include "graphview.h"
#include "listendialog.h"
#include "mainwindow.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "servicesdock.h"
#include "whatifcontroller.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTest>

#include <chrono>

using namespace faultline;
namespace otlp = opentelemetry::proto;

namespace {

std::string bytesOf(uint64_t value, size_t length)
{
    std::string out(length, '\0');
    for (size_t i = 0; i < length; ++i)
        out[length - 1 - i] = static_cast<char>((value >> (8 * (i % 8))) & 0xff);
    return out;
}

void addSpan(otlp::collector::trace::v1::ExportTraceServiceRequest& request, const std::string& service,
    uint64_t spanId, uint64_t parentId, otlp::trace::v1::Span::SpanKind kind)
{
    auto* resourceSpans = request.add_resource_spans();
    auto* attribute = resourceSpans->mutable_resource()->add_attributes();
    attribute->set_key("service.name");
    attribute->mutable_value()->set_string_value(service);
    auto* span = resourceSpans->add_scope_spans()->add_spans();
    const auto now
        = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
    span->set_trace_id(bytesOf(0x5eed, 16));
    span->set_span_id(bytesOf(spanId, 8));
    if (parentId != 0) span->set_parent_span_id(bytesOf(parentId, 8));
    span->set_kind(kind);
    span->set_name("GET /cart");
    span->set_start_time_unix_nano(static_cast<uint64_t>(now) - 20'000'000);
    span->set_end_time_unix_nano(static_cast<uint64_t>(now));
}

/// One client span of `frontend` calling `cart`, and cart's server span, in one Export call; and `unusable`
/// more spans with an all-zero span id, which the receiver reports as partial_success.
grpc::Status sendClientServerPair(
    const QString& address, int unusable = 0, otlp::collector::trace::v1::ExportTraceServiceResponse* answer = nullptr)
{
    otlp::collector::trace::v1::ExportTraceServiceRequest request;
    addSpan(request, "frontend", 1, 0, otlp::trace::v1::Span::SPAN_KIND_CLIENT);
    addSpan(request, "cart", 2, 1, otlp::trace::v1::Span::SPAN_KIND_SERVER);
    for (int i = 0; i < unusable; ++i)
        addSpan(request, "frontend", 0, 0, otlp::trace::v1::Span::SPAN_KIND_CLIENT);
    auto stub = otlp::collector::trace::v1::TraceService::NewStub(
        grpc::CreateChannel(address.toStdString(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    otlp::collector::trace::v1::ExportTraceServiceResponse response;
    grpc::Status status = stub->Export(&context, request, &response);
    if (answer) *answer = response;
    return status;
}

bool showsEdge(const GraphView* view, const char* source, const char* target)
{
    const auto snapshot = view->snapshot();
    return snapshot && snapshot->source == "live" && snapshot->findEdge(source, target) >= 0;
}

QString labelText(const MainWindow& window, const char* name)
{
    const auto* label = window.statusBar()->findChild<QLabel*>(QLatin1String(name));
    return label && label->isVisible() ? label->text() : QString();
}

Scenario checkoutScenario()
{
    auto result = ScenarioLoader::fromString(builtinScenario("checkout"));
    if (!result.ok()) qFatal("the built-in checkout scenario does not load");
    return *result.scenario;
}

QList<QAction*> simulationActions(const MainWindow& window)
{
    return { window.playPauseAction(), window.stepAction(), window.resetAction(), window.fasterAction(),
        window.slowerAction() };
}

} // namespace

class tst_LiveWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void showsTheResolvedAddressWhileListening()
    {
        MainWindow window;
        QString error;
        QVERIFY2(window.listen(QStringLiteral("127.0.0.1:0"), &error), qPrintable(error));
        QVERIFY(window.isLive());
        const QString address = QString::fromStdString(window.liveRunner()->receiverStats().listening_on);
        QVERIFY(address.startsWith(QLatin1String("127.0.0.1:")));
        QVERIFY(!address.endsWith(QLatin1String(":0")));
        QCOMPARE(window.windowTitle(), QStringLiteral("Faultline — Live (%1)").arg(address));
        window.show();
        QTRY_COMPARE(labelText(window, "sourceLabel"), QStringLiteral("Live: listening on %1").arg(address));
        QTRY_COMPARE(labelText(window, "droppedLabel"), QStringLiteral("0 dropped"));
        QVERIFY(labelText(window, "rateLabel").endsWith(QLatin1String("spans/s")));
    }

    void showsTheServicesRatherThanAnEmptyLesson()
    {
        MainWindow window;
        window.resize(1024, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.openExample(QStringLiteral("cascade-with-breaker")); // a lesson: its tab is in front
        QTRY_VERIFY(!window.whatIf()->lessonDock()->visibleRegion().isEmpty());
        QString error;
        QVERIFY2(window.listen(QStringLiteral("127.0.0.1:0"), &error), qPrintable(error));
        // Live there is no lesson to read: the services table takes the left column.
        QTRY_VERIFY(!window.servicesDock()->visibleRegion().isEmpty());
        QVERIFY(window.whatIf()->lessonDock()->visibleRegion().isEmpty());
    }

    void graphsARealOtlpClientServerPair()
    {
        MainWindow window;
        window.resize(1024, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QString error;
        QVERIFY2(window.listen(QStringLiteral("127.0.0.1:0"), &error), qPrintable(error));
        const QString address = QString::fromStdString(window.liveRunner()->receiverStats().listening_on);

        const grpc::Status status = sendClientServerPair(address);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(showsEdge(window.graphView(), "frontend", "cart"), 10000);
        QTRY_COMPARE(labelText(window, "sendersLabel"), QStringLiteral("1 sender"));
        QCOMPARE(labelText(window, "malformedLabel"), QStringLiteral("0 malformed"));
        QCOMPARE(window.liveRunner()->receiverStats().spans_received, uint64_t(2));
    }

    void showsDroppedSpansAndWhyInTheStatusBar()
    {
        MainWindow window;
        window.show();
        QString error;
        QVERIFY2(window.listen(QStringLiteral("127.0.0.1:0"), &error), qPrintable(error));
        const QString address = QString::fromStdString(window.liveRunner()->receiverStats().listening_on);
        auto* dropped = window.statusBar()->findChild<QLabel*>(QStringLiteral("droppedLabel"));
        QVERIFY(dropped);
        const QColor normal = dropped->palette().color(QPalette::WindowText);

        otlp::collector::trace::v1::ExportTraceServiceResponse answer;
        const grpc::Status status = sendClientServerPair(address, 3, &answer);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QCOMPARE(answer.partial_success().rejected_spans(), int64_t(3));
        // What the sender was told is what the window shows, in the status bar and in the snapshot it draws.
        QTRY_COMPARE(labelText(window, "droppedLabel"), QStringLiteral("3 dropped"));
        QVERIFY2(dropped->toolTip().contains(QLatin1String("0 refused while Faultline was overloaded")),
            qPrintable(dropped->toolTip()));
        QVERIFY2(dropped->toolTip().contains(QLatin1String("3 unusable")), qPrintable(dropped->toolTip()));
        QVERIFY(dropped->palette().color(QPalette::WindowText) != normal);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.graphView()->snapshot() && window.graphView()->snapshot()->counters.spans_dropped == 3, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(showsEdge(window.graphView(), "frontend", "cart"), 10000);
    }

    void disablesTheSimulationControlsWhileLive()
    {
        MainWindow window;
        window.runScenario(checkoutScenario());
        for (QAction* action : simulationActions(window))
            QVERIFY2(action->isEnabled() || action == window.stepAction(), qPrintable(action->text()));
        QVERIFY(window.findChild<QComboBox*>()->isEnabled());

        QString error;
        QVERIFY2(window.listen(QStringLiteral("127.0.0.1:0"), &error), qPrintable(error));
        QVERIFY(window.runner() == nullptr);
        for (QAction* action : simulationActions(window)) {
            QVERIFY2(!action->isEnabled(), qPrintable(action->text()));
            QVERIFY2(action->toolTip().contains(QLatin1String("live telemetry")), qPrintable(action->toolTip()));
        }
        QVERIFY(!window.findChild<QComboBox*>()->isEnabled());

        window.runScenario(checkoutScenario());
        QVERIFY(!window.isLive());
        QVERIFY(window.runner() != nullptr);
        QCOMPARE(window.windowTitle(), QStringLiteral("Faultline — Checkout"));
        QVERIFY(window.playPauseAction()->isEnabled());
        QVERIFY(window.resetAction()->isEnabled());
        QVERIFY(window.findChild<QComboBox*>()->isEnabled());
        QVERIFY(!window.playPauseAction()->toolTip().contains(QLatin1String("live telemetry")));
    }

    void refusesAnAddressInUseAndKeepsTheSimulation()
    {
        MainWindow first;
        QString error;
        QVERIFY2(first.listen(QStringLiteral("127.0.0.1:0"), &error), qPrintable(error));
        const QString taken = QString::fromStdString(first.liveRunner()->receiverStats().listening_on);

        MainWindow second;
        second.runScenario(checkoutScenario());
        QVERIFY(!second.listen(taken, &error));
        QVERIFY2(error.contains(taken), qPrintable(error));
        QVERIFY(!second.isLive());
        QVERIFY(second.runner() != nullptr);
        QVERIFY(second.playPauseAction()->isEnabled());
    }

    void listenActionIsInTheFileMenuOnCtrlL()
    {
        MainWindow window;
        QCOMPARE(window.listenAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_L));
        QVERIFY(window.edgeLabelsAction()->shortcut() != window.listenAction()->shortcut());
    }

    void knowsLoopbackAddresses_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("loopback");
        QTest::addRow("ipv4 loopback") << "127.0.0.1:4317" << true;
        QTest::addRow("another 127 address") << "127.0.1.1:4317" << true;
        QTest::addRow("localhost") << "localhost:4317" << true;
        QTest::addRow("ipv6 loopback") << "[::1]:4317" << true;
        QTest::addRow("all interfaces") << "0.0.0.0:4317" << false;
        QTest::addRow("ipv6 any") << "[::]:4317" << false;
        QTest::addRow("a LAN address") << "192.168.1.20:4317" << false;
    }
    void knowsLoopbackAddresses()
    {
        QFETCH(QString, address);
        QFETCH(bool, loopback);
        QCOMPARE(ListenDialog::isLoopback(address), loopback);
    }
};

QTEST_MAIN(tst_LiveWindow)
#include "tst_livewindow.moc"
