// Entry point of the sqlink program: hands argv and the standard streams to cli::run.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const bool interactive = isatty(STDIN_FILENO) == 1;
  return sqlink::cli::run(args, {std::cin, std::cout, std::cerr, interactive});
}
