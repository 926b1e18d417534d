// The host command line (argv.hpp) on a typical and a worst-case argv, and CLI11 parsing the
// very same argv with the same flags, as a peer: the ratio says what the hand-written parser
// costs against a general-purpose one.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "percentiles.hpp"
#include "sqlink/argv.hpp"
#include "sqlink/limits.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

// An argv with the program name first, kept alive with its char* view.
struct Argv {
  std::vector<std::string> words;
  std::vector<const char*> ptrs;
  explicit Argv(std::vector<std::string> w) : words(std::move(w)) {
    for (const std::string& s : words) ptrs.push_back(s.c_str());
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  const char* const* argv() const { return ptrs.data(); }
};

std::string long_path(std::size_t bytes) {
  std::string p = "/home/user/projects";
  while (p.size() + 13 <= bytes) p += "/segment-0123";
  return p;
}

// What a user types: a database, a cache, a bundle, two grants, JSON, then a dot-command.
const Argv& typical() {
  static const Argv a({"sqlink", "--db", "/home/user/data/app.db", "--cache-dir",
                       "/home/user/.cache/sqlink", "--bundle", "geo-tools", "--grant",
                       "fs-read,net", "--json", "--", ".load", "./ext/uuid.so", "--grant=net"});
  return a;
}

// The largest argv the parser accepts: limits::kMaxArgs words, near-limit paths and refs, and
// every other word a --grant of every capability; a dot-command after "--".
const Argv& worst() {
  static const Argv a = [] {
    std::vector<std::string> w = {"sqlink",
                                  "--db",
                                  long_path(4000),
                                  "--cache-dir",
                                  long_path(4000),
                                  "--bundle-load",
                                  std::string(limits::kMaxNameBytes, 'b')};
    const std::vector<std::string> tail = {"--",          ".load",         "./ext/uuid.so",
                                           "--grant=net", "--trust=stored", "--mem=64M",
                                           "--timeout=30s"};
    while (w.size() - 1 + 2 + tail.size() <= limits::kMaxArgs) {
      w.push_back("--grant");
      w.push_back("fs-read,fs-write,net,spawn-build,hooks,native");
    }
    w.insert(w.end(), tail.begin(), tail.end());
    return Argv(std::move(w));
  }();
  return a;
}

// CLI11 with the host's flags: the same names, a capability whitelist, and prefix_command()
// so that everything after "--" is left alone as the command, as the host does.
struct Cli11 {
  CLI::App app{"sqlink"};
  std::string db, cache_dir, bundle, bundle_baked, bundle_load;
  std::vector<std::string> grants, command;
  bool check = false, json = false, version = false;
  // The command words: prefix_command() keeps a leading "--" after a switch; the host drops it.
  std::vector<std::string> rest() const {
    std::vector<std::string> words = app.remaining();
    if (!words.empty() && words.front() == "--") words.erase(words.begin());
    return words;
  }
  Cli11() {
    app.add_option("--db", db);
    app.add_option("--cache-dir", cache_dir);
    app.add_option("--bundle", bundle);
    app.add_option("--bundle-baked", bundle_baked);
    app.add_option("--bundle-load", bundle_load);
    app.add_option("--grant", grants)
        ->delimiter(',')
        ->check(CLI::IsMember({"fs-read", "fs-write", "net", "spawn-build", "hooks", "native"}));
    app.add_flag("--check", check);
    app.add_flag("--json", json);
    app.add_flag("--version", version);
    app.prefix_command();
  }
};

void check_host(const Argv& a, const char* what) {
  auto r = parse_host_argv(a.argc(), a.argv());
  if (!r.ok()) {
    std::fprintf(stderr, "sqlink_bench: %s argv does not parse: %s\n", what,
                 r.error().message.c_str());
    std::abort();
  }
}

void register_argv() {
  struct Case {
    const char* name;
    const Argv& (*argv)();
    std::size_t batch;
  };
  static const Case cases[] = {{"typical", &typical, 16}, {"worst", &worst, 1}};
  for (const Case& c : cases) {
    add(std::string("argv/host/") + c.name, [c](benchmark::State& state) {
      const Argv& a = c.argv();
      check_host(a, c.name);
      sample(state, c.batch, [&a] { return parse_host_argv(a.argc(), a.argv()).ok(); },
             std::to_string(a.words.size() - 1) + " args");
    });
    add(std::string("argv/cli11/") + c.name, [c](benchmark::State& state) {
      const Argv& a = c.argv();
      Cli11 cli;
      cli.app.parse(a.argc(), a.argv());  // both parsers must read the argv the same way
      const auto host = parse_host_argv(a.argc(), a.argv());
      if (!host.ok() || cli.rest() != host->command || cli.db != host->db) {
        std::fprintf(stderr, "sqlink_bench: CLI11 and the host disagree on the %s argv\n", c.name);
        std::abort();
      }
      sample(state, c.batch,
             [&] {
               try {
                 cli.app.parse(a.argc(), a.argv());
                 cli.command = cli.rest();
                 return cli.command.size();
               } catch (const CLI::ParseError& e) {
                 std::fprintf(stderr, "sqlink_bench: CLI11 rejects the %s argv: %s\n", c.name,
                              e.what());
                 std::abort();
               }
             },
             "peer of argv/host/" + std::string(c.name));
    });
  }
}

SQLINK_BENCH_SUITE(register_argv);

}  // namespace
}  // namespace sqlink::bench
