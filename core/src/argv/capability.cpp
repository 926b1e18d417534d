// Capability names, sets and the grant check, all driven by SQLINK_CAPABILITY_TABLE.
// check_grants(granted, declared) is ok exactly when declared is a subset of granted.
#include <array>

#include "sqlink/argv.hpp"
#include "sqlink/capability.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

struct CapabilityInfo {
  Capability id;
  std::string_view name;
  std::string_view meaning;
};

constexpr std::array kCapabilities = {
#define SQLINK_X(id, name, meaning) CapabilityInfo{Capability::id, name, meaning},
    SQLINK_CAPABILITY_TABLE(SQLINK_X)
#undef SQLINK_X
};


}  // namespace

std::string_view capability_name(Capability c) noexcept {
  return kCapabilities[static_cast<std::size_t>(c)].name;
}

std::string_view capability_meaning(Capability c) noexcept {
  return kCapabilities[static_cast<std::size_t>(c)].meaning;
}

const std::vector<Capability>& all_capabilities() {
  static const std::vector<Capability> all = [] {
    std::vector<Capability> v;
    for (const auto& info : kCapabilities) v.push_back(info.id);
    return v;
  }();
  return all;
}

std::vector<Capability> CapabilitySet::members() const {
  std::vector<Capability> out;
  for (const auto& info : kCapabilities) {
    if (contains(info.id)) out.push_back(info.id);
  }
  return out;
}

Result<CapabilitySet> parse_capabilities(std::string_view list) {
  if (list.size() > limits::kMaxNameBytes) {
    return Error::make(Errc::too_long,
                       "capability list " + quoted(list) + " is longer than " +
                           std::to_string(limits::kMaxNameBytes) + " bytes",
                       list);
  }
  if (has_control_byte(list)) {
    return Error::make(Errc::control_character,
                       "capability list " + quoted(list) + " contains a control character", list);
  }
  CapabilitySet set;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    const std::string_view item =
        list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) {
      return Error::make(Errc::invalid_value,
                         "empty capability in " + quoted(list) + "; expected NAME[,NAME...]", list);
    }
    bool found = false;
    for (const auto& info : kCapabilities) {
      if (info.name == item) {
        set.insert(info.id);
        found = true;
      }
    }
    if (!found) {
      std::vector<std::string_view> names;
      for (const auto& info : kCapabilities) names.push_back(info.name);
      const auto suggestion = nearest(item, names);
      std::string known;
      for (const auto name : names) known += (known.empty() ? "" : ", ") + std::string(name);
      return Error::make(Errc::unknown_capability,
                         "unknown capability " + quoted(item) + "; known: " + known, item,
                         suggestion ? "did you mean '" + *suggestion + "'?" : std::string());
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return set;
}

std::string format_capabilities(const CapabilitySet& set) {
  std::string out;
  for (const Capability c : set.members()) {
    if (!out.empty()) out += ',';
    out += capability_name(c);
  }
  return out;
}

Result<void> check_grants(const CapabilitySet& granted, const CapabilitySet& declared) {
  if (declared.subset_of(granted)) return {};
  CapabilitySet missing;
  for (const Capability c : declared.members()) {
    if (!granted.contains(c)) missing.insert(c);
  }
  const std::string names = format_capabilities(missing);
  return Error::make(Errc::permission_denied,
                     "capabilities " + quoted(names) + " are declared but not granted", names,
                     "grant them with --grant=" + names);
}

}  // namespace sqlink
