#include "scenario/jsonchecker.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <unordered_set>

namespace faultline {

namespace {

// A scenario nests about eight levels deep; the limit keeps a hostile "[[[[..." from costing memory.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxNameLength = 128;

struct TooDeep { };

std::string listOf(std::initializer_list<std::string_view> words)
{
    std::string out;
    size_t i = 0;
    for (auto word : words) {
        if (i > 0) out += (i + 1 == words.size()) ? " or " : ", ";
        out += JsonChecker::quoted(word);
        ++i;
    }
    return out;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring ASCII case. Both
// strings are at most kMaxNameLength long; the three rows live on the stack, so a fleet of thousands of
// names costs no allocation per comparison. Returns more than `limit` as soon as the result must exceed it.
size_t editDistance(std::string_view a, std::string_view b, size_t limit)
{
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    std::array<size_t, kMaxNameLength + 1> rows[3];
    auto* before = &rows[0]; // row i - 2
    auto* previous = &rows[1]; // row i - 1
    auto* current = &rows[2];
    for (size_t j = 0; j <= b.size(); ++j)
        (*previous)[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        (*current)[0] = i;
        size_t rowMin = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            size_t d = std::min({ (*previous)[j] + 1, (*current)[j - 1] + 1, (*previous)[j - 1] + cost });
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
                d = std::min(d, (*before)[j - 2] + 1);
            (*current)[j] = d;
            rowMin = std::min(rowMin, d);
        }
        if (rowMin > limit) return limit + 1;
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return (*previous)[b.size()];
}

std::vector<std::string> pointerTokens(std::string_view pointer)
{
    std::vector<std::string> tokens;
    if (pointer.empty()) return tokens;
    size_t start = 1;
    while (true) {
        const size_t end = pointer.find('/', start);
        const std::string_view raw = pointer.substr(start, end == std::string_view::npos ? end : end - start);
        std::string token;
        for (size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '~' && i + 1 < raw.size()) {
                token += raw[i + 1] == '1' ? '/' : '~';
                ++i;
            } else {
                token += raw[i];
            }
        }
        tokens.push_back(std::move(token));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return tokens;
}

// Where a pointer lies in the document: the index of each step among its siblings. Comparing these
// vectors orders pointers as their targets appear in the text (parents before their children).
std::vector<size_t> documentPosition(const Json& root, std::string_view pointer)
{
    constexpr size_t kMissing = std::numeric_limits<size_t>::max();
    std::vector<size_t> position;
    const Json* node = &root;
    for (const std::string& token : pointerTokens(pointer)) {
        size_t index = kMissing;
        if (node->is_object()) {
            size_t i = 0;
            for (auto it = node->begin(); it != node->end(); ++it, ++i) {
                if (it.key() == token) {
                    index = i;
                    node = &it.value();
                    break;
                }
            }
        } else if (node->is_array()) {
            size_t i = 0;
            const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), i);
            if (ec == std::errc() && end == token.data() + token.size() && i < node->size()) {
                index = i;
                node = &(*node)[i];
            }
        }
        position.push_back(index);
        if (index == kMissing) break;
    }
    return position;
}

} // namespace

std::optional<Json> JsonChecker::parse(std::string_view text)
{
    // Track where the parser is, so that keys repeated within one object (which nlohmann_json silently
    // collapses into the last value) can be reported with their pointer.
    struct Frame {
        bool isArray = false;
        size_t index = 0;
        std::string key;
        std::unordered_set<std::string> keys;
    };
    std::vector<Frame> stack;
    auto containerPointer = [&stack] {
        std::string pointer;
        for (size_t i = 0; i + 1 < stack.size(); ++i)
            pointer = stack[i].isArray ? child(pointer, stack[i].index) : child(pointer, stack[i].key);
        return pointer;
    };
    auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
        switch (event) {
        case Json::parse_event_t::object_start:
        case Json::parse_event_t::array_start:
            if (depth >= kMaxDepth) throw TooDeep {};
            stack.push_back(Frame { event == Json::parse_event_t::array_start, 0, {}, {} });
            break;
        case Json::parse_event_t::key: {
            Frame& frame = stack.back();
            frame.key = parsed.get<std::string>();
            if (!frame.keys.insert(frame.key).second) {
                auto& keys = m_duplicateKeys[containerPointer()];
                if (std::find(keys.begin(), keys.end(), frame.key) == keys.end()) keys.push_back(frame.key);
            }
            break;
        }
        case Json::parse_event_t::object_end:
        case Json::parse_event_t::array_end:
            stack.pop_back();
            [[fallthrough]];
        case Json::parse_event_t::value:
            if (!stack.empty() && stack.back().isArray) ++stack.back().index;
            break;
        }
        return true;
    };

    try {
        return Json::parse(text.begin(), text.end(), callback);
    } catch (const TooDeep&) {
        error("", "the document nests deeper than " + std::to_string(kMaxDepth) + " levels");
    } catch (const Json::parse_error& e) {
        // e.byte counts the characters read, so it is the 1-based offset of the offending one.
        const size_t offending = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
        size_t line = 1;
        size_t lineStart = 0;
        for (size_t i = 0; i < offending; ++i) {
            if (text[i] == '\n') {
                ++line;
                lineStart = i + 1;
            }
        }
        // what() reads "[json.exception.parse_error.101] parse error at line 1, column 2: <reason>".
        std::string reason = e.what();
        const size_t colon = reason.find(": ", reason.find("parse error"));
        reason = colon == std::string::npos ? "syntax error" : reason.substr(colon + 2);
        // The reason quotes the text last read, which may hold bytes that are not UTF-8.
        for (char& ch : reason) {
            const unsigned char b = static_cast<unsigned char>(ch);
            if (b < 0x20 || b >= 0x7f) ch = '?';
        }
        if (reason.size() > 200) reason = reason.substr(0, 200) + "...";
        error("",
            "not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(offending - lineStart + 1)
                + " (byte offset " + std::to_string(offending) + "): " + reason);
    } catch (const Json::exception& e) {
        // The parser throws out_of_range for numbers beyond a double, e.g. 1e400; it carries no position.
        std::string reason = e.what();
        const size_t bracket = reason.find("] ");
        error("", "not valid JSON: " + (bracket == std::string::npos ? reason : reason.substr(bracket + 2)));
    }
    return std::nullopt;
}

void JsonChecker::error(std::string pointer, std::string message)
{
    m_errors.push_back(ScenarioError { std::move(pointer), std::move(message) });
}

JsonChecker JsonChecker::subtree(const std::string& pointer) const
{
    JsonChecker sub;
    for (const auto& [at, keys] : m_duplicateKeys) {
        if (at == pointer)
            sub.m_duplicateKeys[""] = keys;
        else if (at.size() > pointer.size() && at.compare(0, pointer.size(), pointer) == 0 && at[pointer.size()] == '/')
            sub.m_duplicateKeys[at.substr(pointer.size())] = keys;
    }
    return sub;
}

std::vector<ScenarioError> JsonChecker::takeErrors(const Json& root)
{
    std::vector<std::pair<std::vector<size_t>, ScenarioError>> keyed;
    keyed.reserve(m_errors.size());
    for (auto& e : m_errors)
        keyed.emplace_back(documentPosition(root, e.pointer), std::move(e));
    std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<ScenarioError> sorted;
    sorted.reserve(keyed.size());
    for (auto& [position, e] : keyed)
        sorted.push_back(std::move(e));
    m_errors.clear();
    return sorted;
}

std::string JsonChecker::child(const std::string& pointer, std::string_view key)
{
    std::string out = pointer + '/';
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string JsonChecker::child(const std::string& pointer, size_t index)
{
    return pointer + '/' + std::to_string(index);
}

bool JsonChecker::checkObject(const Json& value, const std::string& pointer,
    std::initializer_list<std::string_view> known, std::initializer_list<UnsupportedKey> unsupported)
{
    return checkObject(value, pointer, std::vector<std::string_view>(known), std::vector<UnsupportedKey>(unsupported));
}

bool JsonChecker::checkObject(const Json& value, const std::string& pointer, const std::vector<std::string_view>& known,
    const std::vector<UnsupportedKey>& unsupported)
{
    if (!value.is_object()) {
        error(pointer, "must be an object, but it is " + describe(value));
        return false;
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string& key = it.key();
        if (std::find(known.begin(), known.end(), key) != known.end()) continue;
        auto notYet = std::find_if(
            unsupported.begin(), unsupported.end(), [&key](const UnsupportedKey& u) { return u.key == key; });
        if (notYet != unsupported.end()) {
            error(child(pointer, key), std::string(notYet->message));
            continue;
        }
        std::vector<std::string_view> candidates(known);
        for (const auto& u : unsupported)
            candidates.push_back(u.key);
        error(child(pointer, key), "unknown key " + quoted(key) + suggestion(key, candidates));
    }
    if (auto duplicates = m_duplicateKeys.find(pointer); duplicates != m_duplicateKeys.end()) {
        for (const std::string& key : duplicates->second)
            error(child(pointer, key), "the key " + quoted(key) + " appears more than once in this object");
    }
    return true;
}

bool JsonChecker::checkVariantObject(const Json& value, const std::string& pointer,
    std::initializer_list<std::string_view> common, const std::vector<VariantKey>& keys, std::string_view variant,
    std::string_view noun)
{
    std::vector<std::string_view> known(common);
    // The messages are built before any view of them is taken, so that the views stay valid.
    std::vector<std::string> messages;
    std::vector<const VariantKey*> foreign;
    for (const VariantKey& k : keys) {
        const bool own = std::find(k.variants.begin(), k.variants.end(), variant) != k.variants.end();
        if (variant.empty() || own) {
            known.push_back(k.key);
            continue;
        }
        std::string owners;
        for (size_t i = 0; i < k.variants.size(); ++i) {
            if (i > 0) owners += (i + 1 == k.variants.size()) ? " and " : ", ";
            owners += k.variants[i];
        }
        const std::string plural = k.variants.size() > 1 ? "s" : "";
        messages.push_back(quoted(k.key) + " belongs to the " + owners + " " + std::string(noun) + plural + ", not "
            + std::string(variant) + (k.hint.empty() ? "" : "; " + k.hint));
        foreign.push_back(&k);
    }
    std::vector<UnsupportedKey> unsupported;
    for (size_t i = 0; i < foreign.size(); ++i)
        unsupported.push_back(UnsupportedKey { foreign[i]->key, messages[i] });
    return checkObject(value, pointer, known, unsupported);
}

const Json* JsonChecker::field(const Json& object, const std::string& pointer, std::string_view key, bool required)
{
    auto it = object.find(std::string(key));
    if (it != object.end()) return &*it;
    if (required) error(pointer, "missing required key " + quoted(key));
    return nullptr;
}

std::optional<std::string> JsonChecker::string(
    const Json& object, const std::string& pointer, std::string_view key, bool required)
{
    const Json* value = field(object, pointer, key, required);
    if (!value) return std::nullopt;
    if (!value->is_string()) {
        error(child(pointer, key), "must be a string, but it is " + describe(*value));
        return std::nullopt;
    }
    return value->get<std::string>();
}

std::optional<std::string> JsonChecker::name(
    const Json& object, const std::string& pointer, std::string_view key, bool required)
{
    auto text = string(object, pointer, key, required);
    if (!text) return std::nullopt;
    const std::string where = child(pointer, key);
    if (text->empty()) {
        error(where, "must not be empty");
        return text;
    }
    if (text->size() > kMaxNameLength) {
        error(where,
            "must be at most " + std::to_string(kMaxNameLength) + " characters long, but it has "
                + std::to_string(text->size()));
        return text;
    }
    auto bad = std::find_if(text->begin(), text->end(), [](char c) {
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
            || c == '-');
    });
    if (bad != text->end()) {
        const unsigned char c = static_cast<unsigned char>(*bad);
        const std::string what = c == ' ' ? "a space"
            : (c > 0x20 && c < 0x7f)      ? quoted(std::string(1, *bad))
                                          : "a control or non-ASCII character";
        error(where, "may only contain letters, digits, '.', '_' and '-', but " + quoted(*text) + " contains " + what);
    }
    // Returned even when malformed, so that references to it do not cascade into "unknown" errors.
    return text;
}

bool JsonChecker::checkNumber(
    const Json& value, const std::string& pointer, std::optional<Bound> min, std::optional<Bound> max)
{
    if (!value.is_number()) {
        error(pointer, "must be a number, but it is " + describe(value));
        return false;
    }
    const double x = value.get<double>();
    if (!std::isfinite(x)) {
        error(pointer, "must be a finite number");
        return false;
    }
    const bool belowMin = min && (min->exclusive ? x <= min->value : x < min->value);
    const bool aboveMax = max && (max->exclusive ? x >= max->value : x > max->value);
    if (!belowMin && !aboveMax) return true;
    std::string rule;
    if (min && max && !min->exclusive && !max->exclusive)
        rule = "must be between " + formatNumber(min->value) + " and " + formatNumber(max->value);
    else if (belowMin)
        rule = (min->exclusive ? "must be greater than " : "must be at least ") + formatNumber(min->value);
    else
        rule = (max->exclusive ? "must be less than " : "must be at most ") + formatNumber(max->value);
    error(pointer, rule + ", but it is " + describe(value));
    return false;
}

std::optional<double> JsonChecker::number(const Json& object, const std::string& pointer, std::string_view key,
    bool required, std::optional<Bound> min, std::optional<Bound> max)
{
    const Json* value = field(object, pointer, key, required);
    if (!value || !checkNumber(*value, child(pointer, key), min, max)) return std::nullopt;
    return value->get<double>();
}

std::optional<int64_t> JsonChecker::integer(
    const Json& object, const std::string& pointer, std::string_view key, bool required, int64_t min, int64_t max)
{
    const Json* value = field(object, pointer, key, required);
    if (!value) return std::nullopt;
    const std::string where = child(pointer, key);
    std::optional<int64_t> result;
    if (value->is_number_unsigned()) {
        if (value->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            result = static_cast<int64_t>(value->get<uint64_t>());
    } else if (value->is_number_integer()) {
        result = value->get<int64_t>();
    } else if (value->is_number_float()) {
        // 3.0 is an integer, as in JSON Schema.
        const double x = value->get<double>();
        if (!std::isfinite(x) || std::trunc(x) != x) {
            error(where, "must be a whole number, but it is " + describe(*value));
            return std::nullopt;
        }
        if (std::abs(x) < 9.2e18) result = static_cast<int64_t>(x);
    } else {
        error(where, "must be a whole number, but it is " + describe(*value));
        return std::nullopt;
    }
    // Without a result the value lies beyond the int64_t range, on the side its sign says.
    if (!result && value->get<double>() < 0) result = std::numeric_limits<int64_t>::min();
    if (!result || *result > max) {
        error(where, "must be at most " + std::to_string(max) + ", but it is " + describe(*value));
        return std::nullopt;
    }
    if (*result < min) {
        error(where, "must be at least " + std::to_string(min) + ", but it is " + describe(*value));
        return std::nullopt;
    }
    return result;
}

std::optional<bool> JsonChecker::boolean(
    const Json& object, const std::string& pointer, std::string_view key, bool required)
{
    const Json* value = field(object, pointer, key, required);
    if (!value) return std::nullopt;
    if (!value->is_boolean()) {
        error(child(pointer, key), "must be true or false, but it is " + describe(*value));
        return std::nullopt;
    }
    return value->get<bool>();
}

std::optional<size_t> JsonChecker::choice(const Json& object, const std::string& pointer, std::string_view key,
    bool required, std::initializer_list<std::string_view> allowed)
{
    const Json* value = field(object, pointer, key, required);
    if (!value) return std::nullopt;
    return oneOf(*value, child(pointer, key), allowed);
}

std::optional<size_t> JsonChecker::oneOf(
    const Json& value, const std::string& pointer, std::initializer_list<std::string_view> allowed)
{
    if (!value.is_string()) {
        error(pointer, "must be a string, but it is " + describe(value));
        return std::nullopt;
    }
    const std::string& text = value.get_ref<const std::string&>();
    auto it = std::find(allowed.begin(), allowed.end(), text);
    if (it != allowed.end()) return static_cast<size_t>(it - allowed.begin());
    error(pointer,
        "must be " + listOf(allowed) + ", but it is " + quoted(text)
            + suggestion(text, std::vector<std::string_view>(allowed)));
    return std::nullopt;
}

const Json* JsonChecker::array(
    const Json& object, const std::string& pointer, std::string_view key, bool required, std::string_view ifEmpty)
{
    const Json* value = field(object, pointer, key, required);
    if (!value) return nullptr;
    if (!value->is_array()) {
        error(child(pointer, key), "must be an array, but it is " + describe(*value));
        return nullptr;
    }
    if (value->empty() && !ifEmpty.empty()) error(child(pointer, key), std::string(ifEmpty));
    return value;
}

std::string JsonChecker::suggestion(std::string_view word, const std::vector<std::string_view>& candidates)
{
    std::string_view best;
    size_t bestDistance = std::numeric_limits<size_t>::max();
    if (word.size() > kMaxNameLength) return {};
    for (auto candidate : candidates) {
        if (candidate.size() > kMaxNameLength) continue;
        const size_t limit = std::max<size_t>(1, candidate.size() / 3);
        const size_t lengthGap
            = word.size() > candidate.size() ? word.size() - candidate.size() : candidate.size() - word.size();
        // The gap bounds the distance from below and is cheap: it keeps a fleet of thousands of names fast.
        if (lengthGap > limit || word == candidate) continue;
        const size_t d = editDistance(word, candidate, limit); // 0 when only the case differs
        if (d < bestDistance && d <= limit && d < word.size()) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best.empty() ? std::string() : "; did you mean " + quoted(best) + "?";
}

std::string JsonChecker::describe(const Json& value)
{
    switch (value.type()) {
    case Json::value_t::null:
        return "null";
    case Json::value_t::boolean:
        return value.get<bool>() ? "true" : "false";
    case Json::value_t::string:
        return "the string " + quoted(value.get<std::string>());
    case Json::value_t::object:
        return "an object";
    case Json::value_t::array:
        return "an array";
    case Json::value_t::number_integer:
        return std::to_string(value.get<int64_t>());
    case Json::value_t::number_unsigned:
        return std::to_string(value.get<uint64_t>());
    case Json::value_t::number_float:
        return formatNumber(value.get<double>());
    default:
        return "an unexpected value";
    }
}

std::string JsonChecker::quoted(std::string_view text)
{
    constexpr size_t kMax = 60;
    size_t length = std::min(text.size(), kMax);
    // Never cut a UTF-8 sequence in two (document strings are valid UTF-8; the parser checked).
    while (length < text.size() && length > 0 && (static_cast<unsigned char>(text[length]) & 0xc0) == 0x80)
        --length;
    std::string out = "'";
    for (size_t i = 0; i < length; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    if (length < text.size()) out += "...";
    return out + "'";
}

std::string JsonChecker::formatNumber(double value)
{
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

} // namespace faultline
