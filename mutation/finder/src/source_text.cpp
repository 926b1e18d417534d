// The raw text of a mutated file: a small C++ lexer that finds comments, string literals (so
// comment markers inside them are not comments), preprocessor directives and line continuations.
// It never needs to be exact about tokens, only about where comments and literals start and end.
#include "source_text.hpp"

#include <algorithm>
#include <cctype>

namespace sqlink::finder {
namespace {

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

SourceText::SourceText(std::string bytes) : bytes_(std::move(bytes)) {
  line_starts_.push_back(0);
  for (unsigned i = 0; i < bytes_.size(); ++i)
    if (bytes_[i] == '\n') line_starts_.push_back(i + 1);
  scan();
}

std::pair<unsigned, unsigned> SourceText::line_column(unsigned offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  unsigned line = static_cast<unsigned>(it - line_starts_.begin());
  return {line, offset - line_starts_[line - 1] + 1};
}

bool SourceText::any_in(const std::vector<unsigned>& sorted, Span span) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), span.begin);
  return it != sorted.end() && *it < span.end;
}

bool SourceText::has_line_hazard(Span span) const { return any_in(hazards_, span); }
bool SourceText::has_directive(Span span) const { return any_in(directives_, span); }

std::string SourceText::flattened(Span span) const {
  std::string out;
  out.reserve(span.end - span.begin);
  auto comment = std::lower_bound(comments_.begin(), comments_.end(), span.begin,
                                  [](const Comment& c, unsigned pos) { return c.span.end <= pos; });
  for (unsigned i = span.begin; i < span.end;) {
    if (comment != comments_.end() && comment->span.begin <= i) {
      out += ' ';
      i = std::min(comment->span.end, span.end);
      ++comment;
      continue;
    }
    char c = bytes_[i++];
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

void SourceText::scan() {
  const std::string& s = bytes_;
  const unsigned n = static_cast<unsigned>(s.size());
  bool line_start = true;  // only whitespace so far on this logical line
  // A backslash-newline (phase 2) joins lines anywhere; note it and step over it.
  auto continuation = [&](unsigned i) -> unsigned {
    if (s[i] != '\\') return 0;
    unsigned j = i + 1;
    while (j < n && (s[j] == ' ' || s[j] == '\t')) ++j;  // GCC and Clang accept trailing blanks
    if (j < n && s[j] == '\r') ++j;
    if (j < n && s[j] == '\n') return j + 1 - i;
    return 0;
  };
  unsigned i = 0;
  while (i < n) {
    char c = s[i];
    if (unsigned len = continuation(i)) {
      hazards_.push_back(i);
      i += len;
      continue;
    }
    if (c == '\n') {
      line_start = true;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      unsigned j = i + 2;
      while (j < n && s[j] != '\n') {
        if (unsigned len = continuation(j)) {
          hazards_.push_back(j);
          j += len;
        } else {
          ++j;
        }
      }
      if (j > i && s[j - 1] == '\r') --j;
      comments_.push_back({{i, j}, true});
      i = j;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      size_t close = s.find("*/", i + 2);
      unsigned j = close == std::string::npos ? n : static_cast<unsigned>(close) + 2;
      comments_.push_back({{i, j}, false});
      i = j;
      continue;  // a block comment does not end the "only whitespace so far" state
    }
    if (c == '#' && line_start) {
      directives_.push_back(i);
      line_start = false;
      ++i;
      continue;
    }
    line_start = false;
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      // pp-number: digits, letters, '.', digit separators, and signed exponents.
      unsigned j = i + 1;
      while (j < n) {
        char d = s[j];
        if ((d == 'e' || d == 'E' || d == 'p' || d == 'P') && j + 1 < n &&
            (s[j + 1] == '+' || s[j + 1] == '-')) {
          j += 2;
        } else if (d == '\'' && j + 1 < n && is_ident_char(s[j + 1])) {
          j += 2;
        } else if (is_ident_char(d) || d == '.') {
          ++j;
        } else {
          break;
        }
      }
      i = j;
      continue;
    }
    if (is_ident_char(c)) {
      unsigned j = i;
      while (j < n && is_ident_char(s[j])) ++j;
      std::string_view word(s.data() + i, j - i);
      bool raw = !word.empty() && word.back() == 'R' &&
                 (word == "R" || word == "LR" || word == "uR" || word == "UR" || word == "u8R");
      if (raw && j < n && s[j] == '"') {
        // R"delim( ... )delim"
        size_t open = s.find('(', j + 1);
        if (open == std::string::npos) {
          i = n;
          continue;
        }
        std::string close(1, ')');
        close.append(s, j + 1, open - j - 1);
        close += '"';
        size_t end = s.find(close, open + 1);
        unsigned stop = end == std::string::npos ? n : static_cast<unsigned>(end + close.size());
        for (unsigned k = j; k < stop; ++k)
          if (s[k] == '\n') hazards_.push_back(k);
        i = stop;
        continue;
      }
      bool prefix = word == "L" || word == "u" || word == "U" || word == "u8";
      if (prefix && j < n && (s[j] == '"' || s[j] == '\'')) {
        i = j;  // the literal is lexed next
        continue;
      }
      i = j;
      continue;
    }
    if (c == '"' || c == '\'') {
      unsigned j = i + 1;
      while (j < n && s[j] != c && s[j] != '\n') {
        if (unsigned len = continuation(j)) {
          hazards_.push_back(j);
          j += len;
        } else if (s[j] == '\\' && j + 1 < n) {
          j += 2;
        } else {
          ++j;
        }
      }
      i = j < n && s[j] == c ? j + 1 : j;
      continue;
    }
    ++i;
  }
  std::sort(hazards_.begin(), hazards_.end());
}

}  // namespace sqlink::finder
