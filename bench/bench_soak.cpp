// The window on live telemetry, under load, offscreen: the real MainWindow listening on 127.0.0.1:0 (what
// `faultline --listen` does), fed over loopback gRPC by sender threads with realistic requests that are new
// telemetry every time (bench/otlpload.h).
//
//   bench_soak stalls [seconds] [senders]        flood past the receiver's capacity; event-loop stalls
//   bench_soak rss [seconds] [spans/s] [senders] paced ingest; resident memory every 30 s and a verdict
//
// stalls: a 1 ms precise QTimer on the UI thread; the gap between its ticks is how long the event loop was
// kept from running it. Prints p50/p99/max gap after a 2 s warm-up. The target is p99 under 50 ms.
// rss: VmRSS every 30 s (or a tenth of the run, when shorter); after the warm-up (the first 60 s, or a fifth
// of a shorter run) those samples must stay within 10 % of the RSS at its end (exit code 1 when not). It also
// samples every second and prints the peak with what the hand-off queue held then: a backlog while the
// machine was busy elsewhere, or growth.
// Figures go into docs/performance.md.

#include "graphview.h"
#include "mainwindow.h"
#include "otlpload.h"
#include "run/liverunner.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QLabel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace faultline;
using namespace faultline::bench;

namespace {

double percentile(std::vector<double> values, double p)
{
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const auto i = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size()))) - 1;
    return values[std::min(i, values.size() - 1)];
}

double mib(uint64_t bytes)
{
    return static_cast<double>(bytes) / 1048576.0;
}

QString statusText(const MainWindow& window, const char* name)
{
    const auto* label = window.statusBar()->findChild<QLabel*>(QLatin1String(name));
    return label ? label->text() : QString();
}

void printTally(const SendTally& t, double seconds)
{
    std::printf("senders: %llu calls, %llu OK, %llu RESOURCE_EXHAUSTED, %llu other; %.0f spans/s accepted, %.0f "
                "spans/s refused\n",
        static_cast<unsigned long long>(t.calls.load()), static_cast<unsigned long long>(t.ok.load()),
        static_cast<unsigned long long>(t.exhausted.load()), static_cast<unsigned long long>(t.failed.load()),
        static_cast<double>(t.spans_accepted.load()) / seconds, static_cast<double>(t.spans_refused.load()) / seconds);
}

void printReceiver(const MainWindow& window)
{
    const ReceiverStats r = window.liveRunner()->receiverStats();
    const auto snapshot = window.graphView()->snapshot();
    std::printf("receiver: %llu spans received, %llu refused, %llu unusable, %llu queued (%.1f MiB); window status "
                "bar: \"%s\", \"%s\"; snapshot: %zu nodes, %zu edges, %llu spans dropped, %llu pairings pending\n",
        static_cast<unsigned long long>(r.spans_received), static_cast<unsigned long long>(r.spans_refused),
        static_cast<unsigned long long>(r.spans_unusable), static_cast<unsigned long long>(r.queued_spans),
        mib(r.queued_bytes), qPrintable(statusText(window, "rateLabel")),
        qPrintable(statusText(window, "droppedLabel")), snapshot ? snapshot->nodes.size() : size_t(0),
        snapshot ? snapshot->edges.size() : size_t(0),
        static_cast<unsigned long long>(snapshot ? snapshot->counters.spans_dropped : 0),
        static_cast<unsigned long long>(snapshot ? snapshot->counters.pairing_pending : 0));
}

/// Runs the event loop for `ms`.
void runFor(QApplication& app, int ms)
{
    QTimer::singleShot(ms, &app, &QApplication::quit);
    app.exec();
}

int stalls(QApplication& app, MainWindow& window, double seconds, int senderThreads)
{
    OtlpLoad load;
    const std::string address = window.liveRunner()->receiverStats().listening_on;
    std::printf("stalls: %d senders flat out, %llu spans (%zu bytes) a request, %.0f s measured after 2 s\n",
        senderThreads, static_cast<unsigned long long>(load.spansPerRequest()), load.bytesPerRequest(), seconds);
    Senders senders(address, load, senderThreads, 0.0);
    runFor(app, 2000); // the graph forms, the queue fills
    // Watch a service, as a user who clicked it: its detail and traces are computed with every snapshot.
    window.graphView()->focusNode(QStringLiteral("svc-00"));

    std::vector<double> gaps;
    gaps.reserve(static_cast<size_t>(seconds * 1000.0) + 16);
    QElapsedTimer clock;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(1);
    qint64 last = -1;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (last >= 0) gaps.push_back(static_cast<double>(now - last) / 1e6);
        last = now;
    });
    // How full the hand-off queue gets, and what a queued span costs.
    uint64_t queuedSpans = 0;
    uint64_t queuedBytes = 0;
    QTimer queue;
    QObject::connect(&queue, &QTimer::timeout, [&] {
        const ReceiverStats r = window.liveRunner()->receiverStats();
        if (r.queued_bytes > queuedBytes) {
            queuedBytes = r.queued_bytes;
            queuedSpans = r.queued_spans;
        }
    });
    queue.start(50);
    const uint64_t acceptedBefore = senders.tally().spans_accepted.load();
    const uint64_t refusedBefore = senders.tally().spans_refused.load();
    clock.start();
    tick.start();
    runFor(app, static_cast<int>(seconds * 1000.0));
    tick.stop();
    const double measured = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    const double accepted = static_cast<double>(senders.tally().spans_accepted.load() - acceptedBefore);
    const double refused = static_cast<double>(senders.tally().spans_refused.load() - refusedBefore);
    senders.stop();
    runFor(app, 500); // the status bar catches up with the last answers

    const double p50 = percentile(gaps, 0.50);
    const double p99 = percentile(gaps, 0.99);
    const double worst = gaps.empty() ? 0.0 : *std::max_element(gaps.begin(), gaps.end());
    size_t over50 = 0;
    for (double g : gaps)
        over50 += g > 50.0 ? 1 : 0;
    std::printf(
        "while measured: %.0f spans/s accepted, %.0f spans/s refused\n", accepted / measured, refused / measured);
    printTally(senders.tally(), measured + 2.0);
    printReceiver(window);
    std::printf("hand-off queue: at most %.1f MiB, then holding %llu spans (%.0f bytes a span)\n", mib(queuedBytes),
        static_cast<unsigned long long>(queuedSpans),
        queuedSpans ? static_cast<double>(queuedBytes) / static_cast<double>(queuedSpans) : 0.0);
    std::printf("event loop: %zu ticks of a 1 ms timer in %.1f s; gap p50 %.2f ms, p99 %.2f ms, max %.2f ms; %zu "
                "gaps over 50 ms\n",
        gaps.size(), measured, p50, p99, worst, over50);
    std::printf("verdict: p99 %s 50 ms\n", p99 < 50.0 ? "under" : "OVER");
    return p99 < 50.0 ? 0 : 1;
}

int rss(QApplication& app, MainWindow& window, double seconds, double rate, int senderThreads)
{
    OtlpLoad load;
    const std::string address = window.liveRunner()->receiverStats().listening_on;
    const double every = std::min(30.0, std::max(1.0, seconds / 10.0));
    const double warmUp = std::min(60.0, seconds / 5.0);
    std::printf("rss: %.0f spans/s paced over %d senders for %.0f s; RSS every %.0f s; warm-up %.0f s\n", rate,
        senderThreads, seconds, every, warmUp);
    Senders senders(address, load, senderThreads, rate);
    runFor(app, 1000);
    window.graphView()->focusNode(QStringLiteral("svc-00"));

    QElapsedTimer clock;
    clock.start();
    uint64_t reference = 0;
    uint64_t worst = 0; // of the printed samples: the verdict
    uint64_t peak = 0; // of the samples every second, with what the hand-off queue held then
    uint64_t queuedAtPeak = 0;
    uint64_t queuedMost = 0;
    uint64_t lastAccepted = 0;
    double lastT = 0.0;
    std::printf("%8s %10s %12s %12s %12s %10s\n", "t_s", "rss_mib", "spans/s", "refused", "queued_mib", "vs_warm");
    auto report = [&] {
        const double t = static_cast<double>(clock.elapsed()) / 1000.0;
        const uint64_t now = residentBytes();
        const uint64_t accepted = senders.tally().spans_accepted.load();
        const double spansPerSecond = static_cast<double>(accepted - lastAccepted) / std::max(1e-9, t - lastT);
        lastAccepted = accepted;
        lastT = t;
        if (reference == 0 && t >= warmUp - 0.5) reference = now;
        if (reference != 0) worst = std::max(worst, now);
        char versus[32] = "warming";
        if (reference != 0)
            std::snprintf(versus, sizeof versus, "%+.1f %%",
                100.0 * (static_cast<double>(now) - static_cast<double>(reference)) / static_cast<double>(reference));
        std::printf("%8.0f %10.1f %12.0f %12llu %12.1f %10s\n", t, mib(now), spansPerSecond,
            static_cast<unsigned long long>(senders.tally().spans_refused.load()),
            mib(window.liveRunner()->receiverStats().queued_bytes), versus);
        std::fflush(stdout);
    };
    // Sample every second for the verdict, print every `every` seconds.
    QTimer fine;
    uint64_t ticks = 0;
    QObject::connect(&fine, &QTimer::timeout, [&] {
        ++ticks;
        const double t = static_cast<double>(clock.elapsed()) / 1000.0;
        const uint64_t queued = window.liveRunner()->receiverStats().queued_bytes;
        queuedMost = std::max(queuedMost, queued);
        if (const uint64_t now = residentBytes(); reference != 0 && now > peak) {
            peak = now;
            queuedAtPeak = queued;
        }
        if ((reference == 0 && t >= warmUp) || std::fmod(static_cast<double>(ticks), every) < 0.5) report();
    });
    fine.start(1000);
    runFor(app, static_cast<int>(seconds * 1000.0));
    fine.stop();
    report();
    senders.stop();
    runFor(app, 500); // the status bar catches up with the last answers
    printTally(senders.tally(), static_cast<double>(clock.elapsed()) / 1000.0);
    printReceiver(window);
    const double growth = reference ? (static_cast<double>(worst) / static_cast<double>(reference) - 1.0) : 0.0;
    std::printf("sampled every second: at most %.1f MiB (%+.1f %%), the hand-off queue then holding %.1f MiB; the "
                "queue held at most %.1f MiB\n",
        mib(peak), reference ? 100.0 * (static_cast<double>(peak) / static_cast<double>(reference) - 1.0) : 0.0,
        mib(queuedAtPeak), mib(queuedMost));
    std::printf("verdict: RSS after warm-up %.1f MiB, at most %.1f MiB in the samples above (%+.1f %%): %s\n",
        mib(reference), mib(worst), 100.0 * growth, growth <= 0.10 ? "within 10 %" : "GREW MORE THAN 10 %");
    return growth <= 0.10 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    const char* mode = argc > 1 ? argv[1] : "";
    const bool isStalls = std::strcmp(mode, "stalls") == 0;
    const bool isRss = std::strcmp(mode, "rss") == 0;
    if (!isStalls && !isRss) {
        std::fprintf(stderr,
            "usage: bench_soak stalls [seconds] [senders]\n"
            "       bench_soak rss [seconds] [spans-per-second] [senders]\n");
        return 2;
    }
    const double seconds = argc > 2 ? std::atof(argv[2]) : (isStalls ? 20.0 : 600.0);
    const double rate = isRss && argc > 3 ? std::atof(argv[3]) : 100'000.0;
    const int senderThreads = argc > (isRss ? 4 : 3) ? std::atoi(argv[isRss ? 4 : 3]) : 4;
    if (seconds <= 0.0 || rate <= 0.0 || senderThreads <= 0) {
        std::fprintf(stderr, "bench_soak: seconds, rate and senders must be positive\n");
        return 2;
    }

    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // no settings of the user's read or written
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QString error;
    if (!window.listen(QStringLiteral("127.0.0.1:0"), &error)) {
        std::fprintf(stderr, "bench_soak: cannot listen: %s\n", qPrintable(error));
        return 1;
    }
    return isStalls ? stalls(app, window, seconds, senderThreads) : rss(app, window, seconds, rate, senderThreads);
}
