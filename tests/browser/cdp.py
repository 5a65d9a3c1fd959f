"""A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe` (standard library only).

Chromium reads JSON commands, each ended by a NUL byte, on file descriptor 3 and writes replies
and events the same way on file descriptor 4. No port is opened, and no package is needed.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import defaultdict


class BrowserError(RuntimeError):
    """Chromium died, answered with an error, or did not answer in time."""


class Browser:
    def __init__(self, argv: list[str], stderr_path: str):
        # pipe the browser reads (its fd 3) and pipe the browser writes (its fd 4)
        to_browser_r, self._to_browser_w = os.pipe()
        self._from_browser_r, from_browser_w = os.pipe()
        # a shell moves the two ends onto fds 3 and 4, then becomes Chromium (no preexec_fn,
        # which is unsafe once threads run)
        script = f'exec "$@" 3<&{to_browser_r} 4>&{from_browser_w} {to_browser_r}<&- {from_browser_w}>&-'
        self._stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", script, "sh", *argv],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
            pass_fds=(to_browser_r, from_browser_w),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: dict[int, dict] = {}
        self._events: dict[str | None, list[dict]] = defaultdict(list)
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- transport -------------------------------------------------------------------------------
    def _read_loop(self) -> None:
        pending: list[bytes] = []  # pieces of a message not yet ended by NUL (screenshots are MBs)
        while True:
            try:
                chunk = os.read(self._from_browser_r, 1 << 20)
            except OSError:
                chunk = b""
            if not chunk:
                break
            while (end := chunk.find(b"\0")) >= 0:
                pending.append(chunk[:end])
                chunk = chunk[end + 1:]
                msg = json.loads(b"".join(pending))
                pending = []
                with self._cond:
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self._events[msg.get("sessionId")].append(msg)
                    self._cond.notify_all()
            if chunk:
                pending.append(chunk)
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60.0) -> dict:
        with self._lock:
            self._next_id += 1
            msg_id = self._next_id
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._to_browser_w, data):]
        except OSError as exc:
            raise BrowserError(f"Chromium is gone ({exc}); see its log") from exc
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self._replies:
                left = deadline - time.monotonic()
                if self._closed:
                    raise BrowserError(f"Chromium closed the pipe during {method}; see its log")
                if left <= 0:
                    raise BrowserError(f"no answer to {method} within {timeout:.0f} s")
                self._cond.wait(left)
            reply = self._replies.pop(msg_id)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')} {reply['error'].get('data', '')}".strip())
        return reply.get("result", {})

    # -- events ----------------------------------------------------------------------------------
    def take_events(self, session: str | None) -> list[dict]:
        """Every event received so far for `session`, removed from the queue."""
        with self._cond:
            events, self._events[session] = self._events[session], []
        return events

    def peek_events(self, session: str | None) -> list[dict]:
        with self._cond:
            return list(self._events[session])

    def wait_event(self, session: str | None, method: str, timeout: float) -> dict | None:
        """Wait until an event `method` is queued for `session` (it stays queued)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ev in self._events[session]:
                    if ev["method"] == method:
                        return ev
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return None
                self._cond.wait(left)

    # -- shutdown --------------------------------------------------------------------------------
    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except BrowserError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser_w, self._from_browser_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stderr.close()
