// Test support: descriptor 0 closed for the object's lifetime, so the next descriptor the code
// under test opens is 0 (a daemon's situation, where stdin was closed at start). Code that takes
// 0 for "no descriptor" or "failed" shows itself. Standard input comes back when the object goes.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace sqlink::testing {

class FreeStdin {
 public:
  FreeStdin() : saved_(::fcntl(0, F_DUPFD_CLOEXEC, 3)) {
    if (saved_ < 0) std::abort();
    ::close(0);
  }
  ~FreeStdin() {
    ::dup2(saved_, 0);
    ::close(saved_);
  }
  FreeStdin(const FreeStdin&) = delete;
  FreeStdin& operator=(const FreeStdin&) = delete;

  // Whether the lowest free descriptor is 0 (nothing has taken it since construction).
  static bool zero_is_free() { return ::fcntl(0, F_GETFD) < 0; }

 private:
  int saved_;
};

}  // namespace sqlink::testing
