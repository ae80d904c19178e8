"""The measures (考核指标): the rollups kept by every event equal a rebuild from scratch, moves
take a case's counts with them, the rates as docs/measures.md defines them, the articles'
replay (536 whistles, 98.5 % closed), who sees which measures, and the page's query count."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequ.cases import measures
from shequ.cases.models import Case, CaseMeasure, CaseMeasureEntry, CaseMeasureMonth, State
from shequ.cases.selectors_measures import Group, Period, _split, measures_report, period_of
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.actors import SYSTEM
from shequ.core.bulk import Table
from shequ.core.errors import ConflictError, NotAllowed, ServiceError

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2027, 3, 2, 9, 0, tzinfo=SHANGHAI)

ACTIONS = (
    "accept",
    "reject",
    "take",
    "escalate",
    "relocate",
    "whistle",
    "reroute",
    "check_in",
    "handle",
    "return",
    "resolve",
    "verify",
    "rework",
    "follow_up",
    "close",
    "reopen",
    "request_extension",
    "approve_extension",
    "deny_extension",
    "suspend",
    "resume",
    "supervise",
    "merge",
)


def _fields(world: CaseWorld, rng: random.Random, cases: list[Case]) -> dict[str, Any]:
    t = world.tree
    reached = rng.random() < 0.8
    return {
        "reason": "现场核实情况",
        "note": "已安排处理",
        "area": rng.choice([t.grid_a, t.grid_b, t.grid_c, t.subgrid_a, t.community_b]),
        "lead_department": rng.choice([t.department, world.police]),
        "co_departments": rng.choice([[], [world.police], [t.department]]),
        "days": rng.randint(1, 5),
        "reached": reached,
        "resolution": rng.choice(["yes", "yes", "partly", "no"]),
        "satisfaction": rng.randint(1, 5),
        "parent": rng.choice(cases),
    }


def _run(world: CaseWorld, steps: list[tuple[int, int, int, int]]) -> None:
    """Register cases and push them through random actions as the system, hours apart."""
    cases: list[Case] = []
    with time_machine.travel(START, tick=False) as clock:
        for seed, which, action, hours in steps:
            rng = random.Random(seed)
            clock.shift(dt.timedelta(hours=hours))
            if not cases or which % 4 == 0:
                level = rng.choice(["routine", "routine", "key", "emergency"])
                cases.append(
                    new_case(
                        world,
                        actor=SYSTEM,
                        level=level,
                        city_level=level == "key" and rng.random() < 0.3,
                        channel=rng.choice(["hotline_12345", "patrol", "resident"]),
                        area=rng.choice([world.tree.grid_a, world.tree.grid_c, world.tree.street]),
                    )
                )
                continue
            case = cases[which % len(cases)]
            with contextlib.suppress(ServiceError, ConflictError, NotAllowed):
                cases[which % len(cases)] = case_act(
                    actor=SYSTEM,
                    case=case,
                    action=ACTIONS[action % len(ACTIONS)],
                    **_fields(world, rng, cases),
                )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.integers(0, 40),
            st.integers(0, 10_000),
            st.integers(1, 60),
        ),
        min_size=5,
        max_size=60,
    )
)
def test_rebuild_equals_incremental(
    world: CaseWorld, steps: list[tuple[int, int, int, int]]
) -> None:
    _run(world, steps)
    kept = measures.table_snapshot()
    entries = sorted(CaseMeasureEntry.objects.values_list("case_id", "key", "days"))
    measures.rebuild()
    assert measures.table_snapshot() == kept
    assert sorted(CaseMeasureEntry.objects.values_list("case_id", "key", "days")) == entries
    assert CaseMeasureEntry.objects.count() == Case.objects.count()


def test_a_long_random_history_is_rebuilt_the_same(world: CaseWorld) -> None:
    """One long mix (every action many times), besides hypothesis' short ones."""
    rng = random.Random(7)
    steps = [
        (rng.randint(0, 9999), rng.randint(0, 40), rng.randint(0, 9999), rng.randint(1, 30))
        for _ in range(400)
    ]
    _run(world, steps)
    states = set(Case.objects.values_list("state", flat=True))
    assert len(states) >= 5, states  # the mix reached many states
    kept = measures.table_snapshot()
    measures.rebuild()
    assert measures.table_snapshot() == kept


def _sum(model: Any, **filters: Any) -> dict[str, int]:
    rows = model.objects.filter(**filters)
    return {
        name: sum(getattr(r, name) for r in rows)
        for name in ("received", "due_open", "closed", "finished")
    }


def test_relocating_and_rerouting_move_the_counts(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    case = new_case(world, actor=p.dispatcher, area=t.street)  # the street's unassigned queue
    street_only = {"area_path": t.street.area_path, "dim": ""}
    assert _sum(CaseMeasureMonth, **street_only)["received"] == 1
    case = case_act(actor=p.dispatcher, case=case, action="relocate", area=t.grid_c)
    assert _sum(CaseMeasure, area_path=t.street.area_path)["received"] == 0
    assert _sum(CaseMeasure, area_path=t.grid_c.area_path)["received"] == 1
    assert _sum(CaseMeasureMonth, area_path=t.community_b.area_path, dim="")["received"] == 1
    assert _sum(CaseMeasureMonth, area_path=t.community_a.area_path, dim="")["received"] == 0
    # The street still counts it once: it moved inside the street.
    assert _sum(CaseMeasureMonth, **street_only)["received"] == 1
    case = case_act(actor=p.dispatcher, case=case, action="accept")
    case = case_act(actor=p.dispatcher, case=case, action="whistle", lead_department=t.department)
    assert _sum(CaseMeasure, department_id=t.department.pk)["received"] == 1
    case_act(
        actor=p.dispatcher,
        case=case,
        action="reroute",
        lead_department=world.police,
        reason="属于派出所",
    )
    assert _sum(CaseMeasure, department_id=t.department.pk)["received"] == 0
    assert _sum(CaseMeasure, department_id=world.police.pk)["received"] == 1


def test_an_extension_moves_the_due_day(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    with time_machine.travel(START, tick=False):
        case = new_case(world)
        case = case_act(actor=p.community_staff, case=case, action="accept")
        case = case_act(actor=p.community_staff, case=case, action="take")
        first_due = measures.deadline_day(case.resolve_by)
        assert CaseMeasure.objects.get(day=first_due, due_open=1)
        case = case_act(
            actor=p.grid_worker, case=case, action="request_extension", days=10, reason="等待配件"
        )
        case = case_act(actor=p.community_staff, case=case, action="approve_extension")
    later = measures.deadline_day(case.resolve_by)
    assert later > first_due
    assert CaseMeasure.objects.get(day=later).due_open == 1
    assert CaseMeasure.objects.get(day=first_due).due_open == 0
    assert t.grid_a.area_path == case.area_path


def _close(world: CaseWorld, case: Case, **follow_up: Any) -> Case:
    p, t = world.personas, world.tree
    case = case_act(actor=p.dispatcher, case=case, action="accept")
    case = case_act(actor=p.dispatcher, case=case, action="whistle", lead_department=t.department)
    case = case_act(actor=p.department_handler, case=case, action="check_in")
    case = case_act(actor=p.department_handler, case=case, action="resolve", note="已修好")
    case = case_act(actor=p.community_staff, case=case, action="verify")
    case = case_act(actor=p.community_staff, case=case, action="follow_up", **follow_up)
    return case_act(actor=p.community_staff, case=case, action="close")


def test_rates_as_documented(world: CaseWorld) -> None:
    """Two closed cases (one very satisfied and resolved, one dissatisfied and only partly),
    one rejected, one open past its deadline: the rates docs/measures.md promises."""
    t = world.tree
    with time_machine.travel(START, tick=False) as clock:
        _close(world, new_case(world), reached=True, resolution="yes", satisfaction=5)
        _close(world, new_case(world), reached=True, resolution="partly", satisfaction=2)
        rejected = new_case(world)
        case_act(
            actor=world.personas.community_staff, case=rejected, action="reject", reason="重复"
        )
        open_case = new_case(world)
        case_act(actor=world.personas.community_staff, case=open_case, action="accept")
        clock.shift(dt.timedelta(days=20))
        today = timezone.localdate()
        report = measures_report(
            area=t.street,
            period=Period("custom", START.date(), today),
            group=Group.LEVEL,
            departments=None,
            today=today,
        )
    f = report.total
    assert (f.received, f.accepted, f.dispatched, f.closed, f.due, f.overdue) == (4, 3, 2, 2, 3, 1)
    assert f.unclosed == 1
    assert str(f.acceptance_rate) == "75.0"  # 3 of 4
    assert str(f.dispatch_rate) == "66.7"  # 2 of 3
    assert str(f.closure_rate) == "66.7"  # 2 of the 3 due
    assert str(f.on_time_rate) == "100.0"
    assert str(f.resolution_rate) == "50.0"
    assert str(f.satisfaction_rate) == "50.0"
    assert str(f.satisfaction_score) == "3.50"
    # 3 acceptances and 2 check-ins, all in time
    assert str(f.response_rate) == "100.0"
    assert str(f.composite) == "65.0"  # 0.30 × 100 + 0.35 × 50 + 0.35 × 50
    assert [r.key for r in report.rows] == ["routine", "key", "emergency"]


def test_weights_are_a_setting(world: CaseWorld, settings: Any) -> None:
    settings.SHEQU_MEASURE_WEIGHTS = [50, 50, 0]
    with time_machine.travel(START, tick=False):
        _close(world, new_case(world), reached=True, resolution="no", satisfaction=5)
        report = measures_report(
            area=world.tree.street,
            period=period_of("this_month"),
            group=Group.AREA,
            departments=None,
        )
    assert str(report.total.composite) == "50.0"  # 0.5 × 100 + 0.5 × 0


def test_the_current_month_does_not_count_deadlines_still_ahead(world: CaseWorld) -> None:
    """Read whole from the monthly table, the current month must not count as due the open
    cases whose deadline is later in the month."""
    with time_machine.travel(START, tick=False):
        new_case(world)  # due in five working days: still ahead
        report = measures_report(
            area=world.tree.street,
            period=period_of("this_month"),
            group=Group.CATEGORY,
            departments=None,
        )
    months, ranges, after = _split(dt.date(2027, 3, 1), START.date(), START.date())
    assert months == [dt.date(2027, 3, 1)]
    assert ranges == []
    assert after == (dt.date(2027, 3, 3), dt.date(2027, 3, 31))
    assert report.total.received == 1
    assert report.total.due == 0
    assert report.total.overdue == 0
    assert report.total.unclosed == 1


# --- the articles' replay ---------------------------------------------------------------------

LEVELS = ["routine"] * 505 + ["key"] * 28 + ["emergency"] * 3


def _bulk_closed(world: CaseWorld, count_by_level: dict[str, int], cities: int) -> None:
    """Closed cases written in bulk with the fields the services would leave."""
    t = world.tree
    now = timezone.now()
    rows = []
    n = 0
    for level, count in count_by_level.items():
        for _ in range(count):
            n += 1
            created = dt.datetime(2027, 1, 5, 9, tzinfo=SHANGHAI) + dt.timedelta(hours=5 * n)
            resolved = created + dt.timedelta(days=2)
            rows.append(
                (
                    f"R{n:06d}",
                    "hotline_12345",
                    t.grid_a.pk,
                    t.grid_a.area_path,
                    world.street_lamp.pk,
                    level,
                    level == "key" and n <= cities,
                    f"路灯不亮 {n}",
                    "路灯连续几晚不亮",
                    State.CLOSED,
                    created,
                    created + dt.timedelta(days=3),
                    created + dt.timedelta(hours=1),
                    created + dt.timedelta(hours=2),
                    created + dt.timedelta(hours=2),
                    t.department.pk,
                    resolved,
                    resolved + dt.timedelta(hours=3),
                    True,
                    created + dt.timedelta(days=5),
                    True,
                    "yes",
                    5 if n % 10 else 3,
                )
            )
    Table(
        Case,
        (
            "number",
            "channel",
            "area",
            "area_path",
            "category",
            "level",
            "city_level",
            "title",
            "description",
            "state",
            "created_at",
            "updated_at",
            "accepted_at",
            "respond_by",
            "dispatched_at",
            "lead_department",
            "resolved_at",
            "closed_at",
            "closed_on_time",
            "resolve_by",
            "followup_reached",
            "followup_resolution",
            "satisfaction",
        ),
        now,
    ).insert(rows)


def test_the_articles_numbers(world: CaseWorld, client: Client) -> None:
    """Lianhua street: 536 whistles (505 routine, 28 key of which 5 city-level, 3 emergency),
    528 closed, 8 still open and past their deadline; the page shows 98.5 % closed."""
    p, t = world.personas, world.tree
    # The 8 open ones through the services, in March: their deadlines passed long ago.
    with time_machine.travel(dt.datetime(2027, 3, 2, 9, tzinfo=SHANGHAI), tick=False):
        for _ in range(8):
            case = new_case(world, level="routine")
            case_act(actor=p.dispatcher, case=case, action="accept")
    # 497 routine, 28 key (5 city-level) and 3 emergency closed, written in bulk.
    _bulk_closed(world, {"routine": 497, "key": 28, "emergency": 3}, cities=497 + 5)
    assert Case.objects.filter(city_level=True).count() == 5
    measures.rebuild()
    url = reverse("measures:index")
    query = {"area": t.street.pk, "period": "custom", "start": "2027-01-01", "end": "2027-10-31"}
    with time_machine.travel(dt.datetime(2027, 11, 23, 10, tzinfo=SHANGHAI), tick=False):
        client.force_login(p.dispatcher)
        page = client.get(url, {**query, "group": "level"})
        data = client.get(reverse("api:measures"), {**query, "group": "level"}).json()
    html = page.content.decode()
    assert page.status_code == 200
    assert '<div class="stat-value" id="closure-rate">98.5 %</div>' in html
    rows = {r["key"]: r for r in data["rows"]}
    assert data["total"]["received"] == 536
    assert data["total"]["closed"] == 528
    assert data["total"]["due"] == 536
    assert data["total"]["unclosed"] == 8
    assert data["total"]["overdue"] == 8
    assert data["total"]["closure_rate"] == "98.5"
    assert data["total"]["city_level"] == 5
    assert (
        rows["routine"]["received"],
        rows["key"]["received"],
        rows["emergency"]["received"],
    ) == (
        505,
        28,
        3,
    )
    assert (rows["routine"]["closed"], rows["key"]["closed"], rows["emergency"]["closed"]) == (
        497,
        28,
        3,
    )
    for level, received in (("routine", 505), ("key", 28), ("emergency", 3)):
        assert f'<tr data-key="{level}">' in html
        row_html = html.split(f'<tr data-key="{level}">', 1)[1].split("</tr>", 1)[0]
        assert f'<td class="text-end">{received}</td>' in row_html
    # The same numbers through the monthly table (the whole year).
    with time_machine.travel(dt.datetime(2027, 11, 23, 10, tzinfo=SHANGHAI), tick=False):
        year = client.get(reverse("api:measures"), {"area": t.street.pk, "period": "year"}).json()
    assert year["total"]["closure_rate"] == "98.5"
    assert year["total"]["received"] == 536


# --- who sees which measures --------------------------------------------------------------------


def test_a_department_sees_only_the_cases_it_leads(world: CaseWorld, client: Client) -> None:
    p, t = world.personas, world.tree
    with time_machine.travel(START, tick=False):
        mine = new_case(world)
        case_act(actor=p.dispatcher, case=mine, action="accept")
        case_act(actor=p.dispatcher, case=mine, action="whistle", lead_department=t.department)
        other = new_case(world, title="派出所的件")
        case_act(actor=p.dispatcher, case=other, action="accept")
        case_act(actor=p.dispatcher, case=other, action="whistle", lead_department=world.police)
        new_case(world, title="社区自办")
        client.force_login(p.department_handler)
        data = client.get(reverse("api:measures"), {"group": "department"}).json()
        assert data["departments"] == [t.department.pk]
        assert data["area"]["id"] == t.street.pk
        assert data["total"]["received"] == 1
        assert [r["label"] for r in data["rows"]] == [t.department.name]
        client.force_login(p.dispatcher)
        data = client.get(reverse("api:measures"), {"group": "department"}).json()
        assert data["total"]["received"] == 3


def test_a_grid_worker_cannot_read_the_street(world: CaseWorld, client: Client) -> None:
    client.force_login(world.personas.grid_worker)
    assert client.get(reverse("measures:index"), {"area": world.tree.street.pk}).status_code == 404
    response = client.get(reverse("api:measures"), {"area": world.tree.street.pk})
    assert response.status_code == 404
    assert client.get(reverse("measures:index")).status_code == 200


def test_bad_dates_are_named(world: CaseWorld, client: Client) -> None:
    client.force_login(world.personas.dispatcher)
    response = client.get(
        reverse("api:measures"), {"period": "custom", "start": "2027-05-01", "end": "2027-04-01"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "end"
    page = client.get(reverse("measures:index"), {"period": "custom", "start": "2027-05-01"})
    assert page.status_code == 200
    with translation.override("zh-hans"):  # the page speaks the browser's language
        assert translation.gettext("give the last day") in page.content.decode()


@pytest.mark.parametrize("group", ["area", "department", "category", "level", "channel"])
def test_query_count_does_not_grow_with_cases(world: CaseWorld, client: Client, group: str) -> None:
    p, t = world.personas, world.tree

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                reverse("measures:index"), {"area": t.street.pk, "period": "year", "group": group}
            )
        assert response.status_code == 200
        return len(queries)

    with time_machine.travel(START, tick=False):
        client.force_login(p.dispatcher)
        new_case(world)
        count()  # the first request of a session writes the session
        few = count()
        for area in (t.grid_b, t.community_a, t.subgrid_a, t.grid_a):
            case = new_case(world, p.dispatcher, area=area, level="key", channel="patrol")
            _close(world, case, reached=True, resolution="yes", satisfaction=4)
        many = count()
    assert few == many
    assert many <= 13  # with the inbox badge in the navigation bar


def test_the_rebuild_command(world: CaseWorld) -> None:
    from io import StringIO  # noqa: PLC0415

    from django.core.management import call_command  # noqa: PLC0415

    new_case(world)
    kept = measures.table_snapshot()
    CaseMeasure.objects.all().delete()
    out = StringIO()
    call_command("rebuild_case_measures", stdout=out)
    assert "daily and" in out.getvalue()
    assert measures.table_snapshot() == kept
