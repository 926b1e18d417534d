// Private to the host module: a Session's state (its extensions, their registrations, the
// names each one holds), the load context the API wrappers read, and the wrappers' ABI.
// Invariant: every name the host registers is in exactly one Namespace::aliases entry.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"
#include "sqlink/host.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink::host_detail {

using Destructor = void (*)(void*);
using GenericFn = void (*)();  // a callback stored without its type, cast back by its table

// Function pointers and object pointers are different things in C++; dladdr() and the audit
// want addresses, so the conversion goes through an integer, once, here.
template <class F>
const void* code_address(F fn) noexcept {
  return reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(fn));
}

// The callbacks of one registration, kept so that it can be registered again under another
// name (a pin moves a bare name, a prefix is renamed) with the same pointers.
struct Callbacks {
  void (*func)(sqlite3_context*, int, sqlite3_value**) = nullptr;
  void (*step)(sqlite3_context*, int, sqlite3_value**) = nullptr;
  void (*final)(sqlite3_context*) = nullptr;
  void (*value)(sqlite3_context*) = nullptr;
  void (*inverse)(sqlite3_context*, int, sqlite3_value**) = nullptr;
  int (*compare)(void*, int, const void*, int, const void*) = nullptr;
  const sqlite3_module* module = nullptr;
  bool window = false;
  // All null: SQLite reads this as "delete the name".
  bool empty() const noexcept {
    return !func && !step && !final && !value && !inverse && !compare && !module;
  }
  const void* any_code() const noexcept;  // one of the pointers, for attribution
};

// One registration call an extension made (a later call with the same kind, name, n_args
// and encoding replaces it, as in SQLite).
struct Registration {
  NameKind kind = NameKind::function;
  std::size_t extension = 0;  // index in Session::Impl::extensions
  std::string name;           // as the extension gave it
  std::string key;            // ascii-lower name
  int n_args = -1;            // functions; kCollationArgs / kModuleArgs otherwise
  int text_rep = 0;           // eTextRep with its flags; 0 for modules
  void* user_data = nullptr;
  Callbacks cb;
  Destructor destroy = nullptr;  // the extension's own, or null
  // The names it is bound to right now (empty: not bound).
  std::string qualified;
  bool bare = false;
  std::string fallback;
  bool live = true;  // false once deleted by the extension or rolled back
};

enum class Role { qualified, bare, fallback };

// Who uses one live alias. Several arities of one name share an alias, hence `count`.
struct AliasUse {
  std::size_t extension = 0;
  std::string key;  // the registration's key, not the alias
  Role role = Role::qualified;
  int count = 0;
};

// One of the three name spaces (functions, collations, modules).
struct Namespace {
  std::set<std::string> foreign;              // in the connection, not registered by the host
  std::map<std::string, AliasUse> aliases;    // lower-cased alias -> its use
  std::set<std::string> tombstones;           // aliases the host dropped but pragmas may list
  std::map<std::string, std::size_t> holder;  // bare key -> the extension holding it
  std::map<std::string, std::vector<Registration*>> by_key;
};

struct Extension {
  std::string name;           // extension name (file name by default)
  std::string path;           // as given
  std::string canonical_path;
  std::string entry_point;
  std::string prefix;
  std::string expansion;
  bool synthetic = false;
  bool permanent = false;
  bool live = false;          // init succeeded and was not rolled back
  void* handle = nullptr;     // dlopen handle
  const void* base = nullptr; // dli_fbase of its code, to attribute calls made after init
  std::vector<std::string> warnings;
};

// A hook an extension set, with what it replaced, so a failed init can put that back.
struct HookRecord {
  HookEvent event;
  std::optional<std::size_t> extension;
  GenericFn previous = nullptr;
  void* previous_arg = nullptr;
  int previous_n = 0;  // progress_handler's op count
};

// The hooks as the host last set them on the connection, per HookKind that has a slot.
struct HookSlot {
  GenericFn fn = nullptr;
  void* arg = nullptr;
  int n = 0;
};

inline constexpr std::size_t kNamespaces = 3;
// HookKinds up to progress have a slot on the connection; the refused ones have none.
inline constexpr std::size_t kHookSlots = static_cast<std::size_t>(HookKind::progress) + 1;
inline std::size_t space_index(NameKind kind) noexcept { return static_cast<std::size_t>(kind); }

// ---- destroy_pool.cpp: the extension's xDestroy runs once per registration call, when the
// last alias the host made of it is gone, however many aliases there were.
void pool_open(void* user_data, Destructor destroy);   // a registration call begins
void pool_add_alias(void* user_data, Destructor destroy);  // before registering an alias
void pool_drop_alias(void* user_data, Destructor destroy);  // an alias SQLite will not destroy
// The call ends. `owes_call` false: the extension must not see its xDestroy for this call
// (a failed collation registration, which SQLite documents as not destroying).
void pool_close(void* user_data, Destructor destroy, bool owes_call);
extern "C" void pool_destroy_trampoline(void* user_data);

// ---- connections.cpp: which Session owns a connection, and what is loading on this thread.
struct LoadContext {
  Session::Impl* session = nullptr;
  std::size_t extension = 0;
  const LoadContext* outer = nullptr;
};
void attach_connection(sqlite3* db, Session::Impl* session);
void detach_connection(sqlite3* db);
Session::Impl* session_of(sqlite3* db);
const LoadContext* current_load() noexcept;
class LoadScope {  // makes `ctx` current on this thread for its lifetime
 public:
  explicit LoadScope(LoadContext& ctx) noexcept;
  ~LoadScope();
  LoadScope(const LoadScope&) = delete;
  LoadScope& operator=(const LoadScope&) = delete;

 private:
  LoadContext& ctx_;
};

// ---- api_table.cpp
// The patched table (process lifetime), or an error when SQLite's could not be captured or
// the runtime library is newer than the headers the table layout comes from.
Result<const void*> patched_api();

// ---- wrappers.cpp / hooks.cpp: the replacements, with the exact types of the table entries.
int wrap_create_function(sqlite3*, const char*, int, int, void*,
                         void (*)(sqlite3_context*, int, sqlite3_value**),
                         void (*)(sqlite3_context*, int, sqlite3_value**),
                         void (*)(sqlite3_context*));
int wrap_create_function16(sqlite3*, const void*, int, int, void*,
                           void (*)(sqlite3_context*, int, sqlite3_value**),
                           void (*)(sqlite3_context*, int, sqlite3_value**),
                           void (*)(sqlite3_context*));
int wrap_create_function_v2(sqlite3*, const char*, int, int, void*,
                            void (*)(sqlite3_context*, int, sqlite3_value**),
                            void (*)(sqlite3_context*, int, sqlite3_value**),
                            void (*)(sqlite3_context*), void (*)(void*));
int wrap_create_window_function(sqlite3*, const char*, int, int, void*,
                                void (*)(sqlite3_context*, int, sqlite3_value**),
                                void (*)(sqlite3_context*), void (*)(sqlite3_context*),
                                void (*)(sqlite3_context*, int, sqlite3_value**),
                                void (*)(void*));
int wrap_create_collation(sqlite3*, const char*, int, void*,
                          int (*)(void*, int, const void*, int, const void*));
int wrap_create_collation_v2(sqlite3*, const char*, int, void*,
                             int (*)(void*, int, const void*, int, const void*),
                             void (*)(void*));
int wrap_create_collation16(sqlite3*, const void*, int, void*,
                            int (*)(void*, int, const void*, int, const void*));
int wrap_create_module(sqlite3*, const char*, const sqlite3_module*, void*);
int wrap_create_module_v2(sqlite3*, const char*, const sqlite3_module*, void*, void (*)(void*));

int wrap_set_authorizer(sqlite3*, int (*)(void*, int, const char*, const char*, const char*,
                                          const char*),
                        void*);
void* wrap_update_hook(sqlite3*, void (*)(void*, int, const char*, const char*, sqlite3_int64),
                       void*);
void* wrap_commit_hook(sqlite3*, int (*)(void*), void*);
void* wrap_rollback_hook(sqlite3*, void (*)(void*), void*);
void* wrap_wal_hook(sqlite3*, int (*)(void*, sqlite3*, const char*, int), void*);
void wrap_progress_handler(sqlite3*, int, int (*)(void*), void*);
int wrap_auto_extension(void (*)(void));
int wrap_load_extension(sqlite3*, const char*, const char*, char**);

// ---- hooks.cpp: puts back what a rolled-back extension's hook replaced.
void restore_hook(sqlite3* db, const HookRecord& record);

// ---- names.cpp (UTF-16 names of the *16 entries)
std::optional<std::string> utf16_to_utf8(const void* text);
std::string ascii_lower(std::string_view text);

}  // namespace sqlink::host_detail

namespace sqlink {

// A Session's state. Single-threaded like its connection; the wrappers reach it through
// session_of(db) and run on the thread that called into SQLite.
struct Session::Impl final : LiveBindings {
  sqlite3* db = nullptr;
  HostPolicy policy;
  std::optional<PrefixRegistry> registry;
  std::vector<host_detail::Extension> extensions;
  std::vector<std::unique_ptr<host_detail::Registration>> registrations;
  std::array<host_detail::Namespace, host_detail::kNamespaces> spaces;
  std::vector<host_detail::HookRecord> hooks;
  std::array<host_detail::HookSlot, host_detail::kHookSlots> hook_slots;  // by HookKind
  // Rows of the extension being initialised: written only once its init succeeded.
  std::vector<PrefixFunction> pending_rows;
  std::vector<PrefixFunction> pending_forgets;

  ~Impl() override;

  // LiveBindings
  bool is_loaded(std::string_view expansion) const override;
  Result<void> pins_changed(std::string_view name) override;
  Result<void> prefix_renamed(std::string_view expansion, std::string_view old_prefix,
                              std::string_view new_prefix) override;

  // live_names.cpp: the prefix rules applied to the live connection.
  // A registration call from extension `ext` (already attributed); returns an SQLite code.
  int on_register(std::size_t ext, host_detail::Registration proto);
  void refresh_foreign();  // re-reads the pragmas: what the connection has that we did not add
  void undo_extension(std::size_t ext);  // unbinds everything it registered
  std::vector<BoundName> bound_names(std::size_t ext) const;

  // Attribution of an API call: the extension loading on this thread, else the loaded
  // extension whose code `code` lies in.
  std::optional<std::size_t> attribute(const void* code) const;
  void warn(std::size_t ext, std::string message);

 private:
  int bind_alias(host_detail::Registration& reg, const std::string& alias);
  int unbind_alias(host_detail::Registration& reg, const std::string& alias);
  void unbind_all(host_detail::Registration& reg);
  void claim(host_detail::Registration& reg, const std::string& alias, host_detail::Role role);
  void release(NameKind kind, const std::string& alias);
  int on_delete(std::size_t ext, const host_detail::Registration& proto);
  Result<std::optional<std::size_t>> desired_holder(NameKind kind, const std::string& key);
  Result<void> reconcile(NameKind kind, const std::string& key);
  void ensure_fallback(host_detail::Registration& reg);
  void record_row(const host_detail::Registration& reg);
  void forget_row(const host_detail::Registration& reg);
};

}  // namespace sqlink
