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
      on_a_terminal(at("cache"), {"--grant", "native"}, load + "n\n" + load + "N\n" + load + "y\n\x04");
  EXPECT_NE(screen.find("(sha256 " + hex + ")? [y/N] "), std::string::npos) << screen;
  std::size_t refusals = 0;
  for (std::size_t at = 0; (at = screen.find("not loading", at)) != std::string::npos; ++at) ++refusals;
  EXPECT_EQ(refusals, 2u) << screen;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);  // two refusals; the third load, on a plain "y", went through
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

TEST_F(CliSession, TrustPromptTakesAnUpperCaseYAndAYesToo) {
  const std::string load = std::string(".load ") + SQLINK_FX_ALPHA + " --trust=prompt\n";
  const auto [screen, status] = on_a_terminal(at("cache"), {"--grant", "native"}, load + "Y\n\x04");
  EXPECT_EQ(screen.find("not loading"), std::string::npos) << screen;
  EXPECT_NE(screen.find("loaded 'fx_alpha'"), std::string::npos) << screen;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// How often `needle` occurs in `text`.
std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(needle, at)) != std::string::npos; at += needle.size()) ++n;
  return n;
}

TEST_F(CliSession, AScriptThatReadsItselfStopsSixteenScriptsDeep) {
  std::ofstream(at("self.txt")) << ".help .read\n.read self.txt\n";
  auto r = sqlink({".read", "self.txt"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(".read of 'self.txt' nests deeper than 16 scripts"), std::string::npos) << r.err;
  EXPECT_EQ(count_of(r.out, "  .read PATH\n"), 16u);
}

TEST_F(CliSession, ScriptsReadOneAfterAnotherDoNotNest) {
  std::ofstream(at("once.txt")) << ".help .read\n";
  std::string input;
  for (int i = 0; i < 20; ++i) input += ".read once.txt\n";
  auto r = sqlink({}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, "  .read PATH\n"), 20u);
}

// Runs one statement on the session's cache file.
void on_cache(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST_F(CliSession, CacheTextShowsWholePathsAndLastUsesOnlyWhenThereIsOne) {
  ASSERT_EQ(sqlink({"--grant", "native", ".load", SQLINK_FX_ALPHA}).exit_code, 0);
  const std::string file = at("cache/cas.sqlite");
  auto stats = sqlink({".cache", "stats"});
  EXPECT_NE(stats.out.find("cache:     " + file + " (schema v"), std::string::npos) << stats.out;
  auto doctor = sqlink({".cache", "doctor"});
  EXPECT_NE(doctor.out.find("cache " + file + ": schema v"), std::string::npos) << doctor.out;
  const std::vector<std::pair<std::string, std::string>> times = {
      {"0", "last -\n"}, {"-5", "last -\n"}, {"1", "last 1970-01-01T00:00:01Z\n"},
      {"1800000000", "last 2027-01-15T08:00:00Z\n"}};
  for (const auto& [when, shown] : times) {
    on_cache(file, "UPDATE __cas_artifact SET last_used_at = " + when);
    auto list = sqlink({".cache", "list"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find(shown), std::string::npos) << when << ": " << list.out;
  }
}

TEST_F(CliSession, ALoadNamesTheShortHashAndKeepsAReadOnlyCopy) {
  const std::string hex = sha256(file_bytes(SQLINK_FX_ALPHA)).hex();
  auto r = sqlink({"--grant", "native", ".load", SQLINK_FX_ALPHA});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("loaded 'fx_alpha' (" + hex.substr(0, 12) + ") as prefix"), std::string::npos) << r.out;
  const std::string copy = at("cache/lib/" + hex + "/fx_alpha.so");
  ASSERT_TRUE(fs::exists(copy)) << copy;
  EXPECT_EQ(fs::status(copy).permissions(), fs::perms::owner_read | fs::perms::owner_exec);
}

TEST_F(CliSession, ACopyThatCannotBeWrittenIsReportedWithTheReason) {
  const std::string hex = sha256(file_bytes(SQLINK_FX_ALPHA)).hex();
  // A non-empty directory where the temporary copy goes: it cannot be removed or opened.
  fs::create_directories(at("cache/lib/" + hex + "/fx_alpha.so.tmp/in-the-way"));
  auto r = sqlink({"--grant", "native", ".load", SQLINK_FX_ALPHA});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot write '" + at("cache/lib/" + hex + "/fx_alpha.so") + "': Is a directory"),
            std::string::npos)
      << r.err;
}

TEST_F(CliSession, LoadReadsAFileWholeUpToItsMemCap) {
  std::ofstream(at("exact.so"), std::ios::binary) << std::string(65536, 'x');
  std::ofstream(at("over.so"), std::ios::binary) << std::string(65537, 'x');
  std::ofstream(at("one.so"), std::ios::binary) << "x";
  // At the cap: read and copied, then refused only as no extension (not an ELF object).
  auto exact = sqlink({"--grant", "native", "--json", ".load", "exact.so", "--mem=64k"});
  EXPECT_EQ(exact.exit_code, 2);
  EXPECT_EQ(exact.out.find("too_large"), std::string::npos) << exact.out;
  EXPECT_EQ(file_bytes(at("cache/lib/" + sha256(std::string(65536, 'x')).hex() + "/exact.so")),
            std::string(65536, 'x'));
  // One byte over, even when that byte arrives alone after a full buffer.
  auto over = sqlink({"--grant", "native", "--json", ".load", "over.so", "--mem=64k"});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.out.find("\"code\":\"too_large\""), std::string::npos) << over.out;
  // A one-byte file is copied like any other.
  auto one = sqlink({"--grant", "native", ".load", "one.so"});
  EXPECT_EQ(one.exit_code, 2);
  EXPECT_EQ(one.err.find("cannot write"), std::string::npos) << one.err;
  EXPECT_EQ(file_bytes(at("cache/lib/" + sha256("x").hex() + "/one.so")), "x");
}

TEST_F(CliSession, ALaterLoadUnderTheSameNameReplacesItsBundleMember) {
  // fx_beta under fx_alpha's file name: another extension, the same name.
  fs::create_directories(at("other"));
  fs::copy_file(SQLINK_FX_BETA, at("other/fx_alpha.so"));
  auto r = sqlink({"--grant", "native", "--json"},
                  std::string(".load ") + SQLINK_FX_ALPHA + "\n.load other/fx_alpha.so\n.bundle save twice\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto shown = json_lines(sqlink({"--json", ".bundle", "show", "twice"}).out);
  ASSERT_EQ(shown.size(), 1u);
  ASSERT_EQ(shown[0]["member_list"].size(), 1u) << shown[0];
  EXPECT_EQ(shown[0]["member_list"][0]["extension"], "fx_alpha");
  EXPECT_EQ(shown[0]["member_list"][0]["hash"], sha256(file_bytes(SQLINK_FX_BETA)).hex());
}

TEST_F(CliSession, JsonListsWhatGcAndEvictRemoveAndWarnsWhenBundlesHoldMore) {
  const std::string hex = sha256(file_bytes(SQLINK_FX_ALPHA)).hex();
  ASSERT_EQ(sqlink({"--grant", "native", ".load", SQLINK_FX_ALPHA}).exit_code, 0);
  auto gc = json_lines(sqlink({"--json", ".cache", "gc"}).out);
  ASSERT_EQ(gc.size(), 1u);
  EXPECT_EQ(gc[0]["removed"], json::array({hex}));
  ASSERT_EQ(sqlink({"--grant", "native", ".load", SQLINK_FX_ALPHA}).exit_code, 0);
  auto evicted = json_lines(sqlink({"--json", ".cache", "evict", "0"}).out);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0]["removed"], json::array({hex}));
  // Bundle members are never evicted: the cap cannot be met, and the reply says why.
  ASSERT_EQ(sqlink({"--grant", "native"}, std::string(".load ") + SQLINK_FX_ALPHA + "\n.bundle save a\n").exit_code, 0);
  auto held = sqlink({".cache", "evict", "0"});
  EXPECT_EQ(held.exit_code, 0);
  EXPECT_NE(held.err.find("sqlink: warning: bundle members hold "), std::string::npos) << held.err;
  auto removed = json_lines(sqlink({"--json", ".bundle", "gc", "--keep=0"}).out);
  ASSERT_EQ(removed.size(), 1u);
  ASSERT_EQ(removed[0]["removed"].size(), 1u);
  EXPECT_EQ(removed[0]["removed"][0]["name"], "a");
}

TEST_F(CliSession, BundleShowListsBinariesAndWarnsOfMissingMembers) {
  ASSERT_EQ(sqlink({"--grant", "native"}, std::string(".load ") + SQLINK_FX_ALPHA + "\n.bundle save re\n").exit_code, 0);
  on_cache(at("cache/cas.sqlite"),
           "INSERT INTO __cas_bundle_binary VALUES ((SELECT id FROM __cas_bundle), 'x86_64-linux', '/opt/re.so', 5);"
           " DELETE FROM __cas_artifact");
  auto r = sqlink({"--json", ".bundle", "show", "re"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["binaries"],
            json::array({json{{"target", "x86_64-linux"}, {"path", "/opt/re.so"}, {"built_at", 5}}}));
  EXPECT_EQ(lines[0].value("warnings", json()), json::array({"member 'fx_alpha' is not in the cache"}));
}

TEST_F(CliSession, AStoreThatCannotBeReadFailsBundleGc) {
  ASSERT_EQ(sqlink({"--grant", "native"}, std::string(".load ") + SQLINK_FX_ALPHA + "\n.bundle save re\n").exit_code, 0);
  on_cache(at("cache/cas.sqlite"), "DROP TABLE __cas_bundle_alias");
  auto r = sqlink({".bundle", "gc", "--keep=0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no such table: __cas_bundle_alias"), std::string::npos) << r.err;
}

TEST_F(CliSession, VerifyAndImportNameEveryCorruptRow) {
  ASSERT_EQ(sqlink({"--grant", "native", ".load", SQLINK_FX_ALPHA}).exit_code, 0);
  const std::string hex = sha256(file_bytes(SQLINK_FX_ALPHA)).hex();
  ASSERT_EQ(sqlink({".cache", "export", at("out.sqlite")}).exit_code, 0);
  on_cache(at("out.sqlite"), "UPDATE __cas_artifact SET bytes = zeroblob(length(bytes))");
  auto imported = sqlink({"--cache-dir", at("other"), ".cache", "import", at("out.sqlite")});
  EXPECT_EQ(imported.exit_code, 1);
  EXPECT_NE(imported.out.find("refused 1 corrupt rows:\n  artifact " + hex + ": "), std::string::npos)
      << imported.out;
  on_cache(at("cache/cas.sqlite"), "UPDATE __cas_artifact SET bytes = zeroblob(length(bytes))");
  auto text = sqlink({".cache", "verify"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("\n  artifact " + hex + ": bytes hash to "), std::string::npos) << text.out;
  auto lines = json_lines(sqlink({"--json", ".cache", "verify"}).out);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0]["problems"].size(), 1u);
  EXPECT_EQ(lines[0]["problems"][0]["hash"], hex);
  EXPECT_EQ(lines[0]["problems"][0]["subject"], "artifact");
}

TEST_F(CliSession, DoctorListsSchemaDrift) {
  ASSERT_EQ(sqlink({".cache", "stats"}).exit_code, 0);
  on_cache(at("cache/cas.sqlite"), "CREATE INDEX extra_ix ON __cas_meta(value)");
  auto lines = json_lines(sqlink({"--json", ".cache", "doctor"}).out);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0]["drift"].size(), 1u) << lines[0];
  EXPECT_EQ(lines[0]["drift"][0]["kind"], "extra");
  EXPECT_EQ(lines[0]["drift"][0]["name"], "extra_ix");
}

TEST_F(CliSession, PrefixListingsOfTwoExtensionsThatShareANameInJsonAndText) {
  const std::string loads =
      std::string(".load ") + SQLINK_FX_ALPHA + "\n.load " + SQLINK_FX_BETA + "\n";
  auto r = sqlink({"--grant", "native", "--db", "u.db", "--json"},
                  loads + ".prefix list\n.prefix conflicts\n.prefix prefer hello fx_beta\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 5u);
  ASSERT_EQ(lines[2]["prefixes"].size(), 2u);
  EXPECT_EQ(lines[2]["prefixes"][0]["name"], "fx");
  ASSERT_EQ(lines[3]["conflicts"].size(), 1u);
  EXPECT_EQ(lines[3]["conflicts"][0]["name"], "hello");
  ASSERT_EQ(lines[4]["pins"].size(), 2u);
  EXPECT_EQ(lines[4]["pins"][1]["n_args"], 1);
  EXPECT_EQ(lines[4]["pins"][1]["expansion"], "org.sqlink.test.beta");
  // Only functions count their arguments in the text listing.
  auto text = sqlink({"--db", "u.db", ".prefix", "functions", "fx"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("fx__hello  (function, 1 args, from fx_alpha)\n"), std::string::npos) << text.out;
}

TEST_F(CliSession, PrefixVerifyListsItsIssuesInJson) {
  ASSERT_EQ(sqlink({"--db", "u.db", ".prefix", "add", "fx", "org.example.fx"}).exit_code, 0);
  on_cache(at("u.db"), "INSERT INTO __sqlink_prefix_pin VALUES ('gone', 2, 'org.example.fx', 0)");
  auto r = sqlink({"--db", "u.db", "--json", ".prefix", "verify"});
  EXPECT_EQ(r.exit_code, 1);
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["issues"], json::array({json{{"kind", "dangling_pin"}, {"name", "gone"}, {"n_args", 2},
                                                  {"expansion", "org.example.fx"}}}));
}

TEST_F(CliSession, AnHttpsUrlBoundInTheCacheLoadsFromItAndCorruptBytesAreNamed) {
  ASSERT_EQ(sqlink({"--grant", "native", ".load", SQLINK_FX_ALPHA}).exit_code, 0);
  const std::string hex = sha256(file_bytes(SQLINK_FX_ALPHA)).hex();
  // Nothing listens on port 1: whatever loads comes from the binding alone.
  const std::string url = "https://127.0.0.1:1/fx_alpha.so";
  on_cache(at("cache/cas.sqlite"), "INSERT INTO __cas_uri VALUES ('" + url + "', x'" + hex + "', 1, 1)");
  auto hit = sqlink({"--grant", "net", ".load", url});
  EXPECT_EQ(hit.exit_code, 0) << hit.err;
  EXPECT_NE(hit.out.find("loaded 'fx_alpha' (" + hex.substr(0, 12) + ")"), std::string::npos) << hit.out;
  // Bound to bytes that no longer hash right: the binding step reports corruption, not absence.
  on_cache(at("cache/cas.sqlite"), "UPDATE __cas_artifact SET bytes = zeroblob(length(bytes))");
  auto corrupt = sqlink({"--grant", "net", ".load", url});
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_NE(corrupt.err.find("tried uri binding: corrupt,"), std::string::npos) << corrupt.err;
  // Bound to something that is no hash at all: corrupt too.
  const std::string malformed = "https://127.0.0.1:1/other.so";
  on_cache(at("cache/cas.sqlite"), "INSERT INTO __cas_uri VALUES ('" + malformed + "', x'0102', 1, 1)");
  auto bad_binding = sqlink({"--grant", "net", ".load", malformed});
  EXPECT_EQ(bad_binding.exit_code, 1);
  EXPECT_NE(bad_binding.err.find("tried uri binding: corrupt,"), std::string::npos) << bad_binding.err;
}

}  // namespace
}  // namespace sqlink
