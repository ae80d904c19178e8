"""Pages in a real Chromium: the login, the area browser with its map, at desktop and phone
width; no Content-Security-Policy violations, no failed requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shequ.core.testing import PASSWORD, build_personas, build_tree
from tests.browser.chromium import DESKTOP, PHONE, shoot

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # a request the browser itself abandons (navigating away while the favicon loads) is not a fault
    page.on(
        "requestfailed",
        lambda r: (
            None
            if "ERR_ABORTED" in (r.failure or "")
            else problems.append(f"failed request: {r.url} {r.failure}")
        ),
    )
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    return problems


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_area_map_page(browser: Any, live_server: Any, viewport: dict[str, int]) -> None:
    tree = build_tree()
    build_personas(tree)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    _login(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/areas/{tree.community_a.pk}/")
    assert page.locator("h1").inner_text() == "洛龙社区"
    page.wait_for_selector("#area-map path.leaflet-interactive")
    # the community outline and its two grids are drawn, each grid labelled
    assert page.locator("#area-map path.leaflet-interactive").count() == 3
    labels = page.locator(".leaflet-tooltip").all_inner_texts()
    assert sorted(labels) == ["第一网格", "第二网格"]
    # breadcrumbs: the community worker sees the street above as text, not as a link
    crumbs = [c.strip() for c in page.locator(".breadcrumb-item").all_inner_texts()]
    assert crumbs == ["昆明市", "呈贡区", "龙城街道", "洛龙社区"]
    assert page.locator(".breadcrumb-item a").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    shoot(page, str(SHOTS / f"area-map-{viewport['width']}.png"))
    # page width fits the viewport: nothing forces a horizontal scroll
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # clicking a grid opens it
    page.locator("#area-map path.leaflet-interactive").nth(2).click(force=True)
    page.wait_for_url(f"{live_server.url}/areas/{tree.grid_b.pk}/")
    assert problems == []
    context.close()


def test_login_page_in_both_languages(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    problems = _watch(page)
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("#login-submit").inner_text() == "登录"
    page.click("button[name=language][value=en]")
    page.wait_for_selector("button[name=language][value=zh-hans]")
    assert page.locator("#login-submit").inner_text() == "Log in"
    assert problems == []
    context.close()


def test_grid_worker_changes_a_phone_from_a_scan_on_a_small_phone(
    browser: Any, live_server: Any
) -> None:
    from shequ.registry.codes import household_path  # noqa: PLC0415
    from shequ.registry.testing import build_register  # noqa: PLC0415

    tree = build_tree()
    build_personas(tree)
    register = build_register(tree)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    _login(page, live_server.url, "worker_a")
    page.goto(f"{live_server.url}{household_path(register.household)}")  # the scan
    page.wait_for_url(f"{live_server.url}/registry/households/{register.household.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    member = page.locator("li.list-group-item", has_text="李娜")
    member.locator("summary", has_text="修改电话").click()  # tap 1
    member.locator("input[name=phone]").fill("13766667777")
    member.locator("button", has_text="保存").click()  # tap 2
    page.wait_for_load_state("networkidle")
    assert "137****7777" in page.locator("li.list-group-item", has_text="李娜").first.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    shoot(page, str(SHOTS / "household-360.png"))
    page.goto(f"{live_server.url}/registry/buildings/{register.building.pk}/")
    assert page.locator("a.house-cell").count() == 2
    shoot(page, str(SHOTS / "building-360.png"))
    assert problems == []
    context.close()
