// The Session: opens the user database, and loads one extension as a pipeline of stages:
// check the path, open it beneath its directory, dlopen it, find its entry point, resolve
// its prefix, run its init with the patched table, write the registry. A failure at any
// stage after init began undoes the registrations and hooks of that extension.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/allowlist.hpp"
#include "host/internal.hpp"
#include "host/library.hpp"
#include "sqlink/host.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

using host_detail::Extension;

constexpr int kBusyTimeoutMs = 5000;
constexpr const char* kLoadSavepoint = "sqlink_load";


std::optional<Error> check_db_path(std::string_view path) {
  const std::string named = "database " + quoted(path);
  if (path.empty()) return Error::make(Errc::missing_argument, named + " is empty", path);
  if (has_control_byte(path)) {
    return Error::make(Errc::control_character, named + " contains a NUL or control byte", path);
  }
  if (path.size() > limits::kMaxPathBytes) {
    return Error::make(Errc::too_long, named + " is longer than " +
                                           std::to_string(limits::kMaxPathBytes) + " bytes",
                       path);
  }
  return std::nullopt;
}

// Names the connection has, per kind, lower-cased: to find what an init registered without
// going through the table (a direct call into libsqlite3, which the host cannot see).
using NameSnapshot = std::array<std::set<std::string>, host_detail::kNamespaces>;

NameSnapshot snapshot(sqlite3* db) {
  static constexpr const char* kSql[host_detail::kNamespaces] = {
      "SELECT name FROM pragma_function_list", "SELECT name FROM pragma_collation_list",
      "SELECT name FROM pragma_module_list"};
  NameSnapshot out;
  // mutate: next-line rel.lt.ne: k steps by one from 0 to out.size()
  for (std::size_t k = 0; k < out.size(); ++k) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, kSql[k], -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* raw = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        out[k].insert(host_detail::ascii_lower(raw ? raw : ""));
      }
    }
    sqlite3_finalize(stmt);
  }
  return out;
}

LoadReport report_of(const Session::Impl& impl, std::size_t index) {
  const Extension& ext = impl.extensions[index];
  LoadReport report;
  report.extension_name = ext.name;
  report.path = ext.path;
  report.canonical_path = ext.canonical_path;
  report.entry_point = ext.entry_point;
  report.prefix = ext.prefix;
  report.expansion = ext.expansion;
  report.synthetic = ext.synthetic;
  report.permanent = ext.permanent;
  report.names = impl.bound_names(index);
  report.warnings = ext.warnings;
  return report;
}

}  // namespace

Session::Impl::~Impl() {
  // mutate: next-line call.void.remove: the registry member is destroyed right after this body anyway; sqlite3_close_v2 defers the close until its statements are finalized, and nothing between reads the connection
  registry.reset();  // its statements must be finalized before the connection closes
  if (db != nullptr) {
    // The destructors of what extensions registered run inside close, so their code must
    // still be mapped: loaded objects are never dlclose()d.
    sqlite3_close_v2(db);
    host_detail::detach_connection(db);
  }
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Session::open(std::string_view db_path, HostPolicy policy) {
  if (auto bad = check_db_path(db_path)) return *bad;
  auto impl = std::make_unique<Impl>();
  impl->policy = std::move(policy);
  const std::string path(db_path);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 nullptr);
  if (rc != SQLITE_OK) {
    Error error = Error::make(Errc::database_error,
                              "cannot open database " + quoted(db_path) + ": " +
                                  sanitize(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)),
                              db_path);
    sqlite3_close(db);
    return error;
  }
  impl->db = db;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  host_detail::attach_connection(db, impl.get());
  Result<PrefixRegistry> registry = PrefixRegistry::open(db, impl.get());
  if (!registry) return registry.error();
  impl->registry.emplace(std::move(*registry));
  return Session(std::move(impl));
}

sqlite3* Session::db() const noexcept { return impl_->db; }
PrefixRegistry& Session::prefixes() noexcept { return *impl_->registry; }

std::vector<LoadReport> Session::loaded() const {
  std::vector<LoadReport> out;
  // mutate: next-line rel.lt.ne: i steps by one from 0 to extensions.size()
  for (std::size_t i = 0; i < impl_->extensions.size(); ++i) {
    if (impl_->extensions[i].live) out.push_back(report_of(*impl_, i));
  }
  return out;
}

std::vector<HookEvent> Session::hooks() const {
  std::vector<HookEvent> out;
  for (const host_detail::HookRecord& record : impl_->hooks) out.push_back(record.event);
  return out;
}

Result<LoadReport> Session::load(std::string_view path, const LoadOptions& options) {
  Impl& impl = *impl_;
  Result<const void*> api = host_detail::patched_api();
  if (!api) return api.error();

  // ---- check and open the file
  Result<host_detail::CheckedLibrary> checked =
      host_detail::check_library_path(path, impl.policy.allowed_dirs);
  if (!checked) return checked.error();
  for (const Extension& ext : impl.extensions) {
    if (ext.live && ext.canonical_path == checked->canonical_path) {
      return Error::make(Errc::conflict,
                         "extension " + quoted(path) + " is already loaded in this session", path);
    }
  }
  Result<host_detail::OpenedLibrary> opened = host_detail::open_library(*checked);
  if (!opened) return opened.error();

  // ---- name, declarations and prefix, decided before any of its code runs
  const std::string name = options.name.value_or(extension_name_from_path(path));
  if (name.empty() || has_control_byte(name) || name.size() > limits::kMaxNameBytes) {
    return Error::make(Errc::invalid_value,
                       "extension name " + quoted(name) + " must be 1 to " +
                           std::to_string(limits::kMaxNameBytes) + " bytes without control bytes",
                       name);
  }
  if (options.entry_point && !is_prefix_identifier(*options.entry_point)) {
    return Error::make(Errc::invalid_value,
                       "entry point " + quoted(*options.entry_point) +
                           " is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)",
                       *options.entry_point);
  }
  Result<host_detail::SharedObject> object =
      host_detail::open_shared_object(std::move(*opened));
  if (!object) return object.error();
  Result<host_detail::EntryPoint> entry =
      host_detail::find_entry_point(*object, path, options.entry_point);
  if (!entry) {
    host_detail::close_shared_object(*object);
    return entry.error();
  }
  std::optional<std::string> declared_prefix = options.preferred_prefix;
  std::optional<std::string> declared_expansion = options.prefix_expansion;
  if (!declared_prefix || !declared_expansion) {
    declared_prefix = host_detail::read_declaration(*object, kPreferredPrefixSymbol.data());
    declared_expansion = host_detail::read_declaration(*object, kPrefixExpansionSymbol.data());
  }
  Declaration declaration = resolve_declaration(name, declared_prefix, declared_expansion);
  for (const Extension& ext : impl.extensions) {
    if (ext.live && ext.expansion == declaration.expansion) {
      host_detail::close_shared_object(*object);
      return Error::make(Errc::conflict,
                         "extension " + quoted(path) + " declares expansion " +
                             quoted(declaration.expansion) + ", already loaded from " +
                             quoted(ext.path),
                         path);
    }
  }
  Result<BoundPrefix> prefix =
      impl.registry->bind(declaration.preferred_prefix, declaration.expansion, /*dry_run=*/true);
  if (!prefix) {
    host_detail::close_shared_object(*object);
    return prefix.error();
  }

  Extension ext;
  ext.name = name;
  ext.path = std::string(path);
  ext.canonical_path = checked->canonical_path;
  ext.entry_point = entry->name;
  ext.prefix = prefix->name;
  ext.expansion = declaration.expansion;
  ext.synthetic = declaration.synthetic;
  ext.base = entry->base;
  ext.warnings = std::move(declaration.warnings);
  if (prefix->numbered) {
    ext.warnings.push_back("prefix " + quoted(declaration.preferred_prefix) +
                           " is bound to another expansion; " + quoted(name) + " uses " +
                           quoted(prefix->name));
  }
  if (!object->through_fd) {
    ext.warnings.push_back("/proc is not mounted: " + quoted(path) +
                           " was loaded by path after re-checking its identity");
  }
  const std::size_t index = impl.extensions.size();
  impl.extensions.push_back(std::move(ext));
  // mutate: next-line call.void.remove: pending_rows is only read during an init; every path out of the previous load cleared it already (here after a success, in undo_extension after a failure)
  impl.pending_rows.clear();
  impl.refresh_foreign();
  const NameSnapshot before = snapshot(impl.db);

  // ---- run its init with the patched table
  char* message = nullptr;
  int rc = SQLITE_ERROR;
  {
    host_detail::LoadContext ctx{&impl, index, nullptr};
    host_detail::LoadScope scope(ctx);
    rc = entry->init(impl.db, &message, *api);
  }
  const std::string init_message = message ? sanitize(message) : std::string();
  sqlite3_free(message);
  auto fail = [&](Error error) -> Result<LoadReport> {
    impl.undo_extension(index);
    host_detail::close_shared_object(*object);
    return error;
  };
  if (rc != SQLITE_OK && rc != SQLITE_OK_LOAD_PERMANENTLY) {
    std::string text = "extension " + quoted(path) + " failed to initialise (" +
                       quoted(entry->name) + " returned " + sanitize(sqlite3_errstr(rc)) + ")";
    if (!init_message.empty()) text += ": " + init_message;
    return fail(Error::make(Errc::database_error, std::move(text), path,
                            "nothing it registered was kept"));
  }

  // ---- write the registry: the binding and every row, or nothing
  Extension& loaded = impl.extensions[index];
  Result<void> written = impl.registry->begin(kLoadSavepoint);
  if (written) {
    Result<BoundPrefix> bound = impl.registry->bind(declaration.preferred_prefix,
                                                    loaded.expansion);
    if (!bound) {
      written = bound.error();
    } else if (bound->name != loaded.prefix) {
      written = Error::make(Errc::conflict,
                            "prefix of " + quoted(path) + " changed during its init", path);
    } else {
      written = impl.registry->touch(loaded.prefix);
    }
    for (const PrefixFunction& row : impl.pending_rows) {
      if (!written) break;
      written = impl.registry->record(row);
    }
    if (written) written = impl.registry->commit(kLoadSavepoint);
    if (!written) impl.registry->rollback(kLoadSavepoint);
  }
  // mutate: next-line call.void.remove: pending_rows is only read during an init, and the next load clears it before its init
  impl.pending_rows.clear();
  if (!written) return fail(written.error());

  loaded.live = true;
  loaded.permanent = rc == SQLITE_OK_LOAD_PERMANENTLY;
  host_detail::keep_shared_object(*object);
  const NameSnapshot after = snapshot(impl.db);
  // mutate: next-line rel.lt.ne: k steps by one from 0 to after.size()
  for (std::size_t k = 0; k < after.size(); ++k) {
    for (const std::string& added : after[k]) {
      if (before[k].count(added) || impl.spaces[k].aliases.count(added)) continue;
      loaded.warnings.push_back(
          std::string(name_kind_noun(static_cast<NameKind>(k))) + " " + quoted(added) +
          " appeared during init without going through the API table: it is not prefixed "
          "or recorded");
    }
  }
  return report_of(impl, index);
}

}  // namespace sqlink
