"""Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol.

Used by the end-to-end test and `fraudctl bench dashboard` to see what a user sees. The
browser starts with a fresh profile and everything that would reach the network on its
own turned off; the DevTools socket needs websocket-client.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,2200",  # tall enough for the charts and map in one screenshot
)


class ChromiumMissing(RuntimeError):
    pass


def find_chromium() -> str:
    found = shutil.which("chromium")
    if not found:
        raise ChromiumMissing("headless Chromium is needed and `chromium` is not on PATH: apt-get install -y chromium")
    return found


class Browser:
    """One headless Chromium with one page; the context manager stops it."""

    def __init__(self, binary: str, profile: Path) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=open(profile / "chromium.log", "wb"),  # noqa: SIM115 - closed with the process
            start_new_session=True,
        )
        self._ids = itertools.count(1)
        port = self._debugging_port(profile / "DevToolsActivePort")
        self.socket = self._connect_page(port)

    def _debugging_port(self, marker: Path, timeout: float = 30.0) -> int:
        # With port 0 Chromium picks a free port and writes it to this file.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}; see {marker.parent}/chromium.log")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.1)
        raise RuntimeError(f"chromium did not open its DevTools port within {timeout}s")

    def _connect_page(self, port: int):
        import websocket  # websocket-client

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.loads(response.read())
        page = next(t for t in targets if t["type"] == "page")
        # No Origin header: Chromium only accepts DevTools sockets from allowed origins.
        return websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def text(self) -> str:
        result = self.call(
            "Runtime.evaluate", expression="document.body ? document.body.innerText : ''", returnByValue=True
        )
        return result.get("result", {}).get("value") or ""

    def wait_for_text(self, needle: str, timeout: float, poll: float = 0.05) -> float:
        """Seconds until `needle` is in the page's visible text; fails after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if needle in self.text():
                return time.monotonic() - started
            time.sleep(poll)
        raise AssertionError(f"{needle!r} did not appear within {timeout}s; page text:\n{self.text()[:3000]}")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            # Chromium's renderer and utility processes share its process group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
