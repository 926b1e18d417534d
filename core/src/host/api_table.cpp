// SQLite's API table, captured once from SQLite itself, and the patched copy extensions get.
// Invariant: the patched copy lives until the process exits (extensions keep the pointer).
//
// SQLite passes its own sqlite3_api_routines to every auto-extension, so registering one and
// opening a :memory: database hands us the real table without re-declaring ~300 pointers.
// The copy has the layout of the headers we were built with: a runtime library of a newer
// minor version may have entries an extension could call past the end of our copy, so the
// host refuses to run on one.
#define SQLITE_CORE 1  // the struct only: no sqlite3_xxx -> sqlite3_api->xxx macros here
#include <sqlite3.h>
#include <sqlite3ext.h>

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "host/internal.hpp"
#include "sqlink/host.hpp"

namespace sqlink {
namespace host_detail {
namespace {

// One line per replaced entry: the name for reports, and the assignment. The compiler checks
// every wrapper's type against the entry it replaces.
struct Patch {
  std::string_view entry;
  void (*apply)(sqlite3_api_routines& table);
};

constexpr std::array kPatches = {
    Patch{"create_function", [](sqlite3_api_routines& t) { t.create_function = wrap_create_function; }},
    Patch{"create_function16", [](sqlite3_api_routines& t) { t.create_function16 = wrap_create_function16; }},
    Patch{"create_function_v2", [](sqlite3_api_routines& t) { t.create_function_v2 = wrap_create_function_v2; }},
    Patch{"create_window_function", [](sqlite3_api_routines& t) { t.create_window_function = wrap_create_window_function; }},
    Patch{"create_collation", [](sqlite3_api_routines& t) { t.create_collation = wrap_create_collation; }},
    Patch{"create_collation_v2", [](sqlite3_api_routines& t) { t.create_collation_v2 = wrap_create_collation_v2; }},
    Patch{"create_collation16", [](sqlite3_api_routines& t) { t.create_collation16 = wrap_create_collation16; }},
    Patch{"create_module", [](sqlite3_api_routines& t) { t.create_module = wrap_create_module; }},
    Patch{"create_module_v2", [](sqlite3_api_routines& t) { t.create_module_v2 = wrap_create_module_v2; }},
    Patch{"set_authorizer", [](sqlite3_api_routines& t) { t.set_authorizer = wrap_set_authorizer; }},
    Patch{"update_hook", [](sqlite3_api_routines& t) { t.update_hook = wrap_update_hook; }},
    Patch{"commit_hook", [](sqlite3_api_routines& t) { t.commit_hook = wrap_commit_hook; }},
    Patch{"rollback_hook", [](sqlite3_api_routines& t) { t.rollback_hook = wrap_rollback_hook; }},
    Patch{"wal_hook", [](sqlite3_api_routines& t) { t.wal_hook = wrap_wal_hook; }},
    Patch{"progress_handler", [](sqlite3_api_routines& t) { t.progress_handler = wrap_progress_handler; }},
    Patch{"auto_extension", [](sqlite3_api_routines& t) { t.auto_extension = wrap_auto_extension; }},
    Patch{"load_extension", [](sqlite3_api_routines& t) { t.load_extension = wrap_load_extension; }},
};

std::atomic<const sqlite3_api_routines*> g_captured{nullptr};

extern "C" int capture_entry(sqlite3*, char**, const sqlite3_api_routines* api) {
  g_captured.store(api);
  return SQLITE_OK;
}

struct Table {
  sqlite3_api_routines patched{};
  std::string error;  // why capturing failed; empty when `patched` is usable
};

Table* build() {
  auto* table = new Table;  // leaked on purpose: extensions call through it until exit
  const int runtime = sqlite3_libversion_number();
  if (runtime / 1000 > SQLITE_VERSION_NUMBER / 1000) {
    table->error = "the SQLite library " + std::string(sqlite3_libversion()) +
                   " is newer than the headers sqlink was built with (" SQLITE_VERSION
                   "); its API table may have entries sqlink cannot copy";
    return table;
  }
  // SQLite stores auto-extensions as void(*)(void) and calls them with the entry signature.
  const auto entry = reinterpret_cast<void (*)(void)>(&capture_entry);
  if (sqlite3_auto_extension(entry) != SQLITE_OK) {
    table->error = "cannot register the auto-extension that captures SQLite's API table";
    return table;
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_close(db);
  sqlite3_cancel_auto_extension(entry);
  const sqlite3_api_routines* real = g_captured.load();
  if (rc != SQLITE_OK || real == nullptr) {
    table->error = "SQLite did not hand its API table to the capturing auto-extension";
    return table;
  }
  table->patched = *real;
  for (const Patch& patch : kPatches) patch.apply(table->patched);
  return table;
}

}  // namespace

Result<const void*> patched_api() {
  static Table* table = build();  // thread-safe once: C++ static initialisation
  if (!table->error.empty()) {
    return Error::make(Errc::unsupported, "cannot load extensions into " +
                                              quoted(sqlite3_libversion()) + ": " + table->error);
  }
  return static_cast<const void*>(&table->patched);
}

}  // namespace host_detail

std::vector<std::string_view> patched_api_entries() {
  std::vector<std::string_view> out;
  for (const host_detail::Patch& patch : host_detail::kPatches) out.push_back(patch.entry);
  return out;
}

}  // namespace sqlink
