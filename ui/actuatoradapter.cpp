#include "actuatoradapter.h"

#include "appsettings.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSettings>
#include <QTimer>

#include <algorithm>

namespace faultline {

namespace {

const QString kEndpointsKey = QStringLiteral("actuators/endpoints");
const QString kOutstandingKey = QStringLiteral("actuators/outstanding");
constexpr int kRequestTimeoutMs = 5000;

const char* verbWord(BreakerOverrideVerb verb)
{
    switch (verb) {
    case BreakerOverrideVerb::ForceOpen:
        return "FORCE_OPEN";
    case BreakerOverrideVerb::Disable:
        return "DISABLE";
    case BreakerOverrideVerb::Close:
    case BreakerOverrideVerb::Automatic:
        break;
    }
    return "CLOSE";
}

/// Verbs that leave the breaker to its own state machine: nothing to hold or hand back afterwards.
bool releases(BreakerOverrideVerb verb)
{
    return verb == BreakerOverrideVerb::Close || verb == BreakerOverrideVerb::Automatic;
}

QString outstandingKey(const QString& service, const QString& breaker)
{
    return service + QLatin1Char('\n') + breaker;
}

} // namespace

ActuatorAdapter::ActuatorAdapter(QObject* parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_expiry(new QTimer(this))
{
    m_network->setTransferTimeout(kRequestTimeoutMs);
    m_expiry->setInterval(250);
    connect(m_expiry, &QTimer::timeout, this, &ActuatorAdapter::checkExpiry);
}

ActuatorAdapter::~ActuatorAdapter()
{
    if (revertAll() > 0 || m_inFlight > 0) waitForReplies(3000);
    // Replies still out past the wait must not call back into a half-destroyed adapter.
    for (QNetworkReply* reply : m_network->findChildren<QNetworkReply*>())
        reply->disconnect(this);
}

void ActuatorAdapter::setEndpoints(const QList<ActuatorEndpoint>& endpoints)
{
    m_endpoints.clear();
    for (const ActuatorEndpoint& e : endpoints)
        if (validate(e).isEmpty()) m_endpoints << e;
}

QList<ActuatorEndpoint> ActuatorAdapter::loadEndpoints()
{
    QList<ActuatorEndpoint> endpoints;
    for (const QVariant& v : appSettings().value(kEndpointsKey).toList()) {
        const QVariantMap m = v.toMap();
        ActuatorEndpoint e { m.value(QStringLiteral("service")).toString(),
            QUrl(m.value(QStringLiteral("url")).toString()), m.value(QStringLiteral("authorization")).toString() };
        if (validate(e).isEmpty()) endpoints << e;
    }
    return endpoints;
}

void ActuatorAdapter::saveEndpoints(const QList<ActuatorEndpoint>& endpoints)
{
    QVariantList list;
    for (const ActuatorEndpoint& e : endpoints)
        list << QVariantMap { { QStringLiteral("service"), e.service }, { QStringLiteral("url"), e.base.toString() },
            { QStringLiteral("authorization"), e.authorization } };
    appSettings().setValue(kEndpointsKey, list);
}

QString ActuatorAdapter::validate(const ActuatorEndpoint& e)
{
    if (e.service.trimmed().isEmpty()) return tr("Name the service whose actuator this is.");
    if (!e.base.isValid() || e.base.host().isEmpty())
        return tr("“%1” is not a URL: give the actuator's base, e.g. http://127.0.0.1:8080/actuator.")
            .arg(e.base.toString());
    if (e.base.scheme() != QLatin1String("http") && e.base.scheme() != QLatin1String("https"))
        return tr("The actuator of %1 must be an http or https URL, not “%2”.").arg(e.service, e.base.scheme());
    if (e.authorization.contains(QLatin1Char('\n')) || e.authorization.contains(QLatin1Char('\r')))
        return tr("The Authorization header of %1 cannot span lines.").arg(e.service);
    return {};
}

const ActuatorEndpoint* ActuatorAdapter::endpointOf(const QString& service) const
{
    for (const ActuatorEndpoint& e : m_endpoints)
        if (e.service == service) return &e;
    return nullptr;
}

bool ActuatorAdapter::handles(const QString& service) const
{
    return endpointOf(service) != nullptr;
}

QUrl ActuatorAdapter::stateUrl(const QUrl& base, const QString& breaker)
{
    QUrl url = base;
    QString path = url.path(QUrl::FullyEncoded);
    if (!path.endsWith(QLatin1Char('/'))) path += QLatin1Char('/');
    path += QStringLiteral("circuitbreakers/") + QString::fromLatin1(QUrl::toPercentEncoding(breaker));
    url.setPath(path, QUrl::TolerantMode);
    return url;
}

QByteArray ActuatorAdapter::stateBody(BreakerOverrideVerb verb)
{
    return QByteArray(R"({"updateState":")") + verbWord(verb) + "\"}";
}

QString ActuatorAdapter::overrideBreaker(
    const QString& service, const QString& breaker, BreakerOverrideVerb verb, int64_t ttl_ms, QString* error)
{
    const ActuatorEndpoint* endpoint = endpointOf(service);
    if (!endpoint) {
        if (error) *error = tr("No actuator is configured for %1.").arg(service);
        return {};
    }
    if (breaker.isEmpty()) {
        if (error) *error = tr("The breaker has no name to give the actuator of %1.").arg(service);
        return {};
    }
    // A new verb on a breaker supersedes what was held on it: the old TTL must not close it later.
    m_overrides.erase(std::remove_if(m_overrides.begin(), m_overrides.end(),
                          [&](const Override& o) { return o.service == service && o.breaker == breaker; }),
        m_overrides.end());

    const QString id = QStringLiteral("actuator-%1").arg(m_nextId++);
    if (!releases(verb)) {
        Override o;
        o.id = id;
        o.service = service;
        o.breaker = breaker;
        o.verb = verb;
        o.issued_ns = nowNs();
        o.expires_ns = o.issued_ns + std::max<int64_t>(1, ttl_ms) * 1'000'000;
        m_overrides << o;
        saveOutstanding(); // before the request leaves: a crash from here on is handed back at the next start
        m_expiry->start();
    } else {
        saveOutstanding();
    }
    post(*endpoint, breaker, verb, id, releases(verb));
    emit changed();
    return id;
}

void ActuatorAdapter::post(
    const ActuatorEndpoint& endpoint, const QString& breaker, BreakerOverrideVerb verb, const QString& id, bool revert)
{
    QNetworkRequest request(stateUrl(endpoint.base, breaker));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    request.setRawHeader("Accept", "application/json");
    if (!endpoint.authorization.isEmpty()) request.setRawHeader("Authorization", endpoint.authorization.toUtf8());
    QNetworkReply* reply = m_network->post(request, stateBody(verb));
    ++m_inFlight;
    const QString service = endpoint.service;
    connect(reply, &QNetworkReply::finished, this,
        [this, reply, id, revert, service, breaker] { finished(reply, id, revert, service, breaker); });
}

void ActuatorAdapter::finished(
    QNetworkReply* reply, const QString& id, bool revert, const QString& service, const QString& breaker)
{
    reply->deleteLater();
    --m_inFlight;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const bool ok = reply->error() == QNetworkReply::NoError && status >= 200 && status < 300;
    QString why;
    if (!ok) {
        const QByteArray body = reply->readAll().left(200).simplified();
        why = status > 0 ? tr("HTTP %1%2")
                               .arg(status)
                               .arg(body.isEmpty() ? QString() : QStringLiteral(": ") + QString::fromUtf8(body))
                         : reply->errorString();
    }
    const auto it = std::find_if(m_overrides.begin(), m_overrides.end(), [&](const Override& o) { return o.id == id; });
    if (revert) {
        // Handing back: done when the actuator says so; otherwise the breaker stays as it was forced.
        if (it != m_overrides.end()) {
            if (ok) {
                m_overrides.erase(it);
            } else {
                it->status = Status::RevertFailed;
                it->error = why;
            }
        }
        if (ok) {
            saveOutstanding();
        } else {
            emit failed(tr("The actuator of %1 did not hand breaker %2 back (%3): it stays as it was until it is "
                           "closed; Faultline tries again at its next start.")
                            .arg(service, breaker, why));
        }
    } else if (it != m_overrides.end()) {
        if (ok) {
            if (it->status == Status::Pending) it->status = Status::Active;
        } else {
            m_overrides.erase(it); // not forced: nothing to hand back
            saveOutstanding();
            emit failed(tr("The actuator of %1 refused to change breaker %2: %3").arg(service, breaker, why));
        }
    }
    emit changed();
}

void ActuatorAdapter::endOverride(int index)
{
    Override& o = m_overrides[index];
    o.status = Status::Reverting;
    if (const ActuatorEndpoint* endpoint = endpointOf(o.service))
        post(*endpoint, o.breaker, BreakerOverrideVerb::Close, o.id, true);
    else
        m_overrides.removeAt(index); // its endpoint was removed: nothing to tell
}

bool ActuatorAdapter::revert(const QString& id)
{
    for (int i = 0; i < m_overrides.size(); ++i) {
        if (m_overrides[i].id != id) continue;
        if (m_overrides[i].status != Status::Reverting) endOverride(i);
        emit changed();
        return true;
    }
    return false;
}

int ActuatorAdapter::revertAll()
{
    int told = 0;
    for (int i = m_overrides.size() - 1; i >= 0; --i) {
        if (m_overrides[i].status == Status::Reverting) continue;
        endOverride(i);
        ++told;
    }
    if (told > 0) emit changed();
    return told;
}

int ActuatorAdapter::revertLeftovers()
{
    int sent = 0;
    const QStringList left = appSettings().value(kOutstandingKey).toStringList();
    for (const QString& entry : left) {
        const QStringList parts = entry.split(QLatin1Char('\n'));
        if (parts.size() != 2) continue;
        const ActuatorEndpoint* endpoint = endpointOf(parts[0]);
        if (!endpoint) continue;
        Override o;
        o.id = QStringLiteral("actuator-%1").arg(m_nextId++);
        o.service = parts[0];
        o.breaker = parts[1];
        o.verb = BreakerOverrideVerb::ForceOpen; // what it was is not known; it is being handed back
        o.issued_ns = o.expires_ns = nowNs();
        o.status = Status::Reverting;
        m_overrides << o;
        post(*endpoint, o.breaker, BreakerOverrideVerb::Close, o.id, true);
        ++sent;
    }
    if (sent > 0) emit changed();
    return sent;
}

bool ActuatorAdapter::waitForReplies(int timeout_ms)
{
    QElapsedTimer clock;
    clock.start();
    QEventLoop loop;
    while (m_inFlight > 0 && clock.elapsed() < timeout_ms)
        loop.processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    return m_inFlight == 0;
}

bool ActuatorAdapter::holds(const QString& id) const
{
    return std::any_of(m_overrides.begin(), m_overrides.end(), [&](const Override& o) { return o.id == id; });
}

void ActuatorAdapter::checkExpiry()
{
    const int64_t now = nowNs();
    bool any = false, held = false;
    for (int i = m_overrides.size() - 1; i >= 0; --i) {
        const Override& o = m_overrides[i];
        if ((o.status == Status::Active || o.status == Status::Pending) && o.expires_ns <= now) {
            endOverride(i);
            any = true;
        } else if (o.status == Status::Active || o.status == Status::Pending) {
            held = true;
        }
    }
    if (!held) m_expiry->stop();
    if (any) emit changed();
}

void ActuatorAdapter::saveOutstanding() const
{
    // What may still be forced on a real breaker: held, being handed back, or failed to be handed back.
    QStringList list;
    for (const Override& o : m_overrides)
        list << outstandingKey(o.service, o.breaker);
    list.removeDuplicates();
    auto s = appSettings();
    if (list.isEmpty())
        s.remove(kOutstandingKey);
    else
        s.setValue(kOutstandingKey, list);
}

} // namespace faultline
