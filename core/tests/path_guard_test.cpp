// Spawn-build path validation on a real temporary tree: check_build_request() verdicts, and
// open_checked_root() refusing trees changed after the check, by openat2 and by the walk.
// walk.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/limits.hpp"
#include "sqlink/path_guard.hpp"
#include "support/free_stdin.hpp"
#include "support/temp_dir.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;

// A scratch directory, removed afterwards (support/temp_dir.hpp).
class TempDir : public testing::TempDir {
 public:
  TempDir() : testing::TempDir("path-guard") {}
};

::testing::AssertionResult FailsWith(const Error& error, Errc code, std::string_view raw) {
  if (error.code != code) {
    return ::testing::AssertionFailure() << "code " << errc_name(error.code) << " instead of "
                                         << errc_name(code) << ": " << error.message;
  }
  if (error.message.find(quoted(raw)) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message does not name " << quoted(raw) << ": " << error.message;
  }
  return ::testing::AssertionSuccess();
}

template <class T>
::testing::AssertionResult FailsWith(const Result<T>& result, Errc code, std::string_view raw) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded unexpectedly";
  return FailsWith(result.error(), code, raw);
}

// Whether this kernel has openat2 at all, asked the same way the library asks.
bool kernel_has_openat2() {
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  const long fd = ::syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
  if (fd >= 0) ::close(static_cast<int>(fd));
  return fd >= 0 || errno != ENOSYS;
}

// base/
//   builds/crate/deep/er     the allowed prefix and roots below it
//   builds/file.txt
//   builds/escape ->  ../outside      a symlink inside the prefix leading out of it
//   builds/inner  ->  crate           a symlink that stays inside
//   builds-other/crate       shares a name prefix with builds but is not below it
//   outside/deep/er, outside/sub      a tree a swapped-in symlink could lead to
//   link-to-builds -> builds
class PathGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* dir :
         {"builds/crate/deep/er", "builds-other/crate", "outside/deep/er", "outside/sub"}) {
      fs::create_directories(at(dir));
    }
    std::ofstream(at("builds/file.txt")) << "not a directory\n";
    fs::create_directory_symlink("../outside", at("builds/escape"));
    fs::create_directory_symlink("crate", at("builds/inner"));
    fs::create_directory_symlink("builds", at("link-to-builds"));
  }

  std::string at(std::string_view rel) const { return tmp_.path() + "/" + std::string(rel); }

  BuildPolicy policy(std::vector<std::string> prefixes) const {
    BuildPolicy p;
    p.spawn_build_granted = true;
    p.allowed_prefixes = std::move(prefixes);
    return p;
  }
  BuildPolicy builds_policy() const { return policy({at("builds")}); }

  static BuildRequest request(std::string root, std::optional<std::string> triple = {}) {
    return BuildRequest{std::move(root), std::move(triple)};
  }

  TempDir tmp_;
};

using PathGuardCheck = PathGuardTest;

TEST_F(PathGuardCheck, RootEqualToPrefix) {
  auto r = check_build_request(request(at("builds")), builds_policy());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_root, at("builds"));
  EXPECT_EQ(r->canonical_prefix, at("builds"));
  EXPECT_EQ(r->relative, ".");
  EXPECT_FALSE(r->target_triple.has_value());
  EXPECT_FALSE(r->force_nofollow_walk);
}

TEST_F(PathGuardCheck, RootDeepBelowPrefix) {
  auto r = check_build_request(request(at("builds/crate/deep/er")), builds_policy());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_root, at("builds/crate/deep/er"));
  EXPECT_EQ(r->canonical_prefix, at("builds"));
  EXPECT_EQ(r->relative, "crate/deep/er");
}

TEST_F(PathGuardCheck, TrailingSlashAndDotsAreCanonicalised) {
  auto r = check_build_request(request(at("builds/./crate//deep/")), builds_policy());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_root, at("builds/crate/deep"));
  EXPECT_EQ(r->relative, "crate/deep");
}

TEST_F(PathGuardCheck, SymlinkPointingOutsideIsOutsideRoot) {
  const std::string raw = at("builds/escape");
  auto r = check_build_request(request(raw), builds_policy());
  EXPECT_TRUE(FailsWith(r, Errc::outside_root, raw));
  // The message also says where the path really led.
  EXPECT_NE(r.error().message.find(quoted(at("outside"))), std::string::npos) << r.error().message;
  EXPECT_TRUE(FailsWith(check_build_request(request(at("builds/escape/sub")), builds_policy()),
                        Errc::outside_root, at("builds/escape/sub")));
}

TEST_F(PathGuardCheck, SymlinkStayingInsideIsResolved) {
  auto r = check_build_request(request(at("builds/inner/deep")), builds_policy());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_root, at("builds/crate/deep"));
  EXPECT_EQ(r->relative, "crate/deep");
}

TEST_F(PathGuardCheck, DotDotChainsThatEscapeAreOutsideRoot) {
  for (const char* rel :
       {"builds/crate/../../outside", "builds/..", "builds/crate/deep/../../.."}) {
    EXPECT_TRUE(FailsWith(check_build_request(request(at(rel)), builds_policy()),
                          Errc::outside_root, at(rel)))
        << rel;
  }
}

TEST_F(PathGuardCheck, DotDotChainsThatStayInsideAreFine) {
  auto r =
      check_build_request(request(at("builds/crate/deep/../../crate/deep/er/..")), builds_policy());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_root, at("builds/crate/deep"));
  EXPECT_EQ(r->relative, "crate/deep");
}

TEST_F(PathGuardCheck, SiblingWithSharedNamePrefixIsNotBelow) {
  for (const char* rel : {"builds-other", "builds-other/crate"}) {
    EXPECT_TRUE(FailsWith(check_build_request(request(at(rel)), builds_policy()),
                          Errc::outside_root, at(rel)))
        << rel;
  }
}

// "buildz" has as many bytes as "builds" and a '/' where the prefix ends.
TEST_F(PathGuardCheck, SiblingOfTheSameLengthIsNotBelow) {
  fs::create_directories(at("buildz/crate"));
  EXPECT_TRUE(FailsWith(check_build_request(request(at("buildz/crate")), builds_policy()),
                        Errc::outside_root, at("buildz/crate")));
}

TEST_F(PathGuardCheck, FilesystemRootAsPrefix) {
  auto r = check_build_request(request(at("builds/crate")), policy({"/"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_prefix, "/");
  EXPECT_EQ(r->canonical_root, at("builds/crate"));
  EXPECT_EQ(r->relative, at("builds/crate").substr(1));

  auto self = check_build_request(request("/"), policy({"/"}));
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_EQ(self->relative, ".");
}

TEST_F(PathGuardCheck, PrefixWithTrailingSlash) {
  auto r = check_build_request(request(at("builds/crate")), policy({at("builds") + "/"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_prefix, at("builds"));
  EXPECT_EQ(r->relative, "crate");
}

TEST_F(PathGuardCheck, PrefixGivenThroughSymlink) {
  auto r = check_build_request(request(at("builds/crate")), policy({at("link-to-builds")}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_prefix, at("builds"));
  EXPECT_EQ(r->relative, "crate");
  // And the root through it too.
  auto via = check_build_request(request(at("link-to-builds/crate")), policy({at("builds")}));
  ASSERT_TRUE(via.ok()) << via.error().message;
  EXPECT_EQ(via->canonical_root, at("builds/crate"));
}

TEST_F(PathGuardCheck, NonexistentPrefixIsSkipped) {
  auto r = check_build_request(request(at("builds/crate")),
                               policy({at("no-such-prefix"), at("builds")}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_prefix, at("builds"));

  EXPECT_TRUE(
      FailsWith(check_build_request(request(at("builds/crate")), policy({at("no-such-prefix")})),
                Errc::outside_root, at("builds/crate")));
}

TEST_F(PathGuardCheck, NoPrefixesMeansOutsideRoot) {
  EXPECT_TRUE(FailsWith(check_build_request(request(at("builds")), policy({})), Errc::outside_root,
                        at("builds")));
}

TEST_F(PathGuardCheck, DeepestMatchingPrefixWins) {
  auto r = check_build_request(request(at("builds/crate/deep")),
                               policy({at("builds"), at("builds/crate"), "/"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->canonical_prefix, at("builds/crate"));
  EXPECT_EQ(r->relative, "deep");
}

TEST_F(PathGuardCheck, NonexistentRootIsNotFound) {
  const std::string raw = at("builds/no-such-crate");
  EXPECT_TRUE(FailsWith(check_build_request(request(raw), builds_policy()), Errc::not_found, raw));
}

TEST_F(PathGuardCheck, FileIsNotADirectory) {
  const std::string file = at("builds/file.txt");
  EXPECT_TRUE(
      FailsWith(check_build_request(request(file), builds_policy()), Errc::not_a_directory, file));
  const std::string below = file + "/x";
  EXPECT_TRUE(FailsWith(check_build_request(request(below), builds_policy()), Errc::not_a_directory,
                        below));
}

TEST_F(PathGuardCheck, NulAndControlBytesInRoot) {
  const std::string nul = at("builds") + std::string("\0/../../outside", 15);
  ASSERT_EQ(nul.find('\0'), at("builds").size());
  auto r = check_build_request(request(nul), builds_policy());
  EXPECT_TRUE(FailsWith(r, Errc::control_character, nul));
  // The sanitised form never carries the raw byte.
  EXPECT_EQ(r.error().message.find('\0'), std::string::npos);

  for (const std::string& bad :
       {at("builds/\x01x"), at("builds/a\nb"), at("builds/\x7f"), at("builds/\x1b[2J")}) {
    auto c = check_build_request(request(bad), builds_policy());
    EXPECT_TRUE(FailsWith(c, Errc::control_character, bad)) << bad;
    EXPECT_EQ(c.error().message.find_first_of("\x01\n\x7f\x1b"), std::string::npos)
        << c.error().message;
  }
}

TEST_F(PathGuardCheck, OverlongAndEmptyRoot) {
  const std::string longest(limits::kMaxPathBytes + 1, 'a');
  EXPECT_TRUE(
      FailsWith(check_build_request(request(longest), builds_policy()), Errc::too_long, longest));
  EXPECT_TRUE(
      FailsWith(check_build_request(request(""), builds_policy()), Errc::missing_argument, ""));
  // The limit itself is allowed: such a root is looked up (and here does not exist).
  std::string at_limit = at("builds/");
  at_limit.append(limits::kMaxPathBytes - at_limit.size(), 'a');
  auto r = check_build_request(request(at_limit), builds_policy());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().code, Errc::too_long) << errc_name(r.error().code);
}

TEST_F(PathGuardCheck, BadPrefixesAreErrorsNamingThem) {
  const std::string nul = at("builds") + std::string("\0", 1);
  EXPECT_TRUE(FailsWith(check_build_request(request(at("builds")), policy({nul})),
                        Errc::control_character, nul));
  EXPECT_TRUE(FailsWith(check_build_request(request(at("builds")), policy({at("builds"), ""})),
                        Errc::missing_argument, ""));
  const std::string longest(limits::kMaxPathBytes + 1, '/');
  EXPECT_TRUE(FailsWith(check_build_request(request(at("builds")), policy({longest})),
                        Errc::too_long, longest));
}

TEST_F(PathGuardCheck, MissingGrantIsPermissionDenied) {
  BuildPolicy p = builds_policy();
  p.spawn_build_granted = false;
  const std::string root = at("builds/crate");
  EXPECT_TRUE(FailsWith(check_build_request(request(root), p), Errc::permission_denied, root));
  // The grant is checked before anything else, the filesystem included.
  const std::string missing = at("nowhere");
  EXPECT_TRUE(
      FailsWith(check_build_request(request(missing), p), Errc::permission_denied, missing));
}

TEST_F(PathGuardCheck, BadTriplesAreInvalidValues) {
  const std::string overlong(limits::kMaxTripleBytes + 1, 'a');
  for (const std::string& triple :
       {std::string("X86"), std::string("a b"), std::string("../x"), std::string(""), overlong,
        std::string("x86_64\n"), std::string("x86.64"), std::string("x86_64/linux"),
        std::string("x86{64"), std::string("x86~64"), std::string("x86:64")}) {
    EXPECT_TRUE(FailsWith(check_build_request(request(at("builds"), triple), builds_policy()),
                          Errc::invalid_value, triple))
        << triple;
  }
}

TEST_F(PathGuardCheck, GoodTriplesAreKept) {
  const std::string longest(limits::kMaxTripleBytes, 'z');
  for (const std::string& triple :
       {std::string("x86_64-unknown-linux-gnu"), std::string("aarch64-apple-darwin"),
        std::string("wasm32-wasi"), std::string("0"), std::string("i9z"), longest}) {
    auto r = check_build_request(request(at("builds"), triple), builds_policy());
    ASSERT_TRUE(r.ok()) << triple << ": " << r.error().message;
    EXPECT_EQ(r->target_triple, triple);
  }
}

TEST_F(PathGuardCheck, ForceWalkIsCarriedOver) {
  BuildPolicy p = builds_policy();
  p.force_nofollow_walk = true;
  auto r = check_build_request(request(at("builds")), p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->force_nofollow_walk);
}

TEST(PathGuardRootFd, MoveTransfersAndClosesOwnership) {
  const int a = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const int b = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  {
    RootFd first(a);
    RootFd second(b);
    second = std::move(first);  // b is closed, a now owned by second
    EXPECT_EQ(first.get(), -1);
    EXPECT_EQ(second.get(), a);
    EXPECT_EQ(::fcntl(b, F_GETFD), -1);
    EXPECT_EQ(errno, EBADF);
    RootFd third(std::move(second));
    EXPECT_EQ(second.get(), -1);
    EXPECT_EQ(third.get(), a);
    EXPECT_NE(::fcntl(a, F_GETFD), -1);
  }
  EXPECT_EQ(::fcntl(a, F_GETFD), -1);
}

TEST(PathGuardRootFd, DescriptorZeroIsOwnedLikeAnyOther) {
  const testing::FreeStdin free_stdin;
  {
    RootFd zero(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_EQ(zero.get(), 0);
  }
  EXPECT_TRUE(testing::FreeStdin::zero_is_free()) << "the destructor left descriptor 0 open";
  RootFd zero(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_EQ(zero.get(), 0);
  zero = RootFd();
  EXPECT_TRUE(testing::FreeStdin::zero_is_free()) << "assignment left descriptor 0 open";
}

TEST(PathGuardRootFd, EmptyOnesCloseNothingAndLeaveErrnoAlone) {
  errno = ENOENT;
  {
    RootFd none;
    RootFd other;
    other = std::move(none);
  }
  EXPECT_EQ(errno, ENOENT);
}

// The open tests run twice: with openat2 where the kernel has it, and with the forced walk.
class PathGuardOpen : public PathGuardTest, public ::testing::WithParamInterface<bool> {
 protected:
  bool walk() const { return GetParam(); }

  CheckedRoot checked(const std::string& rel) {
    BuildPolicy p = builds_policy();
    p.force_nofollow_walk = walk();
    auto r = check_build_request(request(at(rel)), p);
    if (!r.ok()) ADD_FAILURE() << r.error().message;
    return r.ok() ? *r : CheckedRoot{};
  }

  // The fd must be the very directory at `path` now.
  static void ExpectSameDirectory(int fd, const std::string& path) {
    struct stat by_fd {};
    struct stat by_path {};
    ASSERT_EQ(::fstat(fd, &by_fd), 0);
    ASSERT_EQ(::stat(path.c_str(), &by_path), 0) << path;
    EXPECT_TRUE(S_ISDIR(by_fd.st_mode));
    EXPECT_EQ(by_fd.st_dev, by_path.st_dev);
    EXPECT_EQ(by_fd.st_ino, by_path.st_ino);
  }
};

TEST_P(PathGuardOpen, OpensTheValidatedDirectory) {
  for (const char* rel : {"builds", "builds/crate", "builds/crate/deep/er"}) {
    const CheckedRoot c = checked(rel);
    auto opened = open_checked_root(c);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    ExpectSameDirectory(opened->dir.get(), at(rel));
    EXPECT_EQ(opened->checked.canonical_root, c.canonical_root);
    EXPECT_EQ(opened->used_openat2, !walk() && kernel_has_openat2());
    EXPECT_NE(::fcntl(opened->dir.get(), F_GETFD) & FD_CLOEXEC, 0);
  }
}

TEST_P(PathGuardOpen, LeafSwappedForSymlinkAfterCheck) {
  const CheckedRoot c = checked("builds/crate/deep");
  fs::rename(at("builds/crate/deep"), at("builds/moved-deep"));
  fs::create_directory_symlink(at("outside"), at("builds/crate/deep"));
  EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::outside_root, c.canonical_root));
}

TEST_P(PathGuardOpen, IntermediateSwappedForSymlinkAfterCheck) {
  const CheckedRoot c = checked("builds/crate/deep/er");
  fs::rename(at("builds/crate"), at("builds/moved-crate"));
  // outside/deep/er exists, so following the symlink would have succeeded.
  fs::create_directory_symlink(at("outside"), at("builds/crate"));
  EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::outside_root, c.canonical_root));
}

TEST_P(PathGuardOpen, RelativeSymlinkSwappedInAfterCheck) {
  const CheckedRoot c = checked("builds/crate/deep");
  fs::rename(at("builds/crate/deep"), at("builds/moved-deep"));
  fs::create_directory_symlink("../../outside/deep", at("builds/crate/deep"));
  EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::outside_root, c.canonical_root));
}

TEST_P(PathGuardOpen, SymlinkThatStaysBelowPrefixIsStillRefused) {
  // Beneath the prefix, but not the directory that was validated.
  const CheckedRoot c = checked("builds/crate/deep");
  fs::create_directories(at("builds/other"));
  fs::rename(at("builds/crate/deep"), at("builds/moved-deep"));
  fs::create_directory_symlink("../other", at("builds/crate/deep"));
  EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::outside_root, c.canonical_root));
}

TEST_P(PathGuardOpen, LeafSwappedForFileAfterCheck) {
  const CheckedRoot c = checked("builds/crate/deep/er");
  fs::remove(at("builds/crate/deep/er"));
  std::ofstream(at("builds/crate/deep/er")) << "a file now\n";
  EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::outside_root, c.canonical_root));
}

TEST_P(PathGuardOpen, PrefixSwappedForSymlinkAfterCheck) {
  const CheckedRoot c = checked("builds");
  fs::rename(at("builds"), at("moved-builds"));
  fs::create_directory_symlink(at("outside"), at("builds"));
  EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::outside_root, c.canonical_root));
}

TEST_P(PathGuardOpen, RemovedAfterCheckIsNotFound) {
  const CheckedRoot c = checked("builds/crate/deep/er");
  fs::remove(at("builds/crate/deep/er"));
  EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::not_found, c.canonical_root));
}

TEST_P(PathGuardOpen, HandMadeCheckedRootsMustBeClean) {
  CheckedRoot base;
  base.canonical_prefix = at("builds");
  base.force_nofollow_walk = walk();
  for (const char* rel :
       {"crate/../crate", "../outside", "crate//deep", "./crate", "crate/", "/crate", ""}) {
    CheckedRoot c = base;
    c.relative = rel;
    c.canonical_root = at("builds/crate");
    EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::invalid_value, rel)) << rel;
    // Also when the root is the prefix and the parts joined, as a careless caller would make it.
    c.canonical_root = base.canonical_prefix + "/" + rel;
    EXPECT_TRUE(FailsWith(open_checked_root(c), Errc::invalid_value, rel)) << rel;
  }
  // A NUL byte would cut the path the kernel sees short, to a directory that exists.
  CheckedRoot nul = base;
  nul.relative = std::string("crate\0deep", 10);
  nul.canonical_root = base.canonical_prefix + "/" + nul.relative;
  EXPECT_TRUE(FailsWith(open_checked_root(nul), Errc::invalid_value, nul.relative));
  // Longer than any path the kernel takes, though every part is clean.
  CheckedRoot overlong = base;
  overlong.relative = "crate";
  while (overlong.relative.size() <= limits::kMaxPathBytes) overlong.relative += "/deep";
  overlong.canonical_root = base.canonical_prefix + "/" + overlong.relative;
  EXPECT_TRUE(FailsWith(open_checked_root(overlong), Errc::invalid_value, overlong.relative));
  // Parts that do not add up to the root named in messages.
  CheckedRoot mismatch = base;
  mismatch.relative = "crate";
  mismatch.canonical_root = at("outside");
  EXPECT_TRUE(FailsWith(open_checked_root(mismatch), Errc::invalid_value, at("outside")));
  // A relative prefix.
  CheckedRoot relative_prefix = base;
  relative_prefix.canonical_prefix = "builds";
  relative_prefix.relative = ".";
  relative_prefix.canonical_root = "builds";
  EXPECT_TRUE(FailsWith(open_checked_root(relative_prefix), Errc::invalid_value, "builds"));
}

TEST_P(PathGuardOpen, OpensWithDescriptorZeroFreeAndClosesWhatItOpened) {
  for (const char* rel : {"builds", "builds/crate", "builds/crate/deep/er"}) {
    const CheckedRoot c = checked(rel);
    const testing::FreeStdin free_stdin;
    {
      auto opened = open_checked_root(c);
      ASSERT_TRUE(opened.ok()) << rel << ": " << opened.error().message;
      ExpectSameDirectory(opened->dir.get(), at(rel));
    }
    EXPECT_TRUE(testing::FreeStdin::zero_is_free()) << rel << ": descriptor 0 was left open";
  }
}

// A relative path of exactly kMaxPathBytes is clean: 17 parts of 240 bytes and 16 slashes.
// The kernel takes no path that long in one call (ENAMETOOLONG), so openat2 fails where the
// walk, one part at a time, succeeds; only ENOSYS sends openat2's caller to the walk.
TEST_P(PathGuardOpen, RelativePathOfTheMaximumLength) {
  const std::string part(240, 'd');
  std::string rel;
  std::vector<int> fds{::open(at("builds").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  for (int i = 0; i < 17; ++i) {
    ASSERT_EQ(::mkdirat(fds.back(), part.c_str(), 0755), 0);
    fds.push_back(::openat(fds.back(), part.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_GE(fds.back(), 0);
    rel += (rel.empty() ? "" : "/") + part;
  }
  ASSERT_EQ(rel.size(), limits::kMaxPathBytes);
  CheckedRoot c;
  c.canonical_prefix = at("builds");
  c.relative = rel;
  c.canonical_root = at("builds/" + rel);
  c.force_nofollow_walk = walk();
  {
    auto opened = open_checked_root(c);
    if (walk() || !kernel_has_openat2()) {
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      struct stat by_fd {};
      struct stat deepest {};
      ASSERT_EQ(::fstat(opened->dir.get(), &by_fd), 0);
      ASSERT_EQ(::fstat(fds.back(), &deepest), 0);
      EXPECT_EQ(by_fd.st_ino, deepest.st_ino);
    } else {
      EXPECT_TRUE(FailsWith(opened, Errc::io_error, c.canonical_root));
    }
  }
  // Too deep for the TempDir's path-based removal: taken down here, one level at a time.
  for (std::size_t i = fds.size() - 1; i > 0; --i) {
    ::close(fds[i]);
    EXPECT_EQ(::unlinkat(fds[i - 1], part.c_str(), AT_REMOVEDIR), 0);
  }
  ::close(fds[0]);
}

TEST_P(PathGuardOpen, ValidateBuildRootChecksThenOpens) {
  BuildPolicy p = builds_policy();
  p.force_nofollow_walk = walk();
  auto opened =
      validate_build_root(request(at("builds/inner/deep"), "x86_64-unknown-linux-gnu"), p);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ExpectSameDirectory(opened->dir.get(), at("builds/crate/deep"));
  EXPECT_EQ(opened->checked.relative, "crate/deep");
  EXPECT_EQ(opened->checked.target_triple, "x86_64-unknown-linux-gnu");

  EXPECT_TRUE(FailsWith(validate_build_root(request(at("builds/escape")), p), Errc::outside_root,
                        at("builds/escape")));
}

INSTANTIATE_TEST_SUITE_P(Modes, PathGuardOpen, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "NofollowWalk" : "Openat2";
                         });

}  // namespace
}  // namespace sqlink
