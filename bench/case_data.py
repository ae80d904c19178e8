"""A streaming generator of many cases for the benchmarks: plausible rows (every channel,
category and level, the grids and subgrids of every seeded street, three years of intake,
mostly closed, some late, reworked, extended, rated) written with COPY on PostgreSQL
(``shequ.core.bulk.Table``), in batches, memory flat. The rows carry the fields the services
would leave; timelines, audit records and assignments are not written (the measures do not
need them: the response rate then counts acceptances only). The rollups are then built by
``manage.py rebuild_case_measures``. Deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.areas.models import Area, Department, Level
from shequ.cases.models import Case, Category
from shequ.core.bulk import Table

FIELDS = (
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
    "verified_at",
    "closed_at",
    "closed_on_time",
    "resolve_by",
    "rework_count",
    "extended",
    "followup_reached",
    "followup_resolution",
    "satisfaction",
)
CHANNELS = ["hotline_12345"] * 30 + ["hotline_order"] * 12 + ["city_management"] * 15
CHANNELS += ["patrol"] * 20 + ["resident"] * 10 + ["walk_in"] * 6 + ["letters_visits"] * 4
CHANNELS += ["proposal"] * 3
OPEN = ["accepted", "to_dispatch", "dispatched", "handling", "resolved", "verified"]


def _world() -> tuple[list[tuple[int, str]], dict[str, list[int]], list[int]]:
    """What the rows are drawn from, read before the COPY starts (no query may run on the
    connection while it copies)."""
    leaves = list(
        Area.objects.current()
        .filter(level__in=(Level.GRID, Level.SUBGRID))
        .values_list("pk", "area_path")
    )
    departments: dict[str, list[int]] = {}
    for pk, path in Department.objects.values_list("pk", "area_path"):
        departments.setdefault(path, []).append(pk)
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    return leaves, departments, categories


def _rows(
    n: int,
    *,
    seed: int,
    start: dt.datetime,
    end: dt.datetime,
    first: int,
    world: tuple[list[tuple[int, str]], dict[str, list[int]], list[int]],
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    leaves, departments, categories = world
    span = (end - start).total_seconds()
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    for i in range(n):
        area_id, path = leaves[int(rng.random() ** 1.3 * len(leaves))]
        street = "/".join(path.split("/")[:4]) + "/"
        created = start + dt.timedelta(seconds=rng.random() * span)
        age = (end - created) / day
        r = rng.random()
        level = "routine" if r < 0.9 else "key" if r < 0.98 else "emergency"
        resolve_by = created + (day * rng.choice((5, 6, 7)) if level != "emergency" else hour * 24)
        closed = rng.random() < (0.97 if age > 20 else 0.5)
        rejected = not closed and rng.random() < 0.1
        state = "closed" if closed else "rejected" if rejected else rng.choice(OPEN)
        accepted = None if rejected else created + hour * rng.uniform(0.2, 30)
        whistled = state != "handling" and (level != "routine" or rng.random() < 0.5)
        lead = rng.choice(departments.get(street, [None])) if whistled else None  # type: ignore[list-item]
        resolved = closed_at = verified = None
        on_time = None
        satisfaction = None
        reached = None
        resolution = ""
        if closed:
            resolved = created + day * rng.uniform(0.3, 9)
            verified = resolved + hour * rng.uniform(1, 30)
            closed_at = verified + hour * rng.uniform(1, 40)
            if closed_at > end:
                closed_at = end - hour
                resolved = verified = min(resolved, closed_at)
            on_time = resolved <= resolve_by
            reached = rng.random() < 0.9
            if reached:
                satisfaction = rng.choices((5, 4, 3, 2, 1), (55, 28, 9, 5, 3))[0]
                resolution = "yes" if satisfaction >= 4 else rng.choice(("yes", "partly", "no"))
        updated = closed_at or (created + hour * 2)
        yield (
            f"B{first + i:09d}",
            rng.choice(CHANNELS),
            area_id,
            path,
            rng.choice(categories),
            level,
            level == "key" and rng.random() < 0.15,
            "路灯不亮",
            "基准测试生成的事件",
            state,
            created,
            updated,
            accepted,
            created + hour * 24,
            accepted + hour if whistled and accepted else None,
            lead,
            resolved,
            verified,
            closed_at,
            on_time,
            resolve_by,
            1 if closed and rng.random() < 0.05 else 0,
            closed and rng.random() < 0.07,
            reached,
            resolution,
            satisfaction,
        )


def generate_cases(n: int, *, seed: int = 2026, years: float = 3.0, batch: int = 100_000) -> int:
    """Add ``n`` cases registered over the last ``years`` years, ``batch`` per transaction."""
    end = timezone.now()
    start = end - dt.timedelta(days=365 * years)
    first = Case.objects.count()
    world = _world()
    done = 0
    while done < n:
        size = min(batch, n - done)
        with transaction.atomic():
            Table(Case, FIELDS, end).insert(
                _rows(size, seed=seed + done, start=start, end=end, first=first + done, world=world)
            )
        done += size
        print(f"  {done:,} cases", flush=True)
    return done
