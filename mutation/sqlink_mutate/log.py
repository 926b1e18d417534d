"""Progress and log lines on stderr."""
import sys
import time

_START = time.monotonic()


def log(message: str) -> None:
    elapsed = time.monotonic() - _START
    sys.stderr.write(f"[mutate {elapsed:6.1f}s] {message}\n")
    sys.stderr.flush()


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
