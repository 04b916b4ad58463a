"""What every browser test shares: the time a step may take, and failures that say what the
page showed instead of only what was missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
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


def real_clock(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without libfaketime: chromium under it runs about 25 times slower."""
    env = {name: value for name, value in environ.items() if not name.startswith("FAKETIME")}
    preload = [lib for lib in env.pop("LD_PRELOAD", "").split(":") if lib and "faketime" not in lib]
    if preload:
        env["LD_PRELOAD"] = ":".join(preload)
    return env


@contextmanager
def chromium(path: str) -> Iterator[playwright_api.Browser]:
    """Chromium as the project runs it in tests: no sandbox, no GPU, no network of its own.

    Under scripts/at-date the browser and Playwright's driver keep the real clock (the server
    under test keeps the fake one): the page's own clock is never what a test asserts on.
    """
    faked = os.environ.copy()
    os.environ.clear()
    os.environ.update(real_clock(faked))  # the driver starts with this environment
    try:
        p = playwright_api.sync_playwright().start()
    finally:
        os.environ.clear()
        os.environ.update(faked)
    try:
        browser = p.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            env=real_clock(faked),
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        p.stop()


@contextmanager
def seeded_workspace(
    folder: Path, sqlite_template: Path
) -> Iterator[tuple[str, str, playwright_api.Browser]]:
    """The web tests' seeded workspace served on a socket, and chromium: base URL, database."""
    browser_path = chromium_path()
    path = folder / "atdesk.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    settings = Settings(database_url=url, secret_key="browser-test-secret-0123")
    seed(settings)
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(settings, outbox=RecordingOutbox())
    with serving(app) as base, chromium(browser_path) as browser:
        yield base, url, browser
    get_engine(url).dispose()
