// Fuzz target: one guest dot-command line, as typed at the prompt (tokenizer + parser).
// Properties: errors are well-formed; an accepted line prints to a canonical line that
// parses back to the same command; the canonical line is a fixed point; quote_word round-trips.
#include <cstdint>
#include <string>

#include "common/fuzz_check.hpp"
#include "sqlink/dotcmd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sqlink;
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto words = tokenize_line(line);
  if (!words) {
    fuzz::check_error(words.error());
    FUZZ_CHECK(!parse_dot_line(line).ok(), "tokenizer refused a line the parser accepted");
    return 0;
  }
  for (const auto& w : *words) {
    auto back = tokenize_line(quote_word(w));
    FUZZ_CHECK(back.ok() && back->size() == 1 && (*back)[0] == w, "quote_word does not round-trip: " + w);
  }
  auto command = parse_dot_line(line);
  if (!command) {
    fuzz::check_error(command.error());
    FUZZ_CHECK(command.error().exit_code() == 2, command.error().message);
    return 0;
  }
  const std::string canonical = format_dot_command(*command);
  auto again = parse_dot_line(canonical);
  FUZZ_CHECK(again.ok(), "canonical line refused: " + canonical);
  FUZZ_CHECK(*again == *command, "parse(format(c)) != c for " + canonical);
  FUZZ_CHECK(format_dot_command(*again) == canonical, "format is not a fixed point: " + canonical);
  FUZZ_CHECK(!dot_command_name(*command).empty(), canonical);
  return 0;
}
