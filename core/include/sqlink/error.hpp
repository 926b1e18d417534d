// The one error type of sqlink: a code from a table, a message, the offending input.
// Nothing in the public API throws; fallible calls return Result<T>.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "sqlink/limits.hpp"

namespace sqlink {

// X(name, exit_code, summary). Exit code 2 marks a usage error (bad input on the command
// line or in a dot-command), 1 an operation that failed. Declared once; the enum, the names
// and the exit codes all come from here.
#define SQLINK_ERRC_TABLE(X)                                                   \
  X(ok, 0, "success")                                                          \
  X(missing_value, 2, "a flag is missing its value")                           \
  X(unknown_flag, 2, "unknown flag")                                           \
  X(unexpected_value, 2, "a flag that takes no value was given one")          \
  X(unknown_command, 2, "unknown command")                                     \
  X(missing_argument, 2, "a required argument is missing")                     \
  X(extra_argument, 2, "too many arguments")                                   \
  X(invalid_value, 2, "a value does not match its grammar")                    \
  X(out_of_range, 2, "a number is out of range")                               \
  X(too_long, 2, "an input exceeds its length limit")                          \
  X(control_character, 2, "an input contains a control character or NUL")      \
  X(unterminated_quote, 2, "a quoted string is not closed")                    \
  X(unknown_capability, 2, "unknown capability")                               \
  X(permission_denied, 1, "a required grant or permission is missing")         \
  X(not_found, 1, "not found")                                                 \
  X(outside_root, 1, "a path lies outside every allowed root")                 \
  X(not_a_directory, 1, "not a directory")                                     \
  X(io_error, 1, "input/output error")                                         \
  X(timeout, 1, "timed out")                                                   \
  X(child_failed, 1, "a child process failed")                                 \
  X(unsupported, 1, "not supported")                                           \
  X(ambiguous, 1, "a reference matches more than one thing")                   \
  X(conflict, 1, "the change conflicts with what is stored")                   \
  X(corrupt, 1, "stored data does not match its hash or schema")               \
  X(schema_too_new, 1, "the database was written by a newer version")          \
  X(database_error, 1, "the database reported an error")                       \
  X(network_error, 1, "a transfer failed")                                     \
  X(too_large, 1, "data exceeds its size cap")                                 \
  X(internal, 1, "internal error")

enum class Errc : int {
#define SQLINK_X(name, exit_code, summary) name,
  SQLINK_ERRC_TABLE(SQLINK_X)
#undef SQLINK_X
};

// The stable lower_snake name of a code ("missing_value"), as printed in --json output.
std::string_view errc_name(Errc code) noexcept;
// One-line description of a code, for help texts.
std::string_view errc_summary(Errc code) noexcept;
// 2 for usage errors, 1 for failed operations, 0 for ok.
int errc_exit_code(Errc code) noexcept;

// Makes untrusted bytes safe to echo to a terminal: control bytes (C0, DEL, C1) and bytes
// that are not valid UTF-8 become \xNN; input longer than max_bytes is cut and marked with
// "...". Printable text, including backslashes, is left as it is.
std::string sanitize(std::string_view raw, std::size_t max_bytes = limits::kMaxEchoBytes);
// True when `text` holds a C0 control byte (NUL included) or DEL: what every name, path and
// value the library accepts must be free of. Bytes >= 0x80 are not judged here.
bool has_control_byte(std::string_view text) noexcept;
// sanitize() wrapped in single quotes: the form every message uses to name its input.
// The overloads are exact matches so that argument-dependent lookup never picks std::quoted.
std::string quoted(std::string_view raw);
inline std::string quoted(const std::string& raw) { return quoted(std::string_view(raw)); }
inline std::string quoted(std::string& raw) { return quoted(std::string_view(raw)); }
inline std::string quoted(const char* raw) { return quoted(std::string_view(raw)); }

struct Error {
  Errc code = Errc::internal;
  std::string message;  // one line, names the offending input via quoted()
  std::string input;    // the offending input, sanitised (empty when there is none)
  std::string hint;     // optional advice, e.g. "did you mean '--db'?"

  // Builds an error whose input is sanitize(raw_input); `message` must already name it.
  static Error make(Errc code, std::string message, std::string_view raw_input = {},
                    std::string hint = {});
  int exit_code() const noexcept { return errc_exit_code(code); }
  // "message (hint)" or just the message.
  std::string to_string() const;
  friend bool operator==(const Error&, const Error&) = default;
};

// A value or an Error. value() on an error is a programming bug and aborts; check ok() first.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { check(); return std::get<0>(v_); }
  const T& value() const& { check(); return std::get<0>(v_); }
  T&& value() && { check(); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    if (ok()) std::abort();
    return std::get<1>(v_);
  }
  Error&& error() && {
    if (ok()) std::abort();
    return std::get<1>(std::move(v_));
  }

 private:
  void check() const {
    if (!ok()) std::abort();
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& {
    if (ok_) std::abort();
    return error_;
  }

 private:
  Error error_{};
  bool ok_ = true;
};

}  // namespace sqlink
