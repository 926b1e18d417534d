// Hostile filesystems: an unreadable and a read-only cache directory, a file where a directory
// should be, and a full disk (RLIMIT_FSIZE). Each must give a clear error, never a crash, and
// leave the store intact. Permission cases run in a child that drops to nobody when the test
// runs as root (root ignores permission bits).
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "cas_support.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_testing::report_line;
using cas_testing::scalar;
using cas_testing::TempDir;

constexpr uid_t kNobody = 65534;
constexpr int kCannotDropPrivileges = 77;

// In the child: become nobody when running as root, so permission bits apply.
bool drop_privileges() {
  if (::geteuid() != 0) return true;
  return ::setgroups(0, nullptr) == 0 && ::setgid(kNobody) == 0 && ::setuid(kNobody) == 0 &&
         ::geteuid() == kNobody;
}

// "<errc> <message>" of a result, or "ok".
template <class T>
std::string outcome(const Result<T>& r) {
  return r.ok() ? std::string("ok")
                : std::string(errc_name(r.error().code)) + " " + r.error().message;
}

class ReliabilityHostileFs : public ::testing::Test {
 protected:
  void SetUp() override {
    // nobody must be able to reach the cache directory's parent.
    ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  }
  // A store with one pinned artifact, closed (its -wal checkpointed away).
  Hash make_store(const std::string& path) {
    auto store = CasStore::open(path);
    EXPECT_TRUE(store.ok()) << store.error().message;
    const Hash h = *store->put("precious bytes");
    const BundleMember members[] = {{"ext", h}};
    EXPECT_TRUE(bundle_save(*store, "keep", members).ok());
    return h;
  }
  void expect_intact(const std::string& path, const Hash& h) {
    EXPECT_EQ(scalar(path, "PRAGMA integrity_check"), "ok");
    auto store = CasStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(*store->get(h), "precious bytes");
    EXPECT_TRUE(store->verify()->ok());
  }
  // Runs `body` as nobody; skips the test (with the reason) when privileges cannot be dropped.
  cas_testing::ChildResult as_nobody(const std::function<void(int)>& body) {
    auto result = cas_testing::run_child([&](int fd) {
      if (!drop_privileges()) return kCannotDropPrivileges;
      body(fd);
      return 0;
    });
    return result;
  }
  TempDir dir;
};

TEST_F(ReliabilityHostileFs, AnUnreadableCacheDirectoryIsAClearPermissionError) {
  const std::string cache = dir.file("cache");
  const std::string path = cache + "/cas.sqlite";
  const Hash h = make_store(path);
  ASSERT_EQ(::chmod(cache.c_str(), 0000), 0);
  auto result = as_nobody([&](int fd) {
    report_line(fd, outcome(CasStore::open(path)));
    CasOptions ro;
    ro.read_only = true;
    report_line(fd, outcome(CasStore::open(path, ro)));
    report_line(fd, outcome(cas_doctor(path)));
  });
  ASSERT_EQ(::chmod(cache.c_str(), 0700), 0);
  if (result.exited_with(kCannotDropPrivileges)) GTEST_SKIP() << "cannot setuid(nobody) here";
  ASSERT_TRUE(result.exited_with(0)) << "the child crashed: status " << result.status;
  ASSERT_EQ(result.lines.size(), 3u);
  EXPECT_EQ(result.lines[0].rfind("permission_denied ", 0), 0u) << result.lines[0];
  EXPECT_NE(result.lines[0].find(path), std::string::npos) << result.lines[0];
  EXPECT_EQ(result.lines[1].rfind("permission_denied ", 0), 0u) << result.lines[1];
  EXPECT_EQ(result.lines[2].rfind("permission_denied ", 0), 0u) << result.lines[2];
  expect_intact(path, h);
}

TEST_F(ReliabilityHostileFs, AReadOnlyCacheDirectoryRefusesWritesButServesReads) {
  const std::string cache = dir.file("cache");
  const std::string path = cache + "/cas.sqlite";
  const Hash h = make_store(path);
  const std::string empty_dir = dir.file("empty");
  ASSERT_EQ(::mkdir(empty_dir.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(cache.c_str(), 0555), 0);
  const std::string before = cas_testing::read_file(path);
  auto result = as_nobody([&](int fd) {
    // No store yet and no way to create one.
    report_line(fd, outcome(CasStore::open(empty_dir + "/cas.sqlite")));
    // An existing store nobody may write: read-write fails, read-only serves reads.
    report_line(fd, outcome(CasStore::open(path)));
    CasOptions ro;
    ro.read_only = true;
    auto store = CasStore::open(path, ro);
    report_line(fd, outcome(store));
    if (store.ok()) {
      auto bytes = store->get(h);
      report_line(fd, bytes.ok() ? "get " + *bytes : "get " + outcome(bytes));
      report_line(fd, outcome(store->put("more")));
    }
  });
  ASSERT_EQ(::chmod(cache.c_str(), 0700), 0);
  if (result.exited_with(kCannotDropPrivileges)) GTEST_SKIP() << "cannot setuid(nobody) here";
  ASSERT_TRUE(result.exited_with(0)) << "the child crashed: status " << result.status;
  ASSERT_EQ(result.lines.size(), 5u);
  EXPECT_EQ(result.lines[0].rfind("permission_denied ", 0), 0u) << result.lines[0];
  EXPECT_EQ(result.lines[1].rfind("permission_denied ", 0), 0u) << result.lines[1];
  EXPECT_EQ(result.lines[2], "ok");
  EXPECT_EQ(result.lines[3], "get precious bytes");
  EXPECT_EQ(result.lines[4].rfind("permission_denied ", 0), 0u) << result.lines[4];
  EXPECT_FALSE(cas_testing::file_exists(empty_dir + "/cas.sqlite"));
  EXPECT_EQ(cas_testing::read_file(path), before);
  expect_intact(path, h);
}

TEST_F(ReliabilityHostileFs, AFileWhereTheCacheDirectoryShouldBeIsNotADirectory) {
  const std::string blocker = dir.file("cachedir");
  { std::ofstream(blocker) << "i am a file"; }
  auto flag = cache_file_path(blocker);
  ASSERT_TRUE(flag.ok());
  for (const std::string& path : {*flag, blocker + "/deeper/cas.sqlite"}) {
    auto r = CasStore::open(path);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code, Errc::not_a_directory) << r.error().message;
    EXPECT_NE(r.error().message.find(quoted(blocker)), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(cas_testing::read_file(blocker), "i am a file");
}

TEST_F(ReliabilityHostileFs, AFullDiskFailsTheWriteCleanlyAndKeepsTheStore) {
  const std::string path = dir.file("cas.sqlite");
  const Hash h = make_store(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  const std::string big(2 << 20, 'B');
  auto result = cas_testing::run_child([&](int fd) {
    ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead of killing us
    const rlimit limit{static_cast<rlim_t>(st.st_size) + 256 * 1024,
                       static_cast<rlim_t>(st.st_size) + 256 * 1024};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 4;
    auto store = CasStore::open(path);
    report_line(fd, outcome(store));
    if (!store.ok()) return 0;
    report_line(fd, outcome(store->put(big)));
    auto bytes = store->get(h);
    report_line(fd, bytes.ok() ? "get " + *bytes : "get " + outcome(bytes));
    report_line(fd, outcome(store->put("small after the failure")));
    return 0;
  });
  ASSERT_TRUE(result.exited_with(0)) << "the child crashed: status " << result.status;
  ASSERT_EQ(result.lines.size(), 4u);
  EXPECT_EQ(result.lines[0], "ok");
  EXPECT_EQ(result.lines[1].rfind("io_error ", 0), 0u) << result.lines[1];
  EXPECT_NE(result.lines[1].find(path), std::string::npos) << result.lines[1];
  EXPECT_EQ(result.lines[2], "get precious bytes");
  EXPECT_EQ(result.lines[3], "ok");
  expect_intact(path, h);
  auto store = CasStore::open(path);
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(*store->contains(sha256(big)));
  EXPECT_TRUE(*store->contains(sha256("small after the failure")));
}

}  // namespace
}  // namespace sqlink
