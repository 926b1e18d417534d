// Test support for the cas, bundle and reliability tests: temporary directories, raw SQL on a
// store file (to corrupt rows or inspect them behind the store's back), fixtures, a fake clock.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace sqlink::cas_testing {

namespace fs = std::filesystem;

// A scratch directory, removed afterwards (support/temp_dir.hpp).
class TempDir : public testing::TempDir {
 public:
  TempDir() : testing::TempDir("cas") {}
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

inline std::string fixture_sql(int version) {
  return read_file(std::string(SQLINK_SOURCE_DIR) + "/core/tests/fixtures/cas/v" +
                   std::to_string(version) + ".sql");
}

inline std::string snapshot_file(int version) {
  return read_file(std::string(SQLINK_SOURCE_DIR) + "/core/src/cas/schema/v" +
                   std::to_string(version) + ".sql");
}

// Runs SQL on a store file through a connection of its own; returns SQLite's error text, or
// "" on success. Foreign keys stay off, as in a plain sqlite3 shell.
inline std::string exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
  } else {
    sqlite3_busy_timeout(db, 10000);
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      error = message != nullptr ? message : "error";
    }
    sqlite3_free(message);
  }
  sqlite3_close(db);
  return error;
}

// Rows of a query as text; blobs come back as lower-case hex.
inline std::vector<std::vector<std::string>> query(const std::string& path,
                                                   const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
          if (sqlite3_column_type(stmt, i) == SQLITE_BLOB) {
            static constexpr char kHex[] = "0123456789abcdef";
            const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, i));
            std::string hex;
            for (int k = 0; k < sqlite3_column_bytes(stmt, i); ++k) {
              hex += kHex[p[k] >> 4];
              hex += kHex[p[k] & 0xf];
            }
            row.push_back(hex);
          } else {
            const auto* t = sqlite3_column_text(stmt, i);
            row.emplace_back(t == nullptr ? "NULL" : reinterpret_cast<const char*>(t));
          }
        }
        rows.push_back(std::move(row));
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return rows;
}

inline std::string scalar(const std::string& path, const std::string& sql) {
  const auto rows = query(path, sql);
  return rows.empty() || rows.front().empty() ? std::string("<none>") : rows.front().front();
}

// Builds a database at an old schema version from core/tests/fixtures/cas/vN.sql.
inline std::string build_fixture(int version, const std::string& path) {
  return exec_sql(path, fixture_sql(version));
}

// A clock the test moves by hand; copies share the same time.
struct FakeClock {
  std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(1'800'000'000);
  std::function<std::int64_t()> fn() const {
    auto t = now;
    return [t] { return *t; };
  }
  void advance(std::int64_t seconds) const { *now += seconds; }
};

// ---- child processes (reliability tests)

// Writes one line to a pipe in a single write(2), so lines from several processes never
// interleave (lines stay under PIPE_BUF).
inline void report_line(int fd, const std::string& line) {
  const std::string text = line + "\n";
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// A forked child that reports through a pipe. The child runs `body(write_fd)` and _exit()s
// with its return value, so no test framework code runs in it after the fork.
struct Child {
  pid_t pid = -1;
  int read_fd = -1;
};

inline Child spawn_child(const std::function<int(int)>& body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
  const pid_t pid = ::fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    ::close(fds[0]);
    const int code = body(fds[1]);
    ::_exit(code);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

struct ChildResult {
  int status = 0;  // as from waitpid
  std::vector<std::string> lines;
  bool exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
};

// Reads everything the child reports, then reaps it.
inline ChildResult finish_child(Child child) {
  ChildResult r;
  r.lines = split_lines(drain(child.read_fd));
  ::close(child.read_fd);
  while (::waitpid(child.pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

inline ChildResult run_child(const std::function<int(int)>& body) {
  return finish_child(spawn_child(body));
}

}  // namespace sqlink::cas_testing
