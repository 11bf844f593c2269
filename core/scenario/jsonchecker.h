#pragma once
// Internal to core: includes nlohmann_json, which faultline_core links privately. Only core .cpp files may
// include this header.

#include "scenario/scenarioloader.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace faultline {

/// Order-preserving JSON, so that errors can be reported in document order.
using Json = nlohmann::ordered_json;

/// A key the design names but this version does not implement yet, and what to tell the user about it.
struct UnsupportedKey {
    std::string_view key;
    std::string_view message;
};

/// A key that only some variants of an object accept (a retry flavor, a fault type), and what else to tell a
/// user who gives it to another variant ("the urllib3 flavor counts retries with 'total'").
struct VariantKey {
    std::string_view key;
    std::vector<std::string_view> variants;
    std::string hint = {};
};

/// An inclusive or exclusive bound on a number, for range checks.
struct Bound {
    double value;
    bool exclusive = false;
};

/// Reads JSON values with type and range checks, collecting every problem as a ScenarioError with an
/// RFC 6901 pointer. Knows nothing about scenarios beyond the error type.
class JsonChecker {
public:
    /// Parses `text`. On a syntax error, records one error at "" and returns nullopt. Keys that appear
    /// twice in one object are remembered and reported by checkObject().
    std::optional<Json> parse(std::string_view text);

    /// A checker for the value at `pointer` of the document this one parsed, with pointers relative to it:
    /// it knows that value's duplicate keys. Its errors belong under `pointer` in this checker.
    JsonChecker subtree(const std::string& pointer) const;

    void error(std::string pointer, std::string message);
    /// The errors, stably sorted by where their pointer lies in `root`.
    std::vector<ScenarioError> takeErrors(const Json& root);

    static std::string child(const std::string& pointer, std::string_view key);
    static std::string child(const std::string& pointer, size_t index);

    /// Checks that `value` is an object and reports its unknown, not-yet-supported and duplicate keys.
    /// Returns false (after reporting) when it is not an object.
    bool checkObject(const Json& value, const std::string& pointer, std::initializer_list<std::string_view> known,
        std::initializer_list<UnsupportedKey> unsupported = {});
    bool checkObject(const Json& value, const std::string& pointer, const std::vector<std::string_view>& known,
        const std::vector<UnsupportedKey>& unsupported = {});
    /// checkObject() for an object whose keys depend on its variant, named `variant` (a flavor, a fault type:
    /// `noun`). `common` keys are always allowed; a key of `keys` only in its own variants, and in another
    /// variant it is reported as belonging elsewhere. With an empty `variant` (missing or unknown, and already
    /// reported) every variant's keys are accepted.
    bool checkVariantObject(const Json& value, const std::string& pointer,
        std::initializer_list<std::string_view> common, const std::vector<VariantKey>& keys, std::string_view variant,
        std::string_view noun);

    /// The value of `key` in `object`, or nullptr. Reports a missing required key at `pointer`.
    const Json* field(const Json& object, const std::string& pointer, std::string_view key, bool required);

    /// Typed readers: nullopt when absent (reporting it if required) or wrong (always reported).
    std::optional<std::string> string(
        const Json& object, const std::string& pointer, std::string_view key, bool required);
    /// A name used as an id: non-empty, at most 128 characters of [A-Za-z0-9._-]. A malformed name is reported
    /// but still returned, so that references to it do not cascade into "unknown name" errors.
    std::optional<std::string> name(
        const Json& object, const std::string& pointer, std::string_view key, bool required);
    std::optional<double> number(const Json& object, const std::string& pointer, std::string_view key, bool required,
        std::optional<Bound> min = std::nullopt, std::optional<Bound> max = std::nullopt);
    std::optional<int64_t> integer(const Json& object, const std::string& pointer, std::string_view key, bool required,
        int64_t min, int64_t max = std::numeric_limits<int64_t>::max());
    std::optional<bool> boolean(const Json& object, const std::string& pointer, std::string_view key, bool required);
    /// One of `allowed`; returns its index.
    std::optional<size_t> choice(const Json& object, const std::string& pointer, std::string_view key, bool required,
        std::initializer_list<std::string_view> allowed);
    /// choice() for a value already found at `pointer`, such as an array element.
    std::optional<size_t> oneOf(
        const Json& value, const std::string& pointer, std::initializer_list<std::string_view> allowed);
    /// An array. When it is empty and `ifEmpty` is not, `ifEmpty` is reported as the error.
    const Json* array(const Json& object, const std::string& pointer, std::string_view key, bool required,
        std::string_view ifEmpty = {});

    /// Checks a number already found at `pointer` against the bounds.
    bool checkNumber(const Json& value, const std::string& pointer, std::optional<Bound> min, std::optional<Bound> max);

    /// " (did you mean 'x'?)"-style suffix naming the closest candidate, or "" when none is close.
    static std::string suggestion(std::string_view word, const std::vector<std::string_view>& candidates);
    static std::string describe(const Json& value); ///< "a string", "the number 2.5", ...
    static std::string formatNumber(double value);
    /// 'text' for a message: truncated, control characters replaced, so that document text stays readable.
    static std::string quoted(std::string_view text);

private:
    std::vector<ScenarioError> m_errors;
    /// Object pointer -> keys that appeared more than once in that object.
    std::unordered_map<std::string, std::vector<std::string>> m_duplicateKeys;
};

} // namespace faultline
