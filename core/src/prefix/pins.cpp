// Pins: which expansion the bare name of a function goes to when several want it.
// Invariant: all pins of one name point to one expansion; a builtin's name is never pinned.
#include <sqlite3.h>

#include <optional>
#include <set>
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

// `?2` may be an extension name, an expansion or a prefix: whatever the user has at hand.
constexpr const char* kCandidates =
    "SELECT expansion, n_args FROM __sqlink_prefix_function WHERE function_name = ?1 AND "
    "(extension_name = ?2 OR expansion = ?2 OR "
    " expansion = (SELECT expansion FROM __sqlink_prefix WHERE name = ?2)) "
    "ORDER BY expansion, n_args";
constexpr const char* kWantedBy =
    "SELECT DISTINCT extension_name FROM __sqlink_prefix_function WHERE function_name = ?1 "
    "ORDER BY extension_name";
constexpr const char* kDeletePins = "DELETE FROM __sqlink_prefix_pin WHERE function_name = ?1";
constexpr const char* kInsertPin =
    "INSERT INTO __sqlink_prefix_pin(function_name, n_args, expansion, set_at) "
    "VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kSelectPins =
    "SELECT function_name, n_args, expansion, set_at FROM __sqlink_prefix_pin "
    "ORDER BY function_name, n_args";
constexpr const char* kPinnedIn =
    "SELECT expansion FROM __sqlink_prefix_pin WHERE function_name = ?1 "
    "AND n_args BETWEEN ?2 AND ?3 ORDER BY n_args LIMIT 1";

// The n_args range of each kind in the shared table.
struct ArgsRange {
  NameKind kind;
  int lo, hi;
};
constexpr ArgsRange kRanges[] = {
    {NameKind::function, -1, 1 << 30},
    {NameKind::collation, kCollationArgs, kCollationArgs},
    {NameKind::module, kModuleArgs, kModuleArgs},
};

Result<std::string> wanted_by(PrefixRegistry::Impl& impl, std::string_view function) {
  Result<sqlite3_stmt*> stmt = impl.prepare(kWantedBy, function);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  use.text(1, function);
  std::string names;
  while (use.step() == SQLITE_ROW) names += (names.empty() ? "" : ", ") + quoted(use.column_text(0));
  return names;
}

}  // namespace

Result<std::vector<Pin>> PrefixRegistry::prefer(std::string_view function,
                                                std::string_view extension) {
  if (auto bad = prefix_detail::check_function_name(function)) return *bad;
  if (auto bad = prefix_detail::check_reference("extension", extension)) return *bad;
  Impl& impl = *impl_;
  Result<bool> builtin = impl.is_builtin_function(function);
  if (!builtin) return builtin.error();
  if (*builtin) {
    return Error::make(Errc::conflict,
                       quoted(function) + " is a builtin SQL function; its bare name is never "
                                          "given to an extension",
                       function, "call the extension's version by its qualified name");
  }

  std::vector<Pin> pins;
  std::set<std::string> expansions;
  {
    Result<sqlite3_stmt*> stmt = impl.prepare(kCandidates, function);
    if (!stmt) return stmt.error();
    Use use(*stmt);
    use.text(1, function).text(2, extension);
    const std::int64_t now = now_seconds();
    int rc = SQLITE_ROW;
    while ((rc = use.step()) == SQLITE_ROW) {
      pins.push_back(Pin{std::string(function), static_cast<int>(use.column_int(1)),
                         use.column_text(0), now});
      expansions.insert(use.column_text(0));
    }
    if (rc != SQLITE_DONE) return impl.db_error("cannot look up function", function);
  }
  if (pins.empty()) {
    Result<std::string> others = wanted_by(impl, function);
    if (!others) return others.error();
    return Error::make(Errc::not_found,
                       "no extension " + quoted(extension) + " registers " + quoted(function),
                       extension,
                       others->empty() ? "no loaded extension has registered it"
                                       : "it is registered by " + *others);
  }
  // mutate: next-line rel.gt.ne: an empty set returned just above
  if (expansions.size() > 1) {
    return Error::make(Errc::ambiguous,
                       quoted(extension) + " matches " + std::to_string(expansions.size()) +
                           " expansions that register " + quoted(function),
                       extension, "name the expansion or the prefix instead");
  }

  Result<void> written = impl.in_savepoint(function, [&]() -> Result<void> {
    if (auto done = prefix_detail::run(impl, kDeletePins, function, {function}); !done) return done;
    for (const Pin& pin : pins) {
      Result<sqlite3_stmt*> stmt = impl.prepare(kInsertPin, function);
      if (!stmt) return stmt.error();
      Use use(*stmt);
      use.text(1, pin.function_name).integer(2, pin.n_args).text(3, pin.expansion)
          .integer(4, pin.set_at);
      if (use.step() != SQLITE_DONE) return impl.db_error("cannot pin function", function);
    }
    if (impl.live) return impl.live->pins_changed(function);
    return {};
  });
  if (!written) return written.error();
  return pins;
}

Result<void> PrefixRegistry::unprefer(std::string_view function) {
  if (auto bad = prefix_detail::check_function_name(function)) return *bad;
  Impl& impl = *impl_;
  return impl.in_savepoint(function, [&]() -> Result<void> {
    if (auto done = prefix_detail::run(impl, kDeletePins, function, {function}); !done) return done;
    if (sqlite3_changes(impl.db) == 0) {
      return Error::make(Errc::not_found, "no pin is set for " + quoted(function), function);
    }
    if (impl.live) return impl.live->pins_changed(function);
    return {};
  });
}

Result<std::vector<Pin>> PrefixRegistry::pins() const {
  Result<sqlite3_stmt*> stmt = impl_->prepare(kSelectPins, "pins");
  if (!stmt) return stmt.error();
  Use use(*stmt);
  std::vector<Pin> out;
  int rc = SQLITE_ROW;
  while ((rc = use.step()) == SQLITE_ROW) {
    out.push_back(Pin{use.column_text(0), static_cast<int>(use.column_int(1)), use.column_text(2),
                      use.column_int(3)});
  }
  if (rc != SQLITE_DONE) return impl_->db_error("cannot list pins in", "__sqlink_prefix_pin");
  return out;
}

Result<std::optional<std::string>> PrefixRegistry::pinned(NameKind kind,
                                                          std::string_view name) const {
  // mutate: next-line lit.int.one: every NameKind has an entry in kRanges, so the loop below always replaces this default
  ArgsRange range = kRanges[0];
  for (const ArgsRange& r : kRanges) {
    if (r.kind == kind) range = r;
  }
  Result<sqlite3_stmt*> stmt = impl_->prepare(kPinnedIn, name);
  if (!stmt) return stmt.error();
  Use use(*stmt);
  use.text(1, name).integer(2, range.lo).integer(3, range.hi);
  const int rc = use.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return impl_->db_error("cannot read the pins of", name);
  return std::optional<std::string>(use.column_text(0));
}

}  // namespace sqlink
