// Suppression comments: "// mutate: off|on|next-line [REASON]" found in the raw text.
#include "suppress.hpp"

#include <limits>
#include <string_view>

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

}  // namespace

Suppressions::Suppressions(const SourceText& text, std::vector<std::string>& warnings) {
  std::optional<Region> open;
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
    if (keyword("next-line")) {
      next_lines_[line + 1] = reason_of(body);
    } else if (keyword("off")) {
      if (open) {
        warnings.push_back(std::to_string(line) + ": warning: \"mutate: off\" inside an off region (line " +
                           std::to_string(open->first) + ")");
        continue;
      }
      open = Region{line, std::numeric_limits<unsigned>::max(), reason_of(body)};
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
}

std::optional<std::string> Suppressions::reason_for(unsigned line) const {
  if (auto it = next_lines_.find(line); it != next_lines_.end()) return it->second;
  for (const Region& region : regions_)
    if (region.first <= line && line <= region.last) return region.reason;
  return std::nullopt;
}

}  // namespace sqlink::finder
