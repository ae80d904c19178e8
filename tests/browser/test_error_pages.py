"""The 400 page (a NUL in a query parameter, see NulParameterMiddleware) in a real Chromium at
1280 and 390 wide: the signed-in user's own menu around it, in Chinese, and a way back (the
same page without the bad parameter, or home: the portal's for a resident)."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.core.testing import build_personas, build_tree
from tests.browser.chromium import shoot
from tests.browser.test_pages import SHOTS, _login

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("who", ["staff", None], ids=["staff", "visitor"])
def test_bad_request_page(
    browser: Any, live_server: Any, viewport: dict[str, int], who: str | None
) -> None:
    build_personas(build_tree())
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    base = live_server.url
    if who:
        _login(page, base, who)
        path, kept, home = "/cases/", "/cases/?state=accepted", "/"
    else:
        path, kept, home = "/portal/replies/", "/portal/replies/?page=1", "/portal/"
    response = page.goto(f"{base}{path}?{kept.split('?')[1]}&q=%E8%B7%AF%00")
    assert response.status == 400
    assert response.headers.get("x-frame-options") == "DENY"
    assert page.locator("h1").inner_text() == "请求有误"
    assert page.locator("[data-field=q]").count() == 1
    # a signed-in user keeps the menu (the page is not one of a stranger)
    assert page.locator(".nav-inbox").count() == (1 if who else 0)
    assert page.locator("a.btn", has_text="首页").get_attribute("href") == home
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    shoot(page, str(SHOTS / f"bad-request-{who or 'visitor'}-{viewport['width']}.png"))
    page.locator("#open-without").click()
    page.wait_for_url(f"{base}{kept}")
    assert page.locator("h1").inner_text() != "请求有误"
    context.close()
