// Property checks for fuzz targets: a failed property aborts with a message, which every
// engine (libFuzzer, AFL++, the replay driver) records as a crash with this input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"

#define FUZZ_CHECK(cond, ...)                                                           \
  do {                                                                                  \
    if (!(cond)) ::sqlink::fuzz::fail(__FILE__, __LINE__, #cond, ::std::string(__VA_ARGS__)); \
  } while (0)

namespace sqlink::fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* cond, const std::string& why) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n  %s\n", file, line, cond,
               sanitize(why, 4096).c_str());
  std::abort();
}

inline bool has_terminal_control(std::string_view s) {
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return true;
  }
  return false;
}

// What every error of the public API promises: a known code, an exit code that matches
// it, a message that names the (sanitised) input, and nothing a terminal would act on.
inline void check_error(const Error& e) {
  FUZZ_CHECK(e.code != Errc::ok, e.message);
  FUZZ_CHECK(!errc_name(e.code).empty(), e.message);
  FUZZ_CHECK(e.exit_code() == 1 || e.exit_code() == 2, e.message);
  FUZZ_CHECK(!e.message.empty(), "empty message for " + std::string(errc_name(e.code)));
  FUZZ_CHECK(!has_terminal_control(e.message), e.message);
  FUZZ_CHECK(!has_terminal_control(e.input), e.input);
  FUZZ_CHECK(!has_terminal_control(e.hint), e.hint);
  FUZZ_CHECK(e.input.empty() || e.message.find(e.input) != std::string::npos,
             "message '" + e.message + "' does not name input '" + e.input + "'");
}

// Splits fuzz bytes into words at NUL bytes, the way argv arrives from the kernel, capped so
// a single input cannot ask for absurd amounts of work.
inline std::vector<std::string> split_words(const std::uint8_t* data, std::size_t size,
                                            std::size_t max_words = 64) {
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      if (words.size() == max_words) break;
      words.emplace_back();
    } else {
      words.back() += static_cast<char>(data[i]);
    }
  }
  return words;
}

}  // namespace sqlink::fuzz
