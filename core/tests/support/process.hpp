// Test support: run a program with given argv and stdin, capture stdout, stderr and status.
// Used by tests that check a real binary from the outside, exactly as a user runs it.
#pragma once

#include <string>
#include <vector>

namespace sqlink::testing {

struct ProcessResult {
  int exit_code = -1;   // -1 when the process was killed by a signal
  int term_signal = 0;
  std::string out;
  std::string err;
};

// Runs argv (argv[0] is a path) with `input` on stdin; never throws. A run that takes longer
// than timeout_ms is killed and reported with term_signal SIGKILL.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {},
                          int timeout_ms = 30000);

}  // namespace sqlink::testing
