"""The audit log is append-only everywhere: model, queryset, raw SQL, pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from shequ.core import audit_guard
from shequ.core.audit import audit, diff
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.models import AuditRecord
from shequ.core.testing import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded(db: Any) -> None:
    """The production state: no maintenance row (undone with the test's transaction)."""
    audit_guard.set_maintenance(connection, enabled=False)


@pytest.fixture
def record(personas: Personas) -> AuditRecord:
    return audit(
        actor=personas.administrator,
        action="update",
        object_type="x.y",
        object_id="1",
        changes={"a": [1, 2]},
    )


def test_model_refuses_change_and_delete(record: AuditRecord) -> None:
    record.reason = "tampered"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=record.pk).update(reason="tampered")
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=record.pk).delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditrecord SET reason = 'tampered'",
        "DELETE FROM core_auditrecord",
    ],
)
def test_database_refuses_change_and_delete(
    guarded: None, record: AuditRecord, statement: str
) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    record.refresh_from_db()
    assert record.reason == ""


def test_database_refuses_truncate_on_postgresql(guarded: None, record: AuditRecord) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    with connection.cursor() as cursor:
        # settle the foreign-key checks the insert left pending, so that only the guard can refuse
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE core_auditrecord")
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_inserting_still_works_under_the_guard(guarded: None, personas: Personas) -> None:
    audit(actor=personas.auditor, action="read", object_type="x.y", object_id="2")
    assert AuditRecord.objects.filter(object_id="2").exists()


def test_diff_masks_personal_fields() -> None:
    changes = diff(
        {"phone": "13812345678", "id_number": "530102199001011234", "name": "张三"},
        {"phone": "13987654321", "id_number": "530102199001011234", "name": "张三丰"},
        personal={"phone": mask_phone, "id_number": mask_id_number},
    )
    assert changes == {"phone": ["138****5678", "139****4321"], "name": ["张三", "张三丰"]}


def test_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("530102199001011234") == "530102********1234"
    assert mask_phone("5678") == "****"


def test_every_write_is_recorded_with_who_and_ip(personas: Personas, client: Client) -> None:
    client.force_login(personas.administrator)
    client.post(
        reverse("accounts:user_new"),
        {"username": "newbie", "full_name": "新人", "password": "Long-enough-pass-1"},
        REMOTE_ADDR="10.1.2.3",
    )
    record = AuditRecord.objects.filter(
        object_type="accounts.user", action="create", object_repr="新人"
    ).get()
    assert record.actor == personas.administrator
    assert record.ip == "10.1.2.3"
    assert record.changes["username"] == [None, "newbie"]
    assert "password" not in record.changes


def test_auditor_searches_and_nobody_can_change(
    personas: Personas, client: Client, settings: Any
) -> None:
    client.force_login(personas.auditor)
    response = client.get(reverse("audit"), {"action": "create", "object_type": "areas.area"})
    assert response.status_code == 200
    records = response.context["records"]
    assert records
    assert {r.action for r in records} == {"create"}
    assert {r.object_type for r in records} == {"areas.area"}
    # the page only reads: a POST is refused and nothing changes
    count = AuditRecord.objects.count()
    assert client.post(reverse("audit")).status_code == 405
    assert AuditRecord.objects.count() == count


def test_audit_pagination_is_keyset(personas: Personas, client: Client) -> None:
    for n in range(60):
        audit(
            actor=personas.administrator, action="read", object_type="demo.page", object_id=str(n)
        )
    client.force_login(personas.auditor)
    first = client.get(reverse("audit"), {"object_type": "demo.page"})
    assert len(first.context["records"]) == 50
    second = client.get(
        reverse("audit"), {"object_type": "demo.page", "before": first.context["next_before"]}
    )
    ids = [r.object_id for r in first.context["records"]] + [
        r.object_id for r in second.context["records"]
    ]
    assert sorted(ids, key=int) == [str(n) for n in range(60)]


def test_audit_search_names_a_bad_filter_and_keeps_the_others(
    personas: Personas, client: Client
) -> None:
    audit(actor=personas.administrator, action="read", object_type="demo.page", object_id="1")
    audit(actor=personas.administrator, action="update", object_type="demo.page", object_id="2")
    client.force_login(personas.auditor)
    response = client.get(
        reverse("audit"),
        {"object_type": "demo.page", "action": "read", "since": "2026-13-01", "until": "昨天"},
    )
    assert response.status_code == 200
    # the bad dates are named and left out; the type and the action still filter
    assert [r.object_id for r in response.context["records"]] == ["1"]
    form = response.context["form"]
    assert set(form.errors) == {"since", "until"}
    page = response.content.decode()
    assert 'id="filter-errors"' in page
    assert 'aria-invalid="true"' in page
    # an unknown action is named too, not silently widened to every action
    response = client.get(reverse("audit"), {"object_type": "demo.page", "action": "erase"})
    assert set(response.context["form"].errors) == {"action"}
    assert {r.object_id for r in response.context["records"]} == {"1", "2"}
    # an app label with digits is an app label
    response = client.get(reverse("audit"), {"object_type": "open311.apikey"})
    assert not response.context["form"].errors
    # until before since
    response = client.get(reverse("audit"), {"since": "2026-05-02", "until": "2026-05-01"})
    assert set(response.context["form"].errors) == {"until"}
    # the auditor's search is recorded as typed, bad values included
    search = (
        AuditRecord.objects.filter(action="search", object_type="core.auditrecord")
        .order_by("pk")
        .last()
    )
    assert search is not None
    assert search.changes == {"since": "2026-05-02", "until": "2026-05-01"}
