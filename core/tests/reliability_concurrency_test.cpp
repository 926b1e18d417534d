// Concurrency: several processes put, get, bundle, resolve, gc and evict one store at once.
// No SQLITE_BUSY (or any other failure) may reach a caller, and nothing a worker bundled may be
// lost. The one legitimate race, another process's gc taking a loose artifact between a put and
// the bundle_save that would pin it, must surface as not_found and succeed on retry.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "cas_support.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_testing::report_line;
using cas_testing::TempDir;

constexpr int kWorkers = 4;
constexpr int kOpsPerWorker = 300;

// Reports "B <name> <hex>" per bundle saved, "R" per retry after a gc race, "E <why>" per
// failure, and "D <ops>" when done.
int work(int fd, const std::string& path, int worker) {
  std::mt19937 rng(static_cast<unsigned>(worker) * 7919u + 1u);
  CasOptions options;
  options.flush_every_hits = 16;
  auto store = CasStore::open(path, options);
  if (!store.ok()) {
    report_line(fd, "E open: " + store.error().message);
    return 3;
  }
  std::vector<std::string> lines;
  std::vector<Hash> mine;
  int ops = 0;
  auto fail = [&](const std::string& what, const Error& e) {
    lines.push_back("E " + what + " [" + std::string(errc_name(e.code)) + "]: " + e.message);
  };
  for (int i = 0; i < kOpsPerWorker; ++i) {
    std::string bytes = "worker " + std::to_string(worker) + " item " + std::to_string(i) + " ";
    bytes.append(rng() % 8192, static_cast<char>('a' + worker));
    const std::string name = "w" + std::to_string(worker) + "-" + std::to_string(i);
    // put then pin; another worker's gc may take the artifact in between (not_found): retry.
    for (int attempt = 0;; ++attempt) {
      auto h = store->put(bytes);
      ++ops;
      if (!h.ok()) {
        fail("put", h.error());
        break;
      }
      const BundleMember members[] = {{"ext", *h}};
      auto saved = bundle_save(*store, name, members);
      ++ops;
      if (saved.ok()) {
        mine.push_back(*h);
        lines.push_back("B " + name + " " + h->hex());
        break;
      }
      if (saved.error().code != Errc::not_found || attempt > 20) {
        fail("bundle save", saved.error());
        break;
      }
      lines.push_back("R");
    }
    // Reads of everything this worker pinned so far must always succeed.
    if (!mine.empty()) {
      const Hash& h = mine[rng() % mine.size()];
      auto back = store->get(h);
      ++ops;
      if (!back.ok())
        fail("get " + h.hex(), back.error());
      else if (sha256(*back) != h)
        lines.push_back("E get returned bytes that do not match");
    }
    if (i % 10 == 3) {
      auto r = bundle_resolve(*store, name);
      ++ops;
      if (!r.ok()) fail("resolve " + name, r.error());
    }
    if (i % 15 == 7) {
      auto g = store->gc();
      ++ops;
      if (!g.ok()) fail("gc", g.error());
    }
    if (i % 40 == 20) {
      auto e = store->evict(1);
      ++ops;
      if (!e.ok()) fail("evict", e.error());
    }
    if (i % 25 == 11) {
      auto l = store->list();
      ++ops;
      if (!l.ok()) fail("list", l.error());
    }
  }
  if (auto f = store->flush(); !f.ok()) fail("flush", f.error());
  for (const auto& line : lines) report_line(fd, line);
  report_line(fd, "D " + std::to_string(ops));
  return 0;
}

TEST(ReliabilityConcurrency, ParallelProcessesNeverSeeBusyAndLoseNothing) {
  TempDir dir;
  const std::string path = dir.file("cas.sqlite");
  { ASSERT_TRUE(CasStore::open(path).ok()); }
  std::vector<cas_testing::Child> children;
  for (int w = 0; w < kWorkers; ++w) {
    children.push_back(cas_testing::spawn_child([&](int fd) { return work(fd, path, w); }));
  }
  std::map<std::string, std::string> bundled;  // name -> hex
  int total_ops = 0, retries = 0;
  for (auto& child : children) {
    const auto result = cas_testing::finish_child(child);
    EXPECT_TRUE(result.exited_with(0)) << "worker status " << result.status;
    bool done = false;
    for (const auto& line : result.lines) {
      if (line.rfind("B ", 0) == 0) {
        const auto space = line.find(' ', 2);
        bundled[line.substr(2, space - 2)] = line.substr(space + 1);
      } else if (line == "R") {
        ++retries;
      } else if (line.rfind("D ", 0) == 0) {
        total_ops += std::stoi(line.substr(2));
        done = true;
      } else {
        ADD_FAILURE() << line;
      }
    }
    EXPECT_TRUE(done) << "a worker did not finish";
  }
  EXPECT_EQ(bundled.size(), static_cast<std::size_t>(kWorkers * kOpsPerWorker));

  auto store = CasStore::open(path);
  ASSERT_TRUE(store.ok());
  for (const auto& [name, hex] : bundled) {
    auto d = bundle_resolve(*store, name);
    ASSERT_TRUE(d.ok()) << name << ": " << d.error().message;
    ASSERT_EQ(d->members.size(), 1u);
    EXPECT_EQ(d->members[0].content_hash.hex(), hex);
    auto bytes = store->get(d->members[0].content_hash);
    ASSERT_TRUE(bytes.ok()) << name << ": " << bytes.error().message;
    EXPECT_EQ(sha256(*bytes).hex(), hex);
  }
  EXPECT_TRUE(store->verify()->ok());
  EXPECT_EQ(cas_testing::scalar(path, "PRAGMA integrity_check"), "ok");
  RecordProperty("processes", kWorkers);
  RecordProperty("operations", total_ops);
  std::printf("[ reliability ] %d processes, %d operations, %d gc races retried\n", kWorkers,
              total_ops, retries);
}

TEST(ReliabilityConcurrency, ProcessesOpeningAnOldStoreAtOnceMigrateItOnce) {
  for (int trial = 0; trial < 5; ++trial) {
    TempDir dir;
    const std::string path = dir.file("old.sqlite");
    ASSERT_EQ(cas_testing::build_fixture(1, path), "");
    std::vector<cas_testing::Child> children;
    for (int w = 0; w < kWorkers; ++w) {
      children.push_back(cas_testing::spawn_child([&](int fd) {
        auto store = CasStore::open(path);
        if (!store.ok()) {
          report_line(fd, "E " + store.error().message);
          return 3;
        }
        auto bytes = store->get(sha256("alpha extension bytes"));
        report_line(fd, bytes.ok() ? "ok" : "E " + bytes.error().message);
        return 0;
      }));
    }
    for (auto& child : children) {
      const auto result = cas_testing::finish_child(child);
      EXPECT_TRUE(result.exited_with(0));
      EXPECT_EQ(result.lines, std::vector<std::string>{"ok"});
    }
    EXPECT_EQ(
        cas_testing::scalar(path, "SELECT value FROM __cas_meta WHERE key = 'schema_version'"),
        "4");
    EXPECT_EQ(cas_testing::scalar(path, "SELECT count(*) FROM __cas_artifact"), "2");
    EXPECT_EQ(cas_testing::scalar(path, "PRAGMA journal_mode"), "wal");
  }
}

}  // namespace
}  // namespace sqlink
