"""Debian's Chromium driven by Playwright (Playwright's own browser download does not work
without internet). Shared by the browser tests and scripts/screenshots.py."""

from __future__ import annotations

import os
import shutil
from typing import Any

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    configured = os.environ.get("SHEQU_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def launch(playwright: Any) -> Any:
    path = chromium_path()
    if path is None:
        msg = "Chromium not found: apt-get install chromium (or set SHEQU_CHROMIUM)"
        raise RuntimeError(msg)
    # The machine's language is Chinese, as a street office's is: Chromium takes the format
    # of a date input (年/月/日, not mm/dd/yyyy) from LANG, not from a context's locale, and
    # needs Debian's chromium-l10n for it. A page's language is still each context's.
    env = {**os.environ, "LANG": "zh_CN.UTF-8"}
    return playwright.chromium.launch(
        executable_path=path, headless=True, args=CHROMIUM_FLAGS, env=env
    )


def shoot(page: Any, path: str) -> None:
    """A full-page screenshot, then wait until the page has its own size back.

    Chromium takes a full-page shot by resizing the page to its whole height and back. A
    tap sent before the page has laid itself out again can press on one spot and lift on
    another, and the click goes to the form instead of its button (seen under load in CI).
    """
    page.screenshot(path=path, full_page=True)
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def send(page: Any, button: str, *, taps: int = 3, timeout_ms: float = 60_000) -> None:
    """Tap a form's send button and wait for the page the form leads to.

    A tap can still land beside the button under load (see ``shoot``; seen once in CI after
    the two-frame wait, on a 2-core machine running the rest of the suite beside it). Such a
    tap sends nothing, so it is tapped again: the forms that use this are marked
    ``data-once`` and send at most once, and a form that has started sending (``data-sent``)
    is not tapped again. The wait for the next page allows for a loaded machine.
    """
    posted: list[Any] = []

    def on_request(request: Any) -> None:
        if request.method == "POST" and request.is_navigation_request():
            posted.append(request)

    page.on("request", on_request)
    try:
        with page.expect_navigation(timeout=timeout_ms):
            for _ in range(taps):
                page.locator(button).click()
                for _ in range(50):  # up to 5 s for the form to send
                    if posted:
                        return
                    page.wait_for_timeout(100)
                if page.locator("form[data-sent='1']").count():
                    return  # it is sending; its request is on the way
            msg = f"{taps} taps on {button} sent nothing"
            raise AssertionError(msg)
    finally:
        page.remove_listener("request", on_request)
