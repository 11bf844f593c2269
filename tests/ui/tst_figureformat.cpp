// The short text the graph, inspector and status bar show for figures.
#include "figureformat.h"

#include <QTest>

using namespace faultline;

class tst_FigureFormat : public QObject {
    Q_OBJECT

private slots:
    void rate_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("text");
        QTest::addRow("zero") << 0.0 << "0";
        QTest::addRow("tiny") << 0.02 << "0.02";
        QTest::addRow("one decimal") << 48.94 << "48.9";
        QTest::addRow("thousands") << 1234.0 << "1.2k";
        QTest::addRow("just below a thousand rounds up") << 999.96 << "1.0k";
    }
    void rate()
    {
        QFETCH(double, value);
        QFETCH(QString, text);
        QCOMPARE(FigureFormat::rate(value), text);
    }

    void percent_data()
    {
        QTest::addColumn<double>("fraction");
        QTest::addColumn<QString>("text");
        QTest::addRow("none") << 0.0 << "0%";
        QTest::addRow("below a tenth of a percent") << 0.0004 << "<0.1%";
        QTest::addRow("one percent") << 0.01 << "1.0%";
        QTest::addRow("all") << 1.0 << "100.0%";
    }
    void percent()
    {
        QFETCH(double, fraction);
        QFETCH(QString, text);
        QCOMPARE(FigureFormat::percent(fraction), text);
    }

    void millis_data()
    {
        QTest::addColumn<double>("ms");
        QTest::addColumn<QString>("text");
        QTest::addRow("sub-10 keeps a decimal") << 9.46 << "9.5 ms";
        QTest::addRow("whole milliseconds") << 95.4 << "95 ms";
        QTest::addRow("seconds") << 2100.0 << "2.10 s";
    }
    void millis()
    {
        QFETCH(double, ms);
        QFETCH(QString, text);
        QCOMPARE(FigureFormat::millis(ms), text);
    }

    void clock_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<QString>("text");
        QTest::addRow("start") << 0.0 << "00:00.0";
        QTest::addRow("tenths") << 12.34 << "00:12.3";
        QTest::addRow("minutes") << 125.3 << "02:05.3";
        QTest::addRow("rounds into the next minute") << 59.96 << "01:00.0";
        QTest::addRow("past an hour") << 3725.0 << "62:05.0";
        QTest::addRow("negative clamps") << -3.0 << "00:00.0";
    }
    void clock()
    {
        QFETCH(double, seconds);
        QFETCH(QString, text);
        QCOMPARE(FigureFormat::clock(seconds), text);
    }

    void speed()
    {
        QCOMPARE(FigureFormat::speed(0.25), QStringLiteral("0.25x"));
        QCOMPARE(FigureFormat::speed(1.0), QStringLiteral("1x"));
        QCOMPARE(FigureFormat::speed(100.0), QStringLiteral("100x"));
    }

    void compactLine()
    {
        TrafficStats t;
        QCOMPARE(FigureFormat::compactLine(t), QStringLiteral("idle"));
        t.rps = 48.9;
        t.error_rate = 0.01;
        QCOMPARE(FigureFormat::compactLine(t), QStringLiteral("48.9 rps · 1.0% err"));
        t.latency = { true, 55.0, 51.2, 80.0, 95.4 };
        QCOMPARE(FigureFormat::compactLine(t), QStringLiteral("48.9 rps · 1.0% err · p99 95 ms"));
    }
};

QTEST_MAIN(tst_FigureFormat)
#include "tst_figureformat.moc"
