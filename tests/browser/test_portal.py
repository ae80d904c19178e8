"""The issue's "done when", in a real Chromium at phone size (390 × 844): a resident reports a
broken street lamp with a photo and a map pin, gets a number, and later sees it resolved and
rates it. The staff's steps in between go through the services."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from shequ.cases.models import Case, State
from shequ.cases.testing import build_case_world
from shequ.core.testing import build_personas, build_tree
from shequ.portal.models import CaseRating
from shequ.portal.tests.helpers import resolve
from tests.browser.chromium import PHONE, shoot
from tests.browser.test_pages import SHOTS, _watch

pytestmark = pytest.mark.django_db(transaction=True)

_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def chinese_number(text: str) -> int:
    """十 / 十三 / 二十 / 七 as in the portal's question."""
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[ones] if ones else 0)
    return _NUMERALS[text]


def solve(question: str) -> int:
    body = question.removesuffix("等于几？")
    if "加" in body:
        a, b = body.split("加")
        return chinese_number(a) + chinese_number(b)
    a, b = body.split("减")
    return chinese_number(a) - chinese_number(b)


def test_solve() -> None:
    assert solve("十三减五等于几？") == 8
    assert solve("七加八等于几？") == 15
    assert solve("二十减九等于几？") == 11


def test_resident_reports_a_street_lamp_on_a_phone_and_rates_it(
    browser: Any, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = build_tree()
    world = build_case_world(tree, build_personas(tree))
    photo = tmp_path / "lamp.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 30, 60)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        has_touch=True,
        geolocation={"latitude": 24.67, "longitude": 102.67},  # in grid A
        permissions=["geolocation"],
    )
    page = context.new_page()
    problems = _watch(page)
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{base}/portal/")
    shoot(page, str(SHOTS / "portal-home-390.png"))
    page.click("#portal-report")
    page.wait_for_selector("#pin-map path.leaflet-interactive")
    page.select_option("#id_category", str(world.street_lamp.pk))
    page.fill("#id_description", "小区门口的路灯不亮了，晚上很黑，老人出门不方便")
    page.set_input_files("#id_photos", str(photo))
    # the pin: tap grid A on the map (the grids are drawn from our GeoJSON, no tiles)
    page.locator("#pin-map").click(position={"x": 60, "y": 200})
    assert page.get_attribute("#pin-map", "data-pinned") == "1"
    longitude = float(page.input_value("#id_longitude"))
    assert 102.5 < longitude < 103.1
    # then the phone's own position moves the pin to where the resident stands
    page.click("#locate-me")
    # (a locator wait, not wait_for_function: the page's CSP forbids eval, which that uses)
    expect(page.locator("#id_latitude")).to_have_value("24.670000")
    assert page.input_value("#id_longitude") == "102.670000"
    page.fill("#id_answer", str(solve(page.inner_text("#challenge-question"))))
    shoot(page, str(SHOTS / "portal-report-390.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("#report-submit")
    page.wait_for_selector("#tracking-code")
    code = page.inner_text("#tracking-code").strip()
    number = page.inner_text("#case-number").strip()
    case = Case.objects.get(tracking_code=code)
    assert case.number == number
    assert case.area == tree.grid_a
    assert case.photos.count() == 1
    assert page.locator("img.portal-thumb").count() == 1
    shoot(page, str(SHOTS / "portal-track-390.png"))

    resolve(world, case)  # the community takes it on and the lamp is fixed

    page.goto(f"{base}/portal/")
    page.fill("#code", code.lower())
    page.click("button[type=submit]:has-text('查询')")
    page.wait_for_selector("#rate")
    assert page.inner_text("#public-state") == "已办结，待核查"
    timeline = page.inner_text("#public-timeline")
    assert "已办结" in timeline
    assert "王师傅" not in page.content()  # the staff's internal note
    page.check("input[name=resolution][value=yes]")
    page.check("input[name=satisfaction][value='5']")
    page.fill("#id_comment", "修得很快，谢谢")
    shoot(page, str(SHOTS / "portal-rate-390.png"))
    page.click("#rate-submit")
    page.wait_for_selector("#rating-done")
    assert "非常满意" in page.inner_text("#rating-done")
    rating = CaseRating.objects.get(case=case)
    assert (rating.satisfaction, rating.resolution) == (5, "yes")
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems == []
    context.close()
