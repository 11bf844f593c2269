#include "actuatordialog.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace faultline {

ActuatorDialog::ActuatorDialog(const QList<ActuatorEndpoint>& endpoints, QWidget* parent)
    : QDialog(parent)
    , m_network(new QNetworkAccessManager(this))
{
    setWindowTitle(tr("Breaker Actuators"));
    m_network->setTransferTimeout(5000);

    auto* intro = new QLabel(
        tr("<p>Services without a Faultline agent can have their circuit breakers forced through the "
           "<b>Resilience4j Spring Boot actuator</b> (<code>POST …/circuitbreakers/{name}</code> with "
           "<code>updateState</code>). Breaker commands on a call from a service listed here go to its "
           "actuator, while Control Real Services is on.</p>"
           "<p>Faultline closes each breaker again at the end of its time to live, on Revert, when control is "
           "turned off and when it exits; if it is killed first, it closes them at its next start. The "
           "Authorization header is stored in Faultline's settings file.</p>"),
        this);
    intro->setWordWrap(true);

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("actuatorTable"));
    m_table->setHorizontalHeaderLabels({ tr("Service"), tr("Actuator URL"), tr("Authorization header") });
    m_table->horizontalHeaderItem(ServiceColumn)->setToolTip(tr("The calling service, as its telemetry names it"));
    m_table->horizontalHeaderItem(UrlColumn)->setToolTip(
        tr("The actuator's base, e.g. http://127.0.0.1:8080/actuator"));
    m_table->horizontalHeaderItem(AuthorizationColumn)
        ->setToolTip(tr("Sent as the Authorization header, e.g. “Bearer …”; leave empty if none is needed"));
    m_table->horizontalHeader()->setSectionResizeMode(UrlColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(ServiceColumn, QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setMinimumWidth(640);
    for (const ActuatorEndpoint& e : endpoints)
        addRow(e);

    auto* add = new QPushButton(tr("&Add"), this);
    add->setToolTip(tr("Add a service's actuator"));
    connect(add, &QPushButton::clicked, this, [this] {
        addRow();
        m_table->setCurrentCell(m_table->rowCount() - 1, ServiceColumn);
        m_table->editItem(m_table->item(m_table->rowCount() - 1, ServiceColumn));
    });
    auto* remove = new QPushButton(tr("&Remove"), this);
    remove->setToolTip(tr("Remove the selected row"));
    connect(remove, &QPushButton::clicked, this, &ActuatorDialog::removeSelectedRow);
    m_check = new QPushButton(tr("&Check"), this);
    m_check->setToolTip(tr("Ask the selected actuator which breakers it has (GET …/circuitbreakers)"));
    connect(m_check, &QPushButton::clicked, this, &ActuatorDialog::checkSelected);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("actuatorStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* rowButtons = new QHBoxLayout;
    rowButtons->addWidget(add);
    rowButtons->addWidget(remove);
    rowButtons->addWidget(m_check);
    rowButtons->addStretch();

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ActuatorDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ActuatorDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_table);
    layout->addLayout(rowButtons);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
}

void ActuatorDialog::addRow(const ActuatorEndpoint& endpoint)
{
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    m_table->setItem(row, ServiceColumn, new QTableWidgetItem(endpoint.service));
    m_table->setItem(row, UrlColumn, new QTableWidgetItem(endpoint.base.toString()));
    m_table->setItem(row, AuthorizationColumn, new QTableWidgetItem(endpoint.authorization));
}

void ActuatorDialog::removeSelectedRow()
{
    const int row = m_table->currentRow();
    if (row >= 0) m_table->removeRow(row);
}

ActuatorEndpoint ActuatorDialog::rowEndpoint(int row) const
{
    const auto text = [&](int column) {
        const QTableWidgetItem* item = m_table->item(row, column);
        return item ? item->text().trimmed() : QString();
    };
    return { text(ServiceColumn), QUrl(text(UrlColumn), QUrl::StrictMode), text(AuthorizationColumn) };
}

bool ActuatorDialog::rowEmpty(int row) const
{
    for (int c = 0; c < ColumnCount; ++c)
        if (const QTableWidgetItem* item = m_table->item(row, c); item && !item->text().trimmed().isEmpty())
            return false;
    return true;
}

QList<ActuatorEndpoint> ActuatorDialog::endpoints() const
{
    QList<ActuatorEndpoint> list;
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (!rowEmpty(row)) list << rowEndpoint(row);
    return list;
}

QString ActuatorDialog::problems() const
{
    QStringList lines;
    QStringList seen;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (rowEmpty(row)) continue;
        const ActuatorEndpoint e = rowEndpoint(row);
        QString why = ActuatorAdapter::validate(e);
        if (why.isEmpty() && seen.contains(e.service)) why = tr("%1 is listed twice.").arg(e.service);
        seen << e.service;
        if (!why.isEmpty()) lines << tr("Row %1: %2").arg(row + 1).arg(why);
    }
    return lines.join(QLatin1Char('\n'));
}

void ActuatorDialog::accept()
{
    const QString why = problems();
    if (!why.isEmpty()) {
        m_status->setText(why);
        QMessageBox::warning(this, tr("Breaker Actuators"), why);
        return;
    }
    QDialog::accept();
}

void ActuatorDialog::checkSelected()
{
    const int row = m_table->currentRow() >= 0 ? m_table->currentRow() : 0;
    if (row >= m_table->rowCount()) {
        m_status->setText(tr("Add a service's actuator first."));
        return;
    }
    const ActuatorEndpoint e = rowEndpoint(row);
    if (const QString why = ActuatorAdapter::validate(e); !why.isEmpty()) {
        m_status->setText(why);
        return;
    }
    QUrl url = ActuatorAdapter::stateUrl(e.base, QString());
    url.setPath(url.path().chopped(1)); // …/circuitbreakers, without the trailing slash
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/json");
    if (!e.authorization.isEmpty()) request.setRawHeader("Authorization", e.authorization.toUtf8());
    m_status->setText(tr("Asking %1…").arg(url.toString()));
    m_check->setEnabled(false);
    QNetworkReply* reply = m_network->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply, service = e.service, url] {
        reply->deleteLater();
        m_check->setEnabled(true);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError || status < 200 || status >= 300) {
            m_status->setText(status > 0 ? tr("%1 answered HTTP %2.").arg(url.toString()).arg(status)
                                         : tr("%1: %2").arg(url.toString(), reply->errorString()));
            return;
        }
        // Resilience4j lists the names as an array, or (newer versions) as an object keyed by name.
        const QJsonValue list
            = QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("circuitBreakers"));
        QStringList names;
        if (list.isArray())
            for (const QJsonValue& v : list.toArray())
                names << v.toString();
        else if (list.isObject())
            names = list.toObject().keys();
        names.removeAll(QString());
        m_status->setText(names.isEmpty() ? tr("%1 answered, but lists no circuit breakers.").arg(service)
                                          : tr("%1 has %n breaker(s): %2", nullptr, static_cast<int>(names.size()))
                                                .arg(service, names.join(QStringLiteral(", "))));
    });
}

} // namespace faultline
