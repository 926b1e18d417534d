// What one sqlink invocation holds while it runs commands: its flags, its streams, and the
// cache store and host session, each opened the first time a command needs it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "sqlink/argv.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"
#include "sqlink/dotcmd.hpp"
#include "sqlink/host.hpp"

namespace sqlink::cli {

// What a command produced: `data` becomes its JSON object under --json, `text` is printed for
// people otherwise. Warnings go to stderr (text) or a "warnings" array (JSON).
struct Reply {
  nlohmann::json data = nlohmann::json::object();
  std::string text;
  std::vector<std::string> warnings;
  // The command ran and found something wrong (verify, doctor): print the report, exit 1.
  bool failed = false;
};

class Context {
 public:
  Context(const HostArgs& args, Io io) : args_(args), io_(io) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const HostArgs& args() const noexcept { return args_; }
  Io& io() noexcept { return io_; }

  // The cache store at cache_file_path(--cache-dir), opened (and created) on first use.
  Result<CasStore*> cas();
  // Where loaded extensions are materialised from the cache: <cache dir>/lib.
  Result<std::string> lib_dir();
  // The host session on --db (":memory:" without it), opened on first use. Its allowlist is
  // lib_dir(): everything it loads comes out of the cache, by hash.
  Result<Session*> host();

  // Extensions loaded in this invocation, by name: what `.bundle save` saves.
  std::vector<BundleMember>& loaded() noexcept { return loaded_; }

 private:
  const HostArgs& args_;
  Io io_;
  std::optional<CasStore> cas_;
  std::optional<Session> host_;
  std::vector<BundleMember> loaded_;
};

// Runs one parsed command.
Result<Reply> execute(Context& context, const DotCommand& command);
// Loads the members of a bundle given with --bundle-load / --bundle (before any command runs).
Result<Reply> load_bundle(Context& context, const BundleRef& ref);

// Formatting shared by the command groups.
std::string format_time(std::int64_t unix_seconds);  // 2026-11-22T20:15:00Z, or "-" for 0
std::string short_hash(const Hash& hash);            // the first 12 hex digits

}  // namespace sqlink::cli
