// Scratch directories for benchmark fixtures (stores, databases, directory trees): made under
// the system temp directory, removed when the program exits.
#pragma once

#include <string>
#include <string_view>

namespace sqlink::bench {

class ScratchDir {
 public:
  explicit ScratchDir(std::string_view tag);  // aborts when no directory can be made
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

// Random bytes from a fixed seed, so every run hashes and stores the same data.
std::string random_bytes(std::size_t size, unsigned seed);

}  // namespace sqlink::bench
