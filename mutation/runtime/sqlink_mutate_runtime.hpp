// The runtime of a mutant schema. Every schema file includes this header first; each mutation
// point in it reads `sqlink_mutate_on(ID)`, which is true only in a process whose active mutant
// is ID. Header-only, so a schema build needs no extra library: the inline variables and
// functions below exist once per program.
//
// Environment (read once, at the first check or at start-up):
//   SQLINK_MUTATE_ACTIVE=ID        the active mutant (0 or unset: none)
//   SQLINK_MUTATE_COVERAGE=DIR     record every mutant reached; at exit write DIR/<pid>.cov,
//                                  one id per line, and "active ID" if the active mutant's
//                                  check was reached (the proof that activation works). The
//                                  record is shared memory, so what children forked by the
//                                  program reach (code between fork and exec or _exit) counts.
//   SQLINK_MUTATE_FORKSERVER=R:W   become a fork server before main() (see forkserver_loop)
//
// With SQLINK_MUTATE_TCE defined (the equivalence check compiles schemata to LLVM IR) the check
// is an opaque external call, so each mutant can be specialised by replacing that call.
#pragma once

#ifdef SQLINK_MUTATE_TCE
extern "C" bool sqlink_mutate_on(unsigned id) noexcept;
#else

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sqlink_mutate_rt {

inline constexpr unsigned kMaxId = 1u << 20;
inline unsigned active = 0;
inline int state = 0;  // 0: not read yet, 1: plain, 2: recording coverage
// The record: a bit per mutant, then a byte set when the active mutant's check was reached.
// MAP_SHARED, made by the process that starts recording, so the processes it forks write into
// it too; only that process writes the .cov file (a forked child that returns from main()
// would otherwise write a copy). Without mmap, a private array: the children's part is lost.
inline constexpr unsigned kRecordBytes = kMaxId / 8 + 1;
inline unsigned char private_record[kRecordBytes];
inline unsigned char* reached = private_record;
inline pid_t recorder = 0;
inline char coverage_dir[4096];

inline void write_coverage() noexcept {
  if (state != 2 || coverage_dir[0] == '\0' || getpid() != recorder) return;
  char path[4200];
  snprintf(path, sizeof path, "%s/%ld.cov", coverage_dir, static_cast<long>(getpid()));
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char buf[8192];
  size_t used = 0;
  for (unsigned byte = 0; byte < kMaxId / 8; ++byte) {
    unsigned char bits = __atomic_load_n(&reached[byte], __ATOMIC_RELAXED);
    for (unsigned bit = 0; bits != 0 && bit < 8; ++bit) {
      if ((bits & (1u << bit)) == 0) continue;
      if (used > sizeof buf - 16) {
        if (write(fd, buf, used) < 0) break;
        used = 0;
      }
      used += static_cast<size_t>(snprintf(buf + used, sizeof buf - used, "%u\n", byte * 8 + bit));
    }
  }
  if (__atomic_load_n(&reached[kMaxId / 8], __ATOMIC_RELAXED) != 0 && active != 0)
    used += static_cast<size_t>(snprintf(buf + used, sizeof buf - used, "active %u\n", active));
  if (used > 0 && write(fd, buf, used) < 0) { /* nothing more to do at exit */ }
  close(fd);
}

inline void read_environment() noexcept {
  const char* id = getenv("SQLINK_MUTATE_ACTIVE");
  active = id ? static_cast<unsigned>(strtoul(id, nullptr, 10)) : 0;
  const char* dir = getenv("SQLINK_MUTATE_COVERAGE");
  int next = 1;
  if (dir && *dir && strlen(dir) < sizeof coverage_dir) {
    memcpy(coverage_dir, dir, strlen(dir) + 1);
    // A fresh record for this process (a fork server's child must not share its siblings').
    void* shared = mmap(nullptr, kRecordBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
    if (shared != MAP_FAILED) {
      reached = static_cast<unsigned char*>(shared);  // zero-filled
    } else {
      reached = private_record;
      memset(private_record, 0, sizeof private_record);
    }
    recorder = getpid();
    next = 2;
    static bool registered = false;
    if (!registered) {
      registered = true;
      atexit(write_coverage);
    }
  }
  __atomic_store_n(&state, next, __ATOMIC_RELEASE);
}

// One request: lines "cwd PATH", "env KEY=VALUE", "unset KEY", "out PATH", "rlimit_as BYTES",
// "rlimit_cpu SECONDS", ended by "run". The server forks; the child applies the request, reads
// the environment again and returns into the program's start-up, so main() runs as usual. The
// server answers "pid N" at once and "status S CPU" when the child ends: S a wait status, CPU
// the microseconds the child spent on the CPU (user and system, its reaped descendants
// included). The driver enforces timeouts by killing the child's process group; the CPU time
// tells a test that computed all the while (a loop) from one a loaded machine held back.
inline bool read_line(int fd, char* line, size_t size) noexcept {
  size_t used = 0;
  for (;;) {
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (c == '\n') break;
    if (used + 1 < size) line[used++] = c;
  }
  line[used] = '\0';
  return true;
}

inline void reply(int fd, const char* key, long value, long long extra = -1) noexcept {
  char buf[96];
  int len = extra < 0 ? snprintf(buf, sizeof buf, "%s %ld\n", key, value)
                      : snprintf(buf, sizeof buf, "%s %ld %lld\n", key, value, extra);
  if (write(fd, buf, static_cast<size_t>(len)) < 0) _exit(0);
}

inline long long cpu_microseconds(const struct rusage& usage) noexcept {
  return (static_cast<long long>(usage.ru_utime.tv_sec) + usage.ru_stime.tv_sec) * 1000000 +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

inline void forkserver_loop(int in, int out) noexcept {
  static char lines[64][8192];
  for (;;) {
    int count = 0;
    bool run = false;
    while (!run) {
      if (!read_line(in, lines[count], sizeof lines[count])) _exit(0);
      if (strcmp(lines[count], "run") == 0) {
        run = true;
      } else if (count < 63) {
        ++count;
      }
    }
    pid_t pid = fork();
    if (pid < 0) {
      reply(out, "error", errno);
      continue;
    }
    if (pid == 0) {
      close(in);
      close(out);
      setpgid(0, 0);
      signal(SIGPIPE, SIG_DFL);
      int null_in = open("/dev/null", O_RDONLY);
      if (null_in >= 0) dup2(null_in, 0);
      for (int i = 0; i < count; ++i) {
        char* line = lines[i];
        char* arg = strchr(line, ' ');
        if (!arg) continue;
        *arg++ = '\0';
        if (strcmp(line, "cwd") == 0) {
          if (chdir(arg) != 0) _exit(126);
        } else if (strcmp(line, "env") == 0) {
          char* eq = strchr(arg, '=');
          if (eq) {
            *eq = '\0';
            setenv(arg, eq + 1, 1);
          }
        } else if (strcmp(line, "unset") == 0) {
          unsetenv(arg);
        } else if (strcmp(line, "out") == 0) {
          int fd = open(arg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
          if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
          }
        } else if (strcmp(line, "rlimit_as") == 0 || strcmp(line, "rlimit_cpu") == 0) {
          struct rlimit limit;
          limit.rlim_cur = limit.rlim_max = strtoull(arg, nullptr, 10);
          setrlimit(line[7] == 'a' ? RLIMIT_AS : RLIMIT_CPU, &limit);
        }
      }
      struct rlimit no_core = {0, 0};
      setrlimit(RLIMIT_CORE, &no_core);
      read_environment();
      return;  // into the program, as if freshly started
    }
    reply(out, "pid", pid);
    int status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    reply(out, "status", status, cpu_microseconds(usage));
  }
}

inline void start() noexcept {
  if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 0) return;
  const char* server = getenv("SQLINK_MUTATE_FORKSERVER");
  if (server && *server) {
    int in = -1, out = -1;
    if (sscanf(server, "%d:%d", &in, &out) == 2 && in >= 0 && out >= 0) {
      unsetenv("SQLINK_MUTATE_FORKSERVER");  // the children must not serve too
      state = 1;
      reply(out, "hello", 2);  // the driver knows this program serves (protocol version 2)
      forkserver_loop(in, out);  // returns only in a child
      return;
    }
  }
  read_environment();
}

// One registration per translation unit; start() runs once.
[[gnu::constructor]] static void start_at_load() noexcept { start(); }

}  // namespace sqlink_mutate_rt

inline bool sqlink_mutate_on(unsigned id) noexcept {
  if (__builtin_expect(__atomic_load_n(&sqlink_mutate_rt::state, __ATOMIC_ACQUIRE) == 0, 0))
    sqlink_mutate_rt::start();
  if (sqlink_mutate_rt::state == 2 && id < sqlink_mutate_rt::kMaxId) {
    __atomic_fetch_or(&sqlink_mutate_rt::reached[id / 8],
                      static_cast<unsigned char>(1u << (id % 8)), __ATOMIC_RELAXED);
    if (id == sqlink_mutate_rt::active)
      __atomic_store_n(&sqlink_mutate_rt::reached[sqlink_mutate_rt::kMaxId / 8], 1, __ATOMIC_RELAXED);
  }
  return id == sqlink_mutate_rt::active;
}

#endif  // SQLINK_MUTATE_TCE
