// What the registry says about itself: conflicts (bare names several extensions want) and
// verify (rows against what the connection really has). Read-only; nothing is repaired.
#include <sqlite3.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "prefix/internal.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink {
namespace {

using prefix_detail::ascii_lower;
using prefix_detail::Use;

constexpr const char* kAllRows =
    "SELECT f.expansion, f.function_name, f.n_args, p.name FROM __sqlink_prefix_function f "
    "LEFT JOIN __sqlink_prefix p ON p.expansion = f.expansion "
    "ORDER BY f.expansion, f.function_name, f.n_args";
constexpr const char* kDanglingPins =
    "SELECT p.function_name, p.n_args, p.expansion FROM __sqlink_prefix_pin p WHERE NOT EXISTS ("
    "SELECT 1 FROM __sqlink_prefix_function f WHERE f.expansion = p.expansion AND "
    "f.function_name = p.function_name AND f.n_args = p.n_args) ORDER BY 1, 2";

struct Row {
  std::string expansion;
  std::string function_name;
  int n_args;
  std::optional<std::string> prefix;
};

Result<std::vector<Row>> all_rows(PrefixRegistry::Impl& impl) {
  Result<sqlite3_stmt*> stmt = impl.prepare(kAllRows, "__sqlink_prefix_function");
  if (!stmt) return stmt.error();
  Use use(*stmt);
  std::vector<Row> rows;
  int rc = SQLITE_ROW;
  while ((rc = use.step()) == SQLITE_ROW) {
    rows.push_back(Row{use.column_text(0), use.column_text(1), static_cast<int>(use.column_int(2)),
                       use.column_optional_text(3)});
  }
  if (rc != SQLITE_DONE) return impl.db_error("cannot read", "__sqlink_prefix_function");
  return rows;
}

// What the connection has: (lower-cased name, n_args) per kind; n_args is the kind's
// reserved value for collations and modules, so one set answers every row.
using LiveSet = std::set<std::pair<std::string, int>>;

Result<LiveSet> live_set(PrefixRegistry::Impl& impl) {
  LiveSet live;
  for (NameKind kind : {NameKind::function, NameKind::collation, NameKind::module}) {
    auto names = impl.live_names(kind);
    if (!names) return names.error();
    live.insert(names->begin(), names->end());
  }
  return live;
}

}  // namespace

Result<std::vector<Conflict>> PrefixRegistry::conflicts() const {
  Result<std::vector<Row>> rows = all_rows(*impl_);
  if (!rows) return rows.error();
  std::map<std::pair<NameKind, std::string>, std::set<std::string>> wanted;
  for (const Row& row : *rows) {
    wanted[{kind_of_n_args(row.n_args), ascii_lower(row.function_name)}].insert(row.expansion);
  }
  std::vector<Conflict> out;
  for (const auto& [key, expansions] : wanted) {
    if (expansions.size() < 2) continue;
    Result<std::optional<std::string>> pin = pinned(key.first, key.second);
    if (!pin) return pin.error();
    out.push_back(Conflict{key.first, key.second, {expansions.begin(), expansions.end()}, *pin});
  }
  return out;
}

Result<PrefixVerifyReport> PrefixRegistry::verify() const {
  Impl& impl = *impl_;
  Result<std::vector<Row>> rows = all_rows(impl);
  if (!rows) return rows.error();
  Result<LiveSet> live = live_set(impl);
  if (!live) return live.error();

  PrefixVerifyReport report;
  report.rows = rows->size();
  // Per expansion: its rows' qualified names and whether each is registered.
  std::map<std::string, std::vector<std::pair<const Row*, bool>>> by_expansion;
  std::set<std::pair<std::string, int>> recorded;  // qualified names the rows explain
  for (const Row& row : *rows) {
    if (!row.prefix) {
      report.issues.push_back(VerifyIssue{VerifyIssue::Kind::orphan_row, row.function_name,
                                          row.n_args, row.expansion});
      continue;
    }
    const std::string qualified = ascii_lower(qualified_name(*row.prefix, row.function_name));
    // mutate: next-line rel.gt.ne: count() is unsigned
    const bool present = live->count({qualified, row.n_args}) > 0;
    recorded.insert({qualified, row.n_args});
    report.present += present ? 1 : 0;
    by_expansion[row.expansion].emplace_back(&row, present);
  }
  for (const auto& [expansion, entries] : by_expansion) {
    std::size_t present = 0;
    // mutate: next-line arith.addassign.subassign: present is only compared with 0, and counting down from 0 leaves it non-zero exactly when counting up would
    for (const auto& entry : entries) present += entry.second ? 1 : 0;
    // mutate: next-line rel.gt.ne: present is unsigned
    const bool loaded = impl.live ? impl.live->is_loaded(expansion) : present > 0;
    if (!loaded) {
      report.not_loaded.push_back(expansion);
      continue;
    }
    for (const auto& [row, is_present] : entries) {
      if (is_present) continue;
      report.issues.push_back(VerifyIssue{VerifyIssue::Kind::missing,
                                          qualified_name(*row->prefix, row->function_name),
                                          row->n_args, expansion});
    }
  }

  // A live prefix__name no row explains. The longest matching prefix is named, since a
  // prefix may itself end in '_' and so be a prefix of another one's qualified names.
  Result<std::vector<PrefixInfo>> prefixes = list();
  if (!prefixes) return prefixes.error();
  for (const auto& [name, n_args] : *live) {
    if (recorded.count({name, n_args})) continue;
    const PrefixInfo* owner = nullptr;
    for (const PrefixInfo& info : *prefixes) {
      const std::string head = ascii_lower(info.name) + std::string(kQualifierSeparator);
      // mutate: next-line rel.gt.ne: a name shorter than head cannot start with it
      if (name.size() > head.size() && name.starts_with(head) &&
          // mutate: next-line rel.gt.ge, rel.gt.ne: two matching heads of one size are the same name (NOCASE primary key), and list() orders a shorter matching prefix before the longer one it starts
          (!owner || info.name.size() > owner->name.size())) {
        owner = &info;
      }
    }
    if (owner) {
      report.issues.push_back(
          VerifyIssue{VerifyIssue::Kind::unrecorded, name, n_args, owner->expansion});
    }
  }

  Result<sqlite3_stmt*> stmt = impl.prepare(kDanglingPins, "__sqlink_prefix_pin");
  if (!stmt) return stmt.error();
  Use use(*stmt);
  int rc = SQLITE_ROW;
  while ((rc = use.step()) == SQLITE_ROW) {
    report.issues.push_back(VerifyIssue{VerifyIssue::Kind::dangling_pin, use.column_text(0),
                                        static_cast<int>(use.column_int(1)), use.column_text(2)});
  }
  if (rc != SQLITE_DONE) return impl.db_error("cannot read", "__sqlink_prefix_pin");
  return report;
}

}  // namespace sqlink
