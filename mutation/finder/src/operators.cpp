// The mutation operators by name, and which of them a run enables.
// Names come from operators.def so the table stays the single place that lists them.
#include "operators.hpp"

#include <algorithm>

namespace sqlink::finder {

bool matches_prefix(std::string_view name, std::string_view prefix) {
  if (prefix.empty() || name.substr(0, prefix.size()) != prefix) return false;
  return name.size() == prefix.size() || name[prefix.size()] == '.';
}

bool names_operators(std::string_view prefix) {
  return std::any_of(all_operator_names().begin(), all_operator_names().end(),
                     [&](const std::string& name) { return matches_prefix(name, prefix); });
}

const std::vector<std::string>& all_operator_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    auto add = [&out](const char* name) {
      if (std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
    };
#define BINARY(opcode, name, replacement) add(name);
#define BINARY_CONST(opcode, name, constant) add(name);
#define UNARY_REMOVE(opcode, name) add(name);
#define INCDEC(opcode, name, replacement) add(name);
#define OTHER(name) add(name);
#include "operators.def"
    return out;
  }();
  return names;
}

OperatorSet::OperatorSet() {
  for (const auto& name : all_operator_names())
    if (!matches_prefix(name, "block")) enabled_.push_back(name);
}

std::optional<std::string> OperatorSet::select(std::string_view list) {
  enabled_.clear();
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    if (!names_operators(item)) return std::string(item);
    enable_family(item);
  }
  return std::nullopt;
}

void OperatorSet::enable_family(std::string_view prefix) {
  for (const auto& name : all_operator_names())
    if (matches_prefix(name, prefix) && !enabled(name)) enabled_.push_back(name);
}

bool OperatorSet::enabled(std::string_view name) const {
  return std::find(enabled_.begin(), enabled_.end(), name) != enabled_.end();
}

bool OperatorSet::family_enabled(std::string_view family) const {
  return std::any_of(enabled_.begin(), enabled_.end(),
                     [&](const std::string& name) { return matches_prefix(name, family); });
}

}  // namespace sqlink::finder
