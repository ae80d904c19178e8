"""The case settings page: download and upload the category file and the holiday calendar;
a bad file changes nothing and its errors are shown, escaped."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shequ.cases.models import CalendarDay, Category
from shequ.cases.testing import CaseWorld


def _file(data: Any) -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return SimpleUploadedFile("data.json", raw, "application/json")


def test_round_trip_of_both_files(world: CaseWorld, client: Client) -> None:
    client.force_login(world.personas.administrator)
    page = client.get(reverse("cases_config:home"))
    assert page.status_code == 200
    assert "0301" in page.content.decode()
    categories = json.loads(client.get(reverse("cases_config:categories_download")).content)
    categories["categories"][0]["children"].append({"code": "X100", "name": "井盖缺失"})
    response = client.post(
        reverse("cases_config:categories_upload"), {"categories-file": _file(categories)}
    )
    assert response.status_code == 302
    assert Category.objects.get(code="X100").parent is not None
    calendar = json.loads(client.get(reverse("cases_config:calendar_download")).content)
    calendar["holidays"]["元旦"].append("2027-01-01")
    response = client.post(
        reverse("cases_config:calendar_upload"), {"calendar-file": _file(calendar)}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(day="2027-01-01", kind="holiday").exists()


def test_a_bad_file_changes_nothing_and_says_why(world: CaseWorld, client: Client) -> None:
    client.force_login(world.personas.administrator)
    before = Category.objects.count()
    bad = {
        "format": "shequ-categories-1",
        "categories": [{"code": "X1", "name": "好的"}, {"code": "<script>", "name": "坏的"}],
    }
    response = client.post(
        reverse("cases_config:categories_upload"), {"categories-file": _file(bad)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<code>code</code>" in html
    assert "&lt;script&gt;" in html  # the entry is named, escaped
    assert "<script>" not in html  # (the page's own script tags all have a src)
    assert Category.objects.count() == before
    broken = client.post(
        reverse("cases_config:calendar_upload"), {"calendar-file": _file(b"{not json")}
    )
    assert broken.status_code == 400
    assert "<code>file</code>" in broken.content.decode()
