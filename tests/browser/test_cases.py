"""The issue's "done when", through the pages in a real Chromium: a hotline order entered at
the community (on a 390 px phone) is whistled by the street to two departments, both check
in, one returns it, the other resolves it, the community verifies, the follow-up rates it,
it is closed — all on the timeline, with deadlines shown."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from shequ.accounts.roles import Role
from shequ.cases.models import Case, State
from shequ.cases.testing import build_case_world
from shequ.core.testing import build_personas, build_tree, make_user
from tests.browser.chromium import DESKTOP, send, shoot
from tests.browser.test_pages import _login, _watch

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE_390 = {"width": 390, "height": 844}


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


class Desk:
    """One persona's browser window."""

    def __init__(self, browser: Any, base: str, username: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.page = self.context.new_page()
        self.problems = _watch(self.page)
        self.base = base
        _login(self.page, base, username)

    def open_case(self, case: Case) -> None:
        self.page.goto(f"{self.base}/cases/{case.pk}/")

    def act(self, action: str, fill: dict[str, str] | None = None) -> None:
        """Press the action's button (its form comes in by htmx), fill it, send it."""
        page = self.page
        page.click(f"a[data-action={action}]")
        form = page.locator(f"#action-form-{action}")
        form.wait_for()
        for selector, value in (fill or {}).items():
            field = form.locator(selector)
            if selector.startswith("select"):
                field.select_option(label=value)
            elif value == "check":
                field.check()
            else:
                field.fill(value)
        send(page, f"#action-form-{action} button[type=submit]")
        page.wait_for_selector("#timeline")

    def close(self) -> list[str]:
        self.context.close()
        return self.problems


def test_hotline_order_through_the_pages(browser: Any, live_server: Any) -> None:
    tree = build_tree()
    personas = build_personas(tree)
    world = build_case_world(tree, personas)
    make_user("police", Role.DEPARTMENT_HANDLER, department=world.police)
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    # The community enters the hotline order on a phone.
    staff = Desk(browser, base, "staff", PHONE_390)
    page = staff.page
    page.goto(f"{base}/cases/new/")
    page.wait_for_selector("#pin-map path.leaflet-interactive")
    page.select_option("#id_channel", "hotline_order")
    page.fill("#id_external_ref", "JS20261123-0042")
    page.select_option("#id_category", str(world.street_lamp.pk))
    page.fill("#id_title", "洛龙路路灯不亮")
    page.fill("#id_description", "洛龙路与春融街交叉口往东第三盏路灯连续三晚不亮。")
    page.fill("#id_reporter_name", "王秀英")
    page.fill("#id_reporter_phone", "13812345678")
    # a tap on the map sets the point …
    page.locator("#pin-map").click()
    assert page.input_value("#id_longitude") != ""
    # … which can also be typed: a point in grid A
    page.fill("#id_longitude", "102.61")
    page.fill("#id_latitude", "24.61")
    page.set_input_files(
        "#id_photos", files=[{"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    shoot(page, str(SHOTS / "case-new-390.png"))
    send(page, "#case-submit")
    case = Case.objects.get()
    assert page.url == f"{base}/cases/{case.pk}/"
    assert case.channel == "hotline_order"
    assert case.photos.count() == 1
    assert page.locator("img.case-thumb").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    staff.act("accept")
    staff.act("escalate", {"textarea[name=act-reason]": "需要城管和派出所联合处置"})
    problems += staff.close()

    # The street whistles it to two departments.
    street = Desk(browser, base, "dispatcher", DESKTOP)
    street.page.goto(f"{base}/cases/work/?tab=dispatch")
    assert street.page.locator(f"a[href='/cases/{case.pk}/']").count() >= 1
    street.open_case(case)
    street.act(
        "whistle",
        {
            "select[name=act-lead_department]": tree.department.name,
            f"input[name=act-co_departments][value='{world.police.pk}']": "check",
        },
    )
    assert street.page.locator(".assignments li").count() == 2
    problems += street.close()

    # Both check in; the police return it; 城管 resolves it.
    police = Desk(browser, base, "police", DESKTOP)
    police.page.goto(f"{base}/cases/work/")
    assert police.page.locator(f"a[href='/cases/{case.pk}/']").count() == 1
    police.open_case(case)
    police.act("check_in")
    problems += police.close()

    handler = Desk(browser, base, "handler", DESKTOP)
    handler.page.goto(f"{base}/cases/board/")
    assert handler.page.locator(f".board-waiting a[href='/cases/{case.pk}/']").count() == 1
    handler.open_case(case)
    handler.act("check_in")
    problems += handler.close()

    police = Desk(browser, base, "police", DESKTOP)
    police.open_case(case)
    police.act("return", {"textarea[name=act-reason]": "路灯维修不属于派出所职责"})
    problems += police.close()

    handler = Desk(browser, base, "handler", DESKTOP)
    handler.open_case(case)
    handler.act("resolve", {"textarea[name=act-note]": "已更换灯泡，恢复照明"})
    problems += handler.close()

    # The community verifies, follows up with a rating, closes.
    staff = Desk(browser, base, "staff", DESKTOP)
    staff.open_case(case)
    staff.act("verify")
    staff.act(
        "follow_up",
        {
            "input[name=act-reached][value=yes]": "check",
            "select[name=act-resolution]": "已解决",
            "input[name=act-satisfaction][value='5']": "check",
            "textarea[name=act-comment]": "修得很快",
        },
    )
    staff.act("close")
    page = staff.page
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert case.satisfaction == 5
    actions = [
        c.split("action-")[1]
        for c in page.locator("#timeline .timeline-item").evaluate_all(
            "items => items.map(i => [...i.classList].find(c => c.startsWith('action-')))"
        )
    ]
    assert actions == [
        "register",
        "accept",
        "escalate",
        "whistle",
        "check_in",
        "check_in",
        "return",
        "resolve",
        "verify",
        "follow_up",
        "close",
    ]
    timeline = page.locator("#timeline").inner_text()
    assert "城管执法中队" in timeline
    assert "龙城派出所" in timeline
    assert "5/5" in timeline
    # deadlines are shown: the resolve-by date, and each department's check-in
    assert case.resolve_by is not None
    due = timezone.localtime(case.resolve_by).strftime("%Y-%m-%d %H:%M")
    assert due in page.locator("#resolve-by").inner_text()
    assert page.locator(".assignments li").count() == 2
    shoot(page, str(SHOTS / "case-closed-desktop.png"))
    problems += staff.close()
    assert problems == []
