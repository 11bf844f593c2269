#pragma once

#include "graph/graphsnapshot.h"
#include "resilience/fault.h"

#include <QDialog>
#include <QList>
#include <QStringList>

#include <optional>

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QSpinBox;

namespace faultline {

/// A compact dialog that injects one fault (spec/resilience.md section 9) on a node, an edge or an
/// instance. It offers only the fault types that make sense for the target, fills each with a sensible
/// default (delay 2000 ms at 100 %, abort 503 at 100 %, ...), a time to live of 60 s, and refuses bad values
/// with a message under the fields. Keyboard-driven: every field is reachable with Tab, has a mnemonic,
/// and Enter injects. exec() == Accepted means fault() is valid and ready for SimulationRunner::injectFault.
class FaultDialog : public QDialog {
    Q_OBJECT
public:
    /// What the fault is aimed at.
    struct Target {
        enum class Kind { Node, Edge, Instance };
        Kind kind = Kind::Node;
        QString node; ///< Node and Instance: the node; Edge: the caller (source)
        NodeKind nodeKind = NodeKind::Service; ///< the kind of `node`
        QString callee; ///< Edge only: the edge's target
        NodeKind calleeKind = NodeKind::Service;
        int instance = -1; ///< Instance only: the instance index (from 0)
        int instances = 0; ///< how many instances `node` has; 0 when unknown
        QStringList peers; ///< services `node` can be partitioned from (Node targets); excludes `node`

        static Target forNode(const QString& id, NodeKind kind = NodeKind::Service, int instances = 0);
        static Target forEdge(const QString& caller, const QString& callee, NodeKind callerKind = NodeKind::Service,
            NodeKind calleeKind = NodeKind::Service);
        static Target forInstance(const QString& id, int instance, int instances = 0);
        /// The node `id` as the snapshot shows it, with its kind, instance count and partition peers (the other
        /// real services and databases). Unknown ids give a plain service target.
        static Target fromSnapshot(const GraphSnapshot& snapshot, const QString& id);
        /// The edge caller -> callee with both ends' kinds taken from the snapshot.
        static Target fromSnapshot(const GraphSnapshot& snapshot, const QString& caller, const QString& callee);
        /// "payments", "orders → payments", "payments #1".
        QString label() const;
    };

    /// How long a breaker override holds (simulated seconds) unless reverted: an hour, because an operator
    /// who forces a breaker means "until I say otherwise"; reverting it hands the breaker back to its own
    /// state machine.
    static constexpr double kBreakerOverrideDurationS = 3600.0;
    /// The Automatic verb acts once (reset to closed with a fresh window); its fault lives only this long.
    static constexpr double kAutomaticDurationS = 1.0;
    static constexpr double kDefaultDurationS = 60.0;

    explicit FaultDialog(const Target& target, QWidget* parent = nullptr);

    /// The fault types valid for a target, in the order the dialog lists them; empty for targets no fault
    /// applies to (the user node, an external system, an edge out of a database...).
    static QList<FaultType> typesFor(const Target& target);
    /// The name the dialog shows for a type: "Delay", "Abort", "Error rate", ...
    static QString typeLabel(FaultType type);
    /// A fault of `type` on `target` with the dialog's defaults.
    static Fault defaultFault(const Target& target, FaultType type);

    /// The breaker-override command for the breaker `breaker` of service `service` (on an edge with a
    /// breaker: service = caller, breaker = the breaker's name, usually the callee). The verbs are
    /// Resilience4j's actuator states: Force open (FORCE_OPEN), Close (CLOSE), Disable (DISABLE), and
    /// Automatic (back to the breaker's own state machine, closed with a fresh window). Force open, Close and
    /// Disable hold for kBreakerOverrideDurationS unless `duration_s` > 0 says otherwise; Automatic acts at
    /// once and lives kAutomaticDurationS. Before injecting Automatic, revert the breaker's other active
    /// overrides (ActiveFaultsModel::breakerOverrides) so none of them takes over again.
    static Fault breakerOverride(
        const QString& service, const QString& breaker, BreakerOverrideVerb verb, double duration_s = 0.0);
    /// The verb as the actuator and the menus name it: "Force open", "Close", "Disable", "Automatic".
    static QString verbLabel(BreakerOverrideVerb verb);

    /// Runs the dialog; the fault to inject, or nothing when cancelled or nothing applies to the target.
    static std::optional<Fault> ask(const Target& target, QWidget* parent = nullptr);

    const Target& target() const { return m_target; }
    /// The type chosen; selecting one loads its defaults into the fields.
    FaultType type() const;
    void setType(FaultType type);
    /// The fault as the fields describe it now (valid or not).
    Fault fault() const;
    /// Why the fields do not make a fault, or empty when they do.
    QString validationError() const;

    // Fields, for tests and for callers that preset values.
    QComboBox* typeBox() const { return m_type; }
    QDoubleSpinBox* delayBox() const { return m_delay; }
    QDoubleSpinBox* percentageBox() const { return m_percentage; }
    QSpinBox* statusBox() const { return m_status; }
    QDoubleSpinBox* factorBox() const { return m_factor; }
    QSpinBox* instanceBox() const { return m_instance; }
    QComboBox* peerBox() const { return m_peer; }
    QDoubleSpinBox* durationBox() const { return m_duration; }
    /// The inline message under the fields ("" and hidden while the fields are valid).
    QString message() const;

public slots:
    /// Closes with Accepted only when the fields are valid; otherwise shows why and focuses the culprit.
    void accept() override;

protected:
    void changeEvent(QEvent* event) override;

private:
    void typeChanged();
    void revalidate();
    QWidget* culprit() const;
    void setRowVisible(QWidget* field, bool visible);

    Target m_target;
    QFormLayout* m_form = nullptr;
    QLabel* m_summary = nullptr;
    QComboBox* m_type = nullptr;
    QDoubleSpinBox* m_delay = nullptr;
    QDoubleSpinBox* m_percentage = nullptr;
    QSpinBox* m_status = nullptr;
    QDoubleSpinBox* m_factor = nullptr;
    QSpinBox* m_instance = nullptr;
    QComboBox* m_peer = nullptr;
    QDoubleSpinBox* m_duration = nullptr;
    QLabel* m_note = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace faultline
