"""What a user sees when a request made by htmx fails (static/js/requests.js): a bad field is
answered in place, any other error in a message at the bottom of the page — never nothing."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.cases.services import case_act
from shequ.cases.testing import build_case_world, new_case
from shequ.core.testing import build_personas, build_tree
from tests.browser.chromium import PHONE, shoot
from tests.browser.test_pages import _login, _watch

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failed_htmx_request_says_so(browser: Any, live_server: Any, tmp_path: Any) -> None:
    tree = build_tree()
    personas = build_personas(tree)
    world = build_case_world(tree, personas)
    case = new_case(world)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    _login(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/cases/{case.pk}/")

    # A reason of blanks passes the browser's own check; the server's 400 is shown in place.
    page.click("details summary")
    page.fill("#revealed-phone >> xpath=preceding-sibling::form[1] >> input[name=reason]", "   ")
    page.click("#revealed-phone >> xpath=preceding-sibling::form[1] >> button")
    page.locator("#revealed-phone [role=alert]").wait_for()
    assert "理由" in page.locator("#revealed-phone").inner_text()
    assert page.locator("#request-error").is_hidden()

    # Someone accepts the case meanwhile: the accept button's form is gone (404), and the
    # page says so instead of doing nothing.
    case_act(actor=personas.community_staff, case=case, action="accept")
    page.click("a[data-action=accept]")
    toast = page.locator("#request-error")
    toast.wait_for(state="visible")
    assert toast.inner_text().strip() == "未找到：页面可能已过时，请重新加载后再试。"
    shoot(page, str(tmp_path / "request-error-390.png"))
    page.click("#request-error .btn-close")
    assert toast.is_hidden()
    context.close()
    # the two refusals are what the test provoked (the browser and htmx each log them too);
    # nothing else went wrong
    provoked = [p for p in problems if "400" in p or "404" in p]
    assert [p for p in problems if p not in provoked] == []
    assert "HTTP 400: " in provoked[0]
    assert any(p.startswith("HTTP 404: ") for p in provoked)
