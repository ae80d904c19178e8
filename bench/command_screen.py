"""The command screen's data endpoint for a whole district, next to the naive aggregate
queries over the raw tables, in the same run on the same data.

    .venv/bin/python bench/command_screen.py --residents 1000000 --cases 1000000 \
        --database postgres://postgres@127.0.0.1:5432/shequ_screen_bench

The data is bulk-inserted with INSERT … SELECT generate_series (areas, buildings, houses,
households, residents, cases; every NOT NULL column the script does not set gets a plain
value of its type), then the rollups are rebuilt by the same functions as the rebuild
commands (register stats, case measures, case load). PostgreSQL only."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STREETS, COMMUNITIES, GRIDS = 10, 10, 5  # per district, street, community: 500 grids


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def fill(cursor: Any, table: str, count: int, overrides: dict[str, str]) -> None:
    """INSERT ``count`` rows into ``table`` from generate_series (g = 1..count)."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    plain = {
        "character varying": "''",
        "text": "''",
        "integer": "0",
        "smallint": "0",
        "bigint": "0",
        "boolean": "false",
        "timestamp with time zone": "now()",
        "date": "current_date",
        "jsonb": "'{}'::jsonb",
        "double precision": "0",
        "bytea": "''::bytea",
        "interval": "interval '0'",
    }
    columns = {name: plain[kind] for name, kind in cursor.fetchall()}
    columns.update(overrides)
    names = ", ".join(columns)
    values = ", ".join(columns.values())
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {values} FROM generate_series(1, {count}) g"
    )


def seed(residents: int, cases: int) -> dict[str, Any]:
    from django.db import connection  # noqa: PLC0415

    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.accounts.roles import Role  # noqa: PLC0415
    from shequ.accounts.services import membership_grant  # noqa: PLC0415
    from shequ.areas.models import Area, Level  # noqa: PLC0415
    from shequ.areas.services import area_create, department_create  # noqa: PLC0415
    from shequ.cases.categories import seed_defaults  # noqa: PLC0415
    from shequ.cases.models import Category  # noqa: PLC0415
    from shequ.core.actors import SYSTEM  # noqa: PLC0415
    from shequ.core.testing import square  # noqa: PLC0415

    seed_defaults()
    city = area_create(
        actor=SYSTEM,
        level=Level.CITY,
        code="530100",
        name="昆明市",
        parent=None,
        boundary=square(102.0, 24.0, 2.0),
    ).area
    district = area_create(
        actor=SYSTEM,
        level=Level.DISTRICT,
        code="530114",
        name="呈贡区",
        parent=city,
        boundary=square(102.5, 24.5, 1.0),
    ).area
    departments = []
    for s in range(STREETS):
        street = area_create(
            actor=SYSTEM,
            level=Level.STREET,
            code=f"530114{s + 1:03d}",
            name=f"第{s + 1}街道",
            parent=district,
            boundary=square(102.5 + s * 0.1, 24.5, 0.1),
        ).area
        departments.extend(
            department_create(
                actor=SYSTEM, area=street, name=f"{street.name}{name}", short_name=name
            )
            for name in ("城管", "派出所", "市场监管")
        )
        for c in range(COMMUNITIES):
            community = area_create(
                actor=SYSTEM,
                level=Level.COMMUNITY,
                code=f"{street.code}{c + 1:03d}",
                name=f"{street.name}{c + 1}社区",
                parent=street,
                boundary=square(102.5 + s * 0.1, 24.5 + c * 0.01, 0.01),
            ).area
            for g in range(GRIDS):
                area_create(
                    actor=SYSTEM,
                    level=Level.GRID,
                    code=f"{community.code}{g + 1:03d}",
                    name=f"第{g + 1}网格",
                    parent=community,
                    boundary=square(102.5 + s * 0.1 + g * 0.02, 24.5 + c * 0.01, 0.002),
                )
    grids = list(Area.objects.filter(level=Level.GRID).order_by("pk").values_list("pk", flat=True))
    n_grids = len(grids)
    leaf = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    dept_ids = [d.pk for d in departments]
    buildings = n_grids * 10
    houses = max(residents // 10, buildings)
    households = max(residents // 25 * 10, 1)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_grid AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id,"
            " area_path FROM areas_area WHERE level = %s",
            [int(Level.GRID)],
        )
        cur.execute("CREATE UNIQUE INDEX ON bench_grid (n)")
        grid_of = f"(SELECT id FROM bench_grid WHERE n = g % {n_grids})"
        path_of = f"(SELECT area_path FROM bench_grid WHERE n = g % {n_grids})"
        fill(
            cur,
            "registry_building",
            buildings,
            {
                "id": "g",
                "area_id": grid_of,
                "area_path": path_of,
                "number": "g::text || '栋'",
                "address": "'龙城路' || g::text || '号'",
                "floors": "6",
                "entrances": "2",
                "lon": "102.5 + random() * 1",
                "lat": "24.5 + random() * 0.1",
            },
        )
        fill(
            cur,
            "registry_house",
            houses,
            {
                "id": "g",
                "building_id": f"1 + (g % {buildings})",
                "area_path": f"(SELECT area_path FROM registry_building b WHERE b.id = 1 + (g % {buildings}))",
                "room": "g::text",
                "floor": "1 + g % 6",
                "entrance": "1",
                "use": "(ARRAY['owner_occupied','rented','vacant','business'])[1 + g % 4]",
                "colour": "(ARRAY['registered','non_local','vacant','business','care'])[1 + g % 5]",
            },
        )
        fill(
            cur,
            "registry_household",
            households,
            {
                "id": "g",
                "house_id": f"1 + (g % {houses})",
                "area_path": f"(SELECT area_path FROM registry_house h WHERE h.id = 1 + (g % {houses}))",
            },
        )
        fill(
            cur,
            "registry_resident",
            residents,
            {
                "id": "g",
                "household_id": f"1 + (g % {households})",
                "area_path": f"(SELECT area_path FROM registry_household h WHERE h.id = 1 + (g % {households}))",
                "name": "'居民' || g::text",
                "residency": "CASE WHEN g % 4 = 0 THEN 'non_local' ELSE 'registered' END",
                "relation": "'head'",
                "gender": "CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END",
                "birth_date": "date '1950-01-01' + (g % 25000)",
            },
        )
        created = "(now() - (g % 400) * interval '1 day' - (g % 24) * interval '1 hour')"
        open_case = "(g % 50 = 0)"  # 2 % still open
        fill(
            cur,
            "cases_case",
            cases,
            {
                "id": "g",
                "number": "'B' || g::text",
                "tracking_code": "'T' || g::text",
                "channel": "(ARRAY['hotline_12345','hotline_order','city_management','patrol','resident','letters_visits'])[1 + g % 6]",
                "area_id": grid_of,
                "area_path": path_of,
                "category_id": f"(ARRAY{leaf})[1 + g % {len(leaf)}]",
                "level": "CASE WHEN g % 100 = 0 THEN 'emergency' WHEN g % 10 = 0 THEN 'key' ELSE 'routine' END",
                "title": "'案件' || g::text",
                "description": "'描述'",
                "created_at": created,
                "updated_at": created,
                "state": f"CASE WHEN {open_case} THEN 'dispatched' ELSE 'closed' END",
                "lead_department_id": f"(ARRAY{dept_ids})[1 + g % {len(dept_ids)}]",
                "respond_by": f"{created} + interval '1 day'",
                "resolve_by": f"{created} + interval '5 days'",
                "accepted_at": f"{created} + interval '1 hour'",
                "dispatched_at": f"{created} + interval '2 hours'",
                "closed_at": f"CASE WHEN {open_case} THEN NULL ELSE {created} + (g % 7) * interval '1 day' END",
                "closed_on_time": f"CASE WHEN {open_case} THEN NULL ELSE (g % 7) < 5 END",
                "satisfaction": f"CASE WHEN {open_case} THEN NULL ELSE 1 + g % 5 END",
                "followup_reached": f"NOT {open_case}",
                "rework_count": "CASE WHEN g % 17 = 0 THEN 1 ELSE 0 END",
                "longitude": "102.5 + random()",
                "latitude": "24.5 + random() * 0.1",
            },
        )
        for table in (
            "registry_building",
            "registry_house",
            "registry_household",
            "registry_resident",
            "cases_case",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
            cur.execute(f"ANALYZE {table}")
    user = User.objects.create_user(username="district_dispatcher", password="Bench-pass-2026-x")
    membership_grant(actor=SYSTEM, user=user, role=Role.STREET_DISPATCHER, area=district)
    return {"district": district.pk}


def rebuild() -> dict[str, float]:
    from shequ.cases import measures  # noqa: PLC0415
    from shequ.dashboards import load  # noqa: PLC0415
    from shequ.registry import stats  # noqa: PLC0415

    took = {}
    for name, fn in (
        ("register stats", stats.rebuild),
        ("case measures", measures.rebuild),
        ("case load", load.rebuild),
    ):
        start = time.perf_counter()
        fn()
        took[name] = time.perf_counter() - start
    return took


NAIVE = """
WITH d AS (SELECT %(lo)s::text AS lo, %(hi)s::text AS hi)
SELECT
 (SELECT count(*) FROM registry_resident r JOIN registry_household h ON h.id = r.household_id
   WHERE r.moved_out_on IS NULL AND h.house_id IS NOT NULL AND r.area_path >= d.lo AND r.area_path < d.hi),
 (SELECT count(*) FROM registry_household WHERE house_id IS NOT NULL AND area_path >= d.lo AND area_path < d.hi),
 (SELECT count(*) FROM registry_resident WHERE residency = 'non_local' AND moved_out_on IS NULL AND area_path >= d.lo AND area_path < d.hi),
 (SELECT count(*) FROM registry_house WHERE colour = 'care' AND area_path >= d.lo AND area_path < d.hi),
 (SELECT count(*) FROM cases_case WHERE state NOT IN ('closed','rejected','merged') AND area_path >= d.lo AND area_path < d.hi),
 (SELECT count(*) FROM cases_case WHERE state NOT IN ('closed','rejected','merged','suspended') AND resolve_by < now() AND area_path >= d.lo AND area_path < d.hi),
 (SELECT count(*) FILTER (WHERE state = 'closed') * 1.0 / nullif(count(*), 0) FROM cases_case WHERE resolve_by >= date_trunc('month', now()) AND area_path >= d.lo AND area_path < d.hi),
 (SELECT avg(satisfaction) FROM cases_case WHERE closed_at >= date_trunc('month', now()) AND area_path >= d.lo AND area_path < d.hi)
FROM d;
SELECT date_trunc('day', created_at), channel, level, count(*) FROM cases_case
 WHERE created_at >= now() - interval '84 days' AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1, 2, 3;
SELECT lead_department_id, count(*), count(*) FILTER (WHERE closed_on_time), count(*) FILTER (WHERE rework_count > 0), avg(satisfaction)
 FROM cases_case WHERE closed_at >= date_trunc('month', now()) AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1;
SELECT category_id, count(*) FROM cases_case WHERE created_at >= date_trunc('month', now()) AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1 ORDER BY 2 DESC LIMIT 10;
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("--database postgres://… (this benchmark is for PostgreSQL)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SHEQU_VAR_DIR"] = str(ROOT / "var" / "bench")
    os.environ["DATABASE_URL"] = args.database
    os.environ["SHEQU_OTP_REQUIRED_ROLES"] = ""
    os.environ["SHEQU_DEMO"] = "1"
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import setup_test_environment  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.areas.models import Area, Level  # noqa: PLC0415
    from shequ.core.paths import subtree_upper  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    if not Area.objects.exists():
        start = time.perf_counter()
        seed(args.residents, args.cases)
        print(f"seeded in {time.perf_counter() - start:.0f} s")
        for name, seconds in rebuild().items():
            print(f"rebuilt {name} in {seconds:.0f} s")
    district = Area.objects.get(level=Level.DISTRICT)
    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="district_dispatcher"))
    url = reverse("dashboards:screen_data", args=[district.pk])
    assert client.get(url).status_code == 200
    params = {"lo": district.area_path, "hi": subtree_upper(district.area_path)}

    def naive() -> None:
        with connection.cursor() as cur:
            for sql in NAIVE.strip().split(";"):
                if sql.strip():
                    cur.execute(sql, params)
                    cur.fetchall()

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_resident")
        n_res = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_case")
        n_cases = cur.fetchone()[0]
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; PostgreSQL; {n_res:,} residents, {n_cases:,} cases, 500 grids"
    )
    rows = [
        (
            "command screen data endpoint (GET …/data.json, district)",
            measure(lambda: client.get(url), args.repeat),
        ),
        (
            "naive aggregates over the raw tables (same figures)",
            measure(naive, max(5, args.repeat // 5)),
        ),
    ]
    print(f"{'':60} {'median ms':>10} {'p95 ms':>10}")
    for label, (median, p95) in rows:
        print(f"{label:60} {median:10.1f} {p95:10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
