"""Open311 GeoReport v2: every endpoint in XML and JSON against the spec's shapes, the keys,
and bad input answered with the spec's error list (4xx, never 5xx, nothing saved)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.cases.models import Case, Channel
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.actors import SYSTEM
from shequ.open311.models import ApiKey
from shequ.open311.services import api_key_issue
from shequ.portal.services import case_report_by_resident
from shequ.portal.tests.helpers import jpeg

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}


@pytest.fixture
def key(world: CaseWorld) -> str:
    _key, raw = api_key_issue(
        actor=world.personas.administrator,
        name="12345热线平台",
        channel=Channel.HOTLINE_12345,
        area=world.tree.street,
    )
    return raw


def get(client: Client, path: str, fmt: str, **params: Any) -> tuple[Any, Any]:
    response = client.get(f"{BASE}/{path}.{fmt}", params)
    return response, parse(response, fmt)


def parse(response: Any, fmt: str) -> Any:
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own response


def rows(data: Any, fmt: str, root: str, item: str) -> list[dict[str, Any]]:
    """The list elements as dicts, from a bare JSON array or <root><item>…</item></root>."""
    if fmt == "json":
        assert isinstance(data, list)
        return data
    assert data.tag == root
    assert all(child.tag == item for child in data)
    return [{field.tag: field.text for field in element} for element in data]


def errors(response: Any, fmt: str, status: int) -> list[str]:
    assert response.status_code == status
    found = rows(parse(response, fmt), fmt, "errors", "error")
    assert found
    for error in found:
        assert set(error) == {"code", "description"}
        assert int(error["code"]) == status
        assert error["description"]
    return [str(e["description"]) for e in found]


FORMATS = ["xml", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client: Client, fmt: str, db: Any) -> None:
    response, data = get(client, "discovery", fmt)
    assert response.status_code == 200
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert data["changeset"].endswith("+08:00")
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        assert data.tag == "discovery"
        endpoint = {e.tag: e for e in data.find("endpoints").find("endpoint")}
        assert [f.text for f in endpoint["formats"]] == ["text/xml", "application/json"]
        endpoint = {k: v.text for k, v in endpoint.items()}
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_and_definition(client: Client, world: CaseWorld, fmt: str) -> None:
    response, data = get(client, "services", fmt)
    assert response.status_code == 200
    services = rows(data, fmt, "services", "service")
    assert services
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert str(service["metadata"]).lower() == "false"
        assert service["type"] == "realtime"
    lamp = next(s for s in services if s["service_code"] == "0301")
    assert lamp["group"] == world.street_lamp.parent.name
    assert lamp["service_name"] == (world.street_lamp.plain_name or world.street_lamp.name)
    # groups are not services
    assert world.street_lamp.parent.code not in {s["service_code"] for s in services}
    response, data = get(client, "services/0301", fmt)
    assert response.status_code == 200
    if fmt == "json":
        assert data == {"service_code": "0301", "attributes": []}
    else:
        assert data.tag == "service_definition"
        assert data.find("service_code").text == "0301"
        assert list(data.find("attributes")) == []
    response, _ = get(client, "services/9999", fmt)
    errors(response, fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_then_read_a_request(client: Client, world: CaseWorld, key: str, fmt: str) -> None:
    response = client.post(
        f"{BASE}/requests.{fmt}",
        {
            "api_key": key,
            "service_code": "0301",
            "lat": "24.67",
            "long": "102.67",
            "address_string": "洛龙路与春融街交叉口",
            "description": "路灯不亮三天了",
            "first_name": "秀英",
            "last_name": "王",
            "phone": "13812345678",
            "email": "wang@example.com",
        },
    )
    assert response.status_code == 201
    created = rows(parse(response, fmt), fmt, "service_requests", "request")
    assert len(created) == 1
    assert set(created[0]) == {"service_request_id", "token", "service_notice", "account_id"}
    case = Case.objects.get()
    assert created[0]["service_request_id"] == case.number
    assert created[0]["token"] == case.tracking_code
    assert case.channel == Channel.HOTLINE_12345  # the key's channel
    assert case.area == world.tree.grid_a
    assert case.reporter_name_mask == "王**"
    # the key holder reads its own channel's requests
    response, data = get(client, f"requests/{case.number}", fmt, api_key=key)
    assert response.status_code == 200
    [row] = rows(data, fmt, "service_requests", "request")
    assert set(row) == REQUEST_FIELDS
    assert row["status"] == "open"
    assert row["service_code"] == "0301"
    assert str(row["requested_datetime"]).endswith("+08:00")
    assert str(row["expected_datetime"]).endswith("+08:00")
    assert float(row["lat"]) == pytest.approx(24.67)
    assert "王秀英" not in response.content.decode()
    assert "13812345678" not in response.content.decode()
    # without the key a hotline case is not open data
    response, _ = get(client, f"requests/{case.number}", fmt)
    errors(response, fmt, 404)
    # the token leads to the id
    response, data = get(client, f"tokens/{case.tracking_code}", fmt)
    [row] = rows(data, fmt, "service_requests", "request")
    assert row == {"service_request_id": case.number, "token": case.tracking_code}
    response, _ = get(client, "tokens/ABCDEFGHJK", fmt)
    errors(response, fmt, 404)


def test_the_same_idempotency_key_is_one_case(client: Client, key: str) -> None:
    data = {"api_key": key, "service_code": "0301", "lat": "24.67", "long": "102.67"}
    first = client.post(f"{BASE}/requests.json", data, HTTP_IDEMPOTENCY_KEY="order-42")
    again = client.post(f"{BASE}/requests.json", data, HTTP_IDEMPOTENCY_KEY="order-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Case.objects.count() == 1


def test_address_only_goes_to_the_keys_street(client: Client, world: CaseWorld, key: str) -> None:
    response = client.post(
        f"{BASE}/requests.json",
        {"api_key": key, "service_code": "0301", "address_string": "龙城街道某小区门口"},
    )
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.area, case.unassigned) == (world.tree.street, True)


def resident_case(world: CaseWorld, **overrides: Any) -> Case:
    values: dict[str, Any] = {
        "user": None,
        "category": world.street_lamp,
        "description": "小区门口路灯不亮",
        "longitude": 102.67,
        "latitude": 24.67,
        "photos": [jpeg()],
    }
    values.update(overrides)
    return case_report_by_resident(**values)[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_list_requests_filters_and_pages(client: Client, world: CaseWorld, fmt: str) -> None:
    first = resident_case(world)
    second = resident_case(world, description="另一处路灯不亮")
    hidden = resident_case(world, anonymous=True, description="匿名反映的路灯")
    new_case(world)  # a hotline case: not open data
    second = case_act(actor=SYSTEM, case=second, action="reject", reason="重复反映")
    _response, data = get(client, "requests", fmt)
    listed = rows(data, fmt, "service_requests", "request")
    assert {r["service_request_id"] for r in listed} == {first.number, second.number}
    for row in listed:
        assert set(row) == REQUEST_FIELDS
    by_status = {r["service_request_id"]: r["status"] for r in listed}
    assert by_status == {first.number: "open", second.number: "closed"}
    _, data = get(client, "requests", fmt, status="closed")
    assert [r["service_request_id"] for r in rows(data, fmt, "service_requests", "request")] == [
        second.number
    ]
    _, data = get(client, "requests", fmt, page_size="1", page="2")
    assert len(rows(data, fmt, "service_requests", "request")) == 1
    _, data = get(client, "requests", fmt, service_request_id=f"{first.number},{hidden.number}")
    assert [r["service_request_id"] for r in rows(data, fmt, "service_requests", "request")] == [
        first.number
    ]
    _, data = get(client, "requests", fmt, service_code="0301", start_date="2000-01-01T00:00:00Z")
    assert len(rows(data, fmt, "service_requests", "request")) == 0  # 90 days from 2000
    _, data = get(
        client,
        "requests",
        fmt,
        start_date="2000-01-01T00:00:00+08:00",
        end_date="2099-01-01T00:00:00Z",
    )
    assert len(rows(data, fmt, "service_requests", "request")) == 2


def test_media_url_serves_the_reencoded_photo_of_open_data_only(
    client: Client, world: CaseWorld
) -> None:
    case = resident_case(world)
    [row] = client.get(f"{BASE}/requests/{case.number}.json").json()
    url = row["media_url"]
    assert url.startswith("http://testserver/open311/v2/media/")
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    photo = case.photos.get()
    assert client.get(f"{BASE}/media/{photo.pk}/{'0' * 32}").status_code == 404
    hidden = resident_case(world, anonymous=True)
    secret = hidden.photos.get()
    assert client.get(f"{BASE}/media/{secret.pk}/{secret.sha256[:32]}").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_input_is_a_4xx_with_the_spec_errors(
    client: Client, world: CaseWorld, key: str, fmt: str, settings: Any
) -> None:
    url = f"{BASE}/requests.{fmt}"
    good = {"api_key": key, "service_code": "0301", "lat": "24.67", "long": "102.67"}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**good, "api_key": ""}, 403, "api_key"),
        ({**good, "api_key": "s311_not-a-real-key"}, 403, "api_key"),
        ({**good, "service_code": "9999"}, 400, "9999"),
        ({**good, "service_code": ""}, 400, "service_code"),
        ({**good, "lat": "north"}, 400, "lat"),
        ({**good, "long": ""}, 400, "lat"),
        ({**good, "lat": "nan", "long": "inf"}, 400, "lat"),
        ({**good, "lat": "95", "long": "102.6"}, 400, "lat/long"),
        ({**good, "attribute[size]": "big"}, 400, "attribute[size]"),
        ({**good, "address_id": "not-a-code"}, 400, "address_id"),
        ({**good, "phone": "12"}, 400, "phone"),
        ({**good, "description": "长" * 4001}, 400, "description"),
        ({"api_key": key, "service_code": "0301"}, 400, "lat"),
    ]
    for data, status, needle in cases:
        found = errors(client.post(url, data), fmt, status)
        assert any(needle in text for text in found), (data, found)
    # the key in the query string works too, and a revoked key does not
    ApiKey.objects.update(is_active=False)
    errors(client.post(f"{url}?api_key={key}", {**good, "api_key": ""}), fmt, 403)
    ApiKey.objects.update(is_active=True)
    assert client.post(f"{url}?api_key={key}", {**good, "api_key": ""}).status_code == 201
    Case.objects.all().delete()
    # JSON, XML and broken bodies
    for body, content_type in (
        ('{"service_code": "0301"', "application/json"),
        ("<service_request><oops>", "text/xml"),
    ):
        errors(client.post(url, body, content_type=content_type), fmt, 400)
    broken = client.post(
        url, b"--xx\r\nContent-Disposition: form-data; name=", content_type="multipart/form-data"
    )
    errors(broken, fmt, 400)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    errors(client.post(url, {**good, "description": "长" * 2000}), fmt, 413)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440
    bad_photo = SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>")
    errors(client.post(url, {**good, "media": bad_photo}), fmt, 400)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_query_parameters(client: Client, fmt: str, db: Any) -> None:
    for params, needle in (
        ({"start_date": "2026-11-01T08:00:00"}, "start_date"),
        ({"end_date": "2026-11-01"}, "end_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"status": "pending"}, "pending"),
        ({"service_code": "0301,9999"}, "9999"),
        ({"page": "0"}, "page"),
        ({"page_size": "ten"}, "page_size"),
        (
            {"start_date": "2026-11-02T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
            "start_date",
        ),
    ):
        response, _ = get(client, "requests", fmt, **params)
        found = errors(response, fmt, 400)
        assert any(needle in text for text in found), (params, found)
    response, _ = get(client, "requests/20260101-999999", fmt)
    errors(response, fmt, 404)


def test_unknown_format_is_an_xml_error(client: Client, db: Any) -> None:
    response = client.get(f"{BASE}/services.csv")
    errors(response, "xml", 404)
    response = client.post(f"{BASE}/requests.yaml", {})
    errors(response, "xml", 404)


def test_keys_page_shows_the_key_once(client: Client, world: CaseWorld) -> None:
    client.force_login(world.personas.administrator)
    response = client.post(
        "/open311/keys/", {"name": "市民App", "channel": "resident", "area": world.tree.street.pk}
    )
    assert response.status_code == 200
    raw = response.context["issued"]
    assert raw.startswith("s311_")
    key = ApiKey.objects.get()
    assert raw not in (key.key_hash, key.prefix)
    page = client.get("/open311/keys/").content.decode()
    assert raw not in page
    assert key.prefix in page
    bad = client.post("/open311/keys/", {"name": "", "channel": "nope"})
    assert bad.status_code == 400
    assert ApiKey.objects.count() == 1


def _first_error(response: Any, fmt: str) -> str:
    data = parse(response, fmt)
    return str(data[0]["description"] if fmt == "json" else data[0].findtext("description"))


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_nul_in_a_parameter_is_a_400_in_the_error_list(
    client: Client, world: CaseWorld, key: str, fmt: str
) -> None:
    response = client.get(f"{BASE}/requests.{fmt}", {"service_code": "03\x0001"})
    assert response.status_code == 400
    assert _first_error(response, fmt).startswith("service_code: ")
    before = Case.objects.count()
    body = {"api_key": key, "service_code": "0301", "lat": "24.67", "long": "102.67"}
    response = client.post(f"{BASE}/requests.{fmt}", {**body, "description": "路灯\x00不亮"})
    assert response.status_code == 400
    assert _first_error(response, fmt).startswith("description: ")
    assert Case.objects.count() == before
