"""Rollup counts per area, kept current by the services (design guide §12).

Each change computes what the touched residents, households and houses counted for before
and after, and adds the difference to every area above them in one statement per measure.
``rebuild`` recomputes everything from the register; a test proves the two agree."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction

from shequ.core.paths import ancestors
from shequ.registry.models import House, Household, RegisterStat, Resident

Key = tuple[str, str]  # (measure, key)

AGE_BANDS = (
    (0, 17, "0-17"),
    (18, 34, "18-34"),
    (35, 59, "35-59"),
    (60, 79, "60-79"),
    (80, 200, "80+"),
)


def resident_counts(resident: Resident, care_tags: Iterable[str], *, counted: bool) -> Counter[Key]:
    if not counted:
        return Counter()
    counts: Counter[Key] = Counter({("residents", ""): 1, ("residency", resident.residency): 1})
    counts[("birth_year", str(resident.birth_date.year) if resident.birth_date else "")] += 1
    if resident.gender:
        counts[("gender", resident.gender)] += 1
    if resident.is_party_member:
        counts[("party_members", "")] += 1
    for tag in care_tags:
        counts[("care_tag", tag)] += 1
    return counts


def household_counts(household: Household, *, counted: bool) -> Counter[Key]:
    return Counter({("households", ""): 1}) if counted else Counter()


def house_counts(house: House) -> Counter[Key]:
    return Counter({("houses", ""): 1, ("colour", house.colour): 1})


def apply(changes: Iterable[tuple[str, Counter[Key]]]) -> None:
    """Add each (path, counts) to that area and every area above it. Negative counts
    subtract. Runs inside the caller's transaction."""
    total: Counter[tuple[str, str, str]] = Counter()
    for path, counts in changes:
        if not path:
            continue
        for area_path in ancestors(path):
            for (measure, key), n in counts.items():
                if n:
                    total[(area_path, measure, key)] += n
    rows = [(path, measure, key, n) for (path, measure, key), n in total.items() if n]
    if not rows:
        return
    table = RegisterStat._meta.db_table
    sql = (
        f"INSERT INTO {table} (area_path, measure, key, count) VALUES (%s, %s, %s, %s) "  # noqa: S608 - our table
        f"ON CONFLICT (area_path, measure, key) DO UPDATE SET count = {table}.count + EXCLUDED.count"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def counts_for(path: str) -> dict[Key, int]:
    return {(s.measure, s.key): s.count for s in RegisterStat.objects.filter(area_path=path)}


def age_bands(birth_years: dict[str, int], today: dt.date) -> dict[str, int]:
    """Age bands from the birth-year counts (a person's age is taken as this year minus
    their birth year: bands move on 1 January, not on each birthday)."""
    bands = {label: 0 for _low, _high, label in AGE_BANDS}
    bands["unknown"] = 0
    for year, n in birth_years.items():
        if not year:
            bands["unknown"] += n
            continue
        age = today.year - int(year)
        for low, high, label in AGE_BANDS:
            if low <= age <= high:
                bands[label] += n
                break
    return bands


def rebuild() -> int:
    """Recompute every count from the register (``manage.py rebuild_register_stats``)."""
    from shequ.registry.selectors import care_tags_by_resident  # noqa: PLC0415

    with transaction.atomic():
        RegisterStat.objects.all().delete()
        changes: list[tuple[str, Counter[Key]]] = []
        counted_households = set(
            Household.objects.filter(house__isnull=False).values_list("pk", flat=True)
        )
        residents = Resident.objects.filter(
            household__isnull=False, moved_out_on__isnull=True
        ).only(
            "pk",
            "area_path",
            "residency",
            "birth_date",
            "gender",
            "is_party_member",
            "household_id",
        )
        tags = care_tags_by_resident()
        for resident in residents.iterator(chunk_size=5000):
            counted = resident.household_id in counted_households
            changes.append(
                (
                    resident.area_path,
                    resident_counts(resident, tags.get(resident.pk, ()), counted=counted),
                )
            )
            if len(changes) >= 5000:
                apply(changes)
                changes = []
        for household in (
            Household.objects.filter(house__isnull=False)
            .only("pk", "area_path")
            .iterator(chunk_size=5000)
        ):
            changes.append((household.area_path, household_counts(household, counted=True)))
        for house in House.objects.only("pk", "area_path", "colour").iterator(chunk_size=5000):
            changes.append((house.area_path, house_counts(house)))
        apply(changes)
    return RegisterStat.objects.count()
