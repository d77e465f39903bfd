"""What the browser tests stand on: the real app served on loopback by uvicorn, and Debian's
Chromium driven by Playwright.

Chromium is Debian's package (``/usr/bin/chromium``, installed by ``make chromium``), never a
browser that Playwright downloads. Its flags keep it off the network — no background requests,
component updates, sync or QUIC — so that it only ever talks to the live server on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from parcours.db import Database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
)
#: Where ``PARCOURS_SCREENSHOTS=1`` puts the screenshots that the README shows.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: A failing expectation fails in seconds, not after Playwright's default 30.
TIMEOUT_MS = 5_000
SERVER_TIMEOUT_SECONDS = 10.0


def chromium_missing_reason() -> str | None:
    if CHROMIUM.is_file():
        return None
    return f"{CHROMIUM} is missing: install Debian's chromium (`make chromium`)"


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
    )


class SharedChromium:
    """One Chromium for the browser tests that run one after another, started by the first.

    Playwright's sync API leaves its event loop marked as running in the main thread between
    calls, and ``asyncio.run()`` then fails there: the browser must be stopped before any test
    that does not use it (:meth:`stop`), and is started again by the next one that does. The
    ``test_browser_*.py`` files follow each other, so that is once per session.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def browser(self) -> Browser:
        if self._browser is None:
            playwright = sync_playwright().start()
            try:
                self._browser = launch_chromium(playwright)
            except BaseException:
                playwright.stop()
                raise
            self._playwright = playwright
        return self._browser

    def stop(self) -> None:
        """Close Chromium and Playwright's driver; every process they started must end."""
        if self._browser is None or self._playwright is None:
            return
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        processes = browser_processes()
        try:
            browser.close()
        finally:
            playwright.stop()
        ensure_ended(processes)


def browser_processes() -> list[psutil.Process]:
    """Playwright's driver (a Node.js child of this process) and all it started: Chromium and
    Chromium's own children."""
    processes: list[psutil.Process] = []
    for child in psutil.Process().children():
        try:
            if "run-driver" in child.cmdline():
                processes += [child, *child.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    return processes


def ensure_ended(processes: list[psutil.Process], timeout: float = 10.0) -> None:
    """Wait for ``processes`` to end; kill and name those still running after ``timeout``.

    A zombie has ended: Chromium's double-forked helpers are left for init to reap.
    """
    deadline = time.monotonic() + timeout
    while (running := [p for p in processes if _is_running(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    for process in running:
        with suppress(psutil.NoSuchProcess):
            process.kill()
    if running:
        raise RuntimeError(f"browser processes left running, now killed: {running}")


def _is_running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def save_screenshot(page: Page, directory: Path, name: str) -> Path:
    """The whole page as ``directory/NAME.png``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    return path


@dataclass(frozen=True)
class LiveServer:
    """The app answering at ``url`` (``http://127.0.0.1:PORT``) on ``database``."""

    url: str
    database: Database

    def url_for(self, path: str) -> str:
        return self.url + path


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn from a background thread on 127.0.0.1 and a free port; the base
    URL once the app answers ``/health``. The server is stopped and its thread joined on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))  # the kernel's free port, held from here on: no race
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    # log_config=None: uvicorn leaves the process's logging alone (pytest keeps capturing it).
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", access_log=False, timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="live-server", daemon=True
    )
    thread.start()
    try:
        _wait_until_answering(url, server, thread)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_TIMEOUT_SECONDS)
        listener.close()
    if thread.is_alive():
        raise RuntimeError(f"the live server at {url} did not stop")


def _wait_until_answering(url: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + SERVER_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the live server at {url} stopped while starting")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the live server at {url} did not start")
        time.sleep(0.01)
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    with direct.open(f"{url}/health", timeout=SERVER_TIMEOUT_SECONDS) as response:
        if response.status != 200:
            raise RuntimeError(f"the live server at {url} answered {response.status} on /health")
