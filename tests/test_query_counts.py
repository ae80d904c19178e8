"""List pages cost a fixed number of queries however many rows they show (no N+1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.accounts.roles import GridDuty, Role
from shequ.areas.models import Level
from shequ.areas.services import area_create
from shequ.core.actors import SYSTEM
from shequ.core.audit import audit
from shequ.core.testing import Personas, Tree, make_user, square

pytestmark = pytest.mark.django_db


def _grow(tree: Tree, n: int) -> None:
    """Add ``n`` grids with a member each to community B."""
    for i in range(n):
        grid = area_create(
            actor=SYSTEM,
            level=Level.GRID,
            code=f"530114001002{100 + i:03d}",
            name=f"网格{i}",
            parent=tree.community_b,
            boundary=square(102.8 + i * 0.001, 24.7, 0.001),
        ).area
        make_user(f"m{i}", Role.GRID_WORKER, area=grid, grid_duty=GridDuty.PATROL_OFFICER)
        audit(actor=SYSTEM, action="read", object_type="demo.q", object_id=str(i))


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("dispatcher", lambda t: reverse("areas:detail", args=[t.community_b.pk])),
        ("dispatcher", lambda t: reverse("areas:map", args=[t.community_b.pk])),
        ("dispatcher", lambda t: reverse("areas:staff", args=[t.community_b.pk])),
        ("administrator", lambda t: reverse("accounts:users")),
        ("auditor", lambda t: reverse("audit")),
        ("dispatcher", lambda t: reverse("api:areas")),
        ("dispatcher", lambda t: reverse("api:organizations")),
        ("administrator", lambda t: reverse("areas:export", args=[t.street.pk])),
    ],
)
def test_queries_do_not_grow_with_rows(
    tree: Tree, personas: Personas, client: Client, persona: str, url: Any
) -> None:
    client.force_login(getattr(personas, persona))
    _grow(tree, 2)
    client.get(url(tree))  # the first request also loads the session and stamps activity
    small = _count(client, url(tree))
    _grow_more = 8
    for i in range(_grow_more):
        grid = area_create(
            actor=SYSTEM,
            level=Level.GRID,
            code=f"530114001002{200 + i:03d}",
            name=f"格{i}",
            parent=tree.community_b,
            boundary=square(102.85 + i * 0.001, 24.7, 0.001),
        ).area
        make_user(f"n{i}", Role.GRID_WORKER, area=grid)
        audit(actor=SYSTEM, action="read", object_type="demo.q", object_id=f"n{i}")
    large = _count(client, url(tree))
    assert large == small, f"{url(tree)}: {small} queries with few rows, {large} with more"
    assert small <= 12


def test_user_search_answers_htmx_with_the_rows_only(
    tree: Tree, personas: Personas, client: Client
) -> None:
    client.force_login(personas.administrator)
    full = client.get(reverse("accounts:users"), {"q": "worker"})
    partial = client.get(reverse("accounts:users"), {"q": "worker"}, HTTP_HX_REQUEST="true")
    assert b"<nav" in full.content
    assert b"<nav" not in partial.content
    assert b"worker_a" in partial.content
    assert b"admin" not in partial.content.replace(b"worker_a", b"")
