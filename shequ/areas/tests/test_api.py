from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from shequ.areas.models import Area
from shequ.core.testing import Personas, Tree

pytestmark = pytest.mark.django_db


def test_api_import_errors_name_feature_and_field(
    tree: Tree, personas: Personas, client: Client
) -> None:
    client.force_login(personas.administrator)
    body = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": None,
                "properties": {
                    "code": "530114001002099",
                    "name": "",
                    "level": "grid",
                    "parent_code": "530114001002",
                },
            },
        ],
    }
    response = client.post(
        reverse("api:area_import"), data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    # the API speaks Chinese first, like the pages
    assert response.json() == {
        "errors": [
            {"field": "name", "message": "不能为空", "location": "第1个要素 (530114001002099)"}
        ]
    }
    assert not Area.objects.filter(code="530114001002099").exists()


@pytest.mark.parametrize("body", ["[1, 2]", "{not json", '"text"'])
def test_api_import_rejects_bodies_that_are_not_objects(
    tree: Tree, personas: Personas, client: Client, body: str
) -> None:
    client.force_login(personas.administrator)
    response = client.post(reverse("api:area_import"), data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in {"file", "request"}


def test_api_import_of_a_file_upload(tree: Tree, personas: Personas, client: Client) -> None:
    client.force_login(personas.administrator)
    exported = client.get(reverse("areas:export", args=[tree.street.pk])).content
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    response = client.post(
        reverse("api:area_import"), {"file": SimpleUploadedFile("a.geojson", exported)}
    )
    assert response.status_code == 200
    assert response.json()["unchanged"] == 7


def test_area_detail_api_has_the_boundary(tree: Tree, personas: Personas, client: Client) -> None:
    client.force_login(personas.grid_worker)
    data = client.get(reverse("api:area", args=[tree.grid_a.pk])).json()
    assert data["code"] == tree.grid_a.code
    assert data["boundary"]["type"] == "Polygon"
    assert data["parent_code"] == tree.community_a.code
