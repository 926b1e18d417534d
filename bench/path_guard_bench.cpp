// Spawn-build path validation (path_guard.hpp). Lexical: requests decided from their strings
// alone, before any filesystem call. Filesystem: accepted requests (realpath of the root and of
// every prefix, a stat), and the full validate-and-open. Peer: bare realpath() of root and
// prefix plus the component-wise prefix check, on the same typical request.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "percentiles.hpp"
#include "scratch.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/path_guard.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTriple = "x86_64-unknown-linux-gnu";

// <scratch>/builds/crate; a 32-level tree under builds/deep reached through a symlink; seven
// decoy prefixes that exist but do not contain the root.
struct Tree {
  ScratchDir dir{"pathguard"};
  std::string builds = dir.path() + "/builds";
  std::vector<std::string> decoys;
  std::string deep_root;
  Tree() {
    fs::create_directories(builds + "/crate");
    std::string deep = builds + "/deep";
    for (int i = 0; i < 32; ++i) deep += "/level-" + std::to_string(i);
    fs::create_directories(deep);
    fs::create_directory_symlink(builds + "/deep/level-0", builds + "/shortcut");
    deep_root = builds + "/shortcut/./level-1/../level-1";
    for (int i = 2; i < 32; ++i) deep_root += "/level-" + std::to_string(i);
    for (int i = 0; i < 7; ++i) {
      decoys.push_back(dir.path() + "/decoy-" + std::to_string(i));
      fs::create_directories(decoys.back());
    }
  }
};

Tree& tree() {
  static Tree t;
  return t;
}

struct Request {
  BuildRequest request;
  BuildPolicy policy;
};

Request lexical_typical() {
  // A crate root with a control byte in it: refused from the string alone.
  return {{"/srv/builds/my-crate\x1b[0m", std::string(kTriple)}, {true, {"/srv/builds"}, false}};
}

// Everything is scanned before the verdict: a limit-sized root, a limit-sized triple, and
// sixteen limit-sized prefixes of which only the last has a control byte.
Request lexical_worst() {
  Request r{{std::string(limits::kMaxPathBytes, 'r'), std::string(limits::kMaxTripleBytes, 't')},
            {true, {}, false}};
  r.request.crate_root[0] = '/';
  for (int i = 0; i < 16; ++i) r.policy.allowed_prefixes.emplace_back(limits::kMaxPathBytes, 'p');
  r.policy.allowed_prefixes.back()[limits::kMaxPathBytes / 2] = '\x01';
  return r;
}

Request fs_typical() {
  return {{tree().builds + "/crate", std::string(kTriple)}, {true, {tree().builds}, false}};
}

// 34 components through a symlink, "." and "..", checked against eight prefixes.
Request fs_worst() {
  Request r{{tree().deep_root, std::string(kTriple)}, {true, tree().decoys, false}};
  r.policy.allowed_prefixes.push_back(tree().builds);
  return r;
}

bool is_within(const std::string& root, const std::string& prefix) {
  if (root == prefix) return true;
  return root.size() > prefix.size() && root.compare(0, prefix.size(), prefix) == 0 &&
         root[prefix.size()] == '/';
}

// The peer: what a validator without path_guard's checks would do at least.
bool realpath_prefix(const std::string& root, const std::string& prefix) {
  struct Free {
    void operator()(char* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<char, Free> r(::realpath(root.c_str(), nullptr));
  std::unique_ptr<char, Free> p(::realpath(prefix.c_str(), nullptr));
  return r && p && is_within(r.get(), p.get());
}

void add_check(const std::string& name, Request (*make)(), bool accepted, std::size_t batch) {
  add(name, [=](benchmark::State& state) {
    const Request r = make();
    const auto first = check_build_request(r.request, r.policy);
    if (first.ok() != accepted) {
      std::fprintf(stderr, "sqlink_bench: %s: the request was %s%s\n", name.c_str(),
                   first.ok() ? "accepted" : "refused: ",
                   first.ok() ? "" : first.error().message.c_str());
      std::abort();
    }
    sample(state, batch, [&r] { return check_build_request(r.request, r.policy).ok(); },
           accepted ? "accepted" : "refused lexically");
  });
}

void register_path_guard() {
  add_check("path_guard/lexical/typical", &lexical_typical, false, 1);
  add_check("path_guard/lexical/worst", &lexical_worst, false, 1);
  add_check("path_guard/fs/typical", &fs_typical, true, 1);
  add_check("path_guard/fs/worst", &fs_worst, true, 1);
  add("path_guard/fs/validate_open", [](benchmark::State& state) {
    const Request r = fs_typical();
    if (auto opened = validate_build_root(r.request, r.policy); !opened.ok()) {
      std::fprintf(stderr, "sqlink_bench: validate_build_root: %s\n",
                   opened.error().message.c_str());
      std::abort();
    }
    sample(state, 1, [&r] { return validate_build_root(r.request, r.policy).ok(); },
           "check_build_request + open beneath the prefix");
  });
  add("path_guard/peer/realpath_prefix", [](benchmark::State& state) {
    const Request r = fs_typical();
    const std::string& root = r.request.crate_root;
    const std::string& prefix = r.policy.allowed_prefixes.front();
    if (!realpath_prefix(root, prefix)) std::abort();
    sample(state, 1, [&] { return realpath_prefix(root, prefix); },
           "peer of path_guard/fs/typical");
  });
}

SQLINK_BENCH_SUITE(register_path_guard);

}  // namespace
}  // namespace sqlink::bench
