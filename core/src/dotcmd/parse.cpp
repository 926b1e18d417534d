// The dot-command grammar: one table of commands with their arguments and flags, and the
// parser that walks it. Each value codec keeps a parser next to its canonical printer.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "dotcmd/internal.hpp"
#include "sqlink/argv.hpp"
#include "sqlink/capability.hpp"
#include "sqlink/dotcmd.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/prefix.hpp"
#include "sqlink/units.hpp"

namespace sqlink {
namespace dotcmd {
namespace {

// ---- value codecs: parse(word, name) and format(value) with parse(format(v)) == v

template <class T>
Result<T> in_context(Result<T> result, std::string_view name) {
  if (result) return result;
  Error e = std::move(result).error();
  e.message = std::string(name) + ": " + e.message;
  return e;
}

struct TextRules {
  std::size_t max_bytes;
  bool allow_empty;
  bool allow_dash;  // a leading '-' (reachable only after "--"): paths yes, names never
};

// Control characters were rejected for every word before any codec runs.
Result<std::string> check_text(std::string_view word, std::string_view name, TextRules rules) {
  if (word.empty() && !rules.allow_empty) {
    return Error::make(Errc::invalid_value, std::string(name) + " must not be empty: " + quoted(word), word);
  }
  if (word.size() > rules.max_bytes) {
    return Error::make(Errc::too_long,
                       std::string(name) + " of " + std::to_string(word.size()) +
                           " bytes is too long (at most " + std::to_string(rules.max_bytes) +
                           "): " + quoted(word),
                       word);
  }
  if (!rules.allow_dash && word.starts_with('-')) {
    return Error::make(Errc::invalid_value, std::string(name) + " must not start with '-': " + quoted(word),
                       word);
  }
  return std::string(word);
}

// ASCII only: grammars must not change with the locale.
bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_alpha(char c) noexcept { return is_lower(c) || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

struct StringFormat {
  static std::string format(const std::string& value) { return value; }
};

// Bundle names, refs, aliases, extension and function names, prefix expansions, help topics.
struct NameCodec : StringFormat {
  static Result<std::string> parse(std::string_view word, std::string_view name) {
    return check_text(word, name, {limits::kMaxNameBytes, false, false});
  }
};

// A prefix: the registry's own rule (prefix.hpp), so the grammar and the registry agree.
struct IdentifierCodec : StringFormat {
  static Result<std::string> parse(std::string_view word, std::string_view name) {
    auto text = NameCodec::parse(word, name);
    if (!text) return text;
    if (!is_prefix_identifier(word)) {
      return Error::make(Errc::invalid_value,
                         std::string(name) + " " + quoted(word) +
                             " is not a prefix ([A-Za-z_][A-Za-z0-9_]*, without '__' or a trailing '_')",
                         word);
    }
    return text;
  }
};

// Free text such as a prefix description.
struct DescriptionCodec : StringFormat {
  static Result<std::string> parse(std::string_view word, std::string_view name) {
    return check_text(word, name, {limits::kMaxDescBytes, true, true});
  }
};

struct PathCodec : StringFormat {
  static Result<std::string> parse(std::string_view word, std::string_view name) {
    return check_text(word, name, {limits::kMaxPathBytes, false, true});
  }
};

// PATH|URI of .load.
struct TargetCodec {
  static Result<LoadTarget> parse(std::string_view word, std::string_view name) {
    auto text = PathCodec::parse(word, name);
    if (!text) return std::move(text).error();
    const auto colon = word.find(':');
    const auto scheme_char = [](char c) {
      return is_alpha(c) || is_digit(c) || c == '+' || c == '.' || c == '-';
    };
    if (colon == std::string_view::npos || colon < 2 ||
        !std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(colon), scheme_char)) {
      return LoadTarget{LoadTarget::Kind::path, {}, std::move(*text)};
    }

    LoadTarget target{LoadTarget::Kind::uri, std::string(word.substr(0, colon)), {}};
    std::ranges::transform(target.scheme, target.scheme.begin(), lower);
    const std::string_view rest = word.substr(colon + 1);
    target.text = target.scheme + ":" + std::string(rest);
    if (target.scheme == "sha256" || target.scheme == "digest") {
      if (rest.size() != 64 || !std::ranges::all_of(rest, is_hex)) {
        return Error::make(Errc::invalid_value,
                           std::string(name) + " " + quoted(word) + " is not " + target.scheme +
                               ": followed by 64 hex digits",
                           word);
      }
      std::ranges::transform(target.text, target.text.begin(), lower);
    } else if (target.scheme == "file" || target.scheme == "https") {
      if (rest.empty()) {
        return Error::make(Errc::invalid_value,
                           std::string(name) + " " + quoted(word) + " has nothing after the scheme", word);
      }
    } else {
      return Error::make(Errc::invalid_value,
                         "unsupported URI scheme " + quoted(target.scheme) + " in " + quoted(word) +
                             "; expected one of https, file, sha256, digest",
                         word,
                         "to load a file whose name contains ':', write " + quoted("./" + std::string(word)));
    }
    return target;
  }
  static std::string format(const LoadTarget& target) { return target.text; }
};

struct SizeCodec {
  static constexpr std::string_view metavar = "SIZE";
  static constexpr std::string_view expects = "a SIZE (512, 64k, 1M, 1G)";
  static Result<std::uint64_t> parse(std::string_view word, std::string_view name) {
    return in_context(parse_size(word), name);
  }
  static std::string format(std::uint64_t bytes) { return format_size(bytes); }
};

struct DurationCodec {
  static constexpr std::string_view metavar = "DURATION";
  static constexpr std::string_view expects = "a DURATION (30s, 15m, 2h, 7d)";
  static Result<std::chrono::seconds> parse(std::string_view word, std::string_view name) {
    return in_context(parse_duration(word), name);
  }
  static std::string format(std::chrono::seconds d) { return format_duration(d); }
};

struct CountCodec {
  static constexpr std::string_view metavar = "N";
  static constexpr std::string_view expects = "a count N (0, 1, 2, ...)";
  static Result<std::uint64_t> parse(std::string_view word, std::string_view name) {
    if (word.empty() || !std::ranges::all_of(word, is_digit)) {
      return Error::make(Errc::invalid_value,
                         std::string(name) + " expects a non-negative decimal count, got " + quoted(word),
                         word);
    }
    // mutate: next-line lit.int.one: from_chars overwrites n whenever it succeeds, and n is not read when it fails
    std::uint64_t n = 0;
    if (std::from_chars(word.data(), word.data() + word.size(), n).ec != std::errc{}) {
      return Error::make(Errc::out_of_range, std::string(name) + " count " + quoted(word) + " is too large",
                         word);
    }
    return n;
  }
  static std::string format(std::uint64_t n) { return std::to_string(n); }
};

struct CapabilitiesCodec {
  static constexpr std::string_view metavar = "CAP[,CAP...]";
#define SQLINK_X(id, name, meaning) " " name
  static constexpr std::string_view expects =
      "a list CAP[,CAP...] where CAP is one of" SQLINK_CAPABILITY_TABLE(SQLINK_X);
#undef SQLINK_X
  static Result<CapabilitySet> parse(std::string_view word, std::string_view name) {
    return in_context(parse_capabilities(word), name);
  }
  static std::string format(const CapabilitySet& set) { return format_capabilities(set); }
};

struct TrustCodec {
  static constexpr std::string_view metavar = "manifest|stored|prompt";
  static constexpr std::string_view expects = "one of manifest, stored, prompt";
  static Result<Trust> parse(std::string_view word, std::string_view name) {
    // mutate: next-line rel.lt.ne: i steps by one from 0
    for (std::size_t i = 0; i < std::size(kTrustNames); ++i) {
      if (word == kTrustNames[i]) return static_cast<Trust>(i);
    }
    const auto guess = nearest(word, kTrustNames);
    return Error::make(Errc::invalid_value,
                       std::string(name) + " expects " + std::string(expects) + ", got " + quoted(word), word,
                       guess ? "did you mean " + quoted(*guess) + "?" : std::string());
  }
  static std::string format(Trust t) { return std::string(trust_name(t)); }
};

struct TripleCodec : StringFormat {
  static constexpr std::string_view metavar = "TRIPLE";
  static constexpr std::string_view expects = "a target TRIPLE such as x86_64-unknown-linux-gnu";
  static Result<std::string> parse(std::string_view word, std::string_view name) {
    // mutate: next-line lit.bool.true: a triple is only ever a flag value, and parse_flag reports an empty value as missing before any codec runs
    auto text = check_text(word, name, {limits::kMaxTripleBytes, false, true});
    if (!text) return text;
    const auto ok = [](char c) { return is_lower(c) || is_digit(c) || c == '_' || c == '-'; };
    if (!std::ranges::all_of(word, ok)) {
      return Error::make(Errc::invalid_value,
                         std::string(name) + " " + quoted(word) + " is not a target triple ([a-z0-9_-]+)",
                         word);
    }
    return text;
  }
};

// A flag without a value; present means true.
struct SwitchCodec {
  static constexpr std::string_view metavar = "";
  static constexpr std::string_view expects = "";
  static Result<bool> parse(std::string_view, std::string_view) { return true; }
  static std::string format(bool) { return {}; }
};

// ---- binding codecs to members of the command structs

template <class>
struct MemberOf;
template <class C, class M>
struct MemberOf<M C::*> {
  using Class = C;
  using Type = M;
};
template <auto Member>
using ClassOf = typename MemberOf<decltype(Member)>::Class;
template <auto Member>
using TypeOf = typename MemberOf<decltype(Member)>::Type;

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T, std::size_t I = 0>
constexpr std::size_t index_in_command() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, DotCommand>, T>) {
    return I;
  } else {
    return index_in_command<T, I + 1>();
  }
}

template <auto Member, class Codec>
Result<void> set_member(DotCommand& command, std::string_view word, std::string_view name) {
  auto value = Codec::parse(word, name);
  if (!value) return std::move(value).error();
  auto& slot = std::get<ClassOf<Member>>(command).*Member;
  if constexpr (std::is_same_v<TypeOf<Member>, CapabilitySet>) {
    for (const Capability c : value->members()) slot.insert(c);  // --grant adds up
  } else {
    slot = std::move(*value);
  }
  return {};
}

template <auto Member, class Codec>
std::optional<std::string> member_text(const DotCommand& command) {
  const auto& slot = std::get<ClassOf<Member>>(command).*Member;
  using T = TypeOf<Member>;
  if constexpr (IsOptional<T>::value) {
    if (!slot) return std::nullopt;
    return Codec::format(*slot);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!slot) return std::nullopt;
    return Codec::format(slot);
  } else if constexpr (std::is_same_v<T, CapabilitySet>) {
    if (slot.empty()) return std::nullopt;
    return Codec::format(slot);
  } else {
    return Codec::format(slot);
  }
}

enum class Presence { required, optional };

template <auto Member, class Codec>
constexpr Field arg(std::string_view metavar, Presence presence = Presence::required) {
  return {.name = metavar,
          .metavar = metavar,
          .optional = presence == Presence::optional,
          .set = &set_member<Member, Codec>,
          .text = &member_text<Member, Codec>,
          .owner = index_in_command<ClassOf<Member>>()};
}

template <auto Member, class Codec>
constexpr Field flag(std::string_view name, std::string_view help) {
  return {.name = name,
          .metavar = Codec::metavar,
          .expects = Codec::expects,
          .help = help,
          .set = &set_member<Member, Codec>,
          .text = &member_text<Member, Codec>,
          .owner = index_in_command<ClassOf<Member>>()};
}

template <class T>
DotCommand make_command() {
  return DotCommand(std::in_place_type<T>);
}

template <class T>
constexpr CommandSpec command(std::string_view name, std::string_view summary,
                              std::span<const Field> args = {}, std::span<const Field> flags = {},
                              bool needs_a_flag = false) {
  return {name, summary, args, flags, needs_a_flag, index_in_command<T>(), &make_command<T>};
}

// ---- the table

constexpr Field kLoadArgs[] = {arg<&LoadCommand::target, TargetCodec>("PATH|URI")};
constexpr Field kLoadFlags[] = {
    flag<&LoadCommand::grants, CapabilitiesCodec>("--grant", "capabilities to grant; repeated flags add up"),
    flag<&LoadCommand::trust, TrustCodec>("--trust", "what vouches for the artifact"),
    flag<&LoadCommand::mem, SizeCodec>("--mem", "memory limit while loading"),
    flag<&LoadCommand::timeout, DurationCodec>("--timeout", "time limit while loading"),
};

constexpr Field kBundleSaveArgs[] = {arg<&BundleSave::name, NameCodec>("NAME")};
constexpr Field kBundleSaveFlags[] = {
    flag<&BundleSave::no_build, SwitchCodec>("--no-build", "do not build a baked binary"),
};
constexpr Field kBundleBuildArgs[] = {arg<&BundleBuild::name, NameCodec>("NAME")};
constexpr Field kBundleBuildFlags[] = {
    flag<&BundleBuild::target, TripleCodec>("--target", "target triple to build for (default: this host)"),
};
constexpr Field kBundleShowArgs[] = {arg<&BundleShow::ref, NameCodec>("NAME|HASH-PREFIX")};
constexpr Field kBundleDeleteArgs[] = {arg<&BundleDelete::name, NameCodec>("NAME")};
constexpr Field kBundleAliasArgs[] = {arg<&BundleAlias::old_name, NameCodec>("OLD"),
                                      arg<&BundleAlias::new_name, NameCodec>("NEW")};
constexpr Field kBundleUnaliasArgs[] = {arg<&BundleUnalias::name, NameCodec>("NAME")};
constexpr Field kBundleGcFlags[] = {
    flag<&BundleGc::keep, CountCodec>("--keep", "keep the N most recently used bundles"),
    flag<&BundleGc::older_than, DurationCodec>("--older-than", "remove bundles unused for this long"),
};

constexpr Field kPrefixAddArgs[] = {
    arg<&PrefixAdd::name, IdentifierCodec>("NAME"), arg<&PrefixAdd::expansion, NameCodec>("EXPANSION"),
    arg<&PrefixAdd::description, DescriptionCodec>("DESC", Presence::optional)};
constexpr Field kPrefixFunctionsArgs[] = {arg<&PrefixFunctions::name, IdentifierCodec>("NAME")};
constexpr Field kPrefixExpansionArgs[] = {arg<&PrefixExpansion::name, IdentifierCodec>("NAME")};
constexpr Field kPrefixRenameArgs[] = {arg<&PrefixRename::old_name, IdentifierCodec>("OLD"),
                                       arg<&PrefixRename::new_name, IdentifierCodec>("NEW")};
constexpr Field kPrefixDeleteArgs[] = {arg<&PrefixDelete::name, IdentifierCodec>("NAME")};
constexpr Field kPrefixPreferArgs[] = {arg<&PrefixPrefer::function, NameCodec>("FUNC"),
                                       arg<&PrefixPrefer::extension, NameCodec>("EXT")};
constexpr Field kPrefixUnpreferArgs[] = {arg<&PrefixUnprefer::function, NameCodec>("FUNC")};

constexpr Field kCacheEvictArgs[] = {arg<&CacheEvict::bytes, SizeCodec>("SIZE")};
constexpr Field kCacheExportArgs[] = {arg<&CacheExport::path, PathCodec>("PATH")};
constexpr Field kCacheImportArgs[] = {arg<&CacheImport::path, PathCodec>("PATH")};

constexpr Field kHelpArgs[] = {arg<&HelpCommand::topic, NameCodec>("TOPIC", Presence::optional)};
constexpr Field kReadArgs[] = {arg<&ReadCommand::path, PathCodec>("PATH")};

constexpr CommandSpec kCommands[] = {
    command<LoadCommand>(".load", "load an extension from a path or a file:, https:, sha256: or digest: URI",
                         kLoadArgs, kLoadFlags),
    command<BundleSave>(".bundle save", "save the loaded extensions as a bundle", kBundleSaveArgs,
                        kBundleSaveFlags),
    command<BundleBuild>(".bundle build", "build a baked binary of a bundle", kBundleBuildArgs,
                         kBundleBuildFlags),
    command<BundleList>(".bundle list", "list bundles"),
    command<BundleShow>(".bundle show", "show a bundle's members and binaries", kBundleShowArgs),
    command<BundleDelete>(".bundle delete", "delete a bundle", kBundleDeleteArgs),
    command<BundleAlias>(".bundle alias", "give the bundle OLD another name NEW", kBundleAliasArgs),
    command<BundleUnalias>(".bundle unalias", "remove a bundle alias", kBundleUnaliasArgs),
    command<BundleGc>(".bundle gc", "remove unused bundles", {}, kBundleGcFlags, true),
    command<PrefixAdd>(".prefix add", "bind a prefix to an expansion", kPrefixAddArgs),
    command<PrefixList>(".prefix list", "list prefixes"),
    command<PrefixFunctions>(".prefix functions", "list the functions registered under a prefix",
                             kPrefixFunctionsArgs),
    command<PrefixExpansion>(".prefix expansion", "print the expansion a prefix is bound to",
                             kPrefixExpansionArgs),
    command<PrefixRename>(".prefix rename", "rename a prefix", kPrefixRenameArgs),
    command<PrefixDelete>(".prefix delete", "delete a prefix", kPrefixDeleteArgs),
    command<PrefixPrefer>(".prefix prefer", "bind the bare function name FUNC to extension EXT",
                          kPrefixPreferArgs),
    command<PrefixUnprefer>(".prefix unprefer", "drop the preference for FUNC", kPrefixUnpreferArgs),
    command<PrefixConflicts>(".prefix conflicts", "list bare names claimed by several extensions"),
    command<PrefixVerify>(".prefix verify", "check the prefix tables for consistency"),
    command<CacheList>(".cache list", "list cached artifacts"),
    command<CacheStats>(".cache stats", "print cache statistics"),
    command<CacheGc>(".cache gc", "remove artifacts no bundle references"),
    command<CacheEvict>(".cache evict", "evict least recently used artifacts until the cache holds at most SIZE",
                        kCacheEvictArgs),
    command<CacheExport>(".cache export", "export the cache with its bundles and aliases", kCacheExportArgs),
    command<CacheImport>(".cache import", "merge an exported cache into this one", kCacheImportArgs),
    command<CacheVerify>(".cache verify", "re-hash every artifact"),
    command<CacheDoctor>(".cache doctor", "compare the cache schema with the expected one (read-only)"),
    command<HelpCommand>(".help", "show this help, or the help of one command group", kHelpArgs),
    command<ReadCommand>(".read", "run the dot-commands in a script file, one per line", kReadArgs),
};

// The printer finds a command's spec by variant index, and each member accessor assumes its
// struct is the one the parser made.
constexpr bool table_matches_variant() {
  if (std::size(kCommands) != std::variant_size_v<DotCommand>) return false;
  for (std::size_t i = 0; i < std::size(kCommands); ++i) {
    if (kCommands[i].index != i) return false;
    for (const Field& f : kCommands[i].args) {
      if (f.owner != i) return false;
    }
    for (const Field& f : kCommands[i].flags) {
      if (f.owner != i) return false;
    }
  }
  return true;
}
static_assert(table_matches_variant(), "kCommands must list DotCommand's alternatives in order");

// ---- the parser

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string fallback = {}) {
  const auto guess = nearest(word, candidates);
  return guess ? "did you mean " + quoted(*guess) + "?" : fallback;
}

std::string join(std::span<const std::string_view> items) {
  std::string out;
  for (const std::string_view item : items) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

std::vector<std::string_view> flag_names(const CommandSpec& spec) {
  std::vector<std::string_view> names;
  for (const Field& f : spec.flags) names.push_back(f.name);
  return names;
}

Error no_command(std::string_view line) {
  return Error::make(Errc::missing_argument, "no dot-command in " + quoted(line), line, "try '.help'");
}

struct Found {
  const CommandSpec* spec;
  std::size_t words_used;
};

Result<Found> find_command(std::span<const std::string> words) {
  const std::string_view group = words[0];
  std::vector<std::string_view> groups;
  for (const CommandSpec& spec : kCommands) {
    if (groups.empty() || groups.back() != spec.group()) groups.push_back(spec.group());
  }
  if (std::ranges::find(groups, group) == groups.end()) {
    return Error::make(Errc::unknown_command, "unknown command " + quoted(group), group,
                       did_you_mean(group, groups, "try '.help'"));
  }

  std::vector<std::string_view> subs;
  for (const CommandSpec& spec : kCommands) {
    if (spec.group() != group) continue;
    if (spec.sub().empty()) return Found{&spec, 1};
    subs.push_back(spec.sub());
  }
  if (words.size() < 2) {
    return Error::make(Errc::missing_argument, quoted(group) + " needs a subcommand: " + join(subs), group,
                       "see '.help " + std::string(group) + "'");
  }
  const std::string_view sub = words[1];
  for (const CommandSpec& spec : kCommands) {
    if (spec.group() == group && spec.sub() == sub) return Found{&spec, 2};
  }
  return Error::make(
      Errc::unknown_command,
      "unknown subcommand " + quoted(sub) + " of " + quoted(group) + "; expected one of " + join(subs), sub,
      did_you_mean(sub, subs));
}

// Parses the flag at words[i]; advances i past a value given as the next word.
Result<void> parse_flag(const CommandSpec& spec, DotCommand& command, std::span<const std::string> words,
                        std::size_t& i) {
  const std::string_view word = words[i];
  const auto eq = word.find('=');
  const std::string_view name = word.substr(0, eq);
  const auto field = std::ranges::find(spec.flags, name, &Field::name);
  if (field == spec.flags.end()) {
    const std::string fallback =
        spec.args.empty() ? "" : "write '--' before an argument that starts with '-'";
    return Error::make(Errc::unknown_flag, "unknown flag " + quoted(name) + " for " + quoted(spec.name), name,
                       did_you_mean(name, flag_names(spec), fallback));
  }
  if (field->is_switch()) {
    if (eq != std::string_view::npos) {
      return Error::make(Errc::unexpected_value, quoted(name) + " takes no value, got " + quoted(word), word);
    }
    return field->set(command, {}, name);
  }

  std::string_view value;
  bool dash_next = false;
  if (eq != std::string_view::npos) {
    value = word.substr(eq + 1);
  // mutate: next-line rel.lt.ne: i < words.size() here, so i + 1 never exceeds it
  } else if (i + 1 < words.size() && !words[i + 1].starts_with('-')) {
    value = words[++i];
  } else {
    // mutate: next-line rel.lt.ne: i < words.size() here, so i + 1 never exceeds it
    dash_next = i + 1 < words.size();
  }
  if (value.empty()) {
    return Error::make(
        Errc::missing_value, quoted(name) + " expects " + std::string(field->expects), name,
        dash_next ? "write " + std::string(name) + "=VALUE for a value that starts with '-'" : std::string());
  }
  return field->set(command, value, name);
}

Result<DotCommand> parse_arguments(const CommandSpec& spec, std::span<const std::string> words) {
  DotCommand command = spec.make();
  std::size_t given = 0;
  bool flags_ended = false;
  bool any_flag = false;
  // mutate: next-line rel.lt.ne: i steps by one, and parse_flag skips a value word only when i + 1 < words.size()
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (!flags_ended && word == "--") {
      flags_ended = true;
      continue;
    }
    if (!flags_ended && word.starts_with('-')) {
      if (auto r = parse_flag(spec, command, words, i); !r) return r.error();
      any_flag = true;
      continue;
    }
    if (given == spec.args.size()) {
      return Error::make(Errc::extra_argument,
                         "unexpected argument " + quoted(word) + " for " + quoted(spec.name), word,
                         "usage: " + synopsis(spec));
    }
    const Field& field = spec.args[given++];
    if (auto r = field.set(command, word, field.name); !r) return r.error();
  }

  std::string missing;
  for (const Field& field : spec.args.subspan(given)) {
    if (!field.optional) missing += " " + std::string(field.name);
  }
  if (!missing.empty()) {
    return Error::make(Errc::missing_argument, quoted(spec.name) + " is missing" + missing, spec.name,
                       "usage: " + synopsis(spec));
  }
  if (spec.needs_a_flag && !any_flag) {
    return Error::make(Errc::missing_argument,
                       quoted(spec.name) + " needs at least one of " + join(flag_names(spec)), spec.name,
                       "usage: " + synopsis(spec));
  }
  return command;
}

}  // namespace

std::span<const CommandSpec> command_table() noexcept { return kCommands; }

}  // namespace dotcmd

Result<DotCommand> parse_dot_words(std::span<const std::string> words) {
  if (words.empty()) return dotcmd::no_command({});
  if (words.size() > limits::kMaxTokens) {
    return Error::make(
        Errc::too_long,
        "more than " + std::to_string(limits::kMaxTokens) + " words, starting with " + quoted(words[0]),
        words[0]);
  }
  for (const std::string& word : words) {
    if (const auto pos = dotcmd::find_control(word); pos != std::string::npos)
      return dotcmd::control_error(word, pos);
  }
  auto found = dotcmd::find_command(words);
  if (!found) return std::move(found).error();
  return dotcmd::parse_arguments(*found->spec, words.subspan(found->words_used));
}

Result<DotCommand> parse_dot_line(std::string_view line) {
  auto words = tokenize_line(line);
  if (!words) return std::move(words).error();
  if (words->empty()) return dotcmd::no_command(line);
  return parse_dot_words(*words);
}

}  // namespace sqlink
