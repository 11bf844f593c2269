#pragma once

#include "actuatoradapter.h"

#include <QDialog>

class QLabel;
class QNetworkAccessManager;
class QPushButton;
class QTableWidget;

namespace faultline {

/// File > Breaker Actuators…: which services' breakers are changed through their Resilience4j Spring Boot
/// actuator rather than a Faultline agent. One row per service: its name as its telemetry reports it, the
/// actuator's base URL and an optional Authorization header. Check asks the selected row's actuator for its
/// breakers (GET <base>/circuitbreakers) and says what it answered. OK refuses rows that are not usable and
/// says which and why.
class ActuatorDialog : public QDialog {
    Q_OBJECT
public:
    explicit ActuatorDialog(const QList<ActuatorEndpoint>& endpoints, QWidget* parent = nullptr);

    /// The endpoints as edited; rows with every cell empty are left out.
    QList<ActuatorEndpoint> endpoints() const;
    /// Why the rows cannot be saved ("Row 2: ..."), or empty.
    QString problems() const;

    QTableWidget* table() const { return m_table; }
    QPushButton* checkButton() const { return m_check; }
    QLabel* statusLabel() const { return m_status; }

    enum Column { ServiceColumn, UrlColumn, AuthorizationColumn, ColumnCount };

public slots:
    void addRow(const faultline::ActuatorEndpoint& endpoint = {});
    void removeSelectedRow();
    /// GET <base>/circuitbreakers for the current row; the answer shows in statusLabel().
    void checkSelected();
    void accept() override;

private:
    ActuatorEndpoint rowEndpoint(int row) const;
    bool rowEmpty(int row) const;

    QTableWidget* m_table = nullptr;
    QPushButton* m_check = nullptr;
    QLabel* m_status = nullptr;
    QNetworkAccessManager* m_network = nullptr;
};

} // namespace faultline
