"""The command screen and the map of a whole district, each endpoint next to what it would
cost to read the same thing from the raw tables, in the same run on the same data.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE shequ_bench_screen"
    .venv/bin/python bench/command_screen.py --residents 1000000 --cases 1000000 \
        --database postgres://postgres@127.0.0.1:5432/shequ_bench_screen

The data is bulk-inserted with INSERT … SELECT generate_series (areas, buildings, houses,
households, residents, cases; every NOT NULL column the script does not set gets a plain
value of its type), then the rollups are rebuilt by the same functions as the rebuild
commands (register stats, case measures, case load) and the tables vacuumed and analysed
(what autovacuum does in production). A database that already has areas is measured as it
is (seeding a million rows takes minutes). PostgreSQL only."""

from __future__ import annotations

import argparse
import json
import math
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
    # Nearest rank: the smallest sample with at least 95 % of the samples at or below it.
    return statistics.median(samples), samples[math.ceil(len(samples) * 0.95) - 1]


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
                # a care house is one of registered residents without its care
                "colour_without_care": "(ARRAY['registered','non_local','vacant','business','registered'])[1 + g % 5]",
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


# The screen's figures read from the raw tables instead of the rollups: what every refresh
# would cost without them.
NAIVE_SCREEN = """
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

# The map's parts (the district's streets) with their figures, counted from the raw tables.
NAIVE_AREAS = """
SELECT substr(area_path, 1, %(width)s), count(*) FROM registry_resident
 WHERE moved_out_on IS NULL AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1;
SELECT substr(area_path, 1, %(width)s), count(*) FROM registry_resident
 WHERE residency = 'non_local' AND moved_out_on IS NULL AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1;
SELECT substr(area_path, 1, %(width)s), count(*) FROM registry_household
 WHERE house_id IS NOT NULL AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1;
SELECT substr(area_path, 1, %(width)s), count(*) FROM registry_house
 WHERE colour = 'care' AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1;
SELECT substr(area_path, 1, %(width)s), level, count(*), count(*) FILTER (WHERE resolve_by < now() AND state <> 'suspended')
 FROM cases_case WHERE state NOT IN ('closed','rejected','merged') AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1, 2;
"""

# The open-case markers of the district, one per grid, counted from the case table.
NAIVE_MARKERS = """
SELECT area_id, level, count(*) FROM cases_case
 WHERE state NOT IN ('closed','rejected','merged') AND area_path >= %(lo)s AND area_path < %(hi)s GROUP BY 1, 2;
"""

# Not aggregated at all: every house (with its building's position and colour) and every open
# case of the district, as points for the browser to draw and count.
RAW_POINTS = """
SELECT h.id, b.lon, b.lat, h.colour FROM registry_house h JOIN registry_building b ON b.id = h.building_id
 WHERE h.area_path >= %(lo)s AND h.area_path < %(hi)s;
SELECT id, longitude, latitude, level FROM cases_case
 WHERE state NOT IN ('closed','rejected','merged') AND area_path >= %(lo)s AND area_path < %(hi)s;
"""


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


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
    from django.test import Client, override_settings  # noqa: PLC0415
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
        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        print(f"vacuumed and analysed in {time.perf_counter() - start:.0f} s")
    district = Area.objects.get(level=Level.DISTRICT)
    community = Area.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    assert community is not None
    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="district_dispatcher"))
    lo, hi = district.area_path, subtree_upper(district.area_path)
    street_width = len(Area.objects.filter(parent=district).first().area_path)  # type: ignore[union-attr]
    params = {"lo": lo, "hi": hi, "width": street_width}

    def url(name: str, area: Area, query: str = "") -> str:
        return reverse(f"dashboards:{name}", args=[area.pk]) + query

    bbox = "?bbox=102.0,24.0,104.0,26.0"  # the whole district in view
    endpoints = [
        ("screen data (GET /screen/<district>/data.json)", url("screen_data", district)),
        ("screen page, first render (GET /screen/<district>/)", url("screen", district)),
        ("map parts (GET /screen/map/<district>/areas.json)", url("map_areas", district)),
        ("map markers (GET …/cases.json?bbox=…)", url("map_cases", district, bbox)),
        ("map side panel (GET /screen/panel/area/<district>/)", url("area_panel", district)),
        ("community map parts (areas.json)", url("map_areas", community)),
        ("community buildings (buildings.json)", url("map_buildings", community)),
        ("community markers (cases.json?bbox=…)", url("map_cases", community, bbox)),
    ]
    naive = {
        "screen data (GET /screen/<district>/data.json)": (
            "  naive: the same figures from the raw tables",
            NAIVE_SCREEN,
        ),
        "map parts (GET /screen/map/<district>/areas.json)": (
            "  naive: the streets' figures from the raw tables",
            NAIVE_AREAS,
        ),
        "map markers (GET …/cases.json?bbox=…)": (
            "  naive: open cases per grid from the case table",
            NAIVE_MARKERS,
        ),
    }

    def run_sql(script: str) -> int:
        size = 0
        with connection.cursor() as cur:
            for sql in script.strip().split(";"):
                if sql.strip():
                    cur.execute(sql, params)
                    size += len(json.dumps(cur.fetchall(), default=str))
        return size

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_resident")
        n_res = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM registry_house")
        n_houses = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_case")
        n_cases = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM cases_case WHERE state NOT IN ('closed','rejected','merged')"
        )
        n_open = cur.fetchone()[0]
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; PostgreSQL; "
        f"{n_res:,} residents, {n_houses:,} houses, {n_cases:,} cases ({n_open:,} open), "
        f"{Area.objects.filter(level=Level.GRID).count()} grids; load average before: {loadavg()}"
    )
    print(f"{'':58} {'median ms':>10} {'p95 ms':>8} {'bytes':>10}")
    # The page's static files are not collected here: plain storage for the first render.
    plain = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES={**django.conf.settings.STORAGES, **plain}):
        for label, target in endpoints:
            response = client.get(target)
            assert response.status_code == 200, (target, response.status_code)
            median, p95 = measure(lambda t=target: client.get(t), args.repeat)  # type: ignore[misc]
            print(f"{label:58} {median:10.1f} {p95:8.1f} {len(response.content):10,}")
            if label in naive:
                text, script = naive[label]
                size = run_sql(script)
                median, p95 = measure(lambda s=script: run_sql(s), max(5, args.repeat // 5))  # type: ignore[misc]
                print(f"{text:58} {median:10.1f} {p95:8.1f} {size:10,}")
    size = run_sql(RAW_POINTS)
    median, p95 = measure(lambda: run_sql(RAW_POINTS), 5)
    print(
        f"{'unaggregated: every house and open case as points':58} {median:10.1f} {p95:8.1f} {size:10,}"
    )
    print(f"load average after: {loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
