#pragma once
// Helpers the scenario-loader tests share: RFC 6902 JSON patches applied to a base document, and the
// errors of a load as text.

#include "scenario/scenarioloader.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <string>

namespace faultline::test {

/// `base` with an RFC 6902 JSON patch applied, keeping the key order of the document.
inline std::string patched(const char* base, const QByteArray& patch)
{
    using Json = nlohmann::ordered_json;
    return Json::parse(base).patch(Json::parse(patch.toStdString())).dump();
}

/// A one-operation JSON patch.
inline QByteArray jsonPatch(const char* verb, const QString& path, const QByteArray& value = {})
{
    QByteArray out = "[{\"op\":\"" + QByteArray(verb) + "\",\"path\":\"" + path.toUtf8() + "\"";
    if (!value.isEmpty()) out += ",\"value\":" + value;
    return out + "}]";
}
inline QByteArray addAt(const QString& path, const QByteArray& value)
{
    return jsonPatch("add", path, value);
}
inline QByteArray replaceAt(const QString& path, const QByteArray& value)
{
    return jsonPatch("replace", path, value);
}
inline QByteArray removeAt(const QString& path)
{
    return jsonPatch("remove", path);
}

/// The JSON pointers of every error, in the order reported.
inline QStringList pointers(const ScenarioLoadResult& result)
{
    QStringList out;
    for (const auto& e : result.errors)
        out << QString::fromStdString(e.pointer);
    return out;
}

/// Every error as "pointer: message", one a line, for failure messages.
inline QString allErrors(const ScenarioLoadResult& result)
{
    QString out;
    for (const auto& e : result.errors)
        out += QString::fromStdString(e.toString()) + '\n';
    return out;
}

} // namespace faultline::test
