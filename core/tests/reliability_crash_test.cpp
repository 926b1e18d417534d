// Crash safety: a child process puts, bundles, gcs and migrates stores in a loop and is killed
// with SIGKILL at random points. After every kill the files must pass integrity_check, every
// artifact the child reported committed must read back and verify, and no read may ever return
// bytes that do not hash to their key. SQLINK_RELIABILITY_SEED=N replays one run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "cas_support.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_testing::report_line;
using cas_testing::TempDir;
namespace fs = cas_testing::fs;

constexpr int kKillPoints = 64;          // children killed, one per round
constexpr int kRoundsPerGeneration = 4;  // a fresh v1 store every 4 rounds: 16 main migrations
constexpr int kMaxDelayMs = 150;

std::uint64_t base_seed() {
  if (const char* s = std::getenv("SQLINK_RELIABILITY_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

// What a child does until it is killed. It reports a line only after the call it describes
// returned: "O" store open, "P <hex>" put, "B <hex>" put and bundled (so gc must keep it),
// "M <path>" a side store fully migrated from v1, "E <why>" something failed.
int churn(int fd, const std::string& main_path, const std::string& dir, const std::string& v1_sql,
          int round, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  CasOptions options;
  options.flush_every_hits = 8;
  auto store = CasStore::open(main_path, options);
  if (!store.ok()) {
    report_line(fd, "E open: " + store.error().message);
    return 3;
  }
  report_line(fd, "O");
  for (int i = 0;; ++i) {
    std::string bytes = "round " + std::to_string(round) + " item " + std::to_string(i) + " ";
    bytes.resize(bytes.size() + rng() % 65536);
    for (std::size_t k = 40; k < bytes.size(); k += 8) bytes[k] = static_cast<char>(rng());
    auto h = store->put(bytes);
    if (!h.ok()) {
      report_line(fd, "E put: " + h.error().message);
      return 3;
    }
    report_line(fd, "P " + h->hex());
    auto back = store->get(*h);
    if (!back.ok() || *back != bytes) {
      report_line(fd, "E get after put: " +
                          (back.ok() ? std::string("different bytes") : back.error().message));
      return 3;
    }
    if (i % 3 == 0) {
      const BundleMember members[] = {{"ext", *h}};
      auto saved =
          bundle_save(*store, "r" + std::to_string(round) + "-" + std::to_string(i), members);
      if (!saved.ok()) {
        report_line(fd, "E bundle save: " + saved.error().message);
        return 3;
      }
      report_line(fd, "B " + h->hex());
    }
    if (i % 5 == 4) {
      if (auto gc = store->gc(); !gc.ok()) {
        report_line(fd, "E gc: " + gc.error().message);
        return 3;
      }
    }
    if (i % 4 == 1) {
      const std::string side =
          dir + "/side-" + std::to_string(round) + "-" + std::to_string(i) + ".sqlite";
      if (auto e = cas_testing::exec_sql(side, v1_sql); !e.empty()) {
        report_line(fd, "E fixture: " + e);
        return 3;
      }
      auto migrated = CasStore::open(side);
      if (!migrated.ok()) {
        report_line(fd, "E migrate: " + migrated.error().message);
        return 3;
      }
      report_line(fd, "M " + side);
    }
  }
}

// integrity_check through a read-write connection, which may first have to recover the WAL
// the killed child left behind.
std::string integrity(const std::string& path) {
  std::string result;
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
          auto& s = *static_cast<std::string*>(out);
          s += (s.empty() ? "" : "; ") + std::string(values[0] ? values[0] : "NULL");
          return 0;
        },
        &result, nullptr);
  }
  sqlite3_close(db);
  return result.empty() ? "<no result>" : result;
}

struct Reported {
  std::set<std::string> put, bundled, migrated;
  std::vector<std::string> errors;
  bool opened = false;
};

void parse(const std::vector<std::string>& lines, Reported& r) {
  for (const auto& line : lines) {
    if (line == "O")
      r.opened = true;
    else if (line.rfind("P ", 0) == 0)
      r.put.insert(line.substr(2));
    else if (line.rfind("B ", 0) == 0)
      r.bundled.insert(line.substr(2));
    else if (line.rfind("M ", 0) == 0)
      r.migrated.insert(line.substr(2));
    else
      r.errors.push_back(line);
  }
}

// Every side store, whatever point its child died at, is intact and opens (finishing its
// migration); those reported migrated already were at v4.
void check_side_stores(const std::string& dir, const std::set<std::string>& migrated) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    const std::string name = entry.path().filename().string();
    if (name.rfind("side-", 0) != 0 || !name.ends_with(".sqlite")) continue;
    EXPECT_EQ(integrity(path), "ok") << path;
    if (migrated.count(path) != 0) {
      EXPECT_EQ(
          cas_testing::scalar(path, "SELECT value FROM __cas_meta WHERE key = 'schema_version'"),
          "4")
          << path;
    }
    auto store = CasStore::open(path);
    ASSERT_TRUE(store.ok()) << path << ": " << store.error().message;
    auto verify = store->verify();
    ASSERT_TRUE(verify.ok());
    EXPECT_TRUE(verify->ok()) << path;
    EXPECT_EQ(store->stats()->schema_version, 4);
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("side-", 0) == 0) fs::remove(entry.path());
  }
}

TEST(ReliabilityCrash, KilledWritersNeverLoseOrCorruptCommittedArtifacts) {
  const std::uint64_t seed = base_seed();
  SCOPED_TRACE("SQLINK_RELIABILITY_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TempDir dir;
  const std::string v1_sql = cas_testing::fixture_sql(1);
  std::string main_path;
  Reported generation;
  int kills = 0, killed_before_open = 0;
  std::size_t puts = 0, bundled = 0, side_migrations = 0;
  for (int round = 0; round < kKillPoints; ++round) {
    if (round % kRoundsPerGeneration == 0) {
      main_path = dir.file("gen" + std::to_string(round / kRoundsPerGeneration) + ".sqlite");
      ASSERT_EQ(cas_testing::build_fixture(1, main_path), "");
      generation = {};
    }
    // A third of the kills land in the first milliseconds, where the migration runs.
    const int delay_ms =
        round % 3 == 0 ? static_cast<int>(rng() % 8) : static_cast<int>(rng() % kMaxDelayMs);
    const std::uint64_t child_seed = rng();
    auto child = cas_testing::spawn_child(
        [&](int fd) { return churn(fd, main_path, dir.path(), v1_sql, round, child_seed); });
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(child.pid, SIGKILL);
    const auto result = cas_testing::finish_child(child);
    SCOPED_TRACE("round " + std::to_string(round) + ", killed after " + std::to_string(delay_ms) +
                 " ms");
    ASSERT_TRUE(WIFSIGNALED(result.status) && WTERMSIG(result.status) == SIGKILL)
        << "the child stopped by itself: " << (result.lines.empty() ? "" : result.lines.back());
    ++kills;
    Reported now;
    parse(result.lines, now);
    ASSERT_TRUE(now.errors.empty()) << now.errors.front();
    killed_before_open += now.opened ? 0 : 1;
    puts += now.put.size();
    bundled += now.bundled.size();
    side_migrations += now.migrated.size();
    generation.put.insert(now.put.begin(), now.put.end());
    generation.bundled.insert(now.bundled.begin(), now.bundled.end());

    ASSERT_EQ(integrity(main_path), "ok");
    {
      auto store = CasStore::open(main_path);
      ASSERT_TRUE(store.ok()) << store.error().message;
      for (const auto& hex : generation.bundled) {
        const Hash h = *Hash::from_hex(hex);
        auto bytes = store->get(h);
        ASSERT_TRUE(bytes.ok()) << "committed and bundled " << hex << ": " << bytes.error().message;
        EXPECT_EQ(sha256(*bytes), h);
      }
      for (const auto& hex : generation.put) {
        const Hash h = *Hash::from_hex(hex);
        auto bytes = store->get(h);
        if (bytes.ok()) {
          EXPECT_EQ(sha256(*bytes), h);
        } else {
          EXPECT_EQ(bytes.error().code, Errc::not_found)
              << hex << ": " << bytes.error().message;  // gc'd
        }
      }
      auto verify = store->verify();
      ASSERT_TRUE(verify.ok());
      EXPECT_TRUE(verify->ok()) << verify->problems.front().reason;
    }
    check_side_stores(dir.path(), now.migrated);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_EQ(kills, kKillPoints);
  // The kills must have landed while work was going on, not only before it started.
  EXPECT_GT(puts, static_cast<std::size_t>(kKillPoints));
  EXPECT_GT(side_migrations, 0u);
  RecordProperty("kill_points", kills);
  RecordProperty("killed_before_open", killed_before_open);
  std::printf(
      "[ reliability ] %d kill points (%d before the store finished opening); "
      "%zu puts, %zu bundled, %zu side migrations committed before the kills\n",
      kills, killed_before_open, puts, bundled, side_migrations);
}

}  // namespace
}  // namespace sqlink
