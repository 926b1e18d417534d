// The capture of SQLite's API table (host/api_table.cpp) when the runtime library is not what
// the host was built for. This program interposes sqlite3_libversion_number and
// sqlite3_auto_extension (its own definitions win over libsqlite3's for the code linked into
// it), and builds the table in a child process per case: it is built once per process.
#include <dlfcn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>

#include "host/internal.hpp"

namespace {

enum class Runtime { as_built, newer, refuses_auto_extension, ignores_auto_extension };
Runtime g_runtime = Runtime::as_built;

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(reinterpret_cast<std::uintptr_t>(dlsym(RTLD_NEXT, name)));
}

}  // namespace

extern "C" int sqlite3_libversion_number(void) {
  static const auto forward = real<int (*)(void)>("sqlite3_libversion_number");
  const int version = forward();
  // the next minor release after the headers this program was built with
  return g_runtime == Runtime::newer ? (SQLITE_VERSION_NUMBER / 1000 + 1) * 1000 : version;
}

extern "C" int sqlite3_auto_extension(void (*entry)(void)) {
  if (g_runtime == Runtime::refuses_auto_extension) return SQLITE_ERROR;
  if (g_runtime == Runtime::ignores_auto_extension) return SQLITE_OK;  // never called back
  static const auto forward = real<int (*)(void (*)(void))>("sqlite3_auto_extension");
  return forward(entry);
}

namespace sqlink::host_detail {
namespace {

// patched_api() in a child whose runtime behaves as `runtime`: "ok", or the error message.
std::string build_with(Runtime runtime) {
  int report[2];
  if (::pipe(report) != 0) return "cannot make a pipe";
  const pid_t child = ::fork();
  if (child < 0) return "cannot fork";
  if (child == 0) {
    g_runtime = runtime;
    Result<const void*> api = patched_api();
    const std::string out = !api ? api.error().message : *api ? "ok" : "null table";
    [[maybe_unused]] const ssize_t n = ::write(report[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(report[1]);
  std::string out;
  char buffer[512];
  for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  ::close(report[0]);
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "child failed: " + std::to_string(status) + " " + out;
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(HostApiTable, TheRuntimeItWasBuiltForHandsOverItsTable) {
  EXPECT_EQ(build_with(Runtime::as_built), "ok");
}

TEST(HostApiTable, ANewerRuntimeIsRefusedItsTableMayHaveMoreEntries) {
  const std::string out = build_with(Runtime::newer);
  EXPECT_TRUE(contains(out, "is newer than the headers sqlink was built with")) << out;
  EXPECT_TRUE(contains(out, "cannot load extensions into")) << out;
}

TEST(HostApiTable, AnAutoExtensionSqliteRefusesMeansNoTable) {
  const std::string out = build_with(Runtime::refuses_auto_extension);
  EXPECT_TRUE(contains(out, "cannot register the auto-extension")) << out;
}

TEST(HostApiTable, AnAutoExtensionNeverCalledMeansNoTable) {
  const std::string out = build_with(Runtime::ignores_auto_extension);
  EXPECT_TRUE(contains(out, "did not hand its API table")) << out;
}

}  // namespace
}  // namespace sqlink::host_detail
