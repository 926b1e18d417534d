// Fuzz target: `.bundle ...` argv words (save, build, list, show, delete, alias, unalias, gc).
// Properties: those of common/dot_words.hpp.
#include "common/dot_words.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sqlink::fuzz::check_dot_words({".bundle"}, data, size);
  return 0;
}
