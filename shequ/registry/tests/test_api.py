from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core.models import AuditRecord
from shequ.core.testing import Personas
from shequ.registry.models import Resident
from shequ.registry.testing import ZHANG_ID, Register

pytestmark = pytest.mark.django_db


def test_member_errors_name_the_fields_and_save_nothing(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    before = Resident.objects.count()
    response = client.post(
        reverse("api:household_member_new", args=[register.household.pk]),
        {"name": "张伟东", "id_number": ZHANG_ID, "phone": "12"},
        content_type="application/json",
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert "phone" in fields
    assert Resident.objects.count() == before


def test_duplicate_id_number_links_to_the_record(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    response = client.post(
        reverse("api:household_member_new", args=[register.household.pk]),
        {"name": "张伟东", "id_number": ZHANG_ID},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "id_number"
    assert error["link"] == reverse("registry:resident", args=[register.zhang.pk])


def test_wrong_types_are_400_not_500(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    for body in (
        '{"name": 5, "care_tags": "x"}',
        "[]",
        "{",
        '{"name": "甲", "birth_date": "yesterday"}',
    ):
        response = client.post(
            reverse("api:household_member_new", args=[register.household.pk]),
            body,
            content_type="application/json",
        )
        assert response.status_code == 400, body
        assert response.json()["errors"]


def test_api_is_masked_and_reveal_is_audited(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    data = client.get(reverse("api:resident", args=[register.zhang.pk])).json()
    assert data["phone"] == "138****5678"
    assert ZHANG_ID not in str(data)
    revealed = client.post(
        reverse("api:resident_reveal", args=[register.zhang.pk]),
        {"field": "id_number", "reason": "办理居住证明"},
        content_type="application/json",
    )
    assert revealed.json() == {"value": ZHANG_ID}
    assert AuditRecord.objects.filter(action="read", reason="办理居住证明").exists()


def test_care_tags_need_care_view(register: Register, personas: Personas, client: Client) -> None:
    client.force_login(personas.community_staff)
    ok = client.post(
        reverse("api:household_member_new", args=[register.household.pk]),
        {"name": "张奶奶", "relation": "parent", "care_tags": ["living_alone"]},
        content_type="application/json",
    )
    assert ok.status_code == 201


def test_search_api_two_characters(register: Register, personas: Personas, client: Client) -> None:
    client.force_login(personas.community_staff)
    names = [
        r["name"] for r in client.get(reverse("api:residents"), {"q": "张伟"}).json()["results"]
    ]
    assert names == ["张伟东"]
