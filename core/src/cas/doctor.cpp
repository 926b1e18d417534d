// cas_doctor(): the live schema of a file against the committed v4 snapshot, plus SQLite's
// integrity_check. Strictly read-only: no write, no -wal or -shm created where avoidable.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "cas/internal.hpp"
#include "cas/schema.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_detail::SchemaObject;

constexpr std::string_view kDriftNames[] = {"missing", "extra", "different"};

const SchemaObject* find(const std::vector<SchemaObject>& objects, std::string_view name) {
  const auto it = std::find_if(objects.begin(), objects.end(),
                               [&](const SchemaObject& o) { return o.name == name; });
  return it == objects.end() ? nullptr : &*it;
}

std::vector<SchemaDrift> compare(const std::vector<SchemaObject>& expected,
                                 const std::vector<SchemaObject>& live) {
  std::vector<SchemaDrift> drift;
  for (const auto& want : expected) {
    const SchemaObject* have = find(live, want.name);
    if (have == nullptr) {
      drift.push_back({SchemaDrift::Kind::missing, want.type, want.name, want.sql, {}});
    } else if (have->sql != want.sql || have->type != want.type) {
      drift.push_back({SchemaDrift::Kind::different, want.type, want.name, want.sql, have->sql});
    }
  }
  for (const auto& have : live) {
    if (find(expected, have.name) == nullptr) {
      drift.push_back({SchemaDrift::Kind::extra, have.type, have.name, {}, have.sql});
    }
  }
  return drift;
}

// The stored version, or 0 when there is none to read; doctor reports rather than refuses.
int stored_version(cas_detail::Connection& db) {
  auto stmt = db.prepare("SELECT value FROM __cas_meta WHERE key = 'schema_version'", {});
  if (!stmt.ok()) return 0;
  auto row = stmt->step({});
  if (!row.ok() || !*row) return 0;
  return static_cast<int>(stmt->int64(0));
}

}  // namespace

std::string_view drift_kind_name(SchemaDrift::Kind kind) noexcept {
  return kDriftNames[static_cast<std::size_t>(kind)];
}

Result<DoctorReport> cas_doctor(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) {
    const int err = path.empty() ? ENOENT : errno;
    if (err == ENOENT || err == ENOTDIR) {
      return Error::make(Errc::not_found, "cache " + quoted(path) + " does not exist", path);
    }
    return Error::make(err == EACCES ? Errc::permission_denied : Errc::io_error,
                       "cannot look at cache " + quoted(path) + ": " + cas_detail::errno_text(err),
                       path);
  }
  if (!S_ISREG(st.st_mode)) {
    return Error::make(Errc::invalid_value, "cache " + quoted(path) + " is not a regular file",
                       path);
  }
  auto db = cas_detail::open_read_only(path, cas_detail::ReadOnlyUse::inspect);
  if (!db.ok()) return std::move(db).error();
  const std::string doing = "cache " + quoted(path) + ": cannot inspect";
  DoctorReport report;
  auto live = cas_detail::live_schema(*db);
  if (!live.ok()) return std::move(live).error();
  report.schema_version = stored_version(*db);
  report.drift = compare(cas_detail::parse_snapshot(cas_schema_snapshot()), *live);
  auto check = db->prepare("PRAGMA integrity_check", doing);
  if (!check.ok()) return std::move(check).error();
  for (;;) {
    auto row = check->step(doing);
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    report.integrity.emplace_back(check->text(0));
  }
  return report;
}

}  // namespace sqlink
