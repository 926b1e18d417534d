// Fuzz target: `.load` arguments (PATH|URI, --grant, --trust, --mem, --timeout).
// Properties: those of common/dot_words.hpp, plus URI classification rules of core.md.
#include <cctype>

#include "common/dot_words.hpp"

namespace {

// core.md: a scheme is 2+ chars of [A-Za-z0-9+.-] followed by ':'; "C:\x" is a path.
bool looks_like_uri(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos || colon < 2) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c) && c != '+' && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sqlink;
  fuzz::check_dot_words({".load"}, data, size);
  std::vector<std::string> words = {".load"};
  for (auto& w : fuzz::split_words(data, size, 32)) words.push_back(std::move(w));
  auto command = parse_dot_words(words);
  if (!command) return 0;
  const auto& load = std::get<LoadCommand>(*command);
  const bool uri = load.target.kind == LoadTarget::Kind::uri;
  FUZZ_CHECK(uri == looks_like_uri(load.target.text), "misclassified " + load.target.text);
  if (uri && (load.target.scheme == "sha256" || load.target.scheme == "digest")) {
    const std::string hex = load.target.text.substr(load.target.scheme.size() + 1);
    FUZZ_CHECK(hex.size() == 64, load.target.text);
    for (const char c : hex) FUZZ_CHECK(std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(c)), load.target.text);
  }
  return 0;
}
