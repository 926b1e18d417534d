// ScratchDir and deterministic fixture bytes.
#include "scratch.hpp"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

namespace sqlink::bench {

namespace fs = std::filesystem;

ScratchDir::ScratchDir(std::string_view tag) {
  std::string tmpl = (fs::temp_directory_path() / ("sqlink-bench-" + std::string(tag) + "-XXXXXX"))
                         .string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("sqlink_bench: mkdtemp");
    std::abort();
  }
  path_ = fs::canonical(tmpl).string();
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t word = rng();
    for (std::size_t j = 0; j < 8 && i + j < size; ++j) {
      out[i + j] = static_cast<char>((word >> (8 * j)) & 0xff);
    }
  }
  return out;
}

}  // namespace sqlink::bench
