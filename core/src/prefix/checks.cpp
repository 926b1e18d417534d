// Validation of the registry's inputs, one table of length limits and one order of checks:
// empty, control bytes, length, grammar. Nothing here touches the database.
#include "prefix/checks.hpp"

#include <string>

#include "sqlink/limits.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink::prefix_detail {
namespace {


// The checks every kind of input shares; `named` is e.g. "prefix 'x'".
std::optional<Error> check_common(const std::string& named, std::string_view raw,
                                  std::size_t max_bytes) {
  if (raw.empty()) return Error::make(Errc::missing_argument, named + " is empty", raw);
  if (has_control_byte(raw)) {
    return Error::make(Errc::control_character, named + " contains a NUL or control byte", raw);
  }
  if (raw.size() > max_bytes) {
    return Error::make(Errc::too_long,
                       named + " is " + std::to_string(raw.size()) + " bytes; the limit is " +
                           std::to_string(max_bytes),
                       raw);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> check_prefix_name(std::string_view what, std::string_view name) {
  const std::string named = std::string(what) + " " + quoted(name);
  if (auto bad = check_common(named, name, limits::kMaxNameBytes)) return bad;
  if (!is_prefix_identifier(name)) {
    return Error::make(Errc::invalid_value,
                       named + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)", name);
  }
  return std::nullopt;
}

std::optional<Error> check_expansion(std::string_view expansion) {
  return check_common("expansion " + quoted(expansion), expansion, limits::kMaxNameBytes);
}

std::optional<Error> check_description(std::string_view description) {
  if (description.empty()) return std::nullopt;  // an empty description is just no text
  return check_common("description " + quoted(description), description, limits::kMaxDescBytes);
}

std::optional<Error> check_function_name(std::string_view name) {
  return check_common("function " + quoted(name), name, limits::kMaxNameBytes);
}

std::optional<Error> check_reference(std::string_view what, std::string_view raw) {
  return check_common(std::string(what) + " " + quoted(raw), raw, limits::kMaxNameBytes);
}

}  // namespace sqlink::prefix_detail
