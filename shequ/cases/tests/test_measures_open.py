"""The "open now" table (CaseMeasureOpen, decision 0033): the events keep it as a rebuild
makes it, through suspensions, merges and reopenings; the page read from it gives what the
definitions give when read from the daily table; and the page's usual periods read neither
the daily table nor the cases."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from shequ.areas.models import Area
from shequ.cases import measures
from shequ.cases.models import FINAL_STATES, Case, CaseMeasure, CaseMeasureOpen
from shequ.cases.models_measures import COUNTS, STOCK_DAY
from shequ.cases.selectors_measures import (
    GROUPS,
    Group,
    Period,
    measures_report,
    period_of,
)
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.cases.tests.test_measures import START, _run
from shequ.core.paths import is_within


def _rebuilt_the_same() -> None:
    kept = measures.table_snapshot()
    measures.rebuild()
    assert measures.table_snapshot() == kept


def _open(path: str) -> tuple[int, dict[dt.date, int]]:
    """(cases open now, open cases not suspended by deadline day) of an area, from the table."""
    stock = 0
    due: dict[dt.date, int] = {}
    for row in CaseMeasureOpen.objects.filter(area_path=path, dim=""):
        if row.day == STOCK_DAY:
            stock += row.received - row.finished
        elif row.due_open:
            due[row.day] = due.get(row.day, 0) + row.due_open
    return stock, due


def _expected(path: str) -> tuple[int, dict[dt.date, int]]:
    """The same from the cases themselves."""
    cases = [c for c in Case.objects.all() if is_within(c.area_path, path)]
    live = [c for c in cases if c.state not in FINAL_STATES]
    due: dict[dt.date, int] = {}
    for case in live:
        if case.state != "suspended" and case.resolve_by is not None:
            day = measures.deadline_day(case.resolve_by)
            due[day] = due.get(day, 0) + 1
    return len(live), due


def test_suspend_merge_reopen_and_resume_keep_the_open_table(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    paths = (t.street.area_path, t.community_a.area_path, t.grid_a.area_path)

    def check(open_cases: int) -> None:
        for path in paths:
            assert _open(path) == _expected(path)
        assert _open(t.street.area_path)[0] == open_cases
        _rebuilt_the_same()

    with time_machine.travel(START, tick=False) as clock:
        first = new_case(world)
        second = new_case(world, title="同一盏路灯")
        third = new_case(world, title="另一盏路灯")
        check(3)
        first = case_act(actor=p.dispatcher, case=first, action="accept")
        clock.shift(dt.timedelta(hours=3))
        first = case_act(actor=p.dispatcher, case=first, action="suspend", reason="等待施工")
        assert _open(t.street.area_path)[1] == _expected(t.street.area_path)[1]
        check(3)  # suspended: still open, not due
        second = case_act(actor=p.dispatcher, case=second, action="merge", parent=third)
        check(2)  # merged: finished, never due
        third = case_act(actor=p.dispatcher, case=third, action="accept")
        third = case_act(
            actor=p.dispatcher, case=third, action="whistle", lead_department=t.department
        )
        third = case_act(actor=p.department_handler, case=third, action="check_in")
        third = case_act(actor=p.department_handler, case=third, action="resolve", note="已修好")
        third = case_act(actor=p.community_staff, case=third, action="verify")
        third = case_act(
            actor=p.community_staff,
            case=third,
            action="follow_up",
            reached=True,
            resolution="no",
            satisfaction=2,
        )
        check(2)
        clock.shift(dt.timedelta(days=2))
        third = case_act(actor=p.community_staff, case=third, action="reopen", reason="没修好")
        check(2)  # reopened: a new deadline
        third = case_act(actor=p.community_staff, case=third, action="take")
        third = case_act(actor=p.grid_worker, case=third, action="resolve", note="换了灯泡")
        third = case_act(actor=p.community_staff, case=third, action="verify")
        third = case_act(actor=p.community_staff, case=third, action="close", reason="电话未接")
        assert third.state == "closed"
        check(1)
        clock.shift(dt.timedelta(days=1))
        first = case_act(actor=p.dispatcher, case=first, action="resume")
        check(1)  # due again, on a later day
        assert _open(t.street.area_path)[1] == {measures.deadline_day(first.resolve_by): 1}


# --- the page read from it, against the definitions read from the daily table ------------------


def _reference(
    area: Area,
    period: Period,
    group: str,
    departments: frozenset[int] | None,
    today: dt.date,
) -> dict[Any, tuple[Counter[str], int]]:
    """docs/measures.md over the daily rows: the period's counts (due_open only for deadlines
    before today) and received − finished up to the period's end, per group value."""
    children = {c.area_path for c in Area.objects.current().filter(parent=area)}
    found: dict[Any, Counter[str]] = {}
    stock: Counter[Any] = Counter()
    for row in CaseMeasure.objects.all():
        if not is_within(row.area_path, area.area_path):
            continue
        if departments is not None and row.department_id not in departments:
            continue
        if group == Group.AREA:
            key: Any = next((c for c in children if is_within(row.area_path, c)), area.area_path)
        elif group == Group.DEPARTMENT:
            key = row.department_id
        elif group == Group.CATEGORY:
            key = row.category_id
        else:
            key = getattr(row, group)
        if row.day <= period.end:
            stock[key] += row.received - row.finished
        if period.start <= row.day <= period.end:
            counts = found.setdefault(key, Counter())
            for name in COUNTS:
                if name == "due_open" and row.day >= today:
                    continue
                counts[name] += getattr(row, name)
    keys = set(found) | set(stock)
    return {
        k: (Counter({n: v for n, v in found.get(k, Counter()).items() if v}), stock[k])
        for k in keys
    }


def _report(
    area: Area,
    period: Period,
    group: str,
    departments: frozenset[int] | None,
    today: dt.date,
) -> dict[Any, tuple[Counter[str], int]]:
    report = measures_report(
        area=area, period=period, group=group, departments=departments, today=today
    )
    rows = {
        r.key: (Counter({n: v for n, v in r.figures.counts.items() if v}), r.figures.unclosed)
        for r in report.rows
    }
    total = Counter[str]()
    for counts, _unclosed in rows.values():
        total.update(counts)
    assert Counter({n: v for n, v in report.total.counts.items() if v}) == total
    assert report.total.unclosed == sum(u for _c, u in rows.values())
    return {k: v for k, v in rows.items() if any(v[0].values()) or v[1]}


@pytest.mark.parametrize("seed", [3, 11])
def test_the_page_reads_what_the_definitions_say(world: CaseWorld, seed: int) -> None:
    """A random history over months, then every group, three areas, a department and many
    periods (this month, last month, this year, dates across months and inside one): the
    figures from the monthly and "open now" tables equal the definitions summed over the
    daily rows."""
    rng = random.Random(seed)
    steps = [
        (rng.randint(0, 9999), rng.randint(0, 40), rng.randint(0, 9999), rng.randint(1, 90))
        for _ in range(250)
    ]
    _run(world, steps)
    t = world.tree
    last = Case.objects.aggregate(at=Max("updated_at"))["at"]
    assert last is not None
    now = last + dt.timedelta(hours=1)
    with time_machine.travel(now, tick=False):
        today = measures.local_day(now)
        periods = [period_of(kind, today=today) for kind in ("this_month", "last_month", "year")]
        for start, end in (
            (START.date(), today),
            (START.date(), START.date() + dt.timedelta(days=40)),
            (START.date() + dt.timedelta(days=10), today - dt.timedelta(days=3)),
            (today - dt.timedelta(days=1), today),
            (today, today),
        ):
            if start <= end:
                periods.append(period_of("custom", start, end, today=today))
        compared = 0
        for area in (t.street, t.community_a, t.grid_a):
            for group in GROUPS:
                for departments in (None, frozenset({t.department.pk})):
                    for period in periods:
                        want = _reference(area, period, group, departments, today)
                        want = {k: v for k, v in want.items() if any(v[0].values()) or v[1]}
                        assert _report(area, period, group, departments, today) == want, (
                            area.name,
                            group,
                            departments,
                            period,
                        )
                        compared += 1
    assert compared == 3 * len(GROUPS) * 2 * len(periods)
    assert CaseMeasureOpen.objects.filter(day=STOCK_DAY).exists()


# --- what the page reads -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["this_month", "last_month", "year"])
@pytest.mark.parametrize("group", ["area", "department", "category", "level", "channel"])
def test_whole_months_read_neither_the_days_nor_the_cases(
    world: CaseWorld, kind: str, group: str
) -> None:
    """The page's usual periods: the child areas, the monthly table once, the "open now"
    table once, and for last month the current month once more (what was received and
    finished since): never the daily table, never the cases, however many there are."""
    t = world.tree
    with time_machine.travel(START, tick=False):
        for area in (t.grid_a, t.grid_b, t.community_b):
            new_case(world, world.personas.dispatcher, area=area)
        with CaptureQueriesContext(connection) as queries:
            measures_report(area=t.street, period=period_of(kind), group=group, departments=None)
    tables = Counter(
        name
        for q in queries.captured_queries
        for name in ("cases_casemeasuremonth", "cases_casemeasureopen", 'cases_casemeasure"')
        if name in q["sql"]
    )
    assert not [q for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert tables['cases_casemeasure"'] == 0
    assert tables["cases_casemeasureopen"] == 1
    assert tables["cases_casemeasuremonth"] == (2 if kind == "last_month" else 1)
    # plus the labels (children for the area, or the categories / departments named)
    assert len(queries) <= tables.total() + 1
