// The CLI's .load run in-process: the copy it writes into the cache's lib directory closes
// every descriptor it opens, and works when that descriptor is 0 (stdin closed, as a daemon).
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sqlink
