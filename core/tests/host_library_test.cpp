// The host's dlopen() layer (host/library.cpp) seen directly: the symlink it loads through
// (where it is made, how the file name is spelt, that it is gone afterwards), the /proc
// descriptor fallback when no directory can be made, and what closing leaves behind.
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/library.hpp"
#include "sqlink/limits.hpp"
#include "support/temp_dir.hpp"

namespace sqlink::host_detail {
namespace {

namespace fs = std::filesystem;

// Sets TMPDIR for one test, puts back what was there.
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const std::string& value) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", value.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (old_) ::setenv("TMPDIR", old_->c_str(), 1);
    else ::unsetenv("TMPDIR");
  }
  ScopedTmpdir(const ScopedTmpdir&) = delete;
  ScopedTmpdir& operator=(const ScopedTmpdir&) = delete;

 private:
  std::optional<std::string> old_;
};

class HostLibraryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    libs_ = tmp_.path() + "/libs";
    fs::create_directory(libs_);
    scratch_ = tmp_.path() + "/scratch";
    fs::create_directory(scratch_);
  }
  // A copy of fx_alpha.so named `name` in the allowed directory, checked and opened.
  OpenedLibrary open_copy(const std::string& name) {
    const std::string to = libs_ + "/" + name;
    fs::copy_file(SQLINK_FX_ALPHA, to);
    Result<CheckedLibrary> checked = check_library_path(to, {libs_});
    EXPECT_TRUE(checked.ok()) << checked.error().message;
    Result<OpenedLibrary> opened = open_library(*checked);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return std::move(*opened);
  }
  SharedObject load(const std::string& name) {
    Result<SharedObject> object = open_shared_object(open_copy(name));
    EXPECT_TRUE(object.ok()) << object.error().message;
    EXPECT_NE(object->handle, nullptr);
    return std::move(*object);
  }

  testing::TempDir tmp_{"host-library"};
  std::string libs_;
  std::string scratch_;
};

// "<dir>/sqlink-dl-XXXXXX/<n>-<name>" -> {dir, name}
std::pair<std::string, std::string> split_link(const std::string& loaded_as) {
  const fs::path link(loaded_as);
  const std::string base = link.filename().string();
  const std::size_t dash = base.find('-');
  return {link.parent_path().parent_path().string(),
          dash == std::string::npos ? std::string() : base.substr(dash + 1)};
}

TEST_F(HostLibraryTest, LoadsThroughASymlinkInTmpdirNamedAfterTheFileWithOddBytesReplaced) {
  ScopedTmpdir env(scratch_);
  // Every boundary of the kept classes: 0 9 a z A Z . _ - kept; the bytes just outside
  // them (: ` { @ [), a space, a plus and two UTF-8 bytes become '_'.
  SharedObject object = load("09azAZ.5m_M-x :`{@[+\xc3\xa9.so");
  EXPECT_TRUE(object.through_fd);
  EXPECT_FALSE(object.keeps_fd);
  const auto [dir, name] = split_link(object.loaded_as);
  EXPECT_EQ(dir, scratch_) << object.loaded_as;
  EXPECT_EQ(name, "09azAZ.5m_M-x_________.so") << object.loaded_as;
  EXPECT_EQ(fs::path(object.loaded_as).parent_path().filename().string().rfind("sqlink-dl-", 0), 0u)
      << object.loaded_as;
  // The link and its directory are gone once the object is loaded.
  EXPECT_FALSE(fs::exists(fs::symlink_status(object.loaded_as)));
  EXPECT_FALSE(fs::exists(fs::path(object.loaded_as).parent_path()));
  EXPECT_TRUE(fs::is_empty(scratch_));
  // The loaded object is the file that was checked.
  void* entry = dlsym(object.handle, "sqlite3_extension_init");
  ASSERT_NE(entry, nullptr);
  Dl_info info{};
  ASSERT_NE(dladdr(entry, &info), 0);
  EXPECT_EQ(std::string(info.dli_fname), object.loaded_as);
  close_shared_object(object);
  EXPECT_EQ(object.handle, nullptr);
}

TEST_F(HostLibraryTest, EachLoadGetsItsOwnLinkName) {
  ScopedTmpdir env(scratch_);
  SharedObject first = load("fx_one.so");
  SharedObject second = load("fx_two.so");
  EXPECT_NE(first.loaded_as, second.loaded_as);
  EXPECT_EQ(split_link(first.loaded_as).second, "fx_one.so");
  EXPECT_EQ(split_link(second.loaded_as).second, "fx_two.so");
  close_shared_object(first);
  close_shared_object(second);
}

TEST_F(HostLibraryTest, ARelativeTmpdirIsIgnoredForSlashTmp) {
  ScopedTmpdir env("relative/dir");
  SharedObject object = load("fx_rel.so");
  EXPECT_EQ(split_link(object.loaded_as).first, "/tmp") << object.loaded_as;
  EXPECT_TRUE(object.through_fd);
  EXPECT_FALSE(object.keeps_fd);
  close_shared_object(object);
}

TEST_F(HostLibraryTest, WithNoDirectoryForTheLinkTheDescriptorNameIsLoadedAndKept) {
  ScopedTmpdir env(scratch_ + "/does-not-exist");
  OpenedLibrary opened = open_copy("fx_fd.so");
  const int fd = opened.file.get();
  Result<SharedObject> object = open_shared_object(std::move(opened));
  ASSERT_TRUE(object.ok()) << object.error().message;
  EXPECT_EQ(object->loaded_as, "/proc/self/fd/" + std::to_string(fd));
  EXPECT_TRUE(object->through_fd);
  EXPECT_TRUE(object->keeps_fd);
  EXPECT_EQ(object->file.get(), fd);  // the name glibc records must stay valid
  EXPECT_NE(dlsym(object->handle, "sqlite3_extension_init"), nullptr);
  close_shared_object(*object);
  EXPECT_EQ(object->handle, nullptr);
  EXPECT_EQ(object->file.get(), fd);  // unloaded: the descriptor is still ours to close
}

TEST_F(HostLibraryTest, ClosingAnObjectSomeoneElseStillHoldsKeepsItsDescriptorOpen) {
  ScopedTmpdir env(scratch_ + "/does-not-exist");
  OpenedLibrary opened = open_copy("fx_held.so");
  const int fd = opened.file.get();
  Result<SharedObject> object = open_shared_object(std::move(opened));
  ASSERT_TRUE(object.ok()) << object.error().message;
  ASSERT_TRUE(object->keeps_fd);
  void* other = dlopen(object->loaded_as.c_str(), RTLD_NOW | RTLD_LOCAL);  // a second holder
  ASSERT_NE(other, nullptr) << dlerror();
  close_shared_object(*object);
  EXPECT_EQ(object->handle, nullptr);
  // Still loaded under /proc/self/fd/N: N is released (left open), never closed under it.
  EXPECT_EQ(object->file.get(), -1);
  EXPECT_NE(::fcntl(fd, F_GETFD), -1);
  dlclose(other);
}

TEST_F(HostLibraryTest, AFileThatIsNotASharedObjectIsRefusedByName) {
  ScopedTmpdir env(scratch_);
  const std::string to = libs_ + "/broken.so";
  {
    // ELF magic, then nothing dlopen() can map
    FILE* f = std::fopen(to.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("\x7f" "ELF not really", f);
    std::fclose(f);
  }
  Result<CheckedLibrary> checked = check_library_path(to, {libs_});
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  Result<OpenedLibrary> opened = open_library(*checked);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Result<SharedObject> object = open_shared_object(std::move(*opened));
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().code, Errc::invalid_value);
  EXPECT_NE(object.error().message.find("broken.so"), std::string::npos) << object.error().message;
  EXPECT_TRUE(fs::is_empty(scratch_));  // the link was removed on the failure path too
}

// ---- the allowlist verdict and the open beneath the allowed directory (host/allowlist.cpp)

TEST_F(HostLibraryTest, TheRootDirectoryItselfIsNotBeneathTheRootDirectory) {
  Result<CheckedLibrary> checked = check_library_path("/", {"/"});
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, Errc::outside_root);
}

TEST_F(HostLibraryTest, TheDeepestAllowedDirectoryWinsInEitherOrder) {
  const std::string file = libs_ + "/fx_deep.so";
  fs::copy_file(SQLINK_FX_ALPHA, file);
  for (const std::vector<std::string>& dirs :
       {std::vector<std::string>{tmp_.path(), libs_}, std::vector<std::string>{libs_, tmp_.path()}}) {
    Result<CheckedLibrary> checked = check_library_path(file, dirs);
    ASSERT_TRUE(checked.ok()) << checked.error().message;
    EXPECT_EQ(checked->allowed_dir, libs_);
    EXPECT_EQ(checked->relative, "fx_deep.so");
    EXPECT_EQ(checked->canonical_path, file);
  }
  Result<CheckedLibrary> outer = check_library_path(file, {tmp_.path()});
  ASSERT_TRUE(outer.ok()) << outer.error().message;
  EXPECT_EQ(outer->relative, "libs/fx_deep.so");
}

TEST_F(HostLibraryTest, AnAllowedDirectorySpelledWithAControlByteIsIgnored) {
  const std::string file = libs_ + "/fx_ctl.so";
  fs::copy_file(SQLINK_FX_ALPHA, file);
  const std::string odd = tmp_.path() + "/odd\ndir";  // a real directory (a link to libs)
  fs::create_directory_symlink(libs_, odd);
  Result<CheckedLibrary> checked = check_library_path(file, {odd});
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, Errc::outside_root);
  Result<CheckedLibrary> plain = check_library_path(file, {"", odd, libs_});
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->allowed_dir, libs_);
}

TEST_F(HostLibraryTest, AnAllowedDirectoryLongerThanAPathMayBeIsIgnored) {
  const std::string file = libs_ + "/fx_long.so";
  fs::copy_file(SQLINK_FX_ALPHA, file);
  // libs_ spelled with repeated slashes: the same directory, at exactly the limit and one over
  auto spelled = [&](std::size_t size) {
    std::string dir = libs_;
    dir.insert(dir.rfind('/'), size - dir.size(), '/');
    return dir;
  };
  const std::string at_limit = spelled(limits::kMaxPathBytes);
  ASSERT_EQ(at_limit.size(), limits::kMaxPathBytes);
  Result<CheckedLibrary> ok = check_library_path(file, {at_limit});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->allowed_dir, libs_);
  Result<CheckedLibrary> over = check_library_path(file, {spelled(limits::kMaxPathBytes + 1)});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::outside_root);
}

TEST_F(HostLibraryTest, AFileRemovedAfterTheCheckIsNotFoundWhenOpened) {
  const std::string file = libs_ + "/fx_gone.so";
  fs::copy_file(SQLINK_FX_ALPHA, file);
  Result<CheckedLibrary> checked = check_library_path(file, {libs_});
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  fs::remove(file);
  Result<OpenedLibrary> opened = open_library(*checked);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::not_found);
  EXPECT_NE(opened.error().message.find("fx_gone.so"), std::string::npos) << opened.error().message;
}

TEST_F(HostLibraryTest, AnAllowedDirectoryRemovedAfterTheCheckIsNotFoundWhenOpened) {
  const std::string file = libs_ + "/fx_dir_gone.so";
  fs::copy_file(SQLINK_FX_ALPHA, file);
  Result<CheckedLibrary> checked = check_library_path(file, {libs_});
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  fs::remove_all(libs_);
  Result<OpenedLibrary> opened = open_library(*checked);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::not_found);
}

}  // namespace
}  // namespace sqlink::host_detail
