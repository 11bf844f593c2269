// How the canvas paints, as opposed to what (tst_graphview): the frame drawn on a pool thread is the frame
// drawn on the UI thread, and a view full of long edges falls back to hairlines.

#include "graphlegend.h"
#include "graphview.h"
#include "support/graphbuilder.h"

#include <QImage>
#include <QTest>

#include <algorithm>
#include <climits>
#include <cstdlib>

using namespace faultline;
using faultline::testing::buildSnapshot;
using faultline::testing::EdgeSpec;
using faultline::testing::NodeSpec;

namespace {

std::shared_ptr<GraphSnapshot> chain()
{
    return buildSnapshot({ { "user", NodeKind::User }, { "gateway" }, { "orders" }, { "orders-db", NodeKind::Database },
                             { "events", NodeKind::Queue }, { "mailer" } },
        { { "user", "gateway" }, { "gateway", "orders" }, { "orders", "orders-db" },
            { "orders", "events", EdgeKind::Async }, { "events", "mailer", EdgeKind::Async } });
}

/// `callers` services all calling one hub: zoomed in between them, the view is a fan of long edges.
std::shared_ptr<GraphSnapshot> fan(int callers)
{
    std::vector<NodeSpec> nodes { { "hub" } };
    std::vector<EdgeSpec> edges;
    for (int i = 0; i < callers; ++i) {
        const std::string id = "caller-" + std::to_string(1000 + i);
        nodes.push_back({ id });
        edges.push_back({ id, "hub", i % 2 ? EdgeKind::Async : EdgeKind::Sync, 200.0 });
    }
    return buildSnapshot(nodes, edges);
}

/// The largest difference of any colour channel between two frames of the same size, ignoring the
/// +-2 by which the raster engine rounds a few antialiased pixels differently on an image and on a
/// widget's own pixmap (seen on the rounded instance badges).
int largestDifference(const QImage& a, const QImage& b)
{
    if (a.size() != b.size()) return 256;
    const QImage x = a.convertToFormat(QImage::Format_ARGB32);
    const QImage y = b.convertToFormat(QImage::Format_ARGB32);
    int largest = 0;
    for (int row = 0; row < x.height(); ++row) {
        const auto* p = reinterpret_cast<const QRgb*>(x.constScanLine(row));
        const auto* q = reinterpret_cast<const QRgb*>(y.constScanLine(row));
        for (int col = 0; col < x.width(); ++col) {
            const int d = std::max({ std::abs(qRed(p[col]) - qRed(q[col])), std::abs(qGreen(p[col]) - qGreen(q[col])),
                std::abs(qBlue(p[col]) - qBlue(q[col])), std::abs(qAlpha(p[col]) - qAlpha(q[col])) });
            largest = std::max(largest, d);
        }
    }
    return largest > 2 ? largest : 0;
}

} // namespace

class TestGraphPaint : public QObject {
    Q_OBJECT

private slots:
    void poolFrameEqualsInPlaceFrame()
    {
        GraphView view;
        view.resize(900, 560);
        view.setAnimationPaused(true); // the particles stay put between the two frames
        view.setSnapshot(chain());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QImage pooled = view.grab().toImage();
        QVERIFY(view.paintOnPool());
        view.setPaintOnPool(false);
        const QImage inPlace = view.grab().toImage();
        QCOMPARE(pooled.size(), inPlace.size());
        QCOMPARE(largestDifference(pooled, inPlace), 0);
        // And it is a picture, not a blank: the node fills and edges are there.
        QVERIFY(pooled.pixelColor(pooled.width() / 2, pooled.height() / 2).isValid());
        int distinct = 0;
        QColor last;
        for (int x = 0; x < pooled.width(); x += 4) {
            const QColor c = pooled.pixelColor(x, pooled.height() / 2);
            if (c != last) ++distinct;
            last = c;
        }
        QVERIFY2(distinct > 10, qPrintable(QString::number(distinct)));
    }

    void legendWrapsOnANarrowCanvas()
    {
        // 480 px is narrower than the legend's two rows; it must still be there, on more rows.
        QFont font;
        font.setPixelSize(11);
        QVERIFY(GraphLegend::size(font).width() > 480);
        QVERIFY(GraphLegend::size(font, 464).width() <= 464);
        QVERIFY(GraphLegend::size(font, 464).height() > GraphLegend::size(font).height());
        for (const int width : { 1000, 480 }) {
            GraphView view;
            view.resize(width, 480);
            view.setAnimationPaused(true);
            view.setSnapshot(chain());
            view.show();
            QVERIFY(QTest::qWaitForWindowExposed(&view));
            const QImage frame = view.grab().toImage();
            const QColor background = frame.pixelColor(frame.width() - 2, 2);
            int inked = 0; // pixels that are not background in the legend's corner: its text and glyphs
            for (int y = frame.height() - 40; y < frame.height() - 4; ++y)
                for (int x = 8; x < 260; ++x)
                    if (frame.pixelColor(x, y) != background) ++inked;
            QVERIFY2(inked > 300, qPrintable(QStringLiteral("%1 px wide: %2 inked").arg(width).arg(inked)));
        }
    }

    void crowdedViewDrawsHairlines()
    {
        GraphView view;
        QVERIFY(showZoomedFan(view, QSize(900, 560), 400));
        (void)view.grab();
        QVERIFY(view.hairlineEdges());

        // A small graph, fitted, keeps its edges' widths.
        view.setSnapshot(chain());
        view.fitToView();
        (void)view.grab();
        QVERIFY(!view.hairlineEdges());
    }

    void hairlineFrameMatchesInPlaceToo()
    {
        GraphView view;
        QVERIFY(showZoomedFan(view, QSize(700, 500), 300));
        const QImage pooled = view.grab().toImage();
        QVERIFY(view.hairlineEdges());
        view.setPaintOnPool(false);
        QCOMPARE(largestDifference(pooled, view.grab().toImage()), 0);
        QVERIFY(view.hairlineEdges());
    }

private:
    /// Shows a fan of `callers` edges into one hub, zoomed in until node boxes are drawn at their layout
    /// size: the edges then cross the middle of the view by the hundred.
    static bool showZoomedFan(GraphView& view, QSize size, int callers)
    {
        view.resize(size);
        view.setAnimationPaused(true);
        view.setAsyncLayoutThreshold(INT_MAX); // laid out at once
        view.setSnapshot(fan(callers));
        view.show();
        if (!QTest::qWaitForWindowExposed(&view)) return false;
        for (int i = 0; i < 60 && view.nodeRect(QStringLiteral("hub")).width() < GraphLayout::kNodeWidth; ++i)
            view.zoomIn();
        return view.nodeRect(QStringLiteral("hub")).width() >= GraphLayout::kNodeWidth;
    }
};

QTEST_MAIN(TestGraphPaint)
#include "tst_graphpaint.moc"
