"""Keeping the measures' rollups (考核指标) current, and rebuilding them from scratch.

A case *contributes* counts to a few days (the day it was registered, the day it fell due,
the day it closed …) under one key: its area path, lead department, category, level and
channel. ``contribution`` computes that from the case alone (and its departments'
check-ins); after every event ``record`` subtracts what the case contributed before (kept in
CaseMeasureEntry) and adds what it contributes now, in the event's own transaction, to the
daily table (CaseMeasure), to the monthly table at every area level (CaseMeasureMonth) and
to what is open now at every area level (CaseMeasureOpen: the stock and the open cases'
deadlines). So a re-route, a relocation, an extension or a reopening moves the case's counts from the
old key and day to the new ones, and ``rebuild`` (the same ``contribution`` over every
case) gives the same tables: a test proves it. docs/measures.md defines every count.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from shequ.areas.models import Area
from shequ.cases.models import (
    FINAL_STATES,
    Assignment,
    Case,
    CaseMeasure,
    CaseMeasureEntry,
    CaseMeasureMonth,
    CaseMeasureOpen,
    Resolution,
    State,
)
from shequ.cases.models_measures import COUNTS, OPEN_COUNTS, STOCK_DAY
from shequ.core.bulk import Table
from shequ.core.paths import ancestors

Key = tuple[str, int, int, str, str]  # area_path, department_id, category_id, level, channel
Days = dict[dt.date, Counter[str]]
MONTH_DIMS = ("", "category", "level", "channel")
SATISFIED_FROM = 4  # 满意 and 非常满意
_ONE_TICK = dt.timedelta(microseconds=1)


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def deadline_day(resolve_by: dt.datetime) -> dt.date:
    """The day a deadline falls on: "by 24:00 of the 5th working day" is stored as 00:00 of
    the next day, which still belongs to the 5th."""
    return local_day(resolve_by - _ONE_TICK)


def case_key(case: Case) -> Key:
    return (
        case.area_path,
        case.lead_department_id or 0,
        case.category_id,
        case.level,
        case.channel,
    )


def contribution(case: Case, check_ins: tuple[int, int] = (0, 0)) -> Days:
    """What ``case`` counts for, per day. ``check_ins`` is (departments that checked in,
    of them by their deadline)."""
    days: Days = defaultdict(Counter)
    intake = days[local_day(case.created_at)]
    intake["received"] += 1
    if case.city_level:
        intake["city_level"] += 1
    if case.accepted_at is not None:
        intake["accepted"] += 1
        intake["responded"] += 1
        if case.respond_by is None or case.accepted_at <= case.respond_by:
            intake["responded_on_time"] += 1
    if case.dispatched_at is not None:
        intake["dispatched"] += 1
    checked_in, on_time = check_ins
    if checked_in:
        intake["responded"] += checked_in
        intake["responded_on_time"] += on_time

    state = case.state
    if state in FINAL_STATES:
        ended = case.closed_at if state == State.CLOSED and case.closed_at else case.updated_at
        days[local_day(ended)]["finished"] += 1
    if state == State.CLOSED and case.closed_at is not None:
        closed_day = local_day(case.closed_at)
        closed = days[closed_day]
        closed["closed"] += 1
        late = case.closed_on_time is False
        if not late:
            closed["closed_on_time"] += 1
        if case.rework_count:
            closed["reworked"] += 1
        if case.extended:
            closed["extended"] += 1
        if case.followup_reached:
            closed["reached"] += 1
            if case.followup_resolution == Resolution.YES:
                closed["resolved_yes"] += 1
        if case.satisfaction is not None:
            closed["rated"] += 1
            closed["satisfaction_sum"] += case.satisfaction
            if case.satisfaction >= SATISFIED_FROM:
                closed["satisfied"] += 1
        due_day = closed_day
        if case.resolve_by is not None:
            due_day = min(closed_day, deadline_day(case.resolve_by))
        days[due_day]["due_closed"] += 1
        if late:
            days[due_day]["overdue_closed"] += 1
    elif state not in FINAL_STATES and state != State.SUSPENDED and case.resolve_by is not None:
        days[deadline_day(case.resolve_by)]["due_open"] += 1
    return days


def check_ins_of(case: Case) -> tuple[int, int]:
    if case.dispatched_at is None:  # never whistled: no departments
        return 0, 0
    rows = Assignment.objects.filter(case_id=case.pk, checked_in_at__isnull=False).values_list(
        "checked_in_at", "respond_by"
    )
    times = list(rows)
    return len(times), sum(1 for at, by in times if at is not None and (by is None or at <= by))


# --- the ledger entry of a case --------------------------------------------------------------


def _encode(key: Key, days: Days) -> tuple[list[Any], dict[str, dict[str, int]]]:
    return list(key), {
        day.isoformat(): {name: n for name, n in counts.items() if n}
        for day, counts in sorted(days.items())
        if any(counts.values())
    }


def _decode(key: list[Any], days: dict[str, dict[str, int]]) -> tuple[Key, Days]:
    path, department, category, level, channel = key
    decoded: Days = {dt.date.fromisoformat(d): Counter(c) for d, c in days.items()}
    return (str(path), int(department), int(category), str(level), str(channel)), decoded


def record(case: Case) -> None:
    """Bring the rollups up to date with ``case`` as it is now (called by hooks.after_event
    inside the event's transaction, the case row locked by it)."""
    record_many([case])


def record_many(cases: Sequence[Case]) -> None:
    """``record`` for several cases, each row locked by the caller: one read of their ledger
    entries and one write of the rollups for all of them."""
    entries = {
        pk: (key, days)
        for pk, key, days in CaseMeasureEntry.objects.filter(
            pk__in=[case.pk for case in cases]
        ).values_list("pk", "key", "days")
    }
    changes: list[tuple[Key, Days, int]] = []
    created: list[CaseMeasureEntry] = []
    for case in cases:
        if case.state in FINAL_STATES and case.state != State.CLOSED:
            # The services write updated_at in the UPDATE itself, not on the instance.
            case.updated_at = Case.objects.values_list("updated_at", flat=True).get(pk=case.pk)
        key = case_key(case)
        days = contribution(case, check_ins_of(case))
        new_key, new_days = _encode(key, days)
        entry = entries.get(case.pk)
        if entry is None:
            created.append(CaseMeasureEntry(case_id=case.pk, key=new_key, days=new_days))
        elif entry[0] == new_key and entry[1] == new_days:
            continue
        else:
            changes.append((*_decode(*entry), -1))
            CaseMeasureEntry.objects.filter(pk=case.pk).update(key=new_key, days=new_days)
        changes.append((key, days, 1))
    if created:
        CaseMeasureEntry.objects.bulk_create(created)
    if changes:
        apply(changes)


# --- writing the rollups ------------------------------------------------------------------


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def day_rows(changes: Iterable[tuple[Key, Days, int]]) -> dict[tuple[Any, ...], Counter[str]]:
    rows: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for key, days, sign in changes:
        for day, counts in days.items():
            target = rows[(day, *key)]
            for name, n in counts.items():
                target[name] += sign * n
    return rows


def month_rows(
    daily: dict[tuple[Any, ...], Counter[str]],
) -> dict[tuple[Any, ...], Counter[str]]:
    rows: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for (day, path, department, category, level, channel), counts in daily.items():
        month = _month(day)
        values = ("", str(category), level, channel)
        for area_path in ancestors(path):
            for dim, value in zip(MONTH_DIMS, values, strict=True):
                rows[(month, area_path, department, dim, value)].update(counts)
    return rows


def open_rows(
    daily: dict[tuple[Any, ...], Counter[str]],
) -> dict[tuple[Any, ...], Counter[str]]:
    """The "open now" rows (CaseMeasureOpen) that daily changes make, at every area level and
    one dimension at a time as ``month_rows``: received and finished on the stock row,
    due_open on its day."""
    rows: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for (day, path, department, category, level, channel), counts in daily.items():
        received, finished = counts.get("received", 0), counts.get("finished", 0)
        due = counts.get("due_open", 0)
        if not (received or finished or due):
            continue
        values = ("", str(category), level, channel)
        for area_path in ancestors(path):
            for dim, value in zip(MONTH_DIMS, values, strict=True):
                if received or finished:
                    stock = rows[(area_path, dim, STOCK_DAY, department, value)]
                    stock["received"] += received
                    stock["finished"] += finished
                if due:
                    rows[(area_path, dim, day, department, value)]["due_open"] += due
    return rows


_DAY_KEY = ("day", "area_path", "department_id", "category_id", "level", "channel")
_MONTH_KEY = ("month", "area_path", "department_id", "dim", "value")
_OPEN_KEY = ("area_path", "dim", "day", "department_id", "value")


def _upserts(
    table: str,
    key: tuple[str, ...],
    rows: dict[tuple[Any, ...], Counter[str]],
    names: tuple[str, ...] = COUNTS,
) -> list[tuple[str, list[Any]]]:
    """The statements (500 rows each) that add ``rows`` to ``table``."""
    # in the key's order, so that two events touching the same rows lock them in one order
    values = [
        (*k, *(counts.get(name, 0) for name in names))
        for k, counts in sorted(rows.items())
        if any(counts.values())
    ]
    columns = (*key, *names)
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in names)
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    statements = []
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608 - our table
            + ", ".join([marks] * len(chunk))
            + f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        )
        statements.append((sql, [v for row in chunk for v in row]))
    return statements


_ONE_STATEMENT_PARAMS = 30_000


def apply(changes: list[tuple[Key, Days, int]]) -> None:
    daily = day_rows(changes)
    statements = [
        *_upserts(CaseMeasure._meta.db_table, _DAY_KEY, daily),
        *_upserts(CaseMeasureMonth._meta.db_table, _MONTH_KEY, month_rows(daily)),
        *_upserts(CaseMeasureOpen._meta.db_table, _OPEN_KEY, open_rows(daily), OPEN_COUNTS),
    ]
    if not statements:
        return
    with connection.cursor() as cursor:
        params = sum(len(p) for _sql, p in statements)
        if connection.vendor == "postgresql" and params <= _ONE_STATEMENT_PARAMS:
            # One round trip for the three tables: each upsert but the last a WITH clause,
            # which PostgreSQL runs exactly once, to completion, whether read or not.
            *first, (last, _p) = statements
            clauses = ", ".join(f"u{i} AS ({sql})" for i, (sql, _p) in enumerate(first))
            cursor.execute(
                (f"WITH {clauses} " if clauses else "") + last,
                [v for _sql, p in statements for v in p],
            )
            return
        for sql, values in statements:
            cursor.execute(sql, values)


# --- rebuilding from scratch -------------------------------------------------------------

_CASE_FIELDS = (
    "pk",
    "area_path",
    "lead_department_id",
    "category_id",
    "level",
    "channel",
    "city_level",
    "state",
    "created_at",
    "updated_at",
    "accepted_at",
    "respond_by",
    "dispatched_at",
    "closed_at",
    "closed_on_time",
    "rework_count",
    "extended",
    "followup_reached",
    "followup_resolution",
    "satisfaction",
    "resolve_by",
)


def _all_check_ins() -> dict[int, tuple[int, int]]:
    rows = (
        Assignment.objects.filter(checked_in_at__isnull=False)
        .values("case_id")
        .annotate(
            n=Count("pk"),
            on_time=Count(
                "pk", filter=Q(respond_by__isnull=True) | Q(checked_in_at__lte=F("respond_by"))
            ),
        )
        .values_list("case_id", "n", "on_time")
    )
    return {case_id: (n, on_time) for case_id, n, on_time in rows.iterator(chunk_size=20_000)}


def _cases(chunk: int = 50_000) -> Iterator[list[Case]]:
    """Every case as a light object with the fields ``contribution`` reads, in chunks read
    whole (no query may run on the connection while a COPY writes)."""
    names = [n for n in _CASE_FIELDS if n != "pk"]
    last = 0
    while True:
        rows = list(
            Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *names)[:chunk]
        )
        if not rows:
            return
        cases = []
        for row in rows:
            case = Case.__new__(Case)
            case.__dict__.update(zip(("id", *names), row, strict=True))
            cases.append(case)
        last = rows[-1][0]
        yield cases


_INDEX = {name: i for i, name in enumerate(COUNTS)}


# Each dimension's name and the daily table's column it splits by, as SQL.
_DIM_SQL = (
    ("", "''"),
    ("category", "CAST(category_id AS TEXT)"),
    ("level", "level"),
    ("channel", "channel"),
)


def _month_sql(vendor: str) -> str:
    """Every daily row added to its month at every area above and including its own, one
    dimension at a time: what ``month_rows`` does for one event, done by the database for
    all of them. First the days are summed into months at the case's own area (one row per
    dimension value), then each is added to every prefix of its path that ends in "/" (the
    ancestors' paths; their lengths are those of the areas' paths)."""
    day, month = CaseMeasure._meta.db_table, CaseMeasureMonth._meta.db_table
    area = Area._meta.db_table
    truncate = (
        "CAST(date_trunc('month', day) AS date)"
        if vendor == "postgresql"
        else "date(day, 'start of month')"
    )
    counts = ", ".join(COUNTS)
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNTS)
    dims = " UNION ALL ".join(
        f"SELECT {truncate} AS m, area_path, department_id, '{dim}' AS dim, {value} AS value, "  # noqa: S608 - constants
        f"{counts} FROM {day}"
        for dim, value in _DIM_SQL
    )
    own = (
        f"SELECT m, area_path, department_id, dim, value, {sums} FROM ({dims}) x "  # noqa: S608 - our tables
        "GROUP BY m, area_path, department_id, dim, value"
    )
    prefix = "substr(o.area_path, 1, l.n)"
    outer = ", ".join(f"SUM(o.{c})" for c in COUNTS)
    lengths = f"SELECT DISTINCT length(area_path) AS n FROM {area}"  # noqa: S608 - our table
    return (
        f"INSERT INTO {month} (month, area_path, department_id, dim, value, {counts}) "  # noqa: S608 - our tables
        f"SELECT o.m, {prefix}, o.department_id, o.dim, o.value, {outer} "
        f"FROM ({own}) o JOIN ({lengths}) l "
        "ON l.n <= length(o.area_path) AND substr(o.area_path, l.n, 1) = '/' "
        f"GROUP BY o.m, {prefix}, o.department_id, o.dim, o.value "
        # in the key's order: an area's months lie together on disk, not one row a page
        f"ORDER BY {prefix}, o.dim, o.m, o.department_id, o.value"
    )


def _open_sql(vendor: str) -> tuple[str, str]:
    """The "open now" table from the other two: the stock rows from the monthly table (which
    is already summed up the areas and split by dimension), the rows of the open cases'
    deadlines from the daily rows with due_open, added up the areas as in ``_month_sql``.
    The first statement takes STOCK_DAY as its one parameter."""
    day, month = CaseMeasure._meta.db_table, CaseMeasureMonth._meta.db_table
    table, area = CaseMeasureOpen._meta.db_table, Area._meta.db_table
    columns = "area_path, dim, day, department_id, value, received, finished, due_open"
    stock_day = "CAST(%s AS date)" if vendor == "postgresql" else "%s"
    stock = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - our tables
        f"SELECT area_path, dim, {stock_day}, department_id, value, "
        f"SUM(received), SUM(finished), 0 FROM {month} "
        "GROUP BY area_path, dim, department_id, value "
        "HAVING SUM(received) <> 0 OR SUM(finished) <> 0 "
        "ORDER BY area_path, dim, department_id, value"
    )
    dims = " UNION ALL ".join(
        f"SELECT day, area_path, department_id, '{dim}' AS dim, {value} AS value, due_open "  # noqa: S608 - constants
        f"FROM {day} WHERE due_open <> 0"
        for dim, value in _DIM_SQL
    )
    prefix = "substr(o.area_path, 1, l.n)"
    lengths = f"SELECT DISTINCT length(area_path) AS n FROM {area}"  # noqa: S608 - our table
    due = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - our tables
        f"SELECT {prefix}, o.dim, o.day, o.department_id, o.value, 0, 0, SUM(o.due_open) "
        f"FROM ({dims}) o JOIN ({lengths}) l "
        "ON l.n <= length(o.area_path) AND substr(o.area_path, l.n, 1) = '/' "
        f"GROUP BY {prefix}, o.dim, o.day, o.department_id, o.value "
        "HAVING SUM(o.due_open) <> 0 "
        f"ORDER BY {prefix}, o.dim, o.day, o.department_id, o.value"
    )
    return stock, due


def build_open(vendor: str) -> None:
    """Fill the empty "open now" table from the daily and monthly tables."""
    with connection.cursor() as cursor:
        for sql in _open_sql(vendor):
            cursor.execute(sql, [STOCK_DAY] if "%s" in sql else None)


def rebuild() -> tuple[int, int]:
    """Recompute the rollups and every case's entry from the cases and assignments
    (``manage.py rebuild_case_measures``): the daily table and the entries from the same
    ``contribution`` the events use, the monthly and "open now" tables from the daily one in
    SQL. Returns
    (daily rows, monthly rows)."""
    now = timezone.now()
    width = len(COUNTS)
    with transaction.atomic():
        CaseMeasureEntry.objects.all().delete()
        CaseMeasure.objects.all().delete()
        CaseMeasureMonth.objects.all().delete()
        CaseMeasureOpen.objects.all().delete()
        check_ins = _all_check_ins()
        # plain lists, not Counters: a million cases make a few million rows
        daily: dict[tuple[Any, ...], list[int]] = {}

        def entry_rows(cases: list[Case]) -> Iterator[tuple[Any, ...]]:
            for case in cases:
                key = case_key(case)
                days = contribution(case, check_ins.get(case.pk, (0, 0)))
                for day, counts in days.items():
                    row = daily.get((day, *key))
                    if row is None:
                        row = daily[(day, *key)] = [0] * width
                    for name, n in counts.items():
                        row[_INDEX[name]] += n
                encoded_key, encoded_days = _encode(key, days)
                yield case.pk, json.dumps(encoded_key), json.dumps(encoded_days)

        entries = Table(CaseMeasureEntry, ("case", "key", "days"), now)
        for cases in _cases():
            entries.insert(entry_rows(cases))
        check_ins.clear()
        # in the key's order: a day's rows lie together on disk
        Table(CaseMeasure, (*_DAY_KEY, *COUNTS), now).insert(
            (*k, *daily[k]) for k in sorted(daily) if any(daily[k])
        )
        rows = len(daily)
        daily.clear()
        with connection.cursor() as cursor:
            cursor.execute(_month_sql(connection.vendor))
        build_open(connection.vendor)
    return rows, CaseMeasureMonth.objects.count()


Snapshot = dict[tuple[Any, ...], tuple[int, ...]]


def table_snapshot() -> tuple[Snapshot, Snapshot, Snapshot]:
    """The three tables without their all-zero rows, for comparing incremental with rebuilt."""

    def read(model: Any, key: tuple[str, ...], names: tuple[str, ...] = COUNTS) -> Snapshot:
        found = {}
        for row in model.objects.values_list(*key, *names):
            counts = tuple(row[len(key) :])
            if any(counts):
                found[tuple(row[: len(key)])] = counts
        return found

    return (
        read(CaseMeasure, _DAY_KEY),
        read(CaseMeasureMonth, _MONTH_KEY),
        read(CaseMeasureOpen, _OPEN_KEY, OPEN_COUNTS),
    )
