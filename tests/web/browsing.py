"""What every browser test shares: the time a step may take, and failures that say what the
page showed instead of only what was missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from atdesk.config import Settings
from atdesk.storage.engine import get_engine
from atdesk.web.app import create_app
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import seed
from tests.web.server import serving

playwright_api = pytest.importorskip("playwright.sync_api")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Generous: the suite runs two workers beside PostgreSQL and chromium on two cores.
TIMEOUT_MS = 30_000


@contextmanager
def explained(page: playwright_api.Page, also: str = "") -> Iterator[None]:
    """Turn a Playwright timeout into a failure with the page's address and visible text."""
    try:
        yield
    except playwright_api.TimeoutError as exc:
        body = page.locator("body").inner_text(timeout=5_000)
        raise AssertionError(
            f"{exc.message.splitlines()[0]} on {page.url}{also}; the page said:\n{body[:3000]}"
        ) from None


def chromium_path() -> str:
    """Debian's chromium (make test installs it); the test is skipped without it."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    return path


def launch(p: playwright_api.Playwright, path: str) -> playwright_api.Browser:
    """Chromium as the project runs it in tests: no sandbox, no GPU, no network of its own."""
    return p.chromium.launch(
        executable_path=path,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


@contextmanager
def seeded_workspace(
    folder: Path, sqlite_template: Path
) -> Iterator[tuple[str, str, playwright_api.Browser]]:
    """The web tests' seeded workspace served on a socket, and chromium: base URL, database."""
    chromium = chromium_path()
    path = folder / "atdesk.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    settings = Settings(database_url=url, secret_key="browser-test-secret-0123")
    seed(settings)
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(settings, outbox=RecordingOutbox())
    with serving(app) as base, playwright_api.sync_playwright() as p:
        browser = launch(p, chromium)
        try:
            yield base, url, browser
        finally:
            browser.close()
    get_engine(url).dispose()
