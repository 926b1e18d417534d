// Prefix registration of a real extension nobody here wrote: Debian's sqlite3-pcre
// (/usr/lib/sqlite3/pcre.so) loaded through the host (host.hpp) into a fresh in-memory
// session: path checks, dlopen, init through the patched API table, prefixing and recording.
// Only load() is timed; opening and closing the session are not.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "percentiles.hpp"
#include "sqlink/host.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

constexpr const char* kPcre = "/usr/lib/sqlite3/pcre.so";

void register_prefix() {
  add("prefix/register/pcre", [](benchmark::State& state) {
    if (::access(kPcre, R_OK) != 0) {
      state.SkipWithError("/usr/lib/sqlite3/pcre.so is missing: install sqlite3-pcre");
      return;
    }
    Sampler sampler(state, 1);
    for (auto _ : state) {
      auto session = Session::open(":memory:", HostPolicy{{"/usr/lib/sqlite3"}});
      if (!session.ok()) {
        state.SkipWithError(session.error().message.c_str());
        break;
      }
      std::optional<Error> failed;
      auto op = [&] {
        auto report = session->load(kPcre);
        if (!report.ok()) failed = report.error();
        return report.ok();
      };
      sampler.time(op);
      if (failed) {
        state.SkipWithError(failed->message.c_str());
        break;
      }
    }
    sampler.publish("Session::load into a fresh :memory: session");
  });
}

SQLINK_BENCH_SUITE(register_prefix);

}  // namespace
}  // namespace sqlink::bench
