// Shared body of the fuzz targets that feed one dot-command family already split into words
// (as the host passes argv after the flags): the family's words are prepended to the input.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/fuzz_check.hpp"
#include "sqlink/dotcmd.hpp"

namespace sqlink::fuzz {

inline void check_dot_words(std::initializer_list<const char*> head, const std::uint8_t* data,
                            std::size_t size) {
  std::vector<std::string> words(head.begin(), head.end());
  for (auto& w : split_words(data, size, 32)) words.push_back(std::move(w));
  auto command = parse_dot_words(words);
  if (!command) {
    check_error(command.error());
    FUZZ_CHECK(command.error().exit_code() == 2, command.error().message);
    return;
  }
  const std::string canonical = format_dot_command(*command);
  auto again = parse_dot_line(canonical);
  FUZZ_CHECK(again.ok(), "canonical line refused: " + canonical);
  FUZZ_CHECK(*again == *command, "parse(format(c)) != c for " + canonical);
  auto split = tokenize_line(canonical);
  FUZZ_CHECK(split.ok(), canonical);
  auto from_words = parse_dot_words(*split);
  FUZZ_CHECK(from_words.ok() && *from_words == *command, "words and line disagree: " + canonical);
}

}  // namespace sqlink::fuzz
