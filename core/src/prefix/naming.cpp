// The naming rules of prefixes: identifiers, qualified and fallback names, the synthetic
// declaration. Pure functions; every name they build is derived, never looked up.
#include <array>
#include <string>
#include <string_view>

#include "prefix/internal.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink {
namespace {

bool is_ident_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_ident_byte(char c) noexcept { return is_ident_start(c) || (c >= '0' && c <= '9'); }


struct KindInfo {
  NameKind kind;
  std::string_view noun;
};
constexpr std::array kKinds = {
    KindInfo{NameKind::function, "function"},
    KindInfo{NameKind::collation, "collation"},
    KindInfo{NameKind::module, "module"},
};

// Why a declared value was not used, for the warning; empty when it is usable.
std::string declared_problem(std::string_view symbol, std::optional<std::string_view> value,
                             bool (*valid)(std::string_view) noexcept) {
  if (!value) return "does not declare " + std::string(symbol);
  if (!valid(*value)) return "declares an invalid " + std::string(symbol) + " " + quoted(*value);
  return {};
}

}  // namespace

namespace prefix_detail {
std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
}  // namespace prefix_detail

NameKind kind_of_n_args(int n_args) noexcept {
  if (n_args == kCollationArgs) return NameKind::collation;
  if (n_args == kModuleArgs) return NameKind::module;
  return NameKind::function;
}

std::string_view name_kind_noun(NameKind kind) noexcept {
  for (const KindInfo& info : kKinds) {
    if (info.kind == kind) return info.noun;
  }
  return "name";
}

bool is_prefix_identifier(std::string_view text) noexcept {
  if (text.empty() || text.size() > limits::kMaxNameBytes || !is_ident_start(text.front())) {
    return false;
  }
  for (char c : text) {
    if (!is_ident_byte(c)) return false;
  }
  // prefix__name must split back into one (prefix, name) pair: with "a__b" or "a_" allowed,
  // a__b + c and a + b__c would both qualify as a__b__c and one would shadow the other.
  return text.find(kQualifierSeparator) == std::string_view::npos && text.back() != '_';
}

bool is_valid_expansion(std::string_view text) noexcept {
  return !text.empty() && text.size() <= limits::kMaxNameBytes && !has_control_byte(text);
}

std::string identifier_from(std::string_view name) {
  std::string out;
  // mutate: next-line call.void.remove, lit.int.zero: capacity only
  out.reserve(name.size() + 1);
  for (char c : name) {
    const char ident = is_ident_byte(c) ? c : '_';
    // Runs of '_' collapse and a trailing one goes, so the result is a valid prefix too.
    if (ident == '_' && !out.empty() && out.back() == '_') continue;
    out += ident;
  }
  if (!out.empty() && !is_ident_start(out.front())) out.insert(out.begin(), '_');
  // mutate: next-line rel.gt.ge: resizing to the size it has changes nothing
  if (out.size() > limits::kMaxNameBytes) out.resize(limits::kMaxNameBytes);
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "ext" : out;
}

std::string qualified_name(std::string_view prefix, std::string_view name) {
  std::string out(prefix);
  out += kQualifierSeparator;
  out += name;
  return out;
}

std::string fallback_name(std::string_view extension, std::string_view name, int attempt) {
  std::string out = identifier_from(extension) + "_" + std::string(name);
  if (attempt >= 2) out += "_" + std::to_string(attempt);
  return out;
}

std::string numbered_prefix(std::string_view preferred, int attempt) {
  std::string out(preferred);
  if (attempt >= 2) out += std::to_string(attempt);
  return out;
}

Declaration resolve_declaration(std::string_view extension_name,
                                std::optional<std::string_view> preferred_prefix,
                                std::optional<std::string_view> expansion) {
  const std::string prefix_problem =
      declared_problem("sqlink_preferred_prefix", preferred_prefix, is_prefix_identifier);
  const std::string expansion_problem =
      declared_problem("sqlink_prefix_expansion", expansion, is_valid_expansion);
  Declaration out;
  if (prefix_problem.empty() && expansion_problem.empty()) {
    out.preferred_prefix = std::string(*preferred_prefix);
    out.expansion = std::string(*expansion);
    return out;
  }
  // Both parts fall back together: a declared expansion paired with a made-up prefix (or the
  // reverse) would claim an identity the extension never stated as a whole.
  out.synthetic = true;
  out.preferred_prefix = identifier_from(extension_name);
  out.expansion = std::string(kSyntheticExpansionScheme) + std::string(extension_name);
  const std::string who = "extension " + quoted(extension_name) + " ";
  for (const std::string* problem : {&prefix_problem, &expansion_problem}) {
    if (!problem->empty()) out.warnings.push_back(who + *problem);
  }
  out.warnings.push_back(who + "gets the synthetic prefix " + quoted(out.preferred_prefix) +
                         " and expansion " + quoted(out.expansion));
  return out;
}

std::string_view verify_issue_name(VerifyIssue::Kind kind) noexcept {
  switch (kind) {
    case VerifyIssue::Kind::missing: return "missing";
    case VerifyIssue::Kind::unrecorded: return "unrecorded";
    case VerifyIssue::Kind::orphan_row: return "orphan_row";
    case VerifyIssue::Kind::dangling_pin: return "dangling_pin";
  }
  return "unknown";
}

}  // namespace sqlink
