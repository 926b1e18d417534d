// Normalising, parsing and printing schema snapshots, and reading the live schema in the same
// form, so "is this file's schema what version N says" is a byte comparison.
#include "cas/schema.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "sqlink/cas.hpp"

namespace sqlink::cas_detail {
namespace {

// Order of object types in a snapshot: tables first so the text can be executed as it is.
constexpr std::array<std::string_view, 4> kTypeOrder = {"table", "index", "trigger", "view"};

std::size_t type_rank(std::string_view type) {
  const auto it = std::find(kTypeOrder.begin(), kTypeOrder.end(), type);
  return static_cast<std::size_t>(it - kTypeOrder.begin());
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// "CREATE [UNIQUE] INDEX name ON ...", "CREATE TABLE name(...": type and name of a statement.
SchemaObject object_of(std::string sql) {
  SchemaObject obj;
  std::vector<std::string> words;
  std::string word;
  // mutate: next-line rel.lt.ne: i steps by one from 0 and words grows by at most one per step,
  // so != stops exactly where < does
  for (std::size_t i = 0; i < sql.size() && words.size() < 4; ++i) {
    const char c = sql[i];
    if (is_space(c) || c == '(') {
      if (!word.empty()) words.push_back(std::move(word));
      // mutate: next-line call.void.remove: word was just moved from (libstdc++ leaves a
      // moved-from string empty) or was already empty
      word.clear();
      if (c == '(') break;
    } else {
      word += c;
    }
  }
  // mutate: next-line logic.and.or, rel.lt.le, rel.lt.ne: words only reaches 4 right after a push,
  // which leaves word empty; and an empty
  // word appended last gives the empty type
  // or name a missing word gives
  if (!word.empty() && words.size() < 4) words.push_back(word);
  std::size_t at = 1;
  if (at < words.size() &&
      (words[at] == "UNIQUE" || words[at] == "TEMP" || words[at] == "TEMPORARY"))
    ++at;
  if (at < words.size()) {
    std::string type = words[at];
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    obj.type = type;
  }
  if (at + 1 < words.size()) {
    std::string name = words[at + 1];
    if (name.size() >= 2 && (name.front() == '"' || name.front() == '`')) {
      name = name.substr(1, name.size() - 2);
    }
    obj.name = name;
  }
  obj.sql = std::move(sql);
  return obj;
}

}  // namespace

std::string normalize_sql(std::string_view sql) {
  std::string out;
  // mutate: next-line call.void.remove: capacity only; the output is the same
  out.reserve(sql.size());
  char quote = 0;
  bool pending_space = false;
  for (char c : sql) {
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    if (c == '\'' || c == '"' || c == '`') quote = c;
    if (c == '[') quote = ']';
    out += c;
  }
  return out;
}

std::vector<SchemaObject> parse_snapshot(std::string_view text) {
  std::vector<SchemaObject> objects;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.back() == ';') line.remove_suffix(1);
    if (!line.empty()) objects.push_back(object_of(normalize_sql(line)));
  }
  return objects;
}

std::string format_snapshot(std::vector<SchemaObject> objects) {
  std::sort(objects.begin(), objects.end(), [](const SchemaObject& a, const SchemaObject& b) {
    const auto ra = type_rank(a.type), rb = type_rank(b.type);
    // mutate: next-line rel.lt.le: ra != rb here, so ra <= rb is ra < rb
    return ra != rb ? ra < rb : a.name < b.name;
  });
  std::string out;
  for (const auto& obj : objects) {
    out += obj.sql;
    out += ";\n";
  }
  return out;
}

Result<std::vector<SchemaObject>> live_schema(Connection& db) {
  auto stmt = db.prepare(
      "SELECT type, name, sql FROM sqlite_schema "
      "WHERE sql IS NOT NULL AND substr(name, 1, 7) <> 'sqlite_'",
      "cannot read the schema");
  if (!stmt.ok()) return std::move(stmt).error();
  std::vector<SchemaObject> objects;
  for (;;) {
    auto row = stmt->step("cannot read the schema");
    if (!row.ok()) return std::move(row).error();
    if (!*row) break;
    objects.push_back(
        {std::string(stmt->text(0)), std::string(stmt->text(1)), normalize_sql(stmt->text(2))});
  }
  return objects;
}

std::string snapshot_sql(int version, std::string_view name) {
  for (auto& obj : parse_snapshot(schema_snapshot(version))) {
    if (obj.name == name) return std::move(obj.sql);
  }
  return {};
}

}  // namespace sqlink::cas_detail

namespace sqlink {

std::string_view cas_schema_snapshot() { return cas_detail::schema_snapshot(kCasSchemaVersion); }

}  // namespace sqlink
