// Fuzz target: the host command line. Input bytes are argv words separated by NUL.
// Properties: errors are well-formed; accepted argv prints to a canonical argv that parses
// back to the same value, and printing is idempotent.
#include <cstdint>

#include "common/fuzz_check.hpp"
#include "sqlink/argv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sqlink;
  const std::vector<std::string> words = fuzz::split_words(data, size);
  auto parsed = parse_host_argv(std::span<const std::string>(words));
  if (!parsed) {
    fuzz::check_error(parsed.error());
    FUZZ_CHECK(parsed.error().exit_code() == 2, parsed.error().message);
    return 0;
  }
  const std::vector<std::string> printed = format_host_argv(*parsed);
  auto reparsed = parse_host_argv(std::span<const std::string>(printed));
  FUZZ_CHECK(reparsed.ok(), reparsed.ok() ? "" : reparsed.error().message);
  FUZZ_CHECK(*reparsed == *parsed, "parse(print(a)) != a");
  FUZZ_CHECK(format_host_argv(*reparsed) == printed, "printing is not idempotent");
  return 0;
}
