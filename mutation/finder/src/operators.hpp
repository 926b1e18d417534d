// The mutation operators by name, and which of them a run enables (--operators, --block-removal).
// The table itself is operators.def; this is the part that needs no Clang.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlink::finder {

// Every operator name, in table order, without duplicates.
const std::vector<std::string>& all_operator_names();

// Whether `prefix` names `name` or a family of it at a dot boundary ("rel", "rel.lt", "rel.lt.le").
bool matches_prefix(std::string_view name, std::string_view prefix);
// Whether some operator's name starts with `prefix` at a dot boundary.
bool names_operators(std::string_view prefix);

class OperatorSet {
 public:
  // The default set: every operator but the opt-in `block` family.
  OperatorSet();
  // `list` holds comma-separated prefixes at dot boundaries ("rel", "rel.lt", "arith.add.sub").
  // Returns the first prefix that names no operator, if any.
  std::optional<std::string> select(std::string_view list);
  void enable_family(std::string_view prefix);
  bool enabled(std::string_view name) const;
  bool family_enabled(std::string_view family) const;  // any operator of the family is on

 private:
  std::vector<std::string> enabled_;
};

}  // namespace sqlink::finder
