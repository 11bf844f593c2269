#pragma once

#include "graph/graphsnapshot.h"

#include <QMap>
#include <QWidget>

#include <memory>

class QFormLayout;
class QLabel;

namespace faultline {

/// The figures of one node of the latest snapshot: windowed rates and latencies, totals since the start,
/// queue depth, and the calls it makes. Shown in the main window's inspector dock.
class InspectorPanel : public QWidget {
    Q_OBJECT
public:
    enum class Field {
        Kind,
        Health,
        Instances,
        Rate,
        ErrorRate,
        Mean,
        P50,
        P95,
        P99,
        InFlight,
        TotalRequests,
        TotalErrors,
        TotalMean,
        Depth,
        DeadLettered,
        Dropped,
    };

    explicit InspectorPanel(QWidget* parent = nullptr);

    /// Which node to show; empty shows a hint instead.
    void setNode(const QString& id);
    QString node() const { return m_node; }
    void setSnapshot(std::shared_ptr<const GraphSnapshot> snapshot);
    /// The text shown for a field, as the user reads it ("" when the row is hidden).
    QString fieldText(Field field) const;
    QString title() const;

private:
    void refresh();
    void addRow(Field field, const QString& label);
    QLabel* addHeader(const QString& text);
    void setRow(Field field, const QString& text, bool visible = true);

    std::shared_ptr<const GraphSnapshot> m_snapshot;
    QString m_node;
    QLabel* m_title = nullptr;
    QLabel* m_windowHeader = nullptr;
    QLabel* m_hint = nullptr;
    QWidget* m_details = nullptr;
    QFormLayout* m_form = nullptr;
    QLabel* m_calls = nullptr;
    QMap<Field, QLabel*> m_values;
};

} // namespace faultline
