// The host's allowlist on a real tree: only files whose canonical path lies beneath an
// allowed directory load; siblings, symlinks out, missing files, non-ELF files and files
// without an entry point are refused with an error naming the path, and nothing registers.
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "sqlink/host.hpp"
#include "sqlink/limits.hpp"
#include "support/temp_dir.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;

// A scratch directory, removed afterwards (support/temp_dir.hpp).
class TempDir : public testing::TempDir {
 public:
  TempDir() : testing::TempDir("host-allow") {}
};

::testing::AssertionResult FailsWith(const Result<LoadReport>& result, Errc code,
                                     std::string_view raw) {
  if (result.ok()) return ::testing::AssertionFailure() << "loaded";
  const Error& error = result.error();
  if (error.code != code) {
    return ::testing::AssertionFailure() << "code " << errc_name(error.code) << " instead of "
                                         << errc_name(code) << ": " << error.message;
  }
  if (error.message.find(quoted(raw)) == std::string::npos) {
    return ::testing::AssertionFailure() << "message does not name " << quoted(raw) << ": "
                                         << error.message;
  }
  return ::testing::AssertionSuccess();
}

class HostAllowlistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    libs_ = tmp_.path() + "/libs";
    for (const char* dir : {"/libs", "/libs-other", "/outside"}) fs::create_directory(tmp_.path() + dir);
    Result<Session> opened = Session::open(tmp_.path() + "/user.db", HostPolicy{{libs_}});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    session_.emplace(std::move(*opened));
  }
  std::string copy_fixture(const char* fixture, const std::string& to) {
    fs::copy_file(fixture, to, fs::copy_options::overwrite_existing);
    return to;
  }
  // Nothing of fx_alpha is registered, and the registry holds no row.
  void expect_nothing_registered() {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(session_->db(),
                                 "SELECT (SELECT count(*) FROM pragma_function_list WHERE name "
                                 "LIKE 'fx%') + (SELECT count(*) FROM __sqlink_prefix_function)",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 0);
    sqlite3_finalize(stmt);
    EXPECT_TRUE(session_->loaded().empty());
  }

  TempDir tmp_;
  std::string libs_;
  std::optional<Session> session_;
};

TEST_F(HostAllowlistTest, AFileInTheAllowedDirectoryLoads) {
  const std::string path = copy_fixture(SQLINK_FX_ALPHA, libs_ + "/fx_alpha.so");
  Result<LoadReport> report = session_->load(path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->canonical_path, path);
}

TEST_F(HostAllowlistTest, AFileOutsideEveryAllowedDirectoryIsRefused) {
  const std::string path = copy_fixture(SQLINK_FX_ALPHA, tmp_.path() + "/outside/fx_alpha.so");
  EXPECT_TRUE(FailsWith(session_->load(path), Errc::outside_root, path));
  expect_nothing_registered();
}

TEST_F(HostAllowlistTest, ASiblingDirectorySharingTheNamePrefixIsRefused) {
  const std::string path = copy_fixture(SQLINK_FX_ALPHA, tmp_.path() + "/libs-other/fx_alpha.so");
  EXPECT_TRUE(FailsWith(session_->load(path), Errc::outside_root, path));
  expect_nothing_registered();
}

// "/x/libz" has as many bytes as "/x/libs" and a '/' where the allowed directory ends.
TEST_F(HostAllowlistTest, ASiblingDirectoryOfTheSameLengthIsRefused) {
  fs::create_directory(tmp_.path() + "/libz");
  const std::string path = copy_fixture(SQLINK_FX_ALPHA, tmp_.path() + "/libz/fx_alpha.so");
  EXPECT_TRUE(FailsWith(session_->load(path), Errc::outside_root, path));
  expect_nothing_registered();
}

TEST_F(HostAllowlistTest, ASymlinkPointingOutIsRefusedAndTheTargetNamed) {
  const std::string target = copy_fixture(SQLINK_FX_ALPHA, tmp_.path() + "/outside/fx_alpha.so");
  const std::string link = libs_ + "/fx_alpha.so";
  fs::create_symlink(target, link);
  Result<LoadReport> report = session_->load(link);
  EXPECT_TRUE(FailsWith(report, Errc::outside_root, link));
  EXPECT_NE(report.error().message.find(quoted(target)), std::string::npos);
  expect_nothing_registered();
}

TEST_F(HostAllowlistTest, ADotDotPathOutIsRefused) {
  copy_fixture(SQLINK_FX_ALPHA, tmp_.path() + "/outside/fx_alpha.so");
  const std::string path = libs_ + "/../outside/fx_alpha.so";
  EXPECT_TRUE(FailsWith(session_->load(path), Errc::outside_root, path));
}

TEST_F(HostAllowlistTest, ASymlinkStayingInsideLoads) {
  fs::create_directory(libs_ + "/real");
  const std::string target = copy_fixture(SQLINK_FX_ALPHA, libs_ + "/real/fx_alpha.so.1");
  fs::create_symlink("real/fx_alpha.so.1", libs_ + "/fx_alpha.so");
  Result<LoadReport> report = session_->load(libs_ + "/fx_alpha.so");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->canonical_path, target);
  EXPECT_EQ(report->extension_name, "fx_alpha");  // named after the path as given
}

TEST_F(HostAllowlistTest, AMissingFileIsNotFound) {
  const std::string path = libs_ + "/nope.so";
  EXPECT_TRUE(FailsWith(session_->load(path), Errc::not_found, path));
}

TEST_F(HostAllowlistTest, AFileThatIsNotElfIsRefusedBeforeDlopen) {
  const std::string path = libs_ + "/junk.so";
  std::ofstream(path) << "#!/bin/sh\necho not a library\n";
  EXPECT_TRUE(FailsWith(session_->load(path), Errc::invalid_value, path));
  EXPECT_NE(session_->load(path).error().message.find("not an ELF shared object"),
            std::string::npos);
  const std::string empty = libs_ + "/empty.so";
  std::ofstream(empty).flush();
  EXPECT_TRUE(FailsWith(session_->load(empty), Errc::invalid_value, empty));
}

TEST_F(HostAllowlistTest, ADirectoryIsNotALibrary) {
  const std::string path = libs_ + "/dir.so";
  fs::create_directory(path);
  EXPECT_TRUE(FailsWith(session_->load(path), Errc::invalid_value, path));
}

TEST_F(HostAllowlistTest, AMissingInitSymbolIsNamedWithBothNamesTried) {
  const std::string path = copy_fixture(SQLINK_FX_NODECL, libs_ + "/renamed.so");
  Result<LoadReport> report = session_->load(path);
  EXPECT_TRUE(FailsWith(report, Errc::not_found, path));
  EXPECT_NE(report.error().message.find("'sqlite3_extension_init'"), std::string::npos);
  EXPECT_NE(report.error().message.find("'sqlite3_renamed_init'"), std::string::npos);

  LoadOptions bad;
  bad.entry_point = "init; rm -rf";
  EXPECT_EQ(session_->load(path, bad).error().code, Errc::invalid_value);

  // Named explicitly, the same file loads.
  LoadOptions options;
  options.entry_point = "sqlite3_fxnodecl_init";
  Result<LoadReport> named = session_->load(path, options);
  ASSERT_TRUE(named.ok()) << named.error().message;
  EXPECT_EQ(named->entry_point, "sqlite3_fxnodecl_init");
}

TEST_F(HostAllowlistTest, BadPathsAreRefusedNamingThem) {
  EXPECT_TRUE(FailsWith(session_->load(""), Errc::missing_argument, ""));
  const std::string control = libs_ + "/a\x1b[2Jb.so";
  EXPECT_TRUE(FailsWith(session_->load(control), Errc::control_character, control));
  const std::string longer(5000, 'a');
  EXPECT_TRUE(FailsWith(session_->load(longer), Errc::too_long, longer));
  // The limit itself is allowed: such a path is looked up (and here does not exist).
  std::string at_limit = libs_ + "/";
  at_limit.append(limits::kMaxPathBytes - at_limit.size(), 'a');
  const Errc at_limit_code = session_->load(at_limit).error().code;
  EXPECT_NE(at_limit_code, Errc::too_long) << errc_name(at_limit_code);
}

TEST(HostAllowlist, AnEmptyAllowlistRefusesEverything) {
  TempDir tmp;
  Result<Session> session = Session::open(tmp.path() + "/user.db", HostPolicy{});
  ASSERT_TRUE(session.ok());
  const std::string path = tmp.path() + "/fx_alpha.so";
  fs::copy_file(SQLINK_FX_ALPHA, path);
  EXPECT_TRUE(FailsWith(session->load(path), Errc::permission_denied, path));
}

TEST(HostAllowlist, TheRootDirectoryAllowsEveryAbsolutePath) {
  TempDir tmp;
  Result<Session> session = Session::open(tmp.path() + "/user.db", HostPolicy{{"/"}});
  ASSERT_TRUE(session.ok());
  const std::string path = tmp.path() + "/fx_alpha.so";
  fs::copy_file(SQLINK_FX_ALPHA, path);
  Result<LoadReport> report = session->load(path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->canonical_path, path);
}

// Nested allowed directories: the file is within both, and loads.
TEST(HostAllowlist, AFileWithinSeveralAllowedDirectoriesLoads) {
  TempDir tmp;
  fs::create_directories(tmp.path() + "/a/b");
  Result<Session> session = Session::open(
      tmp.path() + "/user.db", HostPolicy{{tmp.path() + "/a", tmp.path() + "/a/b", tmp.path()}});
  ASSERT_TRUE(session.ok());
  const std::string path = tmp.path() + "/a/b/fx_alpha.so";
  fs::copy_file(SQLINK_FX_ALPHA, path);
  Result<LoadReport> report = session->load(path);
  EXPECT_TRUE(report.ok()) << report.error().message;
}

TEST(HostAllowlist, AnAllowedDirectoryGivenThroughASymlinkStillWorks) {
  TempDir tmp;
  fs::create_directory(tmp.path() + "/real");
  fs::create_directory_symlink(tmp.path() + "/real", tmp.path() + "/alias");
  Result<Session> session =
      Session::open(tmp.path() + "/user.db", HostPolicy{{tmp.path() + "/alias"}});
  ASSERT_TRUE(session.ok());
  const std::string path = tmp.path() + "/real/fx_alpha.so";
  fs::copy_file(SQLINK_FX_ALPHA, path);
  Result<LoadReport> report = session->load(path);
  EXPECT_TRUE(report.ok()) << report.error().message;
}

}  // namespace
}  // namespace sqlink
