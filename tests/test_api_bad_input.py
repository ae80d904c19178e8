"""Bad input to the REST API (issue 5, "Bad input"): malformed JSON, a content type the
endpoint does not read, a body over the limit, wrong types and out-of-range numbers, an
unknown URL — each a 4xx in the one error shape naming the field, never a 5xx, and nothing
changed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.testing import Personas, Tree
from shequ.registry.models import Building, Resident


@pytest.fixture
def staff(client: Client, personas: Personas) -> Client:
    client.force_login(personas.community_staff)
    return client


def _errors(response: Any) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"errors"}
    assert body["errors"], body
    assert all({"field", "message"} <= set(e) and e["message"] for e in body["errors"])
    return list(body["errors"])


def test_malformed_json_is_a_400_in_the_error_shape(
    staff: Client, tree: Tree, register: Any
) -> None:
    before = Building.objects.count()
    response = staff.post(
        reverse("api:area_buildings", args=[tree.grid_a.pk]),
        data='{"number": "9栋", "floors": 5',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == "request"
    assert Building.objects.count() == before


def test_a_content_type_the_endpoint_does_not_read_is_a_415(
    staff: Client, tree: Tree, register: Any
) -> None:
    response = staff.post(
        reverse("api:area_buildings", args=[tree.grid_a.pk]),
        data="<building/>",
        content_type="application/xml",
    )
    assert response.status_code == 415
    assert "application/xml" in _errors(response)[0]["message"]


def test_a_body_over_the_limit_is_a_413_with_a_message(
    staff: Client, register: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    zhang = register.zhang
    response = staff.post(
        reverse("api:resident_phone", args=[zhang.pk]),
        data=json.dumps({"phone": "1" * 5000}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert _errors(response)[0]["field"] == "request"
    assert Resident.objects.get(pk=zhang.pk).phone_bidx == zhang.phone_bidx


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "9栋", "address": "龙城路9号", "floors": "many"}, "floors"),
        ({"number": "9栋", "address": "龙城路9号", "floors": 0}, "floors"),
        ({"number": "9栋", "address": "龙城路9号", "floors": 5, "lat": "north"}, "lat"),
        ({"number": ["9栋"], "address": "龙城路9号", "floors": 5}, "number"),
        ({"address": "龙城路9号", "floors": 5}, "number"),
    ],
)
def test_wrong_types_name_the_field(
    staff: Client, tree: Tree, register: Any, body: dict[str, Any], field: str
) -> None:
    before = Building.objects.count()
    response = staff.post(
        reverse("api:area_buildings", args=[tree.grid_a.pk]),
        data=body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert field in {e["field"] for e in _errors(response)}
    assert Building.objects.count() == before


def test_a_json_body_that_is_not_an_object_is_a_400(
    staff: Client, tree: Tree, register: Any
) -> None:
    response = staff.post(
        reverse("api:area_buildings", args=[tree.grid_a.pk]),
        data="[1, 2, 3]",
        content_type="application/json",
    )
    assert response.status_code == 400
    _errors(response)


def test_an_id_past_the_largest_is_a_400_not_an_overflow(staff: Client, register: Any) -> None:
    response = staff.post(
        reverse("api:household_move_in", args=[register.household.pk]),
        data={"house": 2**70},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == "house"


def test_a_day_that_is_not_a_date_names_the_field(staff: Client, register: Any) -> None:
    response = staff.post(
        reverse("api:visits", args=[register.household.pk]),
        data={"note": "走访", "on": "2026-13-45T10:00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == "on"


def test_an_unknown_api_url_is_a_404_in_the_error_shape(staff: Client) -> None:
    response = staff.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    _errors(response)
    # the pages keep their HTML 404
    page = staff.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_an_id_that_is_not_a_number_is_a_404_in_the_error_shape(staff: Client) -> None:
    response = staff.get("/api/v1/households/abc/")
    assert response.status_code == 404
    _errors(response)


@pytest.mark.parametrize(
    "url", ["/api/v1/replies/?q=a%00b", "/api/v1/residents/?q=%00", "/api/v1/cases/?q=x%00"]
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(staff: Client, url: str) -> None:
    response = staff.get(url)
    assert response.status_code == 400
    assert _errors(response)[0]["field"] == "q"
