// The host command line: sqlink [--db PATH] [--cache-dir PATH]
//   [--bundle|--bundle-baked|--bundle-load REF] [--grant CAP[,CAP...]] [--check] [--json] [--] [DOTCMD ARGS...]
// Flags are declared once in a table; parsing and --help both come from it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/capability.hpp"
#include "sqlink/error.hpp"

namespace sqlink {

// How a bundle reference given on the command line is used.
enum class BundleMode {
  automatic,  // --bundle: a baked binary for this target if there is one, else load members
  baked,      // --bundle-baked: only the baked binary
  load,       // --bundle-load: load each member
};
std::string_view bundle_mode_flag(BundleMode mode) noexcept;  // "--bundle", ...

struct BundleRef {
  BundleMode mode = BundleMode::automatic;
  std::string ref;  // a bundle name, alias or hex set_hash prefix
  friend bool operator==(const BundleRef&, const BundleRef&) = default;
};

struct HostArgs {
  std::optional<std::string> db;
  std::optional<std::string> cache_dir;
  std::optional<BundleRef> bundle;  // the last of the three bundle flags wins
  CapabilitySet grants;             // union of every --grant
  bool json = false;
  bool check = false;  // parse and print the canonical form only
  bool help = false;
  bool version = false;
  std::vector<std::string> command;  // DOTCMD ARGS..., untouched
  friend bool operator==(const HostArgs&, const HostArgs&) = default;
};

// Parses the arguments after the program name. Never throws.
Result<HostArgs> parse_host_argv(std::span<const std::string> args);
Result<HostArgs> parse_host_argv(int argc, const char* const* argv);  // skips argv[0]
// The canonical argv (without program name) of parsed args: parse(print(a)) == a.
std::vector<std::string> format_host_argv(const HostArgs& args);
// The --help text, generated from the flag table.
std::string host_usage();

// The nearest candidate to `word` by edit distance, if one is close enough to suggest.
std::optional<std::string> nearest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace sqlink
