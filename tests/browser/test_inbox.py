"""The inbox in a real Chromium, on a desktop and a phone: the unread badge in the navigation,
marking read; the webhook page showing its secret once. No CSP violations, no failed
requests."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.cases.services import case_act
from shequ.cases.testing import build_case_world, new_case
from shequ.core.testing import build_personas, build_tree
from tests.browser.chromium import DESKTOP, PHONE, shoot
from tests.browser.test_pages import SHOTS, _login, _watch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_department_reads_its_inbox(
    browser: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    tree = build_tree()
    personas = build_personas(tree)
    world = build_case_world(tree, personas)
    case = case_act(actor=personas.dispatcher, case=new_case(world), action="accept")
    case_act(
        actor=personas.dispatcher, case=case, action="whistle", lead_department=tree.department
    )
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    _login(page, live_server.url, "handler")
    badge = page.locator(".nav-inbox .badge")
    assert badge.is_visible()  # on a phone too: the link is outside the collapsed menu
    assert badge.inner_text() == "1"
    page.locator(".nav-inbox").click()
    page.wait_for_url(f"{live_server.url}/inbox/")
    item = page.locator(".inbox-unread")
    assert case.number in item.inner_text()
    assert "城管执法中队" in item.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    shoot(page, str(SHOTS / f"inbox-{viewport['width']}.png"))
    item.locator("button").click()
    page.wait_for_url(f"{live_server.url}/inbox/")
    assert page.locator(".inbox-unread").count() == 0
    assert page.locator(".nav-inbox .badge").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert problems == []
    context.close()


def test_administrator_creates_a_webhook(browser: Any, live_server: Any) -> None:
    build_personas(build_tree())
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    _login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/webhooks/")
    page.fill("input[name=name]", "12345热线")
    page.fill("input[name=url]", "https://hotline.example.cn/hook")
    page.select_option("select[name=channel]", "hotline_12345")
    page.locator("form button[type=submit]").last.click()
    secret = page.locator(".alert-warning code").inner_text()
    assert len(secret) >= 40
    shoot(page, str(SHOTS / "webhooks-created.png"))
    page.goto(f"{live_server.url}/webhooks/")
    assert secret not in page.content()
    assert problems == []
    context.close()
