// The sqlink program's logic, callable in-process: argv and streams in, exit code out.
// main.cpp only adapts the real process to this; tests drive it directly or via the binary.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace sqlink::cli {

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool interactive = false;  // stdin is a terminal: show a prompt, keep going after errors
};

// Exit codes: 0 ok, 1 an operation failed, 2 usage error.
int run(std::span<const std::string> args, Io io);

}  // namespace sqlink::cli
