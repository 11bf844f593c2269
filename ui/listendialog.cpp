#include "listendialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>

namespace faultline {

ListenDialog::ListenDialog(const QString& address, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Listen for OTLP"));
    auto* intro = new QLabel(tr("Receive OpenTelemetry traces and metrics (OTLP/gRPC) and show the services "
                                "they describe. The simulation stops while the window listens."),
        this);
    intro->setWordWrap(true);

    m_address = new QLineEdit(address, this);
    m_address->setObjectName(QStringLiteral("addressEdit"));
    m_address->setPlaceholderText(QStringLiteral("127.0.0.1:4317"));
    m_address->setToolTip(tr("<p>host:port to listen on. 4317 is the OTLP/gRPC port exporters send to by "
                             "default.</p><p><b>127.0.0.1</b> (loopback) accepts telemetry from this machine "
                             "only. Another interface, or <b>0.0.0.0</b> for all of them, lets other machines "
                             "send telemetry too.</p>"));
    m_address->setMinimumWidth(m_address->fontMetrics().horizontalAdvance(QLatin1Char('0')) * 28);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Listen"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ListenDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ListenDialog::reject);
    auto updateOk = [this, buttons] {
        const QString text = this->address();
        buttons->button(QDialogButtonBox::Ok)->setEnabled(!host(text).isEmpty() && text.contains(QLatin1Char(':')));
    };
    connect(m_address, &QLineEdit::textChanged, this, updateOk);
    updateOk();

    auto* form = new QFormLayout;
    form->addRow(tr("&Address:"), m_address);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

QString ListenDialog::address() const
{
    return m_address->text().trimmed();
}

QString ListenDialog::host(const QString& address)
{
    QString host = address.section(QLatin1Char(':'), 0, -2);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']'))) host = host.mid(1, host.size() - 2);
    return host;
}

bool ListenDialog::isLoopback(const QString& address)
{
    const QString h = host(address).toLower();
    static const QRegularExpression ipv4Loopback(QStringLiteral("^127(\\.\\d{1,3}){3}$"));
    return h == QLatin1String("localhost") || h == QLatin1String("::1") || ipv4Loopback.match(h).hasMatch();
}

void ListenDialog::accept()
{
    if (!isLoopback(address())) {
        const auto answer = QMessageBox::question(this, tr("Listen on Another Interface?"),
            tr("Other machines will be able to send telemetry to this address.\n\nListen on %1?").arg(address()),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) return;
    }
    QDialog::accept();
}

} // namespace faultline
