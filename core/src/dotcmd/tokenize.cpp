// Splits a dot-command line into words with shell-like quoting, and quotes one word back:
// tokenize_line(quote_word(w)) == {w} for every word without control characters.
#include <string>
#include <string_view>
#include <vector>

#include "dotcmd/internal.hpp"
#include "sqlink/dotcmd.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace dotcmd {

std::size_t control_length(std::string_view text, std::size_t i) noexcept {
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  if (byte(i) < 0x20 || byte(i) == 0x7f) return 1;
  // mutate: next-line rel.lt.ne: every caller passes i < text.size(), so i + 1 never exceeds it
  if (byte(i) == 0xc2 && i + 1 < text.size() && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9f) return 2;
  return 0;
}

std::size_t find_control(std::string_view text) noexcept {
  // mutate: next-line rel.lt.ne: i steps by one from 0
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (control_length(text, i) != 0) return i;
  }
  return std::string_view::npos;
}

Error control_error(std::string_view word, std::size_t pos) {
  const std::string_view bad = word.substr(pos, control_length(word, pos));
  return Error::make(Errc::control_character, "control character " + sanitize(bad) + " in " + quoted(word),
                     word);
}

}  // namespace dotcmd

namespace {

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// Bytes that never need quoting: none of them is special to tokenize_line or to a POSIX shell.
bool is_safe(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("._-+/:=,@%^").find(c) != std::string_view::npos;
}

}  // namespace

Result<std::vector<std::string>> tokenize_line(std::string_view line) {
  if (line.ends_with("\r\n")) {
    line.remove_suffix(2);
  } else if (line.ends_with('\n')) {
    line.remove_suffix(1);
  }
  if (line.size() > limits::kMaxLineBytes) {
    return Error::make(Errc::too_long,
                       "dot-command line of " + std::to_string(line.size()) + " bytes is too long (at most " +
                           std::to_string(limits::kMaxLineBytes) + "): " + quoted(line),
                       line);
  }

  enum class Quote { none, single, double_ };
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  bool escaped = false;  // the previous byte was a backslash that escapes this one
  Quote quote = Quote::none;
  std::size_t start = 0;  // where the current word begins in `line`, for messages

  const auto finish_word = [&]() -> Result<void> {
    if (words.size() == limits::kMaxTokens) {
      return Error::make(Errc::too_long,
                         "more than " + std::to_string(limits::kMaxTokens) + " words in " + quoted(line),
                         line);
    }
    // Quotes and escapes can join bytes that were harmless apart into a C1 control
    // ("\xc2\\\x91"), so the finished word is checked again.
    if (const std::size_t pos = dotcmd::find_control(word); pos != std::string::npos) {
      return dotcmd::control_error(word, pos);
    }
    words.push_back(std::move(word));
    // mutate: next-line call.void.remove: libstdc++ leaves a moved-from std::string empty
    word.clear();
    in_word = false;
    return {};
  };

  // mutate: next-line rel.lt.ne: i steps by one from 0
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (is_blank(c) && quote == Quote::none && !escaped) {
      if (in_word) {
        if (auto r = finish_word(); !r) return r.error();
      }
      continue;
    }
    if (!in_word) {
      in_word = true;
      start = i;
    }
    if (const std::size_t n = dotcmd::control_length(line, i); n != 0) {
      return dotcmd::control_error(line.substr(start, i + n - start), i - start);
    }
    if (escaped) {
      word += c;
      escaped = false;
      continue;
    }
    switch (quote) {
      case Quote::none:
        if (c == '\'') {
          quote = Quote::single;
        } else if (c == '"') {
          quote = Quote::double_;
        } else if (c == '\\') {
          escaped = true;
        } else {
          word += c;
        }
        break;
      case Quote::single:
        if (c == '\'') {
          quote = Quote::none;
        } else {
          word += c;
        }
        break;
      case Quote::double_:
        if (c == '"') {
          quote = Quote::none;
        // mutate: next-line rel.lt.ne: i < line.size() in the loop, so i + 1 never exceeds it
        } else if (c == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
          escaped = true;
        } else {
          word += c;
        }
        break;
    }
  }

  const std::string_view rest = line.substr(start);
  if (escaped) {
    return Error::make(Errc::unterminated_quote, "trailing backslash in " + quoted(rest), rest,
                       "write \\\\ for a literal backslash");
  }
  if (quote != Quote::none) {
    const char* which = quote == Quote::single ? "single" : "double";
    return Error::make(Errc::unterminated_quote,
                       std::string("unterminated ") + which + " quote in " + quoted(rest), rest);
  }
  if (in_word) {
    if (auto r = finish_word(); !r) return r.error();
  }
  return words;
}

std::string quote_word(std::string_view word) {
  bool safe = !word.empty();
  for (const char c : word) safe = safe && is_safe(c);
  if (safe) return std::string(word);

  // Inside single quotes nothing is special, so a quote closes, is escaped, and reopens.
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

}  // namespace sqlink
