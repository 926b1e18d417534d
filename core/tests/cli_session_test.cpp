// The sqlink program end to end over real files: .load of real extensions into the cache,
// bundles saved and loaded into another database, --json for every listing, .read scripts,
// corrupt cache rows refused, and the interactive prompt on a real terminal (a pty).
#include <gtest/gtest.h>
#include <pty.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sqlink/hash.hpp"
#include "support/process.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kPcre = "/usr/lib/sqlite3/pcre.so";
constexpr const char* kSpatialite = "/usr/lib/x86_64-linux-gnu/mod_spatialite.so";

class CliSession : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sqlink-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = fs::canonical(tmpl).string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string at(const std::string& rel) const { return dir_ + "/" + rel; }

  testing::ProcessResult sqlink(std::vector<std::string> args, const std::string& input = {}) const {
    args.insert(args.begin(), SQLINK_EXE);
    testing::ProcessOptions options;
    options.input = input;
    options.cwd = dir_;
    // Debian's pcre.so leaks its pattern cache in every process; only that is suppressed.
    options.extra_env = {"SQLINK_CACHE_DIR=" + at("cache"), "HOME=" + at("home"),
                         "LSAN_OPTIONS=suppressions=" SQLINK_SOURCE_DIR "/core/tests/fixtures/ext/lsan.supp"};
    return testing::run_process(args, options);
  }

  // Every stdout line of a --json run, parsed; a line that is not JSON fails the test.
  static std::vector<json> json_lines(const std::string& out) {
    std::vector<json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      auto j = json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << line;
      lines.push_back(j);
    }
    return lines;
  }

  std::string dir_;
};

std::vector<std::string> query_column(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path;
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
  } else {
    ADD_FAILURE() << sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST_F(CliSession, LoadSaveAndBundleLoadIntoAnotherDatabase) {
  auto saved = sqlink({"--grant", "native", "--db", "first.db"},
                      std::string(".load ") + kPcre + "\n.bundle save re\n");
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_NE(saved.out.find("function pcre__REGEXP, REGEXP"), std::string::npos) << saved.out;
  EXPECT_NE(saved.out.find("bundle 're' created"), std::string::npos) << saved.out;

  // No native grant needed now: the bytes come out of the cache by hash.
  auto loaded = sqlink({"--db", "second.db", "--bundle-load", "re", "--json", ".prefix", "functions", "pcre"});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  const auto lines = json_lines(loaded.out);
  ASSERT_EQ(lines.size(), 2u) << loaded.out;
  EXPECT_EQ(lines[0]["command"], "bundle-load");
  EXPECT_EQ(lines[0]["loaded"][0]["extension"], "pcre");
  EXPECT_EQ(lines[1]["functions"][0]["function"], "REGEXP");
  EXPECT_EQ(query_column(at("second.db"), "SELECT function_name FROM __sqlink_prefix_function"),
            std::vector<std::string>{"REGEXP"});
}

TEST_F(CliSession, PrefixVerifyFindsEveryLoadedNameRegistered) {
  auto r = sqlink({"--grant", "native", "--db", "u.db", "--json"},
                  std::string(".load ") + kPcre + "\n.prefix verify\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["command"], "prefix verify");
  EXPECT_EQ(lines[1]["present"], lines[1]["rows"]);
  EXPECT_EQ(lines[1]["issues"].size(), 0u);
}

TEST_F(CliSession, EveryListingHasJson) {
  ASSERT_EQ(sqlink({"--grant", "native", "--db", "u.db"}, std::string(".load ") + kPcre + "\n.bundle save re\n").exit_code, 0);
  const std::vector<std::vector<std::string>> listings = {
      {".cache", "list"},   {".cache", "stats"},     {".cache", "verify"},      {".cache", "doctor"},
      {".bundle", "list"},  {".bundle", "show", "re"}, {".prefix", "list"},    {".prefix", "conflicts"},
      {".prefix", "verify"}, {".help"}};
  for (const auto& words : listings) {
    std::vector<std::string> args = {"--json", "--db", "u.db"};
    args.insert(args.end(), words.begin(), words.end());
    auto r = sqlink(args);
    ASSERT_EQ(r.exit_code, 0) << words[0] << " " << r.out << r.err;
    const auto lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), 1u) << r.out;
    EXPECT_EQ(lines[0]["ok"], true);
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
  auto list = json_lines(sqlink({"--json", ".cache", "list"}).out);
  ASSERT_EQ(list[0]["artifacts"].size(), 1u);
  EXPECT_EQ(list[0]["artifacts"][0]["hash"].get<std::string>().size(), 64u);
  auto bundles = json_lines(sqlink({"--json", ".bundle", "list"}).out);
  EXPECT_EQ(bundles[0]["bundles"][0]["aliases"], json::array({"re"}));
}

TEST_F(CliSession, ReadRunsAScriptFileAndStopsAtItsFirstError) {
  std::ofstream(at("script.txt")) << "# a comment\n.prefix add uuid org.example.uuid\n.prefix expansion nope\n.prefix list\n";
  auto r = sqlink({"--db", "u.db", ".read", "script.txt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "prefix 'uuid' = 'org.example.uuid'\n");
  EXPECT_NE(r.err.find("line 3: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'nope'"), std::string::npos) << r.err;
}

TEST_F(CliSession, CorruptCachedBytesAreRefusedNotLoaded) {
  ASSERT_EQ(sqlink({"--grant", "native"}, std::string(".load ") + kPcre + "\n.bundle save re\n").exit_code, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(at("cache/cas.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE __cas_artifact SET bytes = zeroblob(length(bytes))", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto r = sqlink({"--bundle-load", "re", ".prefix", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sqlink: error: "), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  auto verify = sqlink({".cache", "verify"});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.out.find("1 bad"), std::string::npos) << verify.out;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(CliSession, FileUrisLoadLikePathsAndAHashUriLoadsFromTheCache) {
  // a fixture of ours, not pcre.so: loaded by hash it is named after the hash, and pcre.so's
  // by-design leak would then escape its LeakSanitizer suppression
  const std::string fixture = SQLINK_FX_ALPHA;
  for (const std::string& uri : {"file://" + fixture, "file:" + fixture}) {
    auto r = sqlink({"--grant", "native", ".load", uri});
    EXPECT_EQ(r.exit_code, 0) << uri << ": " << r.err;
  }
  // the bytes are in the cache now: a sha256: URI needs no native grant and no path
  const std::string hex = sha256(file_bytes(fixture)).hex();
  auto by_hash = sqlink({".load", "sha256:" + hex});
  EXPECT_EQ(by_hash.exit_code, 0) << by_hash.err;
  auto unknown = sqlink({".load", "sha256:" + std::string(64, '0')});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find(std::string(64, '0')), std::string::npos) << unknown.err;
}

TEST_F(CliSession, ADamagedCopyInTheLibDirectoryIsRewrittenBeforeItIsLoaded) {
  ASSERT_EQ(sqlink({"--grant", "native", ".load", kPcre}).exit_code, 0);
  const std::string hex = sha256(file_bytes(kPcre)).hex();
  const std::string copy = at("cache/lib/" + hex + "/pcre.so");
  ASSERT_TRUE(fs::exists(copy)) << copy;
  const std::string good = file_bytes(copy);
  {
    fs::permissions(copy, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream damage(copy, std::ios::binary | std::ios::trunc);
    damage << std::string(good.size(), 'x');
  }
  // the same file loaded again: its copy is re-hashed, found damaged and written anew
  auto again = sqlink({"--grant", "native", ".load", kPcre});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(sha256(file_bytes(copy)).hex(), hex);
}

TEST_F(CliSession, MemberNamesFromTheCacheCannotWriteOutsideItsLibDirectory) {
  ASSERT_EQ(sqlink({"--grant", "native"}, std::string(".load ") + kPcre + "\n.bundle save re\n").exit_code, 0);
  // A cache imported from elsewhere can hold any member name; make one that climbs. (It keeps
  // "pcre" in it so the LeakSanitizer suppression for Debian's pcre.so still matches.)
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(at("cache/cas.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE __cas_bundle_member SET extension_name = '../../../pcre'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto r = sqlink({"--bundle-load", "re", ".prefix", "list"});
  EXPECT_EQ(r.term_signal, 0) << r.err;
  const std::string lib = at("cache/lib/");
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (entry.path().extension() == ".so") {
      EXPECT_EQ(entry.path().string().rfind(lib, 0), 0u) << "written outside the lib directory: " << entry.path();
    }
  }
}

TEST_F(CliSession, SpatialiteFunctionsAllArrivePrefixed) {
  auto r = sqlink({"--grant", "native", "--db", "geo.db", "--json", ".load", kSpatialite});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  const auto& names = lines[0]["names"];
  EXPECT_GT(names.size(), 300u);
  const std::string prefix = lines[0]["prefix"];
  for (const auto& n : names) {
    EXPECT_EQ(n["qualified"].get<std::string>().rfind(prefix + "__", 0), 0u) << n.dump();
  }
}

// Runs sqlink on a pseudo-terminal with `args`, typing `input`; returns what the terminal showed
// and the wait status.
std::pair<std::string, int> on_a_terminal(const std::string& cache, std::vector<std::string> args,
                                          const std::string& input) {
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return {"forkpty failed", -1};
  if (pid == 0) {
    setenv("SQLINK_CACHE_DIR", cache.c_str(), 1);
    setenv("LSAN_OPTIONS", "suppressions=" SQLINK_SOURCE_DIR "/core/tests/fixtures/ext/lsan.supp", 1);
    std::vector<char*> argv{const_cast<char*>(SQLINK_EXE)};
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(SQLINK_EXE, argv.data());
    _exit(127);
  }
  if (write(master, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    close(master);
    return {"write failed", -1};
  }
  std::string screen;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(master, buf, sizeof buf);  // EIO once the child has exited
    if (n <= 0) break;
    screen.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  return {screen, status};
}

TEST_F(CliSession, InteractivePromptKeepsGoingAfterAnError) {
  const auto [screen, status] = on_a_terminal(at("cache"), {}, ".bundel list\n.help .cache\n\x04");
  EXPECT_NE(screen.find("sqlink> "), std::string::npos) << screen;
  EXPECT_NE(screen.find("unknown command '.bundel'"), std::string::npos) << screen;
  EXPECT_NE(screen.find(".cache evict SIZE"), std::string::npos) << "help after the error: " << screen;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);  // the session reports that something failed
}

TEST_F(CliSession, TrustPromptLoadsOnlyOnAYes) {
  const std::string hex = sha256(file_bytes(kPcre)).hex();
  const std::string load = std::string(".load ") + kPcre + " --trust=prompt\n";
  const auto [screen, status] =
      on_a_terminal(at("cache"), {"--grant", "native"}, load + "n\n" + load + "N\n" + load + "yes\n\x04");
  EXPECT_NE(screen.find("(sha256 " + hex + ")? [y/N] "), std::string::npos) << screen;
  std::size_t refusals = 0;
  for (std::size_t at = 0; (at = screen.find("not loading", at)) != std::string::npos; ++at) ++refusals;
  EXPECT_EQ(refusals, 2u) << screen;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);  // two refusals; the third load went through
  // the yes stored it: --trust=stored now knows these bytes
  auto stored = sqlink({"--grant", "native", ".load", kPcre, "--trust=stored"});
  EXPECT_EQ(stored.exit_code, 0) << stored.err;
}

TEST_F(CliSession, TrustStoredLoadsOnlyKnownBytesAndPromptNeedsATerminal) {
  auto unknown = sqlink({"--grant", "native", ".load", kPcre, "--trust=stored"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("not in the cache; --trust=stored loads only known bytes"), std::string::npos)
      << unknown.err;
  auto no_terminal = sqlink({"--grant", "native", ".load", kPcre, "--trust=prompt"});
  EXPECT_EQ(no_terminal.exit_code, 1);
  EXPECT_NE(no_terminal.err.find("--trust=prompt needs a terminal"), std::string::npos) << no_terminal.err;
}

}  // namespace
}  // namespace sqlink
