"""Runs one test with one mutant active: in a warm fork server when the test program has the
schema runtime, as a fresh process otherwise. Every run gets its own process group (killed as
a whole on timeout), resource limits and a private temporary directory."""
from __future__ import annotations

import dataclasses
import fcntl
import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from .tests import Test

PASS, FAIL, CRASH, TIMEOUT, ERROR = "pass", "fail", "crash", "timeout", "error"

# linux/fs.h: a test killed while a file was immutable or append-only (chattr +i/+a, which
# root's tests use since root ignores modes) leaves it so; even root cannot remove it then.
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS = 0x80086601, 0x40086602
FS_IMMUTABLE_FL, FS_APPEND_FL = 0x10, 0x20


def _clear_locked_flags(root: str) -> None:
    for here, dirs, files in os.walk(root):
        for name in [here] + [os.path.join(here, n) for n in dirs + files]:
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                buf = bytearray(4)
                fcntl.ioctl(fd, FS_IOC_GETFLAGS, buf)
                flags = int.from_bytes(buf, "little")
                if flags & (FS_IMMUTABLE_FL | FS_APPEND_FL):
                    cleared = flags & ~(FS_IMMUTABLE_FL | FS_APPEND_FL)
                    fcntl.ioctl(fd, FS_IOC_SETFLAGS, bytearray(cleared.to_bytes(4, "little")))
            except OSError:
                pass
            finally:
                os.close(fd)


def remove_tree(path: str) -> None:
    """Removes a run's temporary directory, whatever the test left locked in it."""
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):
        _clear_locked_flags(path)
        shutil.rmtree(path, ignore_errors=True)


@dataclasses.dataclass
class Outcome:
    status: str
    duration: float
    detail: str = ""
    cpu: float | None = None   # seconds the test spent on the CPU, when known

    @property
    def failed(self) -> bool:
        return self.status in (FAIL, CRASH)


def _decode(status: int) -> tuple[str, str]:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return CRASH, f"killed by signal {sig} ({signal.Signals(sig).name})"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    return (PASS, "exit 0") if code == 0 else (FAIL, f"exit {code}")


def _timeout_detail(timeout: float, cpu: float | None) -> str:
    return f"no end within {timeout:.1f}s" + ("" if cpu is None else f", {cpu:.2f}s on the CPU")


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQLINK_MUTATE_")}
    env.update(extra)
    return env


class ForkServer:
    """A test program stopped before main(), forking one child per request."""

    def __init__(self, binary: str, cwd: str):
        self.binary = binary
        to_server_r, self._to_server = os.pipe()
        self._from_server, from_server_w = os.pipe()
        env = _clean_env({"SQLINK_MUTATE_FORKSERVER": f"{to_server_r}:{from_server_w}"})
        self.proc = subprocess.Popen([binary], cwd=cwd, env=env, pass_fds=(to_server_r, from_server_w),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(to_server_r)
        os.close(from_server_w)
        self._buffer = b""
        hello = self._read_line(15.0)
        if hello is None or not hello.startswith("hello "):
            self.close()
            raise OSError(f"{binary} did not start as a fork server")

    def _read_line(self, timeout: float | None) -> str | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._from_server], [], [], wait)
            if not ready:
                return None
            chunk = os.read(self._from_server, 4096)
            if not chunk:
                raise EOFError(f"fork server {self.binary} went away")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def run(self, cwd: str, env: dict[str, str], timeout: float, rlimit_as: int,
            output: str) -> Outcome:
        lines = [f"cwd {cwd}"] + [f"env {k}={v}" for k, v in env.items()]
        lines += [f"out {output}", f"rlimit_as {rlimit_as}", f"rlimit_cpu {int(timeout) + 5}", "run"]
        request = "".join(line.replace("\n", " ") + "\n" for line in lines).encode()
        started = time.monotonic()
        os.write(self._to_server, request)
        first = self._read_line(15.0)
        if first is None or not first.startswith("pid "):
            raise OSError(f"fork server {self.binary} did not fork: {first!r}")
        pid = int(first.split()[1])
        answer = self._read_line(timeout)
        timed_out = answer is None
        if timed_out:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            answer = self._read_line(15.0)
            if answer is None:
                raise OSError(f"fork server {self.binary} lost child {pid}")
        else:
            try:  # whatever the test left running in its group goes with it
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        elapsed = time.monotonic() - started
        fields = answer.split()
        if len(fields) < 2 or fields[0] != "status":
            raise OSError(f"fork server {self.binary} answered {answer!r} for child {pid}")
        cpu = int(fields[2]) / 1e6 if len(fields) > 2 else None
        if timed_out:
            return Outcome(TIMEOUT, elapsed, _timeout_detail(timeout, cpu), cpu)
        status, detail = _decode(int(fields[1]))
        return Outcome(status, elapsed, detail, cpu)

    def close(self) -> None:
        for fd in (self._to_server, self._from_server):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class Runner:
    """One worker's way of running tests; keeps one fork server per test program."""

    no_server: set[str] = set()   # programs that failed to serve, shared by all runners
    _lock = threading.Lock()

    def __init__(self, scratch: str, rlimit_as_mb: int, use_forkserver: bool = True):
        self.scratch = scratch
        self.rlimit_as = rlimit_as_mb * 1024 * 1024
        self.use_forkserver = use_forkserver
        self.servers: dict[str, ForkServer] = {}

    def _server(self, test: Test) -> ForkServer | None:
        if not (self.use_forkserver and test.binary) or test.binary in Runner.no_server:
            return None
        server = self.servers.get(test.binary)
        if server is None or server.proc.poll() is not None:
            try:
                server = ForkServer(test.binary, test.cwd)
            except (OSError, EOFError):
                with Runner._lock:
                    Runner.no_server.add(test.binary)
                return None
            self.servers[test.binary] = server
        return server

    def run(self, test: Test, mutant: int, timeout: float, coverage_dir: str | None = None,
            output: str = os.devnull) -> Outcome:
        tmp = tempfile.mkdtemp(prefix="run-", dir=self.scratch)
        env = dict(test.env)
        env.update({"SQLINK_MUTATE_ACTIVE": str(mutant), "TMPDIR": tmp})
        if coverage_dir:
            env["SQLINK_MUTATE_COVERAGE"] = coverage_dir
        try:
            server = self._server(test)
            if server is not None:
                try:
                    return server.run(test.cwd, env, timeout, self.rlimit_as, output)
                except (OSError, EOFError):
                    server.close()
                    self.servers.pop(test.binary, None)
                    # fall through: run it as a fresh process
            return self._spawn(test, env, timeout, output)
        finally:
            remove_tree(tmp)

    def _spawn(self, test: Test, env: dict[str, str], timeout: float, output: str) -> Outcome:
        limit = self.rlimit_as

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        started = time.monotonic()
        with open(output, "ab") as out:
            try:
                proc = subprocess.Popen(test.command, cwd=test.cwd, env=_clean_env(env),
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                        start_new_session=True, preexec_fn=limits)
            except OSError as e:
                return Outcome(ERROR, 0.0, f"cannot start {test.command[0]}: {e}")
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                cpu = None
                try:  # reaped here for its CPU time; Popen then finds it gone
                    _, _, usage = os.wait4(proc.pid, 0)
                    cpu = usage.ru_utime + usage.ru_stime
                except ChildProcessError:
                    pass
                proc.wait()
                return Outcome(TIMEOUT, time.monotonic() - started,
                               _timeout_detail(timeout, cpu), cpu)
            finally:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        elapsed = time.monotonic() - started
        if code < 0:
            return Outcome(CRASH, elapsed, f"killed by signal {-code} ({signal.Signals(-code).name})")
        return Outcome(PASS if code == 0 else FAIL, elapsed, f"exit {code}")

    def close(self) -> None:
        for server in self.servers.values():
            server.close()
        self.servers.clear()
