// The dot-command grammars (dotcmd.hpp): whole lines (tokenize + parse), `.bundle ...` words
// as the bundle CLI receives them, and `.load` arguments, each on a typical and a worst-case
// input. Worst cases are the largest inputs the limits allow, built to reach every code path.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "percentiles.hpp"
#include "sqlink/dotcmd.hpp"
#include "sqlink/limits.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

constexpr const char* kAllCaps = "fs-read,fs-write,net,spawn-build,hooks,native";

std::string typical_line() { return ".load ./ext/uuid.so --grant=fs-read,net --mem=64M --timeout=30s"; }

// limits::kMaxTokens words: a 4 KiB path written with a backslash before every byte, then
// double-quoted --grant words with escaped quotes inside, as far as the line limit allows.
std::string worst_line() {
  std::string line = ".load ";
  for (std::size_t i = 0; i < limits::kMaxPathBytes; ++i) {
    line += '\\';
    line += static_cast<char>('a' + i % 26);
  }
  std::size_t words = 2;
  const std::string flag = std::string(" \"--grant=") + kAllCaps + "\"";
  while (words < limits::kMaxTokens && line.size() + flag.size() <= limits::kMaxLineBytes) {
    line += flag;
    ++words;
  }
  return line;
}

std::vector<std::string> typical_bundle_words() { return {".bundle", "alias", "geo-tools", "gis"}; }

// `.bundle gc` with the largest count and duration, repeated up to limits::kMaxTokens words.
std::vector<std::string> worst_bundle_words() {
  std::vector<std::string> w = {".bundle", "gc"};
  while (w.size() + 2 <= limits::kMaxTokens) {
    if (w.size() % 4 == 2) {
      w.insert(w.end(), {"--keep", "18446744073709551615"});
    } else {
      w.insert(w.end(), {"--older-than", "106751991167300d"});
    }
  }
  return w;
}

std::vector<std::string> typical_load_words() {
  return {".load", "./ext/uuid.so", "--grant=net", "--trust=stored"};
}

// A hash URI in upper case (lower-cased by the parser), then every flag at its largest value,
// cycling, up to limits::kMaxTokens words.
std::vector<std::string> worst_load_words() {
  std::vector<std::string> w = {".load", "SHA256:" + std::string(64, 'A')};
  const std::string flags[] = {std::string("--grant=") + kAllCaps, "--trust=prompt",
                               "--mem=17179869183G", "--timeout=106751991167300d"};
  for (std::size_t i = 0; w.size() < limits::kMaxTokens; ++i) w.push_back(flags[i % 4]);
  return w;
}

[[noreturn]] void refuse(const std::string& what, const Error& e) {
  std::fprintf(stderr, "sqlink_bench: %s does not parse: %s\n", what.c_str(), e.message.c_str());
  std::abort();
}

void add_line(const std::string& name, std::string (*make)(), std::size_t batch) {
  add("dotcmd/line/" + name, [=](benchmark::State& state) {
    const std::string line = make();
    if (auto r = parse_dot_line(line); !r.ok()) refuse("the " + name + " line", r.error());
    sample(state, batch, [&line] { return parse_dot_line(line).ok(); },
           std::to_string(line.size()) + " bytes");
  });
}

void add_words(const std::string& group, const std::string& name,
               std::vector<std::string> (*make)(), std::size_t batch) {
  add(group + "/" + name, [=](benchmark::State& state) {
    const std::vector<std::string> words = make();
    if (auto r = parse_dot_words(words); !r.ok()) refuse(group + " " + name, r.error());
    sample(state, batch, [&words] { return parse_dot_words(words).ok(); },
           std::to_string(words.size()) + " words");
  });
}

void register_dotcmd() {
  add_line("typical", &typical_line, 16);
  add_line("worst", &worst_line, 1);
  add_words("dotcmd/bundle_words", "typical", &typical_bundle_words, 32);
  add_words("dotcmd/bundle_words", "worst", &worst_bundle_words, 1);
  add_words("dotcmd/load_args", "typical", &typical_load_words, 16);
  add_words("dotcmd/load_args", "worst", &worst_load_words, 1);
}

SQLINK_BENCH_SUITE(register_dotcmd);

}  // namespace
}  // namespace sqlink::bench
