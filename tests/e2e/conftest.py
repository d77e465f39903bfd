"""Fixtures of the browser tests: ``live_server`` (the real app on loopback), ``browser`` (Debian's
Chromium, shared by consecutive browser tests: once per session), ``new_context`` and ``page`` (a
fresh browser context each), and ``screenshot``.

Browser tests run on SQLite only: the pages read the same services that the integration tests
already run on both databases. Without /usr/bin/chromium they are skipped, except under CI=true
where they fail: CI must never pass by silently skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from parcours.app import create_app
from parcours.config import Settings
from parcours.db import Database, create_db_engine
from tests.conftest import running_in_ci
from tests.e2e.browser import (
    DOCS_SCREENSHOTS,
    TIMEOUT_MS,
    LiveServer,
    SharedChromium,
    chromium_missing_reason,
    save_screenshot,
    serve,
)

_SCREENSHOTS = pytest.StashKey[Path | None]()
_CHROMIUM = pytest.StashKey[SharedChromium]()
#: Every context starts alike, so that screenshots are the same from one run to the next.
CONTEXT_DEFAULTS: dict[str, Any] = {
    "viewport": {"width": 900, "height": 700},
    "device_scale_factor": 1,
    "locale": "fr-FR",
    "timezone_id": "Europe/Paris",
    "color_scheme": "light",
    "reduced_motion": "reduce",
}


def pytest_configure(config: pytest.Config) -> None:
    # Read before the session starts: the parcours_home fixture then removes every PARCOURS_*.
    wanted = os.environ.get("PARCOURS_SCREENSHOTS", "").strip() == "1"
    config.stash[_SCREENSHOTS] = DOCS_SCREENSHOTS if wanted else None
    config.stash[_CHROMIUM] = SharedChromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Once the test's fixtures are gone, stop Chromium unless the next test uses it too."""
    try:
        return (yield)
    finally:
        if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
            item.config.stash[_CHROMIUM].stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    chromium = config.stash.get(_CHROMIUM, None)
    if chromium is not None:
        chromium.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives Chromium, so that ``-m "not browser"`` deselects it."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The real app on a migrated, empty SQLite database of this test, served by uvicorn on
    127.0.0.1; ``.url`` is its base URL, ``.database`` the :class:`Database` it serves."""
    database = Database(create_db_engine(sqlite_url))
    app = create_app(Settings(environment="test", home=tmp_path / "home"), database)
    try:
        with serve(app) as url:
            yield LiveServer(url, database)
    finally:
        database.engine.dispose()


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Browser:
    """Debian's Chromium driven by Playwright (sync API), shared with the browser tests that run
    right before and after this one (see :class:`SharedChromium`)."""
    reason = chromium_missing_reason()
    if reason is not None:
        if running_in_ci():
            must_run = "CI=true: the browser tests must run, not be skipped"
            pytest.fail(f"{reason}. {must_run}.", pytrace=False)
        pytest.skip(reason)
    return request.config.stash[_CHROMIUM].browser()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """``new_context(**options)`` opens a fresh browser context — its own cookies and storage:
    another person, or the same one on another device — with :data:`CONTEXT_DEFAULTS` unless
    ``options`` say otherwise. Every context is closed after the test."""
    contexts: list[BrowserContext] = []

    def open_context(**options: Any) -> BrowserContext:
        context = browser.new_context(**{**CONTEXT_DEFAULTS, **options})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a fresh browser context of its own."""
    return new_context().new_page()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Page, str], Path]:
    """``screenshot(page, name)`` saves the whole page as ``NAME.png``: in docs/screenshots/
    when PARCOURS_SCREENSHOTS=1 (the README shows them), else in the test's tmp_path."""
    directory = request.config.stash[_SCREENSHOTS] or tmp_path / "screenshots"

    def take(page: Page, name: str) -> Path:
        return save_screenshot(page, directory, name)

    return take
