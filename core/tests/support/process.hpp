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

struct ProcessOptions {
  std::string input;                     // fed to stdin
  int timeout_ms = 30000;                // then the process is killed (term_signal SIGKILL)
  std::vector<std::string> extra_env;    // NAME=VALUE entries added to (or replacing in) ours
  std::string cwd;                       // empty: ours
};

// Runs argv (argv[0] is a path); never throws.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options);
inline ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {},
                                 int timeout_ms = 30000) {
  ProcessOptions options;
  options.input = input;
  options.timeout_ms = timeout_ms;
  return run_process(argv, options);
}

}  // namespace sqlink::testing
