// Golden tests of the sqlink program: exact stdout, stderr and exit code per case file.
// Run with SQLINK_UPDATE_GOLDEN=1 to rewrite the files from the current output, then review the diff.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;

// A case file:
//   args: ["--bundle"]          JSON array of argv words after the program name
//   stdin: ".bundle list\n"     optional JSON string fed to stdin
//   exit: 2
//   --- stdout
//   ...exact bytes...
//   --- stderr
//   ...exact bytes...
struct GoldenCase {
  std::vector<std::string> args;
  std::string input;
  bool has_input = false;
  int exit_code = 0;
  std::string out, err;
};

const fs::path kGoldenDir = fs::path(SQLINK_SOURCE_DIR) / "core/tests/golden/cli";

GoldenCase load(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  GoldenCase c;
  const auto out_pos = text.find("--- stdout\n");
  const auto err_pos = text.find("--- stderr\n");
  if (out_pos == std::string::npos || err_pos == std::string::npos) {
    ADD_FAILURE() << file << ": missing --- stdout / --- stderr sections";
    return c;
  }
  std::istringstream header(text.substr(0, out_pos));
  std::string line;
  while (std::getline(header, line)) {
    if (line.rfind("args: ", 0) == 0) {
      c.args = nlohmann::json::parse(line.substr(6)).get<std::vector<std::string>>();
    } else if (line.rfind("stdin: ", 0) == 0) {
      c.input = nlohmann::json::parse(line.substr(7)).get<std::string>();
      c.has_input = true;
    } else if (line.rfind("exit: ", 0) == 0) {
      c.exit_code = std::stoi(line.substr(6));
    }
  }
  c.out = text.substr(out_pos + 11, err_pos - out_pos - 11);
  c.err = text.substr(err_pos + 11);
  return c;
}

void save(const fs::path& file, const GoldenCase& c) {
  std::ofstream out(file, std::ios::binary);
  out << "args: " << nlohmann::json(c.args).dump(-1, ' ', true) << "\n";
  if (c.has_input) out << "stdin: " << nlohmann::json(c.input).dump(-1, ' ', true) << "\n";
  out << "exit: " << c.exit_code << "\n--- stdout\n" << c.out << "--- stderr\n" << c.err;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  if (!fs::is_directory(kGoldenDir)) return names;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.path().extension() == ".case") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A scratch directory, removed afterwards (support/temp_dir.hpp).
class TempDir : public testing::TempDir {
 public:
  TempDir() : testing::TempDir("golden") {}
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

class CliGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CliGolden, MatchesTheGoldenFile) {
  const fs::path file = kGoldenDir / (GetParam() + ".case");
  GoldenCase expected = load(file);
  std::vector<std::string> argv = {SQLINK_EXE};
  argv.insert(argv.end(), expected.args.begin(), expected.args.end());
  // Each case runs in a fresh directory with its own cache and home, so cases never see each
  // other's state or the user's; the directory's name is printed as $TMP.
  const TempDir tmp;
  testing::ProcessOptions options;
  options.input = expected.input;
  options.cwd = tmp.path();
  options.extra_env = {"SQLINK_CACHE_DIR=" + tmp.path() + "/cache", "HOME=" + tmp.path() + "/home",
                       "XDG_CACHE_HOME="};
  auto actual = testing::run_process(argv, options);
  actual.out = replace_all(actual.out, tmp.path(), "$TMP");
  actual.err = replace_all(actual.err, tmp.path(), "$TMP");
  ASSERT_EQ(actual.term_signal, 0) << "sqlink died with signal " << actual.term_signal;
  if (std::getenv("SQLINK_UPDATE_GOLDEN") != nullptr) {
    GoldenCase updated = expected;
    updated.exit_code = actual.exit_code;
    updated.out = actual.out;
    updated.err = actual.err;
    save(file, updated);
    GTEST_SKIP() << "updated " << file;
  }
  EXPECT_EQ(actual.exit_code, expected.exit_code);
  EXPECT_EQ(actual.out, expected.out);
  EXPECT_EQ(actual.err, expected.err);
}

INSTANTIATE_TEST_SUITE_P(Cases, CliGolden, ::testing::ValuesIn(case_names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(CliGoldenFiles, ThereAreCasesAndEveryExitCodeIsCovered) {
  const auto names = case_names();
  ASSERT_GE(names.size(), 20u);
  std::set<int> codes;
  for (const auto& n : names) codes.insert(load(kGoldenDir / (n + ".case")).exit_code);
  EXPECT_EQ(codes, (std::set<int>{0, 1, 2}));
}

}  // namespace
}  // namespace sqlink
