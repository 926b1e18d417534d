// Suppression comments: "// mutate: off|on|next-line [OPERATORS:] [REASON]" found in the raw text.
#include "suppress.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <string_view>

#include "operators.hpp"

namespace sqlink::finder {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool consume(std::string_view& s, std::string_view word) {
  if (s.substr(0, word.size()) != word) return false;
  s.remove_prefix(word.size());
  return true;
}

// The reason: the rest, after an optional separator ("-", "--", "—", "–", ":").
std::string reason_of(std::string_view rest) {
  rest = trim(rest);
  while (consume(rest, "\xE2\x80\x94") || consume(rest, "\xE2\x80\x93") || consume(rest, "-") ||
         consume(rest, ":"))
    rest = trim(rest);
  return std::string(trim(rest));
}

bool operator_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

// "rel.lt.ne, lit.int: reason" -> the operator list and what follows it. `rest` is left alone
// when it does not start with such a list. A list that names an unknown operator sets `unknown`.
std::vector<std::string> operator_list(std::string_view& rest, std::string& unknown) {
  std::string_view s = trim(rest);
  std::vector<std::string> items;
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && operator_char(s[i])) ++i;
    if (i == start) return {};
    items.emplace_back(s.substr(start, i - start));
    if (i < s.size() && s[i] == ',') {
      ++i;
      while (i < s.size() && s[i] == ' ') ++i;
      continue;
    }
    break;
  }
  if (i >= s.size() || s[i] != ':') return {};
  bool looks_like_names = std::any_of(items.begin(), items.end(),
                                      [](const std::string& item) { return item.find('.') != std::string::npos; });
  for (const std::string& item : items) {
    if (names_operators(item)) continue;
    if (looks_like_names) unknown = item;
    return {};
  }
  rest = s.substr(i + 1);
  return items;
}

}  // namespace

bool Suppressions::Directive::covers(std::string_view op) const {
  return operators.empty() || std::any_of(operators.begin(), operators.end(), [&](const std::string& family) {
           return matches_prefix(op, family);
         });
}

Suppressions::Suppressions(const SourceText& text, std::vector<std::string>& warnings) {
  std::optional<Region> open;
  std::vector<std::pair<unsigned, Directive>> next_line_comments;
  std::set<unsigned> comment_lines;  // lines holding nothing but a // comment
  for (const Comment& comment : text.comments()) {
    if (!comment.line) continue;
    auto [comment_line, column] = text.line_column(comment.span.begin);
    std::string_view before = text.text(Span{comment.span.begin - (column - 1), comment.span.begin});
    if (trim(before).empty()) comment_lines.insert(comment_line);
  }
  for (const Comment& comment : text.comments()) {
    if (!comment.line) continue;
    std::string_view body = text.text(comment.span);
    while (!body.empty() && body.front() == '/') body.remove_prefix(1);
    body = trim(body);
    if (!consume(body, "mutate:")) continue;
    body = trim(body);
    unsigned line = text.line_column(comment.span.begin).first;
    auto keyword = [&](std::string_view word) {
      if (body.substr(0, word.size()) != word) return false;
      std::string_view rest = body.substr(word.size());
      if (!rest.empty() && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '-' && rest[0] != ':' &&
          rest.substr(0, 3) != "\xE2\x80\x94" && rest.substr(0, 3) != "\xE2\x80\x93")
        return false;
      body = rest;
      return true;
    };
    auto directive = [&](std::string_view name) -> std::optional<Directive> {
      std::string unknown;
      std::vector<std::string> operators = operator_list(body, unknown);
      if (!unknown.empty()) {
        warnings.push_back(std::to_string(line) + ": warning: \"mutate: " + std::string(name) +
                           "\" names no operator \"" + unknown + "\"; it suppresses nothing");
        return std::nullopt;
      }
      return Directive{std::move(operators), reason_of(body)};
    };
    if (keyword("next-line")) {
      if (auto d = directive("next-line")) next_line_comments.emplace_back(line, std::move(*d));
    } else if (keyword("off")) {
      if (open) {
        warnings.push_back(std::to_string(line) + ": warning: \"mutate: off\" inside an off region (line " +
                           std::to_string(open->first) + ")");
        continue;
      }
      if (auto d = directive("off")) open = Region{line, std::numeric_limits<unsigned>::max(), std::move(*d)};
    } else if (keyword("on")) {
      if (!open) {
        warnings.push_back(std::to_string(line) + ": warning: \"mutate: on\" without \"mutate: off\"");
        continue;
      }
      open->last = line - 1;
      regions_.push_back(std::move(*open));
      open.reset();
    } else {
      warnings.push_back(std::to_string(line) +
                         ": warning: unknown \"mutate:\" comment (expected off, on or next-line)");
    }
  }
  if (open) regions_.push_back(std::move(*open));
  // A next-line comment applies to the first line below it that is not only a comment: its
  // reason may go on over more comment lines, and next-line comments may be stacked.
  for (auto& [line, d] : next_line_comments) {
    unsigned target = line + 1;
    while (comment_lines.count(target)) ++target;
    next_lines_.emplace(target, std::move(d));
  }
}

std::optional<std::string> Suppressions::reason_for(unsigned line, std::string_view op) const {
  auto [from, to] = next_lines_.equal_range(line);
  for (auto it = from; it != to; ++it)
    if (it->second.covers(op)) return it->second.reason;
  for (const Region& region : regions_)
    if (region.first <= line && line <= region.last && region.directive.covers(op)) return region.directive.reason;
  return std::nullopt;
}

}  // namespace sqlink::finder
