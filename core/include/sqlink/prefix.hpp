// Prefixes: every name an extension registers is qualified as `prefix__name`, and the bare
// name goes to one owner at most. The registry, its pins and its naming rules live here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"

struct sqlite3;

namespace sqlink {

// ---- naming rules (pure; the host applies them to a live connection)

inline constexpr std::string_view kQualifierSeparator = "__";           // prefix__name
inline constexpr std::string_view kSyntheticExpansionScheme = "sqlink-internal://";
// ext_name, ext_name_2 ... ext_name_999; prefix, prefix2 ... prefix999. Never more, never a wrap.
inline constexpr int kMaxNameAttempts = 999;

// The three namespaces an extension registers names in. The schema of core.md has one table,
// keyed by n_args, so collations and modules are stored with these reserved n_args values.
enum class NameKind { function, collation, module };
inline constexpr int kCollationArgs = -2;
inline constexpr int kModuleArgs = -3;
NameKind kind_of_n_args(int n_args) noexcept;      // >= -1 is a function (-1: variadic)
std::string_view name_kind_noun(NameKind kind) noexcept;  // "function", "collation", "module"

// [A-Za-z_][A-Za-z0-9_]*, at most limits::kMaxNameBytes bytes, with no "__" inside and no
// trailing '_': then prefix__name splits back into exactly one (prefix, name), so qualified
// names of different prefixes can never collide.
bool is_prefix_identifier(std::string_view text) noexcept;
// The extension name made into a prefix identifier: other bytes become '_', runs of '_'
// collapse, a trailing '_' goes, a leading digit gets a '_' in front, nothing at all becomes
// "ext"; cut to limits::kMaxNameBytes.
std::string identifier_from(std::string_view name);
std::string qualified_name(std::string_view prefix, std::string_view name);  // prefix__name
// attempt 1 -> "ext_name", attempt n >= 2 -> "ext_name_n". `extension` is made an identifier.
std::string fallback_name(std::string_view extension, std::string_view name, int attempt);
// attempt 1 -> "prefix", attempt n >= 2 -> "prefixn".
std::string numbered_prefix(std::string_view preferred, int attempt);

// What an extension declares about itself, after the synthetic fallback was applied.
//
// How an extension declares it: the shared object exports two NUL-terminated char arrays,
//   const char sqlink_preferred_prefix[] = "uuid";
//   const char sqlink_prefix_expansion[] = "org.example.uuid";
// (data symbols, found with dlsym), or the caller passes the same two values as a manifest
// (LoadOptions in host.hpp), which wins over the symbols. If either is missing or invalid,
// both fall back: prefix = identifier_from(extension name), expansion =
// "sqlink-internal://<extension name>", and `warnings` says why.
struct Declaration {
  std::string preferred_prefix;
  std::string expansion;
  bool synthetic = false;
  std::vector<std::string> warnings;
};
Declaration resolve_declaration(std::string_view extension_name,
                                std::optional<std::string_view> preferred_prefix,
                                std::optional<std::string_view> expansion);
// An expansion is opaque: non-empty, at most limits::kMaxNameBytes, no control byte or NUL.
bool is_valid_expansion(std::string_view text) noexcept;

// ---- the registry's rows

struct PrefixInfo {
  std::string name;
  std::string expansion;
  std::optional<std::string> description;
  std::int64_t created_at = 0;    // unix seconds
  std::int64_t last_used_at = 0;  // unix seconds; bumped by every load that binds it
  friend bool operator==(const PrefixInfo&, const PrefixInfo&) = default;
};

// A row of __sqlink_prefix_function: `function_name` is the name the extension gave, not a
// live alias. n_args: a function's arity (-1 variadic), or kCollationArgs / kModuleArgs.
struct PrefixFunction {
  std::string expansion;
  std::string function_name;
  std::string extension_name;
  int n_args = -1;
  std::int64_t registered_at = 0;
  friend bool operator==(const PrefixFunction&, const PrefixFunction&) = default;
};

struct Pin {
  std::string function_name;
  int n_args = -1;
  std::string expansion;
  std::int64_t set_at = 0;
  friend bool operator==(const Pin&, const Pin&) = default;
};

// A bare name that more than one extension registers (names compare case-insensitively).
struct Conflict {
  NameKind kind = NameKind::function;
  std::string name;                     // lower-cased
  std::vector<std::string> expansions;  // sorted, distinct
  std::optional<std::string> pinned;    // the expansion a pin gives the bare name to
};

struct VerifyIssue {
  enum class Kind {
    missing,       // a row of a loaded extension whose prefix__name is not registered
    unrecorded,    // prefix__name is registered under a known prefix but has no row
    orphan_row,    // a row whose expansion has no prefix
    dangling_pin,  // a pin naming a (function, n_args, expansion) that has no row
  };
  Kind kind = Kind::missing;
  std::string name;       // the qualified name, or the function name for pins and orphans
  int n_args = -1;
  std::string expansion;
  friend bool operator==(const VerifyIssue&, const VerifyIssue&) = default;
};
std::string_view verify_issue_name(VerifyIssue::Kind kind) noexcept;  // "missing", ...

struct PrefixVerifyReport {
  std::size_t rows = 0;     // rows of __sqlink_prefix_function checked
  std::size_t present = 0;  // of those, how many are really registered under prefix__name
  // Expansions none of whose rows are registered: not loaded in this connection, which is
  // not a fault (the registry outlives sessions). With live bindings, a loaded expansion
  // never lands here; its absent rows are `missing` issues instead.
  std::vector<std::string> not_loaded;
  std::vector<VerifyIssue> issues;
  bool ok() const noexcept { return issues.empty(); }
};

// What the registry asks of a live connection when a pin or a prefix changes. The host's
// Session implements it; a registry opened without one only changes the stored rows, and
// the change takes effect when extensions are next loaded.
class LiveBindings {
 public:
  virtual ~LiveBindings() = default;
  virtual bool is_loaded(std::string_view expansion) const = 0;
  // The pins of `name` changed (already written, not yet committed): re-bind the bare name
  // now. An error rolls the pin change back.
  virtual Result<void> pins_changed(std::string_view name) = 0;
  // The prefix of `expansion` was renamed: register new_prefix__name for all its names now
  // and drop old_prefix__name. An error rolls the rename back.
  virtual Result<void> prefix_renamed(std::string_view expansion, std::string_view old_prefix,
                                      std::string_view new_prefix) = 0;
};

struct BoundPrefix {
  std::string name;
  bool is_new = false;     // the binding did not exist before
  bool numbered = false;   // the preferred prefix was taken by another expansion
};

// The registry over one user database connection (not owned). Tables are created if missing:
//   __sqlink_prefix(name PK, expansion, description, created_at, last_used_at)
//   __sqlink_prefix_function(expansion, function_name, extension_name, n_args, registered_at,
//                            PK(expansion, function_name, n_args)) WITHOUT ROWID
//   __sqlink_prefix_pin(function_name, n_args, expansion, set_at, PK(function_name, n_args))
//                            WITHOUT ROWID
// Names compare case-insensitively (COLLATE NOCASE), as SQLite's own function names do. An
// expansion is bound to one prefix at most. Not thread-safe, like the connection under it.
class PrefixRegistry {
 public:
  static Result<PrefixRegistry> open(sqlite3* db, LiveBindings* live = nullptr);
  PrefixRegistry(PrefixRegistry&&) noexcept;
  PrefixRegistry& operator=(PrefixRegistry&&) noexcept;
  ~PrefixRegistry();

  // ---- what `.prefix ...` calls
  // Binds name -> expansion. The same binding again only updates the description; a name
  // bound elsewhere, or an expansion that already has another prefix, is a conflict.
  Result<void> add(std::string_view name, std::string_view expansion,
                   std::optional<std::string_view> description = std::nullopt);
  Result<std::vector<PrefixInfo>> list() const;
  // The rows of the prefix's expansion, by name then n_args. An unknown prefix is not_found.
  Result<std::vector<PrefixFunction>> functions(std::string_view name) const;
  Result<std::string> expansion(std::string_view name) const;
  Result<void> rename(std::string_view old_name, std::string_view new_name);
  // `.prefix delete`: the prefix, its expansion's rows and the pins to it. Refused (conflict)
  // while that expansion is loaded in the live connection.
  Result<void> remove(std::string_view name);
  // Gives the bare `function` to `extension` (an extension name, an expansion or a prefix):
  // one pin per arity that extension registers under that name, replacing other pins of
  // the name, re-bound at once in the live connection. A builtin SQL function's name is
  // never given away (conflict). Returns the pins written.
  Result<std::vector<Pin>> prefer(std::string_view function, std::string_view extension);
  // Drops every pin of `function`; the bare name returns to its first loader.
  Result<void> unprefer(std::string_view function);
  Result<std::vector<Pin>> pins() const;
  Result<std::vector<Conflict>> conflicts() const;
  // The rows against what the connection really has (pragma function_list, collation_list,
  // module_list).
  Result<PrefixVerifyReport> verify() const;

  // ---- what the host calls while loading
  // The expansion's prefix, or a new binding: `preferred`, else preferred2, preferred3, ...
  // When `dry_run`, nothing is written (the host binds only after an init succeeded).
  Result<BoundPrefix> bind(std::string_view preferred, std::string_view expansion,
                           bool dry_run = false);
  Result<std::optional<std::string>> prefix_of(std::string_view expansion) const;
  Result<void> touch(std::string_view name);   // last_used_at = now
  Result<void> record(const PrefixFunction& row);  // insert or refresh one row
  Result<void> forget(std::string_view expansion, std::string_view function_name, int n_args);
  // The expansion the pins of `name` (in `kind`'s n_args range) give the bare name to.
  Result<std::optional<std::string>> pinned(NameKind kind, std::string_view name) const;
  // SAVEPOINT-based: nested use is fine. The host wraps a load's writes in one.
  Result<void> begin(std::string_view savepoint);
  Result<void> commit(std::string_view savepoint);
  void rollback(std::string_view savepoint) noexcept;

  sqlite3* db() const noexcept;
  void set_live(LiveBindings* live) noexcept;

  struct Impl;  // opaque: defined and used only inside the library

 private:
  explicit PrefixRegistry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sqlink
