// The native extension host: a Session owns one user database connection and loads SQLite
// extensions (.so) into it through a patched copy of SQLite's API table, never blindly.
//
// What loading does, in order: the path must canonically lie beneath an allowed directory
// (component-wise: /x/libs-other is not under /x/libs); the file is opened beneath that
// directory without following symlinks, must be a regular ELF file, and is dlopen()ed through
// that open descriptor (RTLD_NOW|RTLD_LOCAL), so what runs is what was checked. Its init entry
// point gets the patched table: every function, window function, collation and virtual-table
// module it registers is registered as prefix__name, recorded in __sqlink_prefix_function,
// and bound to its bare name only when no builtin, earlier extension or pin has it (else
// ext_name, ext_name_2, ... ext_name_999; never overwriting). Single-slot hooks it sets are
// recorded for audit and still installed; auto_extension and load_extension are refused,
// because what they would load would bypass the host. An init that fails leaves nothing
// registered, no hook set and no row written.
//
// Loaded objects are never dlclose()d after a successful init: their code may still be
// referenced after the connection closes (destructors SQLite calls late, atexit handlers,
// thread-locals, the API pointer they kept), which is a classic source of crashes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"
#include "sqlink/prefix.hpp"

struct sqlite3;

namespace sqlink {

struct HostPolicy {
  // Directories extensions may be loaded from. Each is canonicalised at load time; one that
  // does not resolve allows nothing. Empty: every load is refused.
  std::vector<std::string> allowed_dirs;
};

struct LoadOptions {
  std::optional<std::string> name;         // the extension's name; default: from the file name
  std::optional<std::string> entry_point;  // default: sqlite3_extension_init, else SQLite's rule
  // A manifest. When both are given they win over the symbols the extension exports (see
  // Declaration in prefix.hpp); when either is missing, the symbols are read.
  std::optional<std::string> preferred_prefix;
  std::optional<std::string> prefix_expansion;
};

// One name an extension registered, and the names it answers to in the connection.
struct BoundName {
  NameKind kind = NameKind::function;
  std::string name;                     // as the extension registered it
  int n_args = -1;                      // functions; kCollationArgs / kModuleArgs otherwise
  std::string qualified;                // prefix__name: always registered
  bool bare = false;                    // `name` itself is bound to this extension
  std::optional<std::string> fallback;  // ext_name[_N], when the bare name went elsewhere
  friend bool operator==(const BoundName&, const BoundName&) = default;
};

struct LoadReport {
  std::string extension_name;
  std::string path;            // as given
  std::string canonical_path;  // what was checked and loaded
  std::string entry_point;
  std::string prefix;
  std::string expansion;
  bool synthetic = false;  // the extension did not declare its prefix (warning given)
  bool permanent = false;  // init returned SQLITE_OK_LOAD_PERMANENTLY
  std::vector<BoundName> names;
  // Synthetic or numbered prefix, names it could not get, and names that appeared in the
  // connection during init without going through the API table (not prefixed, not recorded).
  std::vector<std::string> warnings;
};

enum class HookKind {
  authorizer,
  update,
  commit,
  rollback,
  wal,
  progress,
  auto_extension,  // refused
  load_extension,  // refused
};
std::string_view hook_kind_name(HookKind kind) noexcept;  // "authorizer", "update", ...

struct HookEvent {
  HookKind kind = HookKind::authorizer;
  std::string extension_name;  // empty when the call could not be attributed
  std::string expansion;
  const sqlite3* connection = nullptr;  // null for process-wide calls (auto_extension)
  bool installed = false;  // a callback was set (false: the call cleared the hook)
  bool refused = false;    // the host did not pass the call on to SQLite
  bool undone = false;     // rolled back because the extension's init failed
  friend bool operator==(const HookEvent&, const HookEvent&) = default;
};

inline constexpr std::string_view kLegacyEntryPoint = "sqlite3_extension_init";
inline constexpr std::string_view kPreferredPrefixSymbol = "sqlink_preferred_prefix";
inline constexpr std::string_view kPrefixExpansionSymbol = "sqlink_prefix_expansion";

// SQLite's rule: "sqlite3_X_init", X the lower-cased ASCII letters of the file name after the
// last '/' up to the first '.', after dropping a leading "lib" (any case).
std::string default_entry_point(std::string_view path);
// The file name after the last '/', without a leading "lib" (any case), up to the first
// '.'; "ext" when nothing is left. /usr/lib/x86_64-linux-gnu/mod_spatialite.so.7 gives
// "mod_spatialite".
std::string extension_name_from_path(std::string_view path);
// The sqlite3_api_routines entries the host replaces, in table order.
std::vector<std::string_view> patched_api_entries();

class Session {
 public:
  // Opens (creating if needed) the database at db_path; ":memory:" is allowed. Creates the
  // prefix registry's tables.
  static Result<Session> open(std::string_view db_path, HostPolicy policy);
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  sqlite3* db() const noexcept;
  Result<LoadReport> load(std::string_view path, const LoadOptions& options = {});
  // The registry of this connection, bound to it live: prefer/unprefer re-bind bare names and
  // rename re-registers qualified names at once; delete refuses a loaded expansion.
  PrefixRegistry& prefixes() noexcept;
  // Reports of the extensions loaded so far, with their names as they are bound now.
  std::vector<LoadReport> loaded() const;
  // Every hook call an extension made on this connection, in order.
  std::vector<HookEvent> hooks() const;

  struct Impl;  // opaque: defined and used only inside the library

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sqlink
