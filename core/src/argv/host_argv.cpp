// The host command line: flags from flags.def, then an optional dot-command with its words.
// Parsing stops at the first non-flag word or at "--"; everything after is the command.
#include <array>
#include <string>

#include "sqlink/argv.hpp"
#include "sqlink/dotcmd.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

enum class FlagId {
#define SQLINK_FLAG(id, spelling, kind, expects, help) id,
#include "argv/flags.def"
#undef SQLINK_FLAG
};

enum class Kind { none, path, ref, caps };

struct Flag {
  FlagId id;
  std::string_view spelling;
  Kind kind;
  std::string_view expects;
  std::string_view help;
};

constexpr std::array kFlags = {
#define SQLINK_FLAG(id, spelling, kind, expects, help) Flag{FlagId::id, spelling, Kind::kind, expects, help},
#include "argv/flags.def"
#undef SQLINK_FLAG
};

const Flag& flag(FlagId id) { return kFlags[static_cast<std::size_t>(id)]; }

std::string arg_text(FlagId id, std::string_view value) {
  return std::string(flag(id).spelling) + "=" + std::string(value);
}


// Checks a flag's value against its kind's limits (paths and refs: non-empty, bounded,
// control-free). Capability lists are checked by parse_capabilities.
Result<void> check_value(const Flag& f, std::string_view value) {
  const std::size_t limit = f.kind == Kind::path ? limits::kMaxPathBytes : limits::kMaxNameBytes;
  if (value.size() > limit) {
    return Error::make(Errc::too_long,
                       std::string(f.spelling) + " value " + quoted(value) + " is longer than " +
                           std::to_string(limit) + " bytes",
                       value);
  }
  if (has_control_byte(value)) {
    return Error::make(Errc::control_character,
                       std::string(f.spelling) + " value " + quoted(value) +
                           " contains a control character",
                       value);
  }
  return {};
}

Error missing_value(const Flag& f, std::string_view got) {
  std::string message = std::string(f.spelling) + " expects " + std::string(f.expects);
  std::string hint;
  if (!got.empty()) {
    message += ", got " + quoted(got);
    hint = "write " + std::string(f.spelling) + "=VALUE for a value that starts with '-'";
  }
  return Error::make(Errc::missing_value, std::move(message), got.empty() ? f.spelling : got,
                     std::move(hint));
}

Error unknown_flag(std::string_view word) {
  const std::string_view name = word.substr(0, word.find('='));
  std::vector<std::string_view> spellings;
  for (const auto& f : kFlags) spellings.push_back(f.spelling);
  const auto suggestion = nearest(name, spellings);
  return Error::make(Errc::unknown_flag, "unknown flag " + quoted(name), name,
                     suggestion ? "did you mean '" + *suggestion + "'?" : "see sqlink --help");
}

Result<void> apply(HostArgs& out, const Flag& f, std::string_view value) {
  switch (f.kind) {
    case Kind::none:
      if (f.id == FlagId::json) out.json = true;
      if (f.id == FlagId::check) out.check = true;
      if (f.id == FlagId::help) out.help = true;
      if (f.id == FlagId::version) out.version = true;
      return {};
    case Kind::path:
      if (auto ok = check_value(f, value); !ok) return ok;
      (f.id == FlagId::db ? out.db : out.cache_dir) = std::string(value);
      return {};
    case Kind::ref: {
      if (auto ok = check_value(f, value); !ok) return ok;
      const BundleMode mode = f.id == FlagId::bundle_baked  ? BundleMode::baked
                              : f.id == FlagId::bundle_load ? BundleMode::load
                                                            : BundleMode::automatic;
      out.bundle = BundleRef{mode, std::string(value)};  // the last bundle flag wins
      return {};
    }
    case Kind::caps: {
      auto caps = parse_capabilities(value);
      if (!caps) return std::move(caps).error();
      for (const Capability c : caps->members()) out.grants.insert(c);
      return {};
    }
  }
  return {};
}

}  // namespace

std::string_view bundle_mode_flag(BundleMode mode) noexcept {
  switch (mode) {
    case BundleMode::baked: return flag(FlagId::bundle_baked).spelling;
    case BundleMode::load: return flag(FlagId::bundle_load).spelling;
    case BundleMode::automatic: break;
  }
  return flag(FlagId::bundle).spelling;
}

Result<HostArgs> parse_host_argv(std::span<const std::string> args) {
  if (args.size() > limits::kMaxArgs) {
    const std::string count = std::to_string(args.size());
    return Error::make(Errc::too_long,
                       "too many arguments (" + count + "; at most " +
                           std::to_string(limits::kMaxArgs) + ")",
                       count);
  }
  HostArgs out;
  std::size_t i = 0;
  // mutate: next-line rel.lt.ne: i steps by one, and the body skips a value only when i + 1 < args.size()
  for (; i < args.size(); ++i) {
    const std::string_view word = args[i];
    if (word == "--") {
      ++i;
      break;
    }
    if (word.size() < 2 || word[0] != '-') break;  // the dot-command starts here
    const std::string_view spelling = word == "-h" ? "--help" : word.substr(0, word.find('='));
    const Flag* found = nullptr;
    for (const auto& f : kFlags) {
      if (f.spelling == spelling) found = &f;
    }
    if (!found) return unknown_flag(word);
    const bool inline_value = word.find('=') != std::string_view::npos;
    std::string_view value;
    if (found->kind == Kind::none) {
      if (inline_value) {
        return Error::make(Errc::unexpected_value,
                           std::string(found->spelling) + " takes no value, got " + quoted(word),
                           word);
      }
    } else if (inline_value) {
      value = word.substr(word.find('=') + 1);
      if (value.empty()) return missing_value(*found, {});
    } else {
      // A following flag-like word is a forgotten value, not a value: "--bundle --json".
      // mutate: next-line rel.ge.eq: inside the loop i < args.size(), so i + 1 never exceeds it
      if (i + 1 >= args.size()) return missing_value(*found, {});
      const std::string_view next = args[i + 1];
      if (next.empty()) return missing_value(*found, {});
      // mutate: next-line rel.gt.ne: next is not empty here (checked just above), so > 1 and != 1 agree
      if (next.size() > 1 && next[0] == '-') return missing_value(*found, next);
      value = next;
      ++i;
    }
    if (auto ok = apply(out, *found, value); !ok) return ok.error();
  }
  out.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (!out.command.empty() && (out.command[0].empty() || out.command[0][0] != '.')) {
    const std::string& word = out.command[0];
    return Error::make(Errc::unknown_command,
                       "expected a dot-command such as .load or .bundle, got " + quoted(word), word,
                       "see sqlink --help");
  }
  return out;
}

Result<HostArgs> parse_host_argv(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i] ? argv[i] : "");
  return parse_host_argv(std::span<const std::string>(args));
}

std::vector<std::string> format_host_argv(const HostArgs& args) {
  std::vector<std::string> out;
  if (args.help) out.emplace_back(flag(FlagId::help).spelling);
  if (args.version) out.emplace_back(flag(FlagId::version).spelling);
  if (args.db) out.push_back(arg_text(FlagId::db, *args.db));
  if (args.cache_dir) out.push_back(arg_text(FlagId::cache_dir, *args.cache_dir));
  if (args.bundle) {
    out.push_back(std::string(bundle_mode_flag(args.bundle->mode)) + "=" + args.bundle->ref);
  }
  if (!args.grants.empty()) out.push_back(arg_text(FlagId::grant, format_capabilities(args.grants)));
  if (args.check) out.emplace_back(flag(FlagId::check).spelling);
  if (args.json) out.emplace_back(flag(FlagId::json).spelling);
  out.insert(out.end(), args.command.begin(), args.command.end());
  return out;
}

std::string host_usage() {
  std::string text =
      "usage: sqlink [--db PATH] [--cache-dir PATH] [--bundle|--bundle-baked|--bundle-load REF]\n"
      "              [--grant CAP[,CAP...]] [--check] [--json] [--] [DOTCMD ARGS...]\n\nflags:\n";
  for (const auto& f : kFlags) {
    std::string left = "  " + std::string(f.spelling);
    if (f.kind != Kind::none) {
      // "a NAME or HASH-PREFIX" -> "NAME|HASH-PREFIX" style metavar without the article.
      std::string metavar(f.expects.substr(f.expects.find(' ') + 1));
      if (const auto pos = metavar.find(" or "); pos != std::string::npos) metavar.replace(pos, 4, "|");
      if (const auto pos = metavar.find(" list"); pos != std::string::npos) metavar.erase(pos);
      left += " " + metavar;
    }
    // mutate: next-line rel.lt.le, rel.lt.ne: no flag column of kFlags reaches 34 bytes (the longest, "  --bundle-baked NAME|HASH-PREFIX", is 33)
    if (left.size() < 34) left.resize(34, ' ');
    else left += "  ";
    text += left + std::string(f.help) + "\n";
  }
  text += "\ncapabilities:\n";
  for (const Capability c : all_capabilities()) {
    std::string left = "  " + std::string(capability_name(c));
    left.resize(34, ' ');
    text += left + std::string(capability_meaning(c)) + "\n";
  }
  text += "\n" + dot_usage();
  text += "\nexit codes: 0 ok, 1 operation failed, 2 usage error\n";
  return text;
}

}  // namespace sqlink
