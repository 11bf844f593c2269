#include "scenario/recording.h"

#include "scenario/faultloader.h"
#include "scenario/jsonchecker.h"
#include "scenario/scenariojson.h"
#include "scenario/textfile.h"

#include <array>
#include <unordered_map>

namespace faultline {

namespace {

constexpr std::string_view kFormat = "faultline.recording/1";
constexpr std::string_view kScenarioFormat = "faultline.scenario/1";
/// A recording is its scenario plus commands; 64 MiB holds a large fleet and hundreds of thousands of them.
constexpr size_t kMaxFileBytes = 64u * 1024 * 1024;

// In RecordedCommand::Kind's order.
constexpr std::array<std::string_view, 3> kKinds { "inject_fault", "revert_fault", "revert_all_faults" };

class RecordingReader {
public:
    explicit RecordingReader(JsonChecker& checker)
        : c(checker)
    {
    }

    Recording read(const Json& root);

private:
    std::optional<RecordedCommand> command(const Json& value, const std::string& at);

    JsonChecker& c;
    Scenario m_scenario; ///< as read, valid or not
    bool m_haveScenario = false; ///< an object was there to read: its targets are worth checking faults against
    FaultTargets m_targets;
    std::optional<int64_t> m_end;
    std::optional<int64_t> m_previousAt; ///< at_ns of the command before, when it was valid
    std::unordered_map<uint64_t, std::string> m_injected; ///< id -> where it was injected
};

Recording RecordingReader::read(const Json& root)
{
    Recording recording;
    if (!root.is_object()) {
        c.error("", "a recording must be a JSON object, but the document is " + JsonChecker::describe(root));
        return recording;
    }
    if (auto format = c.string(root, "", "format", true); format && *format != kFormat) {
        std::string hint = "; this version of Faultline reads only that format";
        if (*format == kScenarioFormat) hint = "; this is a scenario: open it with --scenario, not --replay";
        c.error("/format",
            "must be '" + std::string(kFormat) + "', but it is " + JsonChecker::describe(root.at("format")) + hint);
        return recording;
    }
    c.checkObject(root, "", { "format", "seed", "end_ns", "commands", "scenario" });

    if (const Json* seed = c.field(root, "", "seed", true); seed && seed->is_number_unsigned())
        recording.seed = seed->get<uint64_t>();
    else if (seed)
        recording.seed = static_cast<uint64_t>(c.integer(root, "", "seed", false, 0).value_or(0));
    m_end = c.integer(root, "", "end_ns", true, 0, kMaxRecordingNs);
    recording.end_ns = m_end.value_or(0);

    // The scenario first, whatever its place in the document: the commands' faults name its services.
    if (const Json* scenario = c.field(root, "", "scenario", true)) {
        bool valid = false;
        m_scenario = loadScenarioJson(c, *scenario, "/scenario", valid);
        m_haveScenario = scenario->is_object();
        m_targets = FaultTargets::of(m_scenario);
    }
    if (const Json* commands = c.array(root, "", "commands", true)) {
        for (size_t i = 0; i < commands->size(); ++i) {
            if (auto cmd = command((*commands)[i], JsonChecker::child("/commands", i)))
                recording.commands.push_back(std::move(*cmd));
        }
    }
    recording.scenario = std::make_shared<const Scenario>(std::move(m_scenario));
    return recording;
}

std::optional<RecordedCommand> RecordingReader::command(const Json& value, const std::string& at)
{
    if (!value.is_object()) {
        c.error(at, "must be an object, but it is " + JsonChecker::describe(value));
        return std::nullopt;
    }
    const auto kind = c.choice(value, at, "command", true, { kKinds[0], kKinds[1], kKinds[2] });
    c.checkVariantObject(value, at, { "at_ns", "command" },
        { { "id", { kKinds[0], kKinds[1] } }, { "fault", { kKinds[0] } } }, kind ? kKinds[*kind] : std::string_view(),
        "command");

    RecordedCommand cmd;
    const auto atNs = c.integer(value, at, "at_ns", true, 0, kMaxRecordingNs);
    const std::string atNsAt = JsonChecker::child(at, "at_ns");
    if (atNs && m_previousAt && *atNs < *m_previousAt)
        c.error(atNsAt,
            "must not be earlier than the command before it (at_ns " + std::to_string(*m_previousAt)
                + "): commands come in the order they were applied");
    else if (atNs && m_end && *atNs > *m_end)
        c.error(atNsAt, "is after the recording's end_ns (" + std::to_string(*m_end) + ")");
    if (atNs) m_previousAt = atNs;
    cmd.at_ns = atNs.value_or(0);
    if (!kind) return std::nullopt;
    cmd.kind = static_cast<RecordedCommand::Kind>(*kind);
    const std::string idAt = JsonChecker::child(at, "id");

    switch (cmd.kind) {
    case RecordedCommand::Kind::InjectFault: {
        const auto id = c.integer(value, at, "id", true, static_cast<int64_t>(kFirstInjectedFaultId), kMaxRecordingNs);
        if (id) {
            cmd.id = static_cast<uint64_t>(*id);
            if (auto [it, fresh] = m_injected.emplace(cmd.id, at); !fresh)
                c.error(idAt,
                    "another inject_fault already has the id " + std::to_string(cmd.id) + " (at " + it->second + ")");
        }
        const Json* fault = c.field(value, at, "fault", true);
        if (fault && m_haveScenario) {
            if (auto f = loadUnscheduledFault(c, *fault, JsonChecker::child(at, "fault"), m_targets)) cmd.fault = *f;
        }
        break;
    }
    case RecordedCommand::Kind::RevertFault: {
        const auto id = c.integer(value, at, "id", true, 1, kMaxRecordingNs);
        if (!id) break;
        cmd.id = static_cast<uint64_t>(*id);
        // The scenario's scripted faults have the ids 1, 2, ... in the order they start.
        const size_t scripted = m_scenario.faults.size();
        if (m_haveScenario && cmd.id > scripted && !m_injected.count(cmd.id))
            c.error(idAt,
                "no fault has the id " + std::to_string(cmd.id)
                    + ": it is neither injected by an earlier command nor one of the scenario's "
                    + std::to_string(scripted) + " scripted faults (ids 1 to " + std::to_string(scripted) + ")");
        break;
    }
    case RecordedCommand::Kind::RevertAllFaults:
        break;
    }
    return cmd;
}

} // namespace

std::string RecordingFile::toJson(const Recording& recording)
{
    Json root;
    root["format"] = kFormat;
    root["seed"] = recording.seed;
    root["end_ns"] = recording.end_ns;
    Json commands = Json::array();
    for (const RecordedCommand& cmd : recording.commands) {
        Json out;
        out["at_ns"] = cmd.at_ns;
        out["command"] = kKinds[static_cast<size_t>(cmd.kind)];
        if (cmd.kind != RecordedCommand::Kind::RevertAllFaults) out["id"] = cmd.id;
        if (cmd.kind == RecordedCommand::Kind::InjectFault) out["fault"] = faultJson(cmd.fault);
        commands.push_back(std::move(out));
    }
    root["commands"] = std::move(commands);
    root["scenario"] = recording.scenario ? scenarioJson(*recording.scenario) : Json();
    // Replace, not throw, on text that is not UTF-8, as the scenario writer does.
    return root.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + '\n';
}

bool RecordingFile::toFile(const Recording& recording, const std::string& path, std::string* error)
{
    return writeTextFile(path, toJson(recording), error);
}

RecordingLoadResult RecordingFile::fromString(std::string_view json)
{
    RecordingLoadResult result;
    JsonChecker checker;
    const std::optional<Json> root = checker.parse(json);
    if (!root) {
        result.errors = checker.takeErrors(Json());
        return result;
    }
    Recording recording = RecordingReader(checker).read(*root);
    result.errors = checker.takeErrors(*root);
    if (result.errors.empty()) result.recording = std::move(recording);
    return result;
}

RecordingLoadResult RecordingFile::fromFile(const std::string& path)
{
    std::string why;
    const std::optional<std::string> text = readTextFile(path, kMaxFileBytes, "a recording", why);
    if (!text) {
        RecordingLoadResult result;
        result.errors.push_back(ScenarioError { "", "cannot read " + path + ": " + why });
        return result;
    }
    return fromString(*text);
}

} // namespace faultline
