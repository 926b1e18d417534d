// sqlink-mutate-points: finds mutation points and writes points.json and mutant schemata.
// Stages, one way: flags -> compile database -> parse each translation unit (in parallel) ->
// plan each mutated file (suppression, schema points) -> number mutants -> write the output.
#include <clang/Tooling/CompilationDatabase.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "compile_flags.hpp"
#include "flags.hpp"
#include "mutants.hpp"
#include "operators.hpp"
#include "parse.hpp"
#include "points_json.hpp"
#include "schema.hpp"

namespace sqlink::finder {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitNothingParsed = 1;
constexpr int kExitUsage = 2;
constexpr const char* kProgram = "sqlink-mutate-points";

int usage_error(const std::string& argument, const std::string& message) {
  llvm::errs() << kProgram << ": " << argument << ": " << message << "\n"
               << "Try '" << kProgram << " --help'.\n";
  return kExitUsage;
}

std::string absolute_from(const std::string& path, const std::string& base) {
  llvm::SmallString<256> out(path);
  if (!llvm::sys::path::is_absolute(out)) {
    out = base;
    llvm::sys::path::append(out, path);
  }
  llvm::sys::path::remove_dots(out, /*remove_dot_dot=*/true);
  return std::string(out.str());
}

std::string current_dir() {
  llvm::SmallString<256> cwd;
  llvm::sys::fs::current_path(cwd);
  return std::string(cwd.str());
}

std::optional<std::string> real_path(const std::string& path) {
  llvm::SmallString<256> out;
  if (llvm::sys::fs::real_path(path, out)) return std::nullopt;
  return std::string(out.str());
}

// `path` relative to `root` when it lies under it.
std::optional<std::string> relative_to(const std::string& path, const std::string& root) {
  if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/')
    return path.substr(root.size() + 1);
  return std::nullopt;
}

bool write_file(const std::string& path, const std::string& contents, std::string& error) {
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (auto ec = llvm::sys::fs::create_directories(dir)) {
    error = "cannot create " + std::string(dir.str()) + ": " + ec.message();
    return false;
  }
  std::string temporary = path + ".tmp";
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(temporary, ec);
    if (ec) {
      error = "cannot write " + temporary + ": " + ec.message();
      return false;
    }
    out << contents;
    out.close();
    if (out.has_error()) {
      error = "cannot write " + temporary + ": " + out.error().message();
      out.clear_error();
      return false;
    }
  }
  if (auto ec = llvm::sys::fs::rename(temporary, path)) {
    error = "cannot rename " + temporary + ": " + ec.message();
    return false;
  }
  return true;
}

struct TranslationUnit {
  std::string path;      // absolute, as the database names it
  std::string real;      // real path
  std::string relative;  // relative to ROOT, or absolute when outside
};

int run(int argc, char** argv) {
  auto started = std::chrono::steady_clock::now();
  Flags flags;
  if (auto error = parse_flags(argc, argv, flags)) return usage_error(error->argument, error->message);
  if (flags.help) {
    llvm::outs() << usage_text(kProgram);
    return kExitOk;
  }
  if (!flags.build_dir) return usage_error("-p", "missing (the directory holding compile_commands.json)");
  if (!flags.root) return usage_error("--root", "missing");
  if (!flags.out) return usage_error("--out", "missing");
  if (!flags.runtime_include) return usage_error("--runtime-include", "missing");
  if (flags.translation_units.empty()) return usage_error("TU", "no translation unit given");

  const std::string cwd = current_dir();
  const std::string root = absolute_from(*flags.root, cwd);
  auto root_real = real_path(root);
  if (!root_real || !llvm::sys::fs::is_directory(*root_real))
    return usage_error("--root " + *flags.root, "not a directory");
  if (!llvm::sys::path::is_absolute(*flags.runtime_include))
    return usage_error("--runtime-include " + *flags.runtime_include, "must be an absolute path");
  if (!llvm::sys::fs::exists(*flags.runtime_include))
    return usage_error("--runtime-include " + *flags.runtime_include, "no such file");
  const std::string out_dir = absolute_from(*flags.out, cwd);

  OperatorSet operators;
  if (flags.operators)
    if (auto bad = operators.select(*flags.operators))
      return usage_error("--operators " + *flags.operators, "'" + *bad + "' names no operator");
  if (flags.block_removal) operators.enable_family("block");

  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  if (flags.jobs) {
    char* end = nullptr;
    unsigned long value = std::strtoul(flags.jobs->c_str(), &end, 10);
    if (*end != '\0' || value == 0 || value > 256) return usage_error("--jobs " + *flags.jobs, "not a number from 1 to 256");
    jobs = static_cast<unsigned>(value);
  }

  std::string db_error;
  const std::string build_dir = absolute_from(*flags.build_dir, cwd);
  auto database = clang::tooling::CompilationDatabase::loadFromDirectory(build_dir, db_error);
  if (!database) return usage_error("-p " + *flags.build_dir, db_error);

  std::vector<TranslationUnit> units;
  for (const std::string& given : flags.translation_units) {
    std::string path = absolute_from(given, cwd);
    if (!llvm::sys::fs::exists(path)) path = absolute_from(given, root);
    if (!llvm::sys::fs::exists(path)) return usage_error(given, "no such translation unit");
    auto real = real_path(path);
    if (!real) return usage_error(given, "cannot resolve its real path");
    if (database->getCompileCommands(path).empty()) {
      if (!database->getCompileCommands(*real).empty()) path = *real;
      else return usage_error(given, "not in " + build_dir + "/compile_commands.json");
    }
    std::string relative = relative_to(*real, *root_real).value_or(*real);
    units.push_back({path, *real, relative});
  }

  // The files to mutate, by real path; default: each translation unit's main file.
  std::vector<std::string> wanted, wanted_relative;
  auto want = [&](const std::string& given, const std::string& real) -> int {
    auto relative = relative_to(real, *root_real);
    if (!relative) return usage_error(given, "not under --root " + root);
    if (std::find(wanted.begin(), wanted.end(), real) == wanted.end()) {
      wanted.push_back(real);
      wanted_relative.push_back(*relative);
    }
    return kExitOk;
  };
  for (const std::string& given : flags.mutate) {
    auto real = real_path(absolute_from(given, root));
    if (!real) return usage_error("--mutate " + given, "no such file under --root " + root);
    if (int status = want("--mutate " + given, *real)) return status;
  }
  if (flags.mutate.empty())
    for (const TranslationUnit& unit : units)
      if (int status = want(unit.path, unit.real)) return status;

  // Parse. Every translation unit reports every wanted file it contains; the first one wins.
  std::vector<ParseOutcome> outcomes(units.size());
  std::atomic<size_t> next{0};
  std::mutex print;
  const std::string resource_dir = default_resource_dir();
  auto worker = [&] {
    for (size_t i; (i = next++) < units.size();) {
      outcomes[i] = parse_translation_unit(*database, units[i].path, wanted, operators, resource_dir);
      if (outcomes[i].parsed) continue;
      std::lock_guard<std::mutex> lock(print);
      llvm::errs() << kProgram << ": error: cannot parse " << units[i].relative << "\n" << outcomes[i].diagnostics;
      llvm::errs().flush();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::min<size_t>(jobs, units.size()); ++t) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();

  Report report;
  report.root = root;
  report.runtime_include = *flags.runtime_include;
  size_t parsed = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    if (outcomes[i].parsed) ++parsed;
    else report.errors.push_back({units[i].relative, "", outcomes[i].first_error});
  }
  std::vector<FilePlan> plans;
  for (size_t w = 0; w < wanted.size(); ++w) {
    size_t from = units.size();
    for (size_t i = 0; i < units.size() && from == units.size(); ++i)
      if (outcomes[i].parsed && outcomes[i].files[w].present) from = i;
    if (from == units.size()) {
      bool own_tu_failed = std::any_of(units.begin(), units.end(), [&](const TranslationUnit& unit) {
        return unit.real == wanted[w];
      });
      if (own_tu_failed) continue;  // already reported as that translation unit's error
      report.errors.push_back({"", wanted_relative[w], "not part of any parsed translation unit"});
      llvm::errs() << kProgram << ": warning: " << wanted_relative[w]
                   << " is not part of any parsed translation unit\n";
      continue;
    }
    FoundFile& found = outcomes[from].files[w];
    plans.push_back(plan_file(wanted_relative[w], units[from].relative, root + "/" + wanted_relative[w],
                              std::move(found.bytes), std::move(found.points)));
    for (const std::string& warning : plans.back().warnings)
      llvm::errs() << wanted_relative[w] << ":" << warning << " (ignored)\n";
  }
  number_mutants(plans);
  report.files = &plans;

  // Write: a fresh schema tree, then points.json last so a reader never sees a half run.
  llvm::SmallString<256> schema_root(out_dir);
  llvm::sys::path::append(schema_root, "schema");
  llvm::sys::fs::remove_directories(schema_root);
  std::string write_error;
  size_t mutants = 0, suppressed = 0, dropped = 0;
  for (const FilePlan& plan : plans) {
    mutants += plan.mutants.size();
    suppressed += plan.suppressed.size();
    dropped += plan.dropped;
    if (plan.mutants.empty()) continue;
    std::string schema = render_schema(plan.text, plan.points, *flags.runtime_include, plan.absolute_path);
    if (!write_file(std::string(schema_root.str()) + "/" + plan.path, schema, write_error)) {
      llvm::errs() << kProgram << ": error: " << write_error << "\n";
      return kExitNothingParsed;
    }
  }
  if (!write_file(out_dir + "/points.json", points_json(report), write_error)) {
    llvm::errs() << kProgram << ": error: " << write_error << "\n";
    return kExitNothingParsed;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.1f", seconds);
  llvm::errs() << kProgram << ": " << mutants << " mutants, " << suppressed << " suppressed, " << dropped
               << " points dropped in " << plans.size() << " files; " << parsed << "/" << units.size()
               << " translation units parsed in " << elapsed << " s\n";
  return parsed == 0 ? kExitNothingParsed : kExitOk;
}

}  // namespace
}  // namespace sqlink::finder

int main(int argc, char** argv) { return sqlink::finder::run(argc, argv); }
