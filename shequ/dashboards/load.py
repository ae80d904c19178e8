"""The open-case load per area and level (CaseLoad) and the emergency feed, kept current from
``shequ.cases.hooks.after_event`` inside each transition's transaction.

Overdue is not counted here: a case becomes overdue when the clock passes ``resolve_by``,
with no event to hook. The screen counts overdue cases with an indexed query on
(state, resolve_by) inside the area's path range (decision 0027)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.db.models import Count

from shequ.areas.models import Area
from shequ.cases.models import OPEN_STATES, Case, CaseEvent, CaseLevel
from shequ.core.paths import ancestors
from shequ.dashboards.models import CaseLoad, EmergencyCase

LoadKey = tuple[str, str]  # (area path, level)


def case_changed(case: Case, event: CaseEvent, before: dict[str, Any] | None) -> None:
    """Move the case's count from where it was (before the event) to where it is now."""
    delta: Counter[LoadKey] = Counter()
    if before is None:
        if case.level == CaseLevel.EMERGENCY:
            EmergencyCase.objects.get_or_create(
                case=case, defaults={"area_path": case.area_path, "created_at": case.created_at}
            )
    elif before.get("state") in OPEN_STATES:
        old_path = case.area_path
        if before.get("area_id") not in (None, case.area_id):
            old_path = Area.objects.values_list("area_path", flat=True).get(pk=before["area_id"])
            if case.level == CaseLevel.EMERGENCY:
                EmergencyCase.objects.filter(case=case).update(area_path=case.area_path)
        delta[(old_path, case.level)] -= 1
    if case.state in OPEN_STATES:
        delta[(case.area_path, case.level)] += 1
    apply(delta)


_ROWS_PER_STATEMENT = 1000


def apply(delta: Counter[LoadKey]) -> None:
    """Add each count to its area and every area above it: one statement for an intake's
    rows (in key order, so two transactions lock shared rows in the same order)."""
    total: Counter[LoadKey] = Counter()
    for (path, level), n in delta.items():
        if n and path:
            for area_path in ancestors(path):
                total[(area_path, level)] += n
    rows = sorted((path, level, n) for (path, level), n in total.items() if n)
    table = CaseLoad._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            chunk = rows[start : start + _ROWS_PER_STATEMENT]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (area_path, level, open) VALUES {values} "  # noqa: S608 - our table
                f"ON CONFLICT (area_path, level) DO UPDATE SET open = {table}.open + EXCLUDED.open",
                [value for row in chunk for value in row],
            )


def rebuild() -> int:
    """Recompute the load and the emergency feed from the cases (``manage.py
    rebuild_case_load``). Returns the number of load rows."""
    with transaction.atomic():
        CaseLoad.objects.all().delete()
        delta: Counter[LoadKey] = Counter()
        rows = (
            Case.objects.filter(state__in=OPEN_STATES)
            .values_list("area_path", "level")
            .annotate(n=Count("id"))
            .order_by()
        )
        for path, level, n in rows:
            delta[(path, level)] += n
        apply(delta)
        EmergencyCase.objects.all().delete()
        emergencies = Case.objects.filter(level=CaseLevel.EMERGENCY).values_list(
            "pk", "area_path", "created_at"
        )
        batch: list[EmergencyCase] = []
        for pk, path, created_at in emergencies.iterator(chunk_size=5000):
            batch.append(EmergencyCase(case_id=pk, area_path=path, created_at=created_at))
            if len(batch) >= 5000:
                EmergencyCase.objects.bulk_create(batch)
                batch = []
        EmergencyCase.objects.bulk_create(batch)
    return CaseLoad.objects.count()


def snapshot() -> dict[LoadKey, int]:
    """Every non-zero count, for comparing the incremental rollup with a rebuild."""
    return {(r.area_path, r.level): r.open for r in CaseLoad.objects.all() if r.open}
