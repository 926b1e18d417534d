"""Opens a written page in headless Chromium and says what a person would see go wrong:
uncaught exceptions, console errors, failed loads, any request leaving the machine, broken
images, a page wider than the window; and takes a screenshot.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
messages, NUL-terminated, commands on fd 3, replies on fd 4), because its stderr log
(--enable-logging=stderr) prints every console message at the same level, so an error and a
log line look alike there. Standard library only.
"""
from __future__ import annotations

import base64
import json
import os
import pathlib
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
         # every host name fails to resolve: a page that needs the network shows it
         "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-pipe"]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome:", "devtools:")
SETTLE_S = 0.5  # quiet time after the load event for late messages

# Evaluated in the page once it has loaded: what the checks and the tests look at.
PROBE = r"""(() => {
  const de = document.documentElement, box = e => e.getBoundingClientRect();
  return {
    title: document.title,
    sections: [...document.querySelectorAll('section[id], header[id]')].map(s =>
      ({id: s.id, status: s.dataset.status || null, height: box(s).height})),
    cards: [...document.querySelectorAll('.card[data-stage]')].map(c =>
      ({stage: c.dataset.stage, status: c.dataset.status, text: c.innerText})),
    charts: [...document.querySelectorAll('svg.chart')].map(s =>
      ({id: s.id, width: box(s).width, height: box(s).height,
        lines: s.querySelectorAll('polyline').length,
        markers: s.querySelectorAll('circle').length})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    images: [...document.images].map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0})),
    scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, scrollHeight: de.scrollHeight,
    text: document.body ? document.body.innerText : ''
  };
})()"""


class BrowserError(Exception):
    """Chromium could not be started or driven (not a finding about the page)."""


def find_chromium() -> str | None:
    for name in (os.environ.get("SQLINK_CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@dataclass
class PageCheck:
    url: str
    exceptions: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)   # console.error / assert
    log_errors: list[str] = field(default_factory=list)       # the browser's own: failed loads
    remote_requests: list[str] = field(default_factory=list)  # anything not file:/data:
    failed_requests: list[str] = field(default_factory=list)
    dom: dict = field(default_factory=dict)
    screenshot: bytes | None = None

    def problems(self) -> list[str]:
        out = [f"uncaught exception: {e}" for e in self.exceptions]
        out += [f"console error: {e}" for e in self.console_errors]
        out += [f"browser error: {e}" for e in self.log_errors]
        out += [f"network request: {u}" for u in self.remote_requests]
        out += [f"failed to load: {u}" for u in self.failed_requests]
        out += [f"broken image: {i['src']}" for i in self.dom.get("images", []) if not i.get("ok")]
        sw, cw = self.dom.get("scrollWidth", 0), self.dom.get("clientWidth", 0)
        if cw and sw > cw + 1:
            out.append(f"page is wider than the window ({sw} px > {cw} px)")
        return out


class _Pipe:
    """The DevTools protocol over the two pipes Chromium reads and writes."""

    def __init__(self, to_browser: int, from_browser: int):
        self.w, self.r, self.buf, self.next_id, self.events = to_browser, from_browser, b"", 0, []

    def _read(self, timeout: float) -> list[dict]:
        deadline, out = time.monotonic() + timeout, []
        while True:
            while b"\0" in self.buf:
                msg, self.buf = self.buf.split(b"\0", 1)
                out.append(json.loads(msg))
            if out:
                return out
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                return out
            data = os.read(self.r, 1 << 20)
            if not data:
                raise BrowserError("chromium closed the DevTools pipe")
            self.buf += data

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 15) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = self._read(deadline - time.monotonic())
            for i, m in enumerate(batch):
                if m.get("id") == self.next_id:
                    self.events.extend(batch[i + 1:])  # events read along with the reply
                    if "error" in m:
                        raise BrowserError(f"{method}: {m['error'].get('message')}")
                    return m.get("result", {})
                self.events.append(m)
        raise BrowserError(f"{method}: no answer in {timeout} s")

    def wait_for(self, method: str, timeout: float) -> bool:
        """Whether `method` arrives within timeout; it may already have, while a command
        waited for its reply (read in the same batch, or before the reply)."""
        if any(m.get("method") == method for m in self.events):
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self._read(deadline - time.monotonic()):
                self.events.append(m)
                if m.get("method") == method:
                    return True
        return False

    def drain(self, quiet: float) -> None:
        while True:
            got = self._read(quiet)
            if not got:
                return
            self.events.extend(got)


def _tail(f, lines: int = 15) -> str:
    """The end of Chromium's stderr, without its routine D-Bus complaints."""
    try:
        f.seek(0)
        text = f.read().decode(errors="replace").splitlines()
    except (OSError, ValueError):
        return ""
    text = [l for l in text if "dbus" not in l.lower()][-lines:]
    return ("\nchromium said:\n  " + "\n  ".join(text)) if text else ""


def _args_text(args: list) -> str:
    parts = []
    for a in args or []:
        parts.append(str(a.get("value", a.get("description", a.get("type", "?")))))
    return " ".join(parts)


def check_page(path: str, *, width: int = 1280, height: int = 2000, timeout: float = 60,
               full_page: bool = False, chromium: str | None = None) -> PageCheck:
    """Loads `path` at width x height, collects what went wrong and takes a screenshot of
    the window (of the whole page with full_page). Raises BrowserError when Chromium itself
    cannot be driven."""
    exe = chromium or find_chromium()
    if not exe:
        raise BrowserError("chromium not found")
    url = pathlib.Path(path).resolve().as_uri()
    profile = tempfile.mkdtemp(prefix="sqlink-chromium-")
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()

    def child_fds():  # Chromium reads commands on fd 3 and writes replies on fd 4
        os.dup2(to_r, 3)
        os.dup2(from_w, 4)

    proc, closed = None, False
    stderr = tempfile.TemporaryFile()  # Chromium's own log: shown when it cannot be driven
    try:
        proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}",
                                 f"--window-size={width},{height}", "about:blank"],
                                pass_fds=sorted({3, 4, to_r, from_w}), preexec_fn=child_fds,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=stderr, start_new_session=True)
        os.close(to_r)
        os.close(from_w)
        to_r = from_w = -1
        cdp = _Pipe(to_w, from_r)
        targets = cdp.call("Target.getTargets", timeout=timeout)["targetInfos"]
        page_id = next((t["targetId"] for t in targets if t.get("type") == "page"), None)
        if page_id is None:
            page_id = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": page_id, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            cdp.call(f"{domain}.enable", session=session)
        cdp.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                 "deviceScaleFactor": 1, "mobile": False}, session=session)
        cdp.events.clear()
        nav = cdp.call("Page.navigate", {"url": url}, session=session, timeout=timeout)
        if nav.get("errorText"):
            raise BrowserError(f"{url} could not be opened: {nav['errorText']}")
        if not cdp.wait_for("Page.loadEventFired", timeout):
            raise BrowserError(f"{url} did not finish loading in {timeout} s")
        cdp.drain(SETTLE_S)
        result = PageCheck(url)
        for e in cdp.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                desc = d.get("exception", {}).get("description") or d.get("text", "?")
                result.exceptions.append(f"{desc} ({d.get('url', '')}:{d.get('lineNumber', 0) + 1})")
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                result.console_errors.append(_args_text(p.get("args")))
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                entry = p["entry"]
                result.log_errors.append(f"{entry.get('text', '')} {entry.get('url', '')}".strip())
            elif method == "Network.requestWillBeSent":
                req_url = p.get("request", {}).get("url", "")
                if not req_url.startswith(LOCAL_SCHEMES):
                    result.remote_requests.append(req_url)
            elif method == "Network.loadingFailed" and not p.get("canceled"):
                result.failed_requests.append(f"{p.get('errorText', '')} ({p.get('type', '')})")
            elif method == "Inspector.targetCrashed":
                raise BrowserError("the page crashed")
        probe = cdp.call("Runtime.evaluate", {"expression": PROBE, "returnByValue": True},
                         session=session)
        result.dom = probe.get("result", {}).get("value") or {}
        params = {"format": "png"}
        if full_page:
            params.update(captureBeyondViewport=True, clip={
                "x": 0, "y": 0, "width": width, "scale": 1,
                "height": max(height, int(result.dom.get("scrollHeight") or height))})
        shot = cdp.call("Page.captureScreenshot", params, session=session)
        result.screenshot = base64.b64decode(shot["data"])
        try:
            cdp.call("Browser.close", timeout=5)
            closed = True
        except BrowserError:
            pass
        return result
    except OSError as e:
        raise BrowserError(f"could not run {exe}: {e}") from e
    except BrowserError as e:
        raise BrowserError(f"{e}{_tail(stderr)}") from None
    finally:
        stderr.close()
        for fd in (to_r, from_w, to_w, from_r):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        if proc is not None:
            try:
                proc.wait(timeout=5 if closed else 0.1)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


# The parts every dashboard has, whatever ran: what `dashboard_problems` insists on.
REQUIRED_SECTIONS = ("header", "stages", "tests", "fuzz", "mutation", "bench")


def dashboard_problems(dom: dict) -> list[str]:
    """What is wrong with a rendered dashboard's structure: a section missing or empty, a
    chart drawn at no size or with nothing in it."""
    out = []
    ids = {s["id"]: s for s in dom.get("sections", [])}
    for sid in REQUIRED_SECTIONS:
        if sid not in ids:
            out.append(f"section #{sid} missing")
        elif ids[sid]["height"] <= 0:
            out.append(f"section #{sid} has no height")
    for c in dom.get("charts", []):
        if c["width"] < 100 or c["height"] < 50:
            out.append(f"chart #{c['id']} rendered at {c['width']:.0f}x{c['height']:.0f} px")
        if not c["lines"] and not c["markers"]:
            out.append(f"chart #{c['id']} has nothing drawn")
    if not dom.get("cards"):
        out.append("no stage cards")
    return out
