#include "faultdialog.h"

#include "graphstyle.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace faultline {

namespace {

bool isServiceLike(NodeKind kind)
{
    return kind == NodeKind::Service || kind == NodeKind::Database || kind == NodeKind::External;
}

bool usesPercentage(FaultType type)
{
    return type == FaultType::Delay || type == FaultType::Abort || type == FaultType::ErrorRate
        || type == FaultType::PacketLoss;
}

bool usesInstance(FaultType type)
{
    return type == FaultType::Crash || type == FaultType::Pause;
}

QString quoted(const QString& name)
{
    return QStringLiteral("“%1”").arg(name);
}

} // namespace

// ---- Target ----

FaultDialog::Target FaultDialog::Target::forNode(const QString& id, NodeKind kind, int instances)
{
    Target t;
    t.kind = Kind::Node;
    t.node = id;
    t.nodeKind = kind;
    t.instances = instances;
    return t;
}

FaultDialog::Target FaultDialog::Target::forEdge(
    const QString& caller, const QString& callee, NodeKind callerKind, NodeKind calleeKind)
{
    Target t;
    t.kind = Kind::Edge;
    t.node = caller;
    t.nodeKind = callerKind;
    t.callee = callee;
    t.calleeKind = calleeKind;
    return t;
}

FaultDialog::Target FaultDialog::Target::forInstance(const QString& id, int instance, int instances)
{
    Target t;
    t.kind = Kind::Instance;
    t.node = id;
    t.instance = instance;
    t.instances = instances;
    return t;
}

FaultDialog::Target FaultDialog::Target::fromSnapshot(const GraphSnapshot& snapshot, const QString& id)
{
    const int index = snapshot.findNode(id.toStdString());
    if (index < 0) return forNode(id);
    const NodeSnapshot& n = snapshot.nodes[static_cast<size_t>(index)];
    Target t = forNode(id, n.kind, n.instances);
    for (const NodeSnapshot& other : snapshot.nodes)
        if (other.id != n.id && !other.virtual_node && isServiceLike(other.kind))
            t.peers << QString::fromStdString(other.id);
    return t;
}

FaultDialog::Target FaultDialog::Target::fromSnapshot(
    const GraphSnapshot& snapshot, const QString& caller, const QString& callee)
{
    auto kindOf = [&](const QString& id) {
        const int i = snapshot.findNode(id.toStdString());
        return i < 0 ? NodeKind::Service : snapshot.nodes[static_cast<size_t>(i)].kind;
    };
    return forEdge(caller, callee, kindOf(caller), kindOf(callee));
}

QString FaultDialog::Target::label() const
{
    switch (kind) {
    case Kind::Node:
        return node;
    case Kind::Edge:
        return node + QStringLiteral(" → ") + callee;
    case Kind::Instance:
        return node + QStringLiteral(" #") + QString::number(instance);
    }
    return node;
}

// ---- statics ----

QList<FaultType> FaultDialog::typesFor(const Target& t)
{
    using F = FaultType;
    switch (t.kind) {
    case Target::Kind::Node:
        if (t.node.isEmpty()) return {};
        if (t.nodeKind == NodeKind::Queue) return { F::ConsumerPause, F::BrokerDown };
        if (!isServiceLike(t.nodeKind)) return {};
        if (t.peers.isEmpty())
            return { F::Delay, F::Abort, F::ErrorRate, F::Slowdown, F::Crash, F::Pause, F::PacketLoss };
        return { F::Delay, F::Abort, F::ErrorRate, F::Slowdown, F::Crash, F::Pause, F::Partition, F::PacketLoss };
    case Target::Kind::Edge:
        if (t.node.isEmpty() || t.callee.isEmpty() || t.node == t.callee) return {};
        if (t.calleeKind == NodeKind::Queue || t.nodeKind == NodeKind::Queue)
            return { F::BrokerDown, F::ConsumerPause };
        if (!isServiceLike(t.calleeKind)) return {};
        if (isServiceLike(t.nodeKind)) return { F::Delay, F::Abort, F::PacketLoss, F::Partition };
        return { F::Delay, F::Abort, F::PacketLoss }; // from the user: nobody to partition
    case Target::Kind::Instance:
        if (t.node.isEmpty() || t.instance < 0) return {};
        return { F::Crash, F::Pause };
    }
    return {};
}

QString FaultDialog::typeLabel(FaultType type)
{
    switch (type) {
    case FaultType::Delay:
        return tr("Delay");
    case FaultType::Abort:
        return tr("Abort");
    case FaultType::ErrorRate:
        return tr("Error rate");
    case FaultType::Slowdown:
        return tr("Slowdown");
    case FaultType::Crash:
        return tr("Crash instance");
    case FaultType::Pause:
        return tr("Pause instance");
    case FaultType::Partition:
        return tr("Partition");
    case FaultType::PacketLoss:
        return tr("Packet loss");
    case FaultType::ConsumerPause:
        return tr("Pause consumers");
    case FaultType::BrokerDown:
        return tr("Broker down");
    case FaultType::BreakerOverride:
        return tr("Breaker override");
    }
    return {};
}

Fault FaultDialog::defaultFault(const Target& t, FaultType type)
{
    Fault f;
    f.type = type;
    f.duration_s = kDefaultDurationS;
    const bool edge = t.kind == Target::Kind::Edge;
    switch (type) {
    case FaultType::Delay:
        f.target = (edge ? t.callee : t.node).toStdString();
        f.delay_ms = 2000.0;
        break;
    case FaultType::Abort:
        f.target = (edge ? t.callee : t.node).toStdString();
        f.status = 503;
        break;
    case FaultType::ErrorRate:
        f.target = t.node.toStdString();
        f.percentage = 50.0;
        break;
    case FaultType::Slowdown:
        f.target = t.node.toStdString();
        f.factor = 4.0;
        break;
    case FaultType::Crash:
    case FaultType::Pause:
        f.target = t.node.toStdString();
        f.instance = t.kind == Target::Kind::Instance ? t.instance : -1;
        break;
    case FaultType::Partition:
        f.target = t.node.toStdString();
        f.peer = edge ? t.callee.toStdString() : (t.peers.isEmpty() ? std::string() : t.peers.first().toStdString());
        break;
    case FaultType::PacketLoss:
        f.target = (edge ? t.callee : t.node).toStdString();
        f.percentage = 30.0;
        break;
    case FaultType::ConsumerPause:
    case FaultType::BrokerDown:
        // The queue end of the edge (a publish goes to the queue, a delivery comes from it).
        f.target = (edge && t.nodeKind != NodeKind::Queue ? t.callee : t.node).toStdString();
        break;
    case FaultType::BreakerOverride:
        f.target = t.node.toStdString();
        f.peer = (edge ? t.callee : QString()).toStdString();
        f.duration_s = kBreakerOverrideDurationS;
        break;
    }
    return f;
}

Fault FaultDialog::breakerOverride(
    const QString& service, const QString& breaker, BreakerOverrideVerb verb, double duration_s)
{
    Fault f;
    f.type = FaultType::BreakerOverride;
    f.target = service.toStdString();
    f.peer = breaker.toStdString();
    f.verb = verb;
    if (duration_s > 0.0)
        f.duration_s = duration_s;
    else
        f.duration_s = verb == BreakerOverrideVerb::Automatic ? kAutomaticDurationS : kBreakerOverrideDurationS;
    return f;
}

QString FaultDialog::verbLabel(BreakerOverrideVerb verb)
{
    switch (verb) {
    case BreakerOverrideVerb::ForceOpen:
        return tr("Force open");
    case BreakerOverrideVerb::Close:
        return tr("Close");
    case BreakerOverrideVerb::Disable:
        return tr("Disable");
    case BreakerOverrideVerb::Automatic:
        return tr("Automatic");
    }
    return {};
}

std::optional<Fault> FaultDialog::ask(const Target& target, QWidget* parent)
{
    if (typesFor(target).isEmpty()) return std::nullopt;
    FaultDialog dialog(target, parent);
    if (dialog.exec() != QDialog::Accepted) return std::nullopt;
    return dialog.fault();
}

// ---- the dialog ----

FaultDialog::FaultDialog(const Target& target, QWidget* parent)
    : QDialog(parent)
    , m_target(target)
{
    setWindowTitle(tr("Inject fault"));
    setMinimumWidth(fontMetrics().averageCharWidth() * 52);
    auto* layout = new QVBoxLayout(this);

    m_summary = new QLabel(tr("Inject a fault on <b>%1</b>").arg(m_target.label().toHtmlEscaped()), this);
    m_summary->setTextFormat(Qt::RichText);
    layout->addWidget(m_summary);

    m_form = new QFormLayout;
    layout->addLayout(m_form);

    m_type = new QComboBox(this);
    for (FaultType type : typesFor(m_target))
        m_type->addItem(typeLabel(type), static_cast<int>(type));
    m_type->setToolTip(tr("What to break. Only the faults that apply to %1 are listed.").arg(m_target.label()));
    m_form->addRow(tr("&Fault:"), m_type);

    m_delay = new QDoubleSpinBox(this);
    m_delay->setRange(0.0, 600000.0);
    m_delay->setDecimals(0);
    m_delay->setSingleStep(100.0);
    m_delay->setSuffix(tr(" ms"));
    m_delay->setToolTip(tr("Fixed delay added before each affected call is delivered (Istio fixed_delay)."));
    m_form->addRow(tr("&Delay:"), m_delay);

    m_status = new QSpinBox(this);
    m_status->setRange(1, 599);
    m_status->setToolTip(tr("The status the aborted calls fail with: an HTTP status (100–599), or a gRPC status "
                            "code (1–16) on gRPC calls."));
    m_form->addRow(tr("&Status:"), m_status);

    m_percentage = new QDoubleSpinBox(this);
    m_percentage->setRange(0.0, 100.0);
    m_percentage->setDecimals(1);
    m_percentage->setSingleStep(5.0);
    m_percentage->setSuffix(tr(" %"));
    m_percentage->setToolTip(tr("Share of calls affected, decided independently for each call."));
    m_form->addRow(tr("S&hare of calls:"), m_percentage);

    m_factor = new QDoubleSpinBox(this);
    m_factor->setRange(0.01, 1000.0);
    m_factor->setDecimals(2);
    m_factor->setSingleStep(0.5);
    m_factor->setSuffix(tr(" ×"));
    m_factor->setToolTip(tr("Service times are multiplied by this factor (CPU stress); above 1 slows down."));
    m_form->addRow(tr("F&actor:"), m_factor);

    m_instance = new QSpinBox(this);
    m_instance->setRange(-1, m_target.instances > 0 ? m_target.instances - 1 : 999);
    m_instance->setSpecialValueText(tr("All instances"));
    m_instance->setToolTip(tr("Which instance, counting from 0; the lowest value means every instance."));
    m_form->addRow(tr("&Instance:"), m_instance);

    m_peer = new QComboBox(this);
    m_peer->setEditable(false);
    if (m_target.kind == Target::Kind::Edge)
        m_peer->addItem(m_target.callee);
    else
        m_peer->addItems(m_target.peers);
    m_peer->setToolTip(tr("Calls between %1 and this service fail to connect, in both directions.")
                           .arg(m_target.kind == Target::Kind::Edge ? m_target.node : m_target.label()));
    m_form->addRow(tr("&Peer:"), m_peer);

    m_duration = new QDoubleSpinBox(this);
    m_duration->setRange(0.0, 86400.0);
    m_duration->setDecimals(1);
    m_duration->setSingleStep(10.0);
    m_duration->setSuffix(tr(" s"));
    m_duration->setValue(kDefaultDurationS);
    m_duration->setToolTip(tr("Time to live in simulated seconds: the fault is reverted on its own when it ends."));
    m_form->addRow(tr("D&uration:"), m_duration);

    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    layout->addWidget(m_note);

    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("faultDialogMessage"));
    m_message->hide();
    layout->addWidget(m_message);

    m_buttons = new QDialogButtonBox(this);
    QPushButton* inject = m_buttons->addButton(tr("&Inject"), QDialogButtonBox::AcceptRole);
    inject->setDefault(true);
    inject->setToolTip(tr("Inject the fault into the running simulation (Enter)."));
    m_buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &FaultDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &FaultDialog::reject);

    connect(m_type, &QComboBox::currentIndexChanged, this, &FaultDialog::typeChanged);
    for (QDoubleSpinBox* box : { m_delay, m_percentage, m_factor, m_duration })
        connect(box, &QDoubleSpinBox::valueChanged, this, &FaultDialog::revalidate);
    for (QSpinBox* box : { m_status, m_instance })
        connect(box, &QSpinBox::valueChanged, this, &FaultDialog::revalidate);
    connect(m_peer, &QComboBox::currentIndexChanged, this, &FaultDialog::revalidate);

    // Tab follows the form from top to bottom, then the buttons.
    setTabOrder(m_type, m_delay);
    setTabOrder(m_delay, m_status);
    setTabOrder(m_status, m_percentage);
    setTabOrder(m_percentage, m_factor);
    setTabOrder(m_factor, m_instance);
    setTabOrder(m_instance, m_peer);
    setTabOrder(m_peer, m_duration);

    inject->setEnabled(m_type->count() > 0);
    typeChanged();
    m_type->setFocus();
}

FaultType FaultDialog::type() const
{
    return m_type->count() == 0 ? FaultType::Delay : static_cast<FaultType>(m_type->currentData().toInt());
}

void FaultDialog::setType(FaultType type)
{
    const int index = m_type->findData(static_cast<int>(type));
    if (index >= 0) m_type->setCurrentIndex(index);
}

void FaultDialog::typeChanged()
{
    const bool any = m_type->count() > 0;
    const FaultType t = type();
    const Fault defaults = defaultFault(m_target, t);
    {
        const QSignalBlocker b1(m_delay), b2(m_percentage), b3(m_status), b4(m_factor), b5(m_instance), b6(m_peer);
        m_delay->setValue(defaults.delay_ms);
        m_percentage->setValue(defaults.percentage);
        m_status->setValue(defaults.status);
        m_factor->setValue(defaults.factor);
        m_instance->setValue(defaults.instance);
        const int peer = m_peer->findText(QString::fromStdString(defaults.peer));
        if (peer >= 0) m_peer->setCurrentIndex(peer);
    }
    setRowVisible(m_delay, any && t == FaultType::Delay);
    setRowVisible(m_status, any && t == FaultType::Abort);
    setRowVisible(m_percentage, any && usesPercentage(t));
    setRowVisible(m_factor, any && t == FaultType::Slowdown);
    setRowVisible(m_instance, any && usesInstance(t));
    setRowVisible(m_peer, any && t == FaultType::Partition);
    setRowVisible(m_duration, any);

    const QString callee = quoted(QString::fromStdString(defaults.target));
    QString note;
    if (!any) {
        note = tr("No fault applies to %1.").arg(m_target.label());
    } else {
        switch (t) {
        case FaultType::Delay:
        case FaultType::Abort:
        case FaultType::PacketLoss:
            note = m_target.kind == Target::Kind::Edge
                ? tr("Affects every call to %1, from any caller: Istio applies it on the callee's route.").arg(callee)
                : tr("Affects the calls other services make to %1.").arg(callee);
            break;
        case FaultType::ErrorRate:
            note = tr("%1's operations fail with this probability.").arg(callee);
            break;
        case FaultType::Slowdown:
            note = tr("Every instance of %1 works this many times slower.").arg(callee);
            break;
        case FaultType::Crash:
            note = tr("In-flight work is lost and calls fail to connect until the fault ends (the instance restarts "
                      "empty).");
            break;
        case FaultType::Pause:
            note = tr("The instance stops (SIGSTOP): requests wait and nothing completes until the fault ends.");
            break;
        case FaultType::Partition:
            note = tr("Calls between %1 and the peer fail to connect, both ways.").arg(callee);
            break;
        case FaultType::ConsumerPause:
            note = tr("The consumers of %1 stop taking deliveries; messages pile up.").arg(callee);
            break;
        case FaultType::BrokerDown:
            note = tr("%1 is unreachable: publishes fail and nothing is delivered.").arg(callee);
            break;
        case FaultType::BreakerOverride:
            break;
        }
    }
    m_note->setText(note);
    revalidate();
}

void FaultDialog::setRowVisible(QWidget* field, bool visible)
{
    m_form->setRowVisible(field, visible);
}

Fault FaultDialog::fault() const
{
    Fault f = defaultFault(m_target, type());
    f.duration_s = m_duration->value();
    switch (f.type) {
    case FaultType::Delay:
        f.delay_ms = m_delay->value();
        f.percentage = m_percentage->value();
        break;
    case FaultType::Abort:
        f.status = m_status->value();
        f.percentage = m_percentage->value();
        break;
    case FaultType::ErrorRate:
    case FaultType::PacketLoss:
        f.percentage = m_percentage->value();
        break;
    case FaultType::Slowdown:
        f.factor = m_factor->value();
        break;
    case FaultType::Crash:
    case FaultType::Pause:
        f.instance = m_instance->value();
        break;
    case FaultType::Partition:
        f.peer = m_peer->currentText().toStdString();
        break;
    default:
        break;
    }
    return f;
}

QString FaultDialog::validationError() const
{
    if (m_type->count() == 0) return tr("No fault applies to %1.").arg(m_target.label());
    const Fault f = fault();
    if (f.target.empty()) return tr("There is nothing to inject the fault on.");
    if (usesPercentage(f.type) && f.percentage <= 0.0)
        return tr("A share of 0 % affects no calls: enter a share above 0 %.");
    switch (f.type) {
    case FaultType::Delay:
        if (f.delay_ms <= 0.0) return tr("Enter a delay above 0 ms.");
        break;
    case FaultType::Abort:
        if (f.status > 16 && f.status < 100)
            return tr("%1 is no status: use an HTTP status (100–599) or a gRPC status code (1–16).").arg(f.status);
        break;
    case FaultType::Slowdown:
        if (f.factor == 1.0) return tr("A factor of 1 changes nothing: enter a factor above 1 to slow down.");
        break;
    case FaultType::Partition:
        if (f.peer.empty()) return tr("Choose a service to partition %1 from.").arg(QString::fromStdString(f.target));
        if (f.peer == f.target) return tr("A service cannot be partitioned from itself: choose another peer.");
        break;
    default:
        break;
    }
    if (f.duration_s <= 0.0) return tr("Enter a duration above 0 s: every fault ends on its own.");
    return {};
}

QWidget* FaultDialog::culprit() const
{
    const Fault f = fault();
    if (usesPercentage(f.type) && f.percentage <= 0.0) return m_percentage;
    if (f.type == FaultType::Delay && f.delay_ms <= 0.0) return m_delay;
    if (f.type == FaultType::Abort) return m_status;
    if (f.type == FaultType::Slowdown && f.factor == 1.0) return m_factor;
    if (f.type == FaultType::Partition && (f.peer.empty() || f.peer == f.target)) return m_peer;
    if (f.duration_s <= 0.0) return m_duration;
    return m_type;
}

QString FaultDialog::message() const
{
    return m_message->text();
}

void FaultDialog::revalidate()
{
    const QString error = validationError();
    QPalette p = m_message->palette();
    p.setColor(QPalette::WindowText, GraphStyle::healthColor(Health::Failing, palette()));
    m_message->setPalette(p);
    QPalette muted = m_note->palette();
    muted.setColor(QPalette::WindowText,
        GraphStyle::mix(palette().color(QPalette::Window), palette().color(QPalette::WindowText), 0.72));
    m_note->setPalette(muted);
    m_message->setText(error);
    m_message->setVisible(!error.isEmpty());
}

void FaultDialog::changeEvent(QEvent* event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_message) revalidate(); // light <-> dark
}

void FaultDialog::accept()
{
    revalidate();
    if (!validationError().isEmpty()) {
        if (QWidget* w = culprit()) w->setFocus(Qt::OtherFocusReason);
        return;
    }
    QDialog::accept();
}

} // namespace faultline
