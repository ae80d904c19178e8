"""Two requests with the same Idempotency-Key at the same moment, for real (threads, each
with its own connection): exactly one case, both answers name it. PostgreSQL only: SQLite
serializes writers, so there is no race to lose there."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from shequ.cases.models import Case, IdempotencyKey
from shequ.cases.testing import CaseWorld

pytestmark = pytest.mark.django_db(transaction=True)


def test_same_key_at_once_makes_one_case(world: CaseWorld) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a real race needs PostgreSQL")
    staff = world.personas.community_staff
    body = json.dumps(
        {
            "channel": "hotline_12345",
            "category": "0301",
            "title": "路灯不亮",
            "description": "第三盏路灯不亮",
            "area": world.tree.grid_a.pk,
        }
    )
    barrier = threading.Barrier(4)
    answers: list[Any] = []

    def send() -> None:
        client = Client()
        client.force_login(staff)
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/cases/",
                data=body,
                content_type="application/json",
                headers={"Idempotency-Key": "same-moment"},
            )
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Case.objects.count() == 1
    case_id = Case.objects.get().pk
    assert answers == [(201, case_id)] * 4
    assert IdempotencyKey.objects.count() == 1
