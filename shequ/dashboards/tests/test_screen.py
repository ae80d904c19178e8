from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.cases.models import OPEN_STATES, Case
from shequ.dashboards import load
from shequ.dashboards.models import CaseLoad
from shequ.dashboards.tests.conftest import NOW, Scene, act
from shequ.registry.models import Resident

pytestmark = pytest.mark.usefixtures("at_now")


def _data(client: Client, scene: Scene, persona: str, area: Any) -> dict[str, Any]:
    client.force_login(getattr(scene.personas, persona))
    response = client.get(reverse("dashboards:screen_data", args=[area.pk]))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_street_headline_agrees_with_the_cases_and_the_register(
    scene: Scene, client: Client
) -> None:
    data = _data(client, scene, "dispatcher", scene.tree.street)
    h = data["headline"]
    street = scene.tree.street.area_path
    open_cases = Case.objects.filter(state__in=OPEN_STATES, area_path__startswith=street)
    assert h["open"] == open_cases.count() == 4
    overdue = open_cases.filter(resolve_by__lt=NOW)
    assert h["overdue"] == overdue.count() == 3  # the lamp, the gas leak, the manhole cover
    assert (
        h["residents"]
        == Resident.objects.filter(
            moved_out_on__isnull=True, household__house__isnull=False
        ).count()
    )
    assert h["non_local"] == 1
    # This month: five received, the one due and closed closed on time and rated 5.
    assert h["received"] == 5
    assert h["closed"] == 1
    assert h["satisfaction_text"] == "100.0%"
    # Due this month (docs/measures.md): all five, the fresh one before the month ends.
    assert h["due"] == 5
    assert h["closure_rate_text"] == "20.0%"
    assert [e["title"] for e in data["emergencies"]] == ["燃气泄漏"]
    assert {c["title"] for c in data["overdue_cases"]} == {
        "洛龙路路灯不亮",
        "燃气泄漏",
        "七彩社区井盖缺失",
    }
    children = {c["name"]: c for c in data["children"]}
    assert children["洛龙社区"]["open"] == 3
    assert children["七彩社区"]["overdue"] == 1
    ranking = data["ranking"]
    assert [(r["name"], r["closed"], r["rank"]) for r in ranking] == [("城管执法中队", 1, None)]


def test_trend_counts_the_days_cases_arrived(scene: Scene, client: Client) -> None:
    data = _data(client, scene, "dispatcher", scene.tree.street)
    trend = data["trend"]["day_channel"]
    totals = [sum(s["data"][i] for s in trend["series"]) for i in range(len(trend["labels"]))]
    by_day = dict(zip(trend["labels"], totals, strict=True))
    assert by_day["12-02"] == 4
    assert by_day["12-21"] == 1
    assert sum(totals) == 5
    assert data["categories"] == [{"name": "路灯损坏", "received": 5, "closed": 1}]


def test_community_sees_only_its_community(scene: Scene, client: Client) -> None:
    client.force_login(scene.personas.community_staff)
    assert (
        client.get(reverse("dashboards:screen_data", args=[scene.tree.street.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("dashboards:screen_data", args=[scene.tree.community_b.pk])).status_code
        == 404
    )
    data = _data(client, scene, "community_staff", scene.tree.community_a)
    assert data["headline"]["open"] == 3
    assert "七彩社区井盖缺失" not in {c["title"] for c in data["overdue_cases"]}
    assert client.get(reverse("dashboards:index"))["Location"] == reverse(
        "dashboards:screen", args=[scene.tree.community_a.pk]
    )


def test_grid_worker_sees_only_the_grid(scene: Scene, client: Client) -> None:
    data = _data(client, scene, "grid_worker", scene.tree.grid_a)
    assert data["headline"]["open"] == 3
    client.force_login(scene.personas.grid_worker)
    response = client.get(reverse("dashboards:screen_data", args=[scene.tree.community_a.pk]))
    assert response.status_code == 404


def test_department_sees_its_own_line_only(scene: Scene, client: Client) -> None:
    client.force_login(scene.personas.department_handler)
    assert client.get(reverse("dashboards:index")).status_code == 403
    page = client.get(reverse("dashboards:department")).content.decode()
    assert "城管执法中队" in page
    assert "龙城派出所" not in page


def test_screen_endpoint_reads_rollups_and_bounded_lists_only(scene: Scene, client: Client) -> None:
    """The data endpoint's queries: a fixed number whatever the data, and the case table only
    in the overdue count and the short lists, each on an index with a limit."""
    client.force_login(scene.personas.dispatcher)
    url = reverse("dashboards:screen_data", args=[scene.tree.street.pk])
    client.get(url)  # warm the session and scope
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    act(Case.objects.get(pk=scene.fresh.pk), scene.personas.community_staff, "accept")
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(first.captured_queries) == len(second.captured_queries)
    case_queries = [q["sql"] for q in second.captured_queries if '"cases_case"' in q["sql"]]
    assert len(case_queries) == 4
    by_ids = [sql for sql in case_queries if 'WHERE "cases_case"."id" IN' in sql]
    assert len(by_ids) == 1  # the emergency feed's cases, by the ids its short table gave
    for sql in case_queries:
        if sql in by_ids:
            continue
        assert '"cases_case"."state" IN' in sql, sql
        assert "LIMIT" in sql or "COUNT(" in sql, sql
    emergency = [
        q["sql"] for q in second.captured_queries if "dashboards_emergencycase" in q["sql"]
    ]
    assert len(emergency) == 1
    assert "LIMIT" in emergency[0]
    assert len(second.captured_queries) <= 24


def test_page_renders_the_same_numbers(scene: Scene, client: Client) -> None:
    client.force_login(scene.personas.dispatcher)
    page = client.get(reverse("dashboards:screen", args=[scene.tree.street.pk])).content.decode()
    assert 'data-field="headline.overdue">3<' in page
    assert 'data-field="headline.open">4<' in page
    assert "燃气泄漏" in page


def test_rebuild_equals_incremental(scene: Scene) -> None:
    """Intake, a relocation to another community, a rejection and a closure, kept by the hook,
    equal the load rebuilt from the cases."""
    t, p = scene.tree, scene.personas
    act(Case.objects.get(pk=scene.fresh.pk), p.dispatcher, "relocate", area=t.grid_c)
    act(
        Case.objects.get(pk=scene.overdue.pk),
        p.community_staff,
        "reject",
        reason="重复反映，已合并处理",
    )
    incremental = load.snapshot()
    assert incremental[(t.community_b.area_path, "routine")] == 1
    assert incremental[(t.community_a.area_path, "emergency")] == 1
    assert (t.community_a.area_path, "routine") not in incremental
    load.rebuild()
    assert load.snapshot() == incremental
    assert CaseLoad.objects.filter(open__lt=0).count() == 0


def test_time_moves_cases_into_overdue_without_an_event(scene: Scene, client: Client) -> None:
    with time_machine.travel(NOW + dt.timedelta(days=60), tick=False):
        data = _data(client, scene, "dispatcher", scene.tree.street)
    assert data["headline"]["overdue"] == 4
