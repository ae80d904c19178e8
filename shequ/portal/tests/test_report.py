"""A resident reports through the portal: the form, the challenge, the rate limit, a retry
that is not a duplicate, the door code, places outside the grids."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shequ.cases.models import Case, CaseEvent, CasePhoto, Channel
from shequ.cases.testing import CaseWorld
from shequ.core.models import AuditRecord
from shequ.portal.tests.helpers import answer, jpeg, report_form
from shequ.registry.codes import household_token

pytestmark = pytest.mark.django_db


def test_report_with_photo_and_pin_gives_a_tracking_code(world: CaseWorld, client: Client) -> None:
    data = report_form(client, category=world.street_lamp.pk, photos=[jpeg()])
    response = client.post("/portal/report/", data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/t/{case.tracking_code}/"
    assert case.channel == Channel.RESIDENT
    assert case.area == world.tree.grid_a  # the pin is inside grid A
    assert case.reporter_user is None
    assert case.created_by is None
    assert case.title.startswith("洛龙路春融街口")
    assert CasePhoto.objects.filter(case=case).count() == 1
    event = CaseEvent.objects.get(case=case)
    assert event.actor_name == "portal"
    assert AuditRecord.objects.filter(actor_name="portal").exists()
    page = client.get(response["Location"])
    body = page.content.decode()
    assert case.tracking_code in body
    assert case.number in body
    assert "感谢" in body or "Thank" in body


def test_the_same_form_sent_twice_is_one_case(world: CaseWorld, client: Client) -> None:
    data = report_form(client, category=world.street_lamp.pk)
    first = client.post("/portal/report/", data)
    again = client.post("/portal/report/", data)  # the network dropped the first answer
    assert Case.objects.count() == 1
    assert again["Location"] == first["Location"]


def test_a_wrong_answer_saves_nothing_and_asks_again(world: CaseWorld, client: Client) -> None:
    data = report_form(client, category=world.street_lamp.pk)
    data["answer"] = str(int(data["answer"]) + 1)
    response = client.post("/portal/report/", data)
    assert response.status_code == 400
    assert Case.objects.count() == 0
    assert "答案不对" in response.content.decode()
    # a new question waits; answering it works
    data["answer"] = answer(client)
    assert client.post("/portal/report/", data).status_code == 302


def test_rate_limit_per_address(world: CaseWorld, client: Client, settings: Any) -> None:
    settings.SHEQU_PORTAL_REPORTS_PER_HOUR = 2
    for _ in range(2):
        assert client.post("/portal/report/", report_form(client, category=world.street_lamp.pk))
    response = client.post("/portal/report/", report_form(client, category=world.street_lamp.pk))
    assert response.status_code == 429
    assert Case.objects.count() == 2
    # another address is not held back
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/portal/report/", report_form(other, category=world.street_lamp.pk))
    assert Case.objects.count() == 3


def test_bad_input_is_named_and_saves_nothing(world: CaseWorld, client: Client) -> None:
    bad_photo = jpeg()
    bad_photo.file.write(b"")
    cases = [
        ({"category": ""}, "category"),
        ({"category": world.street_lamp.pk, "description": ""}, "description"),
        ({"category": world.street_lamp.pk, "longitude": "abc"}, "longitude"),
        (
            {
                "category": world.street_lamp.pk,
                "photos": [
                    __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                        "x.jpg", b"<script>not a picture</script>"
                    )
                ],
            },
            "JPEG",
        ),
        ({"category": world.street_lamp.pk, "longitude": "", "latitude": ""}, "地图"),
        ({"category": world.street_lamp.pk, "longitude": "100.0", "latitude": "20.0"}, "范围"),
        ({"category": world.street_lamp.parent_id}, "category"),
    ]
    for overrides, expected in cases:
        response = client.post("/portal/report/", report_form(client, **overrides))
        assert response.status_code == 400, overrides
        assert expected in response.content.decode() or response.context["form"].errors, overrides
    assert Case.objects.count() == 0


def test_a_point_in_the_street_outside_every_grid_goes_to_the_street(
    world: CaseWorld, client: Client
) -> None:
    # the street spans 102.6-103.0; the grids of community A end at 102.8, B's at 102.9
    data = report_form(client, category=world.street_lamp.pk, longitude="102.95", latitude="24.95")
    assert client.post("/portal/report/", data).status_code == 302
    case = Case.objects.get()
    assert case.area == world.tree.street
    assert case.unassigned


def test_report_from_a_scanned_door_code(world: CaseWorld, client: Client, register: Any) -> None:
    token = household_token(register.household)
    scan = client.get(f"/h/{token}/")
    assert "/portal/report/?h=" in scan.content.decode()
    data = report_form(
        client, query=f"?h={token}", category=world.street_lamp.pk, longitude="", latitude=""
    )
    data["household_code"] = token
    page = client.get(f"/portal/report/?h={token}")
    assert str(register.house.building) in page.content.decode()
    data["answer"] = answer(client)
    assert client.post("/portal/report/", data).status_code == 302
    case = Case.objects.get()
    assert case.household == register.household
    assert case.house == register.household.house
