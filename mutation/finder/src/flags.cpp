// Command-line flags of sqlink-mutate-points: one table (flags.def), one parser, one help text.
#include "flags.hpp"

#include <cstring>
#include <string_view>

namespace sqlink::finder {
namespace {

enum class Kind { Value, List, Switch };

struct FlagSpec {
  const char* spelling;
  const char* metavar;
  Kind kind;
  const char* help;
  void (*store)(Flags&, std::string value);
};

void store_value(std::optional<std::string>& slot, std::string value) { slot = std::move(value); }
void store_value(std::vector<std::string>& slot, std::string value) {
  slot.push_back(std::move(value));
}
void store_value(bool& slot, std::string) { slot = true; }

const FlagSpec kFlags[] = {
#define FLAG(member, spelling, metavar, kind, help) \
  {spelling, metavar, Kind::kind, help,             \
   [](Flags& f, std::string v) { store_value(f.member, std::move(v)); }},
#include "flags.def"
#undef FLAG
};

}  // namespace

std::optional<FlagError> parse_flags(int argc, const char* const* argv, Flags& flags) {
  bool positional_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (positional_only || arg.size() < 2 || arg[0] != '-') {
      flags.translation_units.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      positional_only = true;
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    for (const auto& candidate : kFlags) {
      std::string_view spelling = candidate.spelling;
      if (arg == spelling) {
        spec = &candidate;
        break;
      }
      if (candidate.kind == Kind::Switch || arg.substr(0, spelling.size()) != spelling) continue;
      std::string_view rest = arg.substr(spelling.size());
      if (rest[0] == '=') {
        spec = &candidate;
        inline_value = std::string(rest.substr(1));
        break;
      }
      if (spelling.size() == 2) {  // short flags take their value glued on: -pDIR
        spec = &candidate;
        inline_value = std::string(rest);
        break;
      }
    }
    if (!spec) return FlagError{std::string(arg), "unknown flag"};
    if (spec->kind == Kind::Switch) {
      spec->store(flags, {});
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) return FlagError{std::string(arg), "needs a value"};
      inline_value = argv[++i];
    }
    if (inline_value->empty()) return FlagError{std::string(arg), "needs a non-empty value"};
    spec->store(flags, std::move(*inline_value));
  }
  return std::nullopt;
}

std::string usage_text(const char* program) {
  std::string out = "usage: ";
  out += program;
  out += " -p BUILD_DIR --root ROOT --out DIR --runtime-include HEADER\n"
         "       [--mutate FILE]... [--block-removal] [--operators LIST] TU...\n\n"
         "Finds mutation points with Clang's AST and writes DIR/points.json and the mutant\n"
         "schemata DIR/schema/<path relative to ROOT>.\n\n";
  for (const auto& flag : kFlags) {
    std::string left = std::string("  ") + flag.spelling;
    if (*flag.metavar) left += std::string(" ") + flag.metavar;
    if (left.size() < 26) left.resize(26, ' ');
    else left += "\n" + std::string(26, ' ');
    out += left + flag.help + "\n";
  }
  out += "\nExit status: 0 done, 1 no translation unit parsed (or output not written), 2 usage error.\n";
  return out;
}

}  // namespace sqlink::finder
