"""Open a page in the locally installed headless Chromium: check it renders, export chart PNGs.

playwright drives the browser over the DevTools protocol; it never downloads one (ADR 0014).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from finbot.contracts import ConfigError

from ._page import CHART_CLASS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM_ENV = "FINBOT_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
RENDER_TIMEOUT_MS = 60_000


class BrowserNotFoundError(ConfigError):
    """No Chromium executable was found to render a page with."""


def find_chromium() -> str:
    """The Chromium executable: ``$FINBOT_CHROMIUM``, else the first of ``CHROMIUM_NAMES`` on PATH.

    Raises:
        BrowserNotFoundError: None is installed; the message says how to install one.
    """
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        if not Path(named).is_file():
            raise BrowserNotFoundError(f"${CHROMIUM_ENV}={named} is not a file")
        return named
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFoundError(
        "no Chromium found for PNG export: install one (Debian: apt-get install chromium) "
        f"or set ${CHROMIUM_ENV} to its executable"
    )


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the block (closed after it)."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True, slots=True)
class PageCheck:
    """What a page did in the browser.

    Attributes:
        console_errors: Messages the page logged at error level.
        page_errors: Uncaught exceptions in the page's scripts.
        requests: Every request that left the file itself (blocked): a self-contained page has none.
        charts: Chart name -> number of SVG elements plotly drew in its div.
        screenshot: PNG of the whole page.
    """

    console_errors: tuple[str, ...]
    page_errors: tuple[str, ...]
    requests: tuple[str, ...]
    charts: dict[str, int]
    screenshot: bytes


def _open(browser: Browser, path: Path, width: int) -> tuple[Page, list[str], list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    console: list[str] = []
    errors: list[str] = []
    requests: list[str] = []
    url = path.resolve().as_uri()
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r: object) -> None:
        request_url = r.request.url  # type: ignore[attr-defined]
        if request_url == url:
            r.continue_()  # type: ignore[attr-defined]
        else:
            requests.append(request_url)
            r.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)
    page.goto(url, wait_until="load", timeout=RENDER_TIMEOUT_MS)
    # plotly draws after load; every chart div gets its main SVG once drawn.
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('.{CHART_CLASS}')]
                 .every(d => d.querySelector('svg.main-svg'))""",
        timeout=RENDER_TIMEOUT_MS,
    )
    return page, console, errors, requests


def check_page(path: str | Path, *, width: int = 1280) -> PageCheck:
    """Open ``path`` in headless Chromium with the network blocked and report what it did."""
    with chromium() as browser:
        page, console, errors, requests = _open(browser, Path(path), width)
        charts = page.evaluate(
            f"""() => Object.fromEntries([...document.querySelectorAll('.{CHART_CLASS}')]
                 .map(d => [d.dataset.name, d.querySelectorAll('svg *').length]))"""
        )
        shot = page.screenshot(full_page=True)
        return PageCheck(tuple(console), tuple(errors), tuple(requests), dict(charts), shot)


def export_png(path: str | Path, out_dir: str | Path, *, width: int = 1280) -> list[Path]:
    """Screenshot each chart of the page at ``path`` into ``out_dir/NAME.png``; returns the files.

    Raises:
        BrowserNotFoundError: No Chromium is installed.
    """
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with chromium() as browser:
        page, _, _, _ = _open(browser, Path(path), width)
        for div in page.query_selector_all(f".{CHART_CLASS}"):
            name = div.get_attribute("data-name") or f"chart{len(written) + 1}"
            file = target / f"{name}.png"
            div.screenshot(path=str(file))
            written.append(file)
    return written
