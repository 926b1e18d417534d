// The host's dlopen() layer (host/library.cpp) seen directly: the symlink it loads through
// (where it is made, how the file name is spelt, that it is gone afterwards), the /proc
// descriptor fallback when no directory can be made, what closing leaves behind, loading by
// path where /proc is missing, and the declarations it reads. Also the opening of the checked
// file (host/allowlist.cpp): with descriptor 0 free, with openat2 retried or missing.
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <atomic>
#include <functional>
#include <iterator>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "host/library.hpp"
#include "sqlink/host.hpp"
#include "sqlink/limits.hpp"
#include "support/free_stdin.hpp"
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

// Runs `body` in a child process, for what cannot be undone in this one (a seccomp filter, a
// mount namespace); returns its failure, empty when it succeeded. Descriptor 100 is its report.
std::string in_child(const std::function<std::string()>& body) {
  constexpr int kReport = 100;
  int report[2];
  if (::pipe(report) != 0) return "cannot make a pipe";
  const pid_t child = ::fork();
  if (child < 0) return "cannot fork";
  if (child == 0) {
    ::dup2(report[1], kReport);
    const std::string failure = body();
    if (!failure.empty()) {
      [[maybe_unused]] const ssize_t n = ::write(kReport, failure.data(), failure.size());
    }
    ::_exit(failure.empty() ? 0 : 1);
  }
  ::close(report[1]);
  std::string failure;
  char buffer[512];
  for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) failure.append(buffer, n);
  ::close(report[0]);
  int status = 0;
  if (::waitpid(child, &status, 0) != child) return "cannot wait for the child";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "child status " + std::to_string(status) + ": " + failure;
  }
  return failure;
}

// ---- opening the checked file (allowlist.cpp)

// How many descriptors this process has open.
int open_descriptors() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;  // the directory_iterator's own
}

bool same_inode(int fd, const std::string& path) {
  struct stat by_fd {}, by_path {};
  return ::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 &&
         by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev;
}

// A daemon's situation: descriptor 0 free, so the allowed directory is opened as 0. It is a
// descriptor like any other, and it is closed afterwards.
TEST_F(HostLibraryTest, TheFileOpensWithDescriptorZeroFreeAndLeavesItFree) {
  const std::string file = libs_ + "/fx_alpha.so";
  fs::copy_file(SQLINK_FX_ALPHA, file);
  Result<CheckedLibrary> checked = check_library_path(file, {libs_});
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  bool opened_ok = false;
  bool right_file = false;
  bool zero_free_after = false;
  {
    testing::FreeStdin free_stdin;
    {
      Result<OpenedLibrary> opened = open_library(*checked);
      opened_ok = opened.ok();
      right_file = opened_ok && opened->file.get() > 0 && same_inode(opened->file.get(), file);
    }
    zero_free_after = testing::FreeStdin::zero_is_free();
  }
  EXPECT_TRUE(opened_ok);
  EXPECT_TRUE(right_file);
  EXPECT_TRUE(zero_free_after);
}

// errno is not cleared by calls that succeed: one left at ENOSYS by earlier code must not
// make the host open the file a second time (and leak the first descriptor).
TEST_F(HostLibraryTest, AStaleEnosysDoesNotOpenTheFileTwice) {
  const std::string file = libs_ + "/fx_alpha.so";
  fs::copy_file(SQLINK_FX_ALPHA, file);
  Result<CheckedLibrary> checked = check_library_path(file, {libs_});
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  const int before = open_descriptors();
  {
    errno = ENOSYS;
    Result<OpenedLibrary> opened = open_library(*checked);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(open_descriptors(), before + 1);
  }
  EXPECT_EQ(open_descriptors(), before);
}

#if defined(__x86_64__)
// A seccomp program that answers every openat2 of this process with `action` and lets every
// other call through.
struct Openat2Filter {
  explicit Openat2Filter(std::uint32_t action)
      : filter{
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, action),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        },
        program{static_cast<unsigned short>(std::size(filter)), filter} {}
  Openat2Filter(const Openat2Filter&) = delete;
  Openat2Filter& operator=(const Openat2Filter&) = delete;

  sock_filter filter[7];
  sock_fprog program;
};

// Makes openat2 fail with ENOSYS in this process from now on, as on a kernel without it.
bool without_openat2() {
  Openat2Filter enosys(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &enosys.program) == 0;
}

// The cases of the walk without openat2, each run in a child process (the filter cannot be
// lifted); returns what went wrong, empty when all went right. `keep` (above 5) stays open.
std::string walk_cases(const std::string& libs, unsigned keep) {
  if (!without_openat2()) return "cannot install the seccomp filter";
  const std::string nested = libs + "/a/b/fx_alpha.so";
  const std::string direct = libs + "/fx_alpha.so";
  auto check = [&](const std::string& path) {
    Result<CheckedLibrary> checked = check_library_path(path, {libs});
    if (!checked) std::abort();
    return *checked;
  };
  auto code_of = [](const Result<OpenedLibrary>& r) {
    return r.ok() ? std::string("ok") : std::string(errc_name(r.error().code)) + ": " + r.error().message;
  };
  // Beneath several directories, and directly in the allowed one: the right file, nothing leaked.
  for (const std::string& path : {nested, direct}) {
    const CheckedLibrary checked = check(path);
    const int before = open_descriptors();
    {
      Result<OpenedLibrary> opened = open_library(checked);
      if (!opened) return path + ": " + code_of(opened);
      if (!same_inode(opened->file.get(), path)) return path + ": another file was opened";
    }
    if (open_descriptors() != before) return path + ": descriptors leaked";
  }
  // A directory on the way replaced by a symlink after the check: not followed.
  {
    const CheckedLibrary checked = check(nested);
    fs::rename(libs + "/a", libs + "/a.real");
    fs::create_directory_symlink(libs + "/a.real", libs + "/a");
    Result<OpenedLibrary> opened = open_library(checked);
    fs::remove(libs + "/a");
    fs::rename(libs + "/a.real", libs + "/a");
    if (opened || opened.error().code != Errc::outside_root) return "symlink: " + code_of(opened);
  }
  // A directory on the way removed after the check.
  {
    const CheckedLibrary checked = check(nested);
    fs::rename(libs + "/a", libs + "/a.gone");
    Result<OpenedLibrary> opened = open_library(checked);
    fs::rename(libs + "/a.gone", libs + "/a");
    if (opened || opened.error().code != Errc::not_found) return "removed: " + code_of(opened);
  }
  // Out of descriptors: at the copy of the directory, then at the first directory on the way.
  const std::string emfile = std::strerror(EMFILE);
  const CheckedLibrary direct_checked = check(direct);
  const CheckedLibrary nested_checked = check(nested);
  // UBSan's vptr check, on its first sight of a type, probes memory through a pipe, which the
  // limit below leaves no descriptor for: let it see the error category first.
  const std::string warm = std::generic_category().message(EMFILE);
  if (warm != emfile) return "strerror and the generic category disagree";
  ::close_range(3, keep - 1, 0);
  ::close_range(keep + 1, ~0U, 0);
  rlimit was{};
  if (::getrlimit(RLIMIT_NOFILE, &was) != 0) return "cannot read RLIMIT_NOFILE";
  for (rlim_t limit : {rlim_t{4}, rlim_t{5}}) {
    const rlimit low{limit, was.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) return "cannot lower RLIMIT_NOFILE";
    Result<OpenedLibrary> opened = open_library(limit == 4 ? direct_checked : nested_checked);
    if (opened || opened.error().code != Errc::io_error ||
        opened.error().message.find(emfile) == std::string::npos) {
      return "descriptor limit " + std::to_string(limit) + ": " + code_of(opened);
    }
  }
  return {};
}

// openat2 answers EAGAIN when a rename races the resolution. Here a supervisor thread answers
// every openat2 of this process with EAGAIN (seccomp user notification), counting the calls:
// the host retries, a bounded number of times, then reports the error.
std::string retried_cases(const std::string& libs) {
  Openat2Filter notify(SECCOMP_RET_USER_NOTIF);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return "cannot set no_new_privs";
  const int listener = static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                                  SECCOMP_FILTER_FLAG_NEW_LISTENER, &notify.program));
  if (listener < 0) return "cannot install the seccomp filter";
  constexpr int kGiveUp = 100;  // then ENOENT, so that an endless retry ends
  std::atomic<int> calls{0};
  std::thread([&calls, listener] {
    while (true) {
      seccomp_notif request{};
      if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &request) != 0) return;
      seccomp_notif_resp response{};
      response.id = request.id;
      response.error = ++calls < kGiveUp ? -EAGAIN : -ENOENT;
      ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
    }
  }).detach();
  Result<CheckedLibrary> checked = check_library_path(libs + "/fx_alpha.so", {libs});
  if (!checked) return "cannot check: " + checked.error().message;
  Result<OpenedLibrary> opened = open_library(*checked);
  if (opened) return "opened despite EAGAIN";
  if (opened.error().code != Errc::io_error ||
      opened.error().message.find(std::strerror(EAGAIN)) == std::string::npos) {
    return "wrong error: " + opened.error().message;
  }
  if (calls != 8) return "openat2 was tried " + std::to_string(calls.load()) + " times";
  return {};
}

TEST_F(HostLibraryTest, AnOpenat2RacingARenameIsRetriedEightTimes) {
  fs::copy_file(SQLINK_FX_ALPHA, libs_ + "/fx_alpha.so");
  EXPECT_EQ(in_child([&] { return retried_cases(libs_); }), "");
}

TEST_F(HostLibraryTest, WithoutOpenat2TheFileIsOpenedOneComponentAtATime) {
  fs::create_directories(libs_ + "/a/b");
  fs::copy_file(SQLINK_FX_ALPHA, libs_ + "/a/b/fx_alpha.so");
  fs::copy_file(SQLINK_FX_ALPHA, libs_ + "/fx_alpha.so");
  EXPECT_EQ(in_child([&] { return walk_cases(libs_, 100); }), "");
}
#endif

// ---- without /proc (library.cpp): the path again, after checking it still names the file

// In a mount namespace of its own, with /proc unmounted; returns what went wrong.
std::string without_proc(const std::string& libs, const std::string& db) {
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::umount2("/proc", MNT_DETACH) != 0) {
    return "cannot unmount /proc in a namespace of its own";
  }
  const std::string file = libs + "/fx_alpha.so";
  auto opened = [&]() -> std::optional<OpenedLibrary> {
    Result<CheckedLibrary> checked = check_library_path(file, {libs});
    if (!checked) return std::nullopt;
    Result<OpenedLibrary> result = open_library(*checked);
    if (!result) return std::nullopt;
    return std::move(*result);
  };
  // The same file: loaded by its canonical path.
  {
    std::optional<OpenedLibrary> same = opened();
    if (!same) return "cannot open " + file;
    Result<SharedObject> object = open_shared_object(std::move(*same));
    if (!object) return "refused the file it checked: " + object.error().message;
    if (object->loaded_as != file || object->through_fd || object->keeps_fd) {
      return "loaded as " + object->loaded_as;
    }
    close_shared_object(*object);
  }
  // Another file put in its place after the open: refused.
  {
    std::optional<OpenedLibrary> replaced = opened();
    if (!replaced) return "cannot open " + file;
    fs::copy_file(SQLINK_FX_ALPHA, libs + "/other.so");
    fs::rename(libs + "/other.so", file);
    Result<SharedObject> object = open_shared_object(std::move(*replaced));
    if (object) return "loaded a file put in place of the checked one";
    if (object.error().code != Errc::outside_root ||
        object.error().message.find("changed after validation") == std::string::npos) {
      return "wrong error: " + object.error().message;
    }
  }
  // A session says how it loaded the file.
  Result<Session> session = Session::open(db, HostPolicy{{libs}});
  if (!session) return "cannot open the session: " + session.error().message;
  Result<LoadReport> report = session->load(file);
  if (!report) return "cannot load: " + report.error().message;
  for (const std::string& w : report->warnings) {
    if (w == "/proc is not mounted: " + quoted(file) +
                 " was loaded by path after re-checking its identity") {
      return {};
    }
  }
  return "no warning that /proc is missing";
}

TEST_F(HostLibraryTest, WithoutProcTheCheckedPathIsLoadedOnlyIfItStillNamesTheFile) {
  fs::copy_file(SQLINK_FX_ALPHA, libs_ + "/fx_alpha.so");
  EXPECT_EQ(in_child([&] { return without_proc(libs_, tmp_.path() + "/user.db"); }), "");
}

// ---- declarations read from the object (library.cpp)

TEST_F(HostLibraryTest, DeclarationsAreReadWithinBoundsOrNotAtAll) {
  const std::string file = libs_ + "/fx_decl.so";
  fs::copy_file(SQLINK_FX_DECL, file);
  Result<CheckedLibrary> checked = check_library_path(file, {libs_});
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  Result<OpenedLibrary> opened = open_library(*checked);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Result<SharedObject> object = open_shared_object(std::move(*opened));
  ASSERT_TRUE(object.ok()) << object.error().message;
  // A pointer to a string longer than any name: read up to one byte past the limit.
  const std::optional<std::string> expansion = read_declaration(*object, "sqlink_prefix_expansion");
  ASSERT_TRUE(expansion.has_value());
  EXPECT_EQ(expansion->size(), limits::kMaxNameBytes + 1);
  EXPECT_EQ(expansion->rfind("org.sqlink.test.decl.0123456789", 0), 0u) << *expansion;
  // An address in the object that no symbol covers: present, but nothing is read.
  EXPECT_EQ(read_declaration(*object, "sqlink_preferred_prefix"), std::string());
  close_shared_object(*object);
}

}  // namespace
}  // namespace sqlink::host_detail
