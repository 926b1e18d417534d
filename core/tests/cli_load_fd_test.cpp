// The CLI's .load run in-process: the copy it writes into the cache's lib directory closes
// every descriptor it opens, works when that descriptor is 0 (stdin closed, as a daemon), and
// fails whole when the file cannot be written to its end.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <sstream>
#include <string>

#include "cli/context.hpp"
#include "support/free_stdin.hpp"
#include "support/temp_dir.hpp"

namespace sqlink {
namespace {

std::size_t open_descriptors() {
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd");
       it != std::filesystem::directory_iterator(); ++it) {
    ++n;
  }
  return n;
}

class CliLoadInProcess : public ::testing::Test {
 protected:
  CliLoadInProcess() {
    args_.cache_dir = dir_.path() + "/cache";
    args_.grants.insert(Capability::native);
  }
  Result<cli::Reply> load(const std::string& path) {
    auto command = parse_dot_line(".load " + path);
    if (!command) return command.error();
    return cli::execute(ctx_, *command);
  }

  testing::TempDir dir_{"cli-load"};
  HostArgs args_;
  std::istringstream in_;
  std::ostringstream out_, err_;
  cli::Context ctx_{args_, cli::Io{in_, out_, err_}};
};

TEST_F(CliLoadInProcess, EveryDescriptorTheCopyOpensIsClosedAgain) {
  // The first load opens the store, its WAL and the session for good.
  auto first = load(SQLINK_FX_BETA);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const std::size_t before = open_descriptors();
  auto second = load(SQLINK_FX_ALPHA);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(open_descriptors(), before);
}

TEST_F(CliLoadInProcess, TheCopyIsWrittenWhenItsDescriptorIsZero) {
  auto first = load(SQLINK_FX_BETA);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const testing::FreeStdin free_stdin;
  auto r = load(SQLINK_FX_ALPHA);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(testing::FreeStdin::zero_is_free());  // closed again, not leaked
  const std::string hex = r->data["hash"].get<std::string>();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/cache/lib/" + hex + "/fx_alpha.so"));
}

// While it lives, files cannot grow past `bytes` (RLIMIT_FSIZE), and going past fails with
// EFBIG instead of killing the process with SIGXFSZ.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

TEST_F(CliLoadInProcess, ACopyCutShortByAWriteErrorIsAnErrorAndNoCopy) {
  // The bytes go into the cache, and the session's files are open, before the limit.
  auto first = load(SQLINK_FX_ALPHA);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const std::string lib = dir_.path() + "/cache/lib/" + first->data["hash"].get<std::string>();
  std::filesystem::remove_all(lib);
  std::istringstream in;
  std::ostringstream out, err;
  cli::Context again(args_, cli::Io{in, out, err});
  ASSERT_TRUE(again.cas().ok());
  ASSERT_TRUE(again.host().ok());
  const auto command = parse_dot_line(std::string(".load ") + SQLINK_FX_ALPHA);
  ASSERT_TRUE(command.ok());
  Result<cli::Reply> r = Error{};
  {
    const FileSizeLimit limit(4096);  // the extension is several times larger
    r = cli::execute(again, *command);
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io_error) << r.error().message;
  EXPECT_NE(r.error().message.find("File too large"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(lib + "/fx_alpha.so"));
  EXPECT_FALSE(std::filesystem::exists(lib + "/fx_alpha.so.tmp"));
}

}  // namespace
}  // namespace sqlink
