"""What every browser test shares: the time a step may take, and failures that say what the
page showed instead of only what was missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

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
