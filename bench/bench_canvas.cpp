// Frame time of the graph canvas on synthetic fleets (bench/fleetgen.h) of 100, 1,000 and 5,000 services
// with about three edges each: GraphView rendered offscreen into a QImage, edge labels and traffic
// animation on, once fitted to the view and once zoomed in to 1 screen pixel per layout unit (the size at
// which node names are readable), then panning there an arrow key per frame. Between frames the event loop
// runs, so the animation moves as in the app.
// Prints p50/p95 frame milliseconds, and the layout time of each fleet.
// Run on purpose: QT_QPA_PLATFORM=offscreen build/dev/bench/bench_canvas [frames [services...]]
// Figures go into docs/performance.md. FAULTLINE_BENCH_FRAMES=DIR saves the last fitted and zoomed frames.

#include "fleetgen.h"
#include "graphlayout.h"
#include "graphview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QKeyEvent>
#include <QPainter>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace faultline;

namespace {

struct Percentiles {
    double p50 = 0.0;
    double p95 = 0.0;
};

Percentiles percentiles(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
    return { at(0.5), at(0.95) };
}

/// Frame times of `count` frames. With `pan`, every frame first pans the view with an arrow key (left and
/// right in turn, so it stays over the same part of the graph): nothing of the last frame can be reused.
Percentiles frames(GraphView& view, QImage& image, int count, bool pan = false)
{
    std::vector<double> ms;
    QElapsedTimer timer;
    for (int i = 0; i < count + 2; ++i) {
        if (pan) {
            QKeyEvent key(QEvent::KeyPress, i % 2 ? Qt::Key_Left : Qt::Key_Right, Qt::NoModifier);
            QCoreApplication::sendEvent(&view, &key);
        }
        QCoreApplication::processEvents(); // the animation timer, as between frames in the app
        timer.start();
        view.render(&image);
        const double elapsed = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        if (i >= 2) ms.push_back(elapsed); // the first frames fill the caches
    }
    return percentiles(ms);
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    const int frameCount = argc > 1 ? std::max(5, std::atoi(argv[1])) : 40;
    std::printf("%-9s %6s %6s %10s %10s %10s %10s %10s %10s %10s\n", "services", "nodes", "edges", "layout ms",
        "fit p50", "fit p95", "zoom p50", "zoom p95", "pan p50", "pan p95");
    std::vector<int> sizes;
    for (int i = 2; i < argc; ++i)
        sizes.push_back(std::max(10, std::atoi(argv[i])));
    if (sizes.empty()) sizes = { 100, 1000, 5000 };
    for (int services : sizes) {
        fleetgen::Options options;
        options.services = services;
        const auto snapshot = fleetgen::toSnapshot(fleetgen::generate(options));

        std::vector<double> layoutMs;
        for (int i = 0; i < 5; ++i) {
            GraphLayout layout;
            QElapsedTimer timer;
            timer.start();
            layout.compute(*snapshot);
            layoutMs.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
        }

        GraphView view;
        view.setAsyncLayoutThreshold(INT_MAX); // laid out at once: this measures drawing
        view.resize(1600, 1000);
        view.setEdgeLabelsVisible(true);
        view.setSnapshot(snapshot);
        view.show();
        QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
        const int count = services >= 5000 ? std::max(5, frameCount / 2) : frameCount;
        const Percentiles fit = frames(view, image, count);
        if (const QByteArray dir = qgetenv("FAULTLINE_BENCH_FRAMES"); !dir.isEmpty())
            image.save(QStringLiteral("%1/fit-%2.png").arg(QString::fromLocal8Bit(dir)).arg(services));
        // Zoomed in around the middle until a node is drawn at its layout size.
        for (int i = 0; i < 60 && view.nodeRect(QString::fromStdString(snapshot->nodes[0].id)).width() < 136.0; ++i)
            view.zoomIn();
        const Percentiles zoom = frames(view, image, count);
        const Percentiles pan = frames(view, image, count, true);
        if (const QByteArray dir = qgetenv("FAULTLINE_BENCH_FRAMES"); !dir.isEmpty()) // to look at the frames
            image.save(QStringLiteral("%1/zoom-%2.png").arg(QString::fromLocal8Bit(dir)).arg(services));
        std::printf("%-9d %6zu %6zu %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f\n", services,
            snapshot->nodes.size(), snapshot->edges.size(), percentiles(layoutMs).p50, fit.p50, fit.p95, zoom.p50,
            zoom.p95, pan.p50, pan.p95);
        std::fflush(stdout);
    }
    return 0;
}
