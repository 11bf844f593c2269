#pragma once

#include <QDialog>

class QLineEdit;

namespace faultline {

/// Asks where to receive OTLP/gRPC telemetry. Loopback by default; accepting an address other machines
/// can reach asks for confirmation first.
class ListenDialog : public QDialog {
    Q_OBJECT
public:
    explicit ListenDialog(const QString& address, QWidget* parent = nullptr);

    QString address() const;
    QLineEdit* addressEdit() const { return m_address; }

    /// True when `address` (host:port) can only be reached from this machine.
    static bool isLoopback(const QString& address);
    /// The host part of host:port, without the brackets of an IPv6 literal.
    static QString host(const QString& address);

public slots:
    void accept() override;

private:
    QLineEdit* m_address = nullptr;
};

} // namespace faultline
