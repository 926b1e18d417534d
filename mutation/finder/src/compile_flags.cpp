// Compile commands as Clang needs them. Unknown flags are found with Clang's own driver option
// table, so the list of GCC-only flags does not have to be maintained by hand.
#include "compile_flags.hpp"

#include <clang/Driver/Options.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/Option/ArgList.h>
#include <llvm/Option/OptTable.h>

#include <cstdlib>
#include <set>

namespace sqlink::finder {

std::string default_resource_dir() {
  if (const char* env = std::getenv("SQLINK_CLANG_RESOURCE_DIR"); env && *env) return env;
  return SQLINK_CLANG_RESOURCE_DIR;
}

std::vector<std::string> clang_arguments(const std::vector<std::string>& command,
                                         const std::string& resource_dir) {
  if (command.empty()) return command;
  // Ask the driver's table which arguments it does not know.
  std::vector<const char*> argv;
  for (size_t i = 1; i < command.size(); ++i) argv.push_back(command[i].c_str());
  unsigned missing_index = 0, missing_count = 0;
  const llvm::opt::OptTable& table = clang::driver::getDriverOptTable();
  llvm::opt::InputArgList args = table.ParseArgs(argv, missing_index, missing_count);
  std::set<unsigned> unknown;  // indices into argv
  for (const llvm::opt::Arg* arg : args.filtered(clang::driver::options::OPT_UNKNOWN))
    unknown.insert(arg->getIndex());

  std::vector<std::string> out;
  out.push_back(command[0]);
  for (size_t i = 1; i < command.size(); ++i) {
    llvm::StringRef arg = command[i];
    if (unknown.count(static_cast<unsigned>(i - 1))) continue;
    if (arg.startswith("-flto") || arg.startswith("-fno-lto") || arg.startswith("-Werror") ||
        arg == "-Winvalid-pch" || arg.startswith("-fdiagnostics-color") || arg == "-MD" ||
        arg == "-MMD" || arg == "-MP")
      continue;
    // Flags whose value is the next argument and that only concern outputs.
    if (arg == "-o" || arg == "-MF" || arg == "-MT" || arg == "-MQ") {
      ++i;
      continue;
    }
    if (arg.startswith("-MF") || arg.startswith("-MT") || arg.startswith("-MQ")) continue;
    out.push_back(command[i]);
  }
  // Inserted right after the compiler so a later flag in the command still wins.
  std::vector<std::string> extra = {"-resource-dir", resource_dir, "-fsyntax-only", "-w",
                                    "-Wno-unknown-warning-option", "-ferror-limit=50"};
  out.insert(out.begin() + 1, extra.begin(), extra.end());
  return out;
}

}  // namespace sqlink::finder
