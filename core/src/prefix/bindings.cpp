// Prefix bindings and function rows: add, list, rename, delete, and what a load writes.
// Invariant: a prefix names one expansion and an expansion has one prefix at most.
#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prefix/checks.hpp"
#include "prefix/internal.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink {
namespace {

using prefix_detail::now_seconds;
using prefix_detail::Use;

constexpr const char* kSelectByName =
    "SELECT name, expansion, description, created_at, last_used_at FROM __sqlink_prefix "
    "WHERE name = ?1";
constexpr const char* kSelectByExpansion =
    "SELECT name FROM __sqlink_prefix WHERE expansion = ?1";
constexpr const char* kSelectAll =
    "SELECT name, expansion, description, created_at, last_used_at FROM __sqlink_prefix "
    "ORDER BY name";
constexpr const char* kInsert =
    "INSERT INTO __sqlink_prefix(name, expansion, description, created_at, last_used_at) "
    "VALUES (?1, ?2, ?3, ?4, ?4)";
constexpr const char* kUpdateDescription =
    "UPDATE __sqlink_prefix SET description = ?2 WHERE name = ?1";
constexpr const char* kRename = "UPDATE __sqlink_prefix SET name = ?2 WHERE name = ?1";
constexpr const char* kTouch = "UPDATE __sqlink_prefix SET last_used_at = ?2 WHERE name = ?1";
constexpr const char* kDeletePrefix = "DELETE FROM __sqlink_prefix WHERE name = ?1";
constexpr const char* kDeleteRows = "DELETE FROM __sqlink_prefix_function WHERE expansion = ?1";
constexpr const char* kDeletePins = "DELETE FROM __sqlink_prefix_pin WHERE expansion = ?1";
constexpr const char* kSelectRows =
    "SELECT expansion, function_name, extension_name, n_args, registered_at "
    "FROM __sqlink_prefix_function WHERE expansion = ?1 ORDER BY function_name, n_args";
constexpr const char* kUpsertRow =
    "INSERT INTO __sqlink_prefix_function"
    "(expansion, function_name, extension_name, n_args, registered_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(expansion, function_name, n_args) DO UPDATE SET "
    "function_name = excluded.function_name, extension_name = excluded.extension_name, "
    "registered_at = excluded.registered_at";
constexpr const char* kDeleteRow =
    "DELETE FROM __sqlink_prefix_function WHERE expansion = ?1 AND function_name = ?2 "
    "AND n_args = ?3";

PrefixInfo read_info(const Use& use) {
  return PrefixInfo{use.column_text(0), use.column_text(1), use.column_optional_text(2),
                    use.column_int(3), use.column_int(4)};
}

}  // namespace

namespace prefix_detail {

Result<std::optional<PrefixInfo>> find_prefix(PrefixRegistry::Impl& impl, std::string_view name) {
  Result<sqlite3_stmt*> stmt = impl.prepare(kSelectByName, name);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  use.text(1, name);
  const int rc = use.step();
  if (rc == SQLITE_DONE) return std::optional<PrefixInfo>();
  if (rc != SQLITE_ROW) return impl.db_error("cannot read prefix", name);
  return std::optional<PrefixInfo>(read_info(use));
}

Result<std::optional<std::string>> find_prefix_of(PrefixRegistry::Impl& impl,
                                                  std::string_view expansion) {
  Result<sqlite3_stmt*> stmt = impl.prepare(kSelectByExpansion, expansion);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  use.text(1, expansion);
  const int rc = use.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return impl.db_error("cannot read the prefix of expansion", expansion);
  return std::optional<std::string>(use.column_text(0));
}

Result<void> run(PrefixRegistry::Impl& impl, const char* sql, std::string_view input,
                 std::initializer_list<std::string_view> texts) {
  Result<sqlite3_stmt*> stmt = impl.prepare(sql, input);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  int index = 1;
  for (std::string_view text : texts) use.text(index++, text);
  if (use.step() != SQLITE_DONE) return impl.db_error("cannot update the prefix registry for", input);
  return {};
}

}  // namespace prefix_detail

using prefix_detail::find_prefix;
using prefix_detail::find_prefix_of;
using prefix_detail::run;

Result<void> PrefixRegistry::add(std::string_view name, std::string_view expansion,
                                 std::optional<std::string_view> description) {
  if (auto bad = prefix_detail::check_prefix_name("prefix", name)) return *bad;
  if (auto bad = prefix_detail::check_expansion(expansion)) return *bad;
  if (description) {
    if (auto bad = prefix_detail::check_description(*description)) return *bad;
  }
  Impl& impl = *impl_;
  return impl.in_savepoint(name, [&]() -> Result<void> {
    Result<std::optional<PrefixInfo>> existing = find_prefix(impl, name);
    if (!existing) return existing.error();
    if (*existing && (*existing)->expansion != expansion) {
      return Error::make(Errc::conflict,
                         "prefix " + quoted(name) + " is already bound to expansion " +
                             quoted((*existing)->expansion),
                         name, "choose another name, or '.prefix rename' the existing one");
    }
    Result<std::optional<std::string>> owner = find_prefix_of(impl, expansion);
    if (!owner) return owner.error();
    if (*owner && !*existing) {
      return Error::make(Errc::conflict,
                         "expansion " + quoted(expansion) + " already has the prefix " +
                             quoted(**owner) + "; cannot add " + quoted(name),
                         name, "use '.prefix rename " + sanitize(**owner) + " " + sanitize(name) + "'");
    }
    if (*existing) {
      if (!description) return {};
      return run(impl, kUpdateDescription, name, {name, *description});
    }
    Result<sqlite3_stmt*> stmt = impl.prepare(kInsert, name);
    if (!stmt) return stmt.error();
    Use use(*stmt);
    use.text(1, name).text(2, expansion).integer(4, now_seconds());
    if (description) use.text(3, *description);
    if (use.step() != SQLITE_DONE) return impl.db_error("cannot add prefix", name);
    return {};
  });
}

Result<std::vector<PrefixInfo>> PrefixRegistry::list() const {
  Result<sqlite3_stmt*> stmt = impl_->prepare(kSelectAll, "list");
  if (!stmt) return stmt.error();
  Use use(*stmt);
  std::vector<PrefixInfo> out;
  int rc = SQLITE_ROW;
  while ((rc = use.step()) == SQLITE_ROW) out.push_back(read_info(use));
  if (rc != SQLITE_DONE) return impl_->db_error("cannot list prefixes in", "__sqlink_prefix");
  return out;
}

Result<std::string> PrefixRegistry::expansion(std::string_view name) const {
  if (auto bad = prefix_detail::check_prefix_name("prefix", name)) return *bad;
  Result<std::optional<PrefixInfo>> found = find_prefix(*impl_, name);
  if (!found) return found.error();
  if (!*found) {
    return Error::make(Errc::not_found, "no prefix " + quoted(name) + " is registered", name);
  }
  return (*found)->expansion;
}

Result<std::vector<PrefixFunction>> PrefixRegistry::functions(std::string_view name) const {
  Result<std::string> bound = expansion(name);
  if (!bound) return bound.error();
  Result<sqlite3_stmt*> stmt = impl_->prepare(kSelectRows, name);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  use.text(1, *bound);
  std::vector<PrefixFunction> out;
  int rc = SQLITE_ROW;
  while ((rc = use.step()) == SQLITE_ROW) {
    out.push_back(PrefixFunction{use.column_text(0), use.column_text(1), use.column_text(2),
                                 static_cast<int>(use.column_int(3)), use.column_int(4)});
  }
  if (rc != SQLITE_DONE) return impl_->db_error("cannot list the functions of prefix", name);
  return out;
}

Result<void> PrefixRegistry::rename(std::string_view old_name, std::string_view new_name) {
  if (auto bad = prefix_detail::check_prefix_name("prefix", old_name)) return *bad;
  if (auto bad = prefix_detail::check_prefix_name("new prefix", new_name)) return *bad;
  Impl& impl = *impl_;
  return impl.in_savepoint(old_name, [&]() -> Result<void> {
    Result<std::optional<PrefixInfo>> old_info = find_prefix(impl, old_name);
    if (!old_info) return old_info.error();
    if (!*old_info) {
      return Error::make(Errc::not_found, "no prefix " + quoted(old_name) + " is registered",
                         old_name);
    }
    Result<std::optional<PrefixInfo>> taken = find_prefix(impl, new_name);
    if (!taken) return taken.error();
    // A change of case only finds the old row itself under NOCASE, which is not a conflict.
    if (*taken && (*taken)->expansion != (*old_info)->expansion) {
      return Error::make(Errc::conflict,
                         "prefix " + quoted(new_name) + " is already bound to expansion " +
                             quoted((*taken)->expansion),
                         new_name);
    }
    if (auto renamed = run(impl, kRename, old_name, {old_name, new_name}); !renamed) {
      return renamed;
    }
    if (impl.live && impl.live->is_loaded((*old_info)->expansion)) {
      return impl.live->prefix_renamed((*old_info)->expansion, (*old_info)->name, new_name);
    }
    return {};
  });
}

Result<void> PrefixRegistry::remove(std::string_view name) {
  if (auto bad = prefix_detail::check_prefix_name("prefix", name)) return *bad;
  Impl& impl = *impl_;
  return impl.in_savepoint(name, [&]() -> Result<void> {
    Result<std::optional<PrefixInfo>> found = find_prefix(impl, name);
    if (!found) return found.error();
    if (!*found) {
      return Error::make(Errc::not_found, "no prefix " + quoted(name) + " is registered", name);
    }
    const std::string& bound = (*found)->expansion;
    if (impl.live && impl.live->is_loaded(bound)) {
      return Error::make(Errc::conflict,
                         "prefix " + quoted(name) + " is in use: expansion " + quoted(bound) +
                             " is loaded in this session",
                         name, "delete it from a session that has not loaded it");
    }
    for (const char* sql : {kDeletePins, kDeleteRows}) {
      if (auto done = run(impl, sql, name, {bound}); !done) return done;
    }
    return run(impl, kDeletePrefix, name, {name});
  });
}

Result<BoundPrefix> PrefixRegistry::bind(std::string_view preferred, std::string_view expansion,
                                         bool dry_run) {
  if (auto bad = prefix_detail::check_prefix_name("preferred prefix", preferred)) return *bad;
  if (auto bad = prefix_detail::check_expansion(expansion)) return *bad;
  Result<std::optional<std::string>> existing = find_prefix_of(*impl_, expansion);
  if (!existing) return existing.error();
  if (*existing) return BoundPrefix{**existing, false, **existing != preferred};
  // mutate: next-line lit.int.zero: numbered_prefix(p, 0) is p, as for attempt 1, so starting at 0 only tries p twice
  for (int attempt = 1; attempt <= kMaxNameAttempts; ++attempt) {
    const std::string candidate = numbered_prefix(preferred, attempt);
    if (!is_prefix_identifier(candidate)) break;  // grew past the length limit
    Result<std::optional<PrefixInfo>> taken = find_prefix(*impl_, candidate);
    if (!taken) return taken.error();
    if (*taken) continue;
    if (!dry_run) {
      Result<sqlite3_stmt*> stmt = impl_->prepare(kInsert, candidate);
      if (!stmt) return stmt.error();
      Use use(*stmt);
      use.text(1, candidate).text(2, expansion).integer(4, now_seconds());
      if (use.step() != SQLITE_DONE) return impl_->db_error("cannot add prefix", candidate);
    }
    // mutate: next-line rel.gt.ne: attempt starts at 1
    return BoundPrefix{candidate, true, attempt > 1};
  }
  return Error::make(Errc::conflict,
                     "no free prefix for expansion " + quoted(expansion) + ": " +
                         quoted(preferred) + " and its numbered forms are all taken",
                     preferred);
}

Result<std::optional<std::string>> PrefixRegistry::prefix_of(std::string_view expansion) const {
  return find_prefix_of(*impl_, expansion);
}

Result<void> PrefixRegistry::touch(std::string_view name) {
  Result<sqlite3_stmt*> stmt = impl_->prepare(kTouch, name);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  use.text(1, name).integer(2, now_seconds());
  if (use.step() != SQLITE_DONE) return impl_->db_error("cannot touch prefix", name);
  return {};
}

Result<void> PrefixRegistry::record(const PrefixFunction& row) {
  if (auto bad = prefix_detail::check_expansion(row.expansion)) return *bad;
  if (auto bad = prefix_detail::check_function_name(row.function_name)) return *bad;
  Result<sqlite3_stmt*> stmt = impl_->prepare(kUpsertRow, row.function_name);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  use.text(1, row.expansion)
      .text(2, row.function_name)
      .text(3, row.extension_name)
      .integer(4, row.n_args)
      .integer(5, row.registered_at ? row.registered_at : now_seconds());
  if (use.step() != SQLITE_DONE) return impl_->db_error("cannot record function", row.function_name);
  return {};
}

Result<void> PrefixRegistry::forget(std::string_view expansion, std::string_view function_name,
                                    int n_args) {
  Result<sqlite3_stmt*> stmt = impl_->prepare(kDeleteRow, function_name);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  use.text(1, expansion).text(2, function_name).integer(3, n_args);
  if (use.step() != SQLITE_DONE) return impl_->db_error("cannot forget function", function_name);
  return {};
}

}  // namespace sqlink
