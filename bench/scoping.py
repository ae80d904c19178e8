"""Scoping at city scale: how long "what may this user see" takes, next to baselines measured
in the same run (a raw SQL range query on the same index, and a trivial view).

    .venv/bin/python bench/scoping.py --scale 200 --database postgres://postgres@127.0.0.1:5432/shequ_bench

The database is created and seeded with the demo generator when it is empty (the seed is
deterministic, so repeated runs measure the same data)."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(label: str, fn: Callable[[], object], repeat: int) -> tuple[str, float, float]:
    fn()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=200, help="streets to generate")
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", ""),
        help="DATABASE_URL (default: a SQLite file in var/bench)",
    )
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SHEQU_VAR_DIR"] = str(ROOT / "var" / "bench")
    os.environ["DATABASE_URL"] = (
        args.database or f"sqlite:///{ROOT / 'var' / 'bench' / f'scoping-{args.scale}.sqlite3'}"
    )
    os.environ["SHEQU_OTP_REQUIRED_ROLES"] = ""
    os.environ["SHEQU_DEMO"] = "1"  # the generator refuses to seed anything else
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import setup_test_environment  # noqa: PLC0415

    from shequ.accounts.models import Membership, User  # noqa: PLC0415
    from shequ.accounts.roles import Perm  # noqa: PLC0415
    from shequ.accounts.scope import forget_scope, scope_of  # noqa: PLC0415
    from shequ.areas.models import Area, Level  # noqa: PLC0415
    from shequ.core.paths import subtree_upper  # noqa: PLC0415
    from shequ.demo import generate  # noqa: PLC0415

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if Area.objects.filter(level=Level.STREET).count() < args.scale:
        print(f"seeding {args.scale} streets …", flush=True)
        generate(scale=args.scale, register=0)  # areas and people only: scoping is what is measured
    areas, users, memberships = (
        Area.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    )
    admin = User.objects.get(username="admin")
    worker = User.objects.get(username="gridworker")
    street = Area.objects.get(code="530114090")
    path = scope_of(admin).paths_with(Perm.AREA_VIEW)
    district_path = next(iter(path))

    def raw_range() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM areas_area WHERE area_path >= %s AND area_path < %s",
                [district_path, subtree_upper(district_path)],
            )
            return cursor.fetchone()

    def scoped_count(user: User) -> Callable[[], object]:
        def run() -> object:
            forget_scope(user)
            return Area.objects.visible_to(user).count()

        return run

    def scoped_memberships() -> object:
        forget_scope(admin)
        return Membership.objects.visible_to(admin).count()

    client = Client()
    client.force_login(admin)
    worker_client = Client()
    worker_client.force_login(worker)
    detail = f"/areas/{street.pk}/"
    grid_detail = f"/areas/{Area.objects.get(code='530114090001001').pk}/"
    rows = [
        measure("baseline: raw SQL range count over the district", raw_range, args.repeat),
        measure(
            "Area.visible_to(administrator).count() (scope built each time)",
            scoped_count(admin),
            args.repeat,
        ),
        measure(
            "Area.visible_to(grid worker).count() (scope built each time)",
            scoped_count(worker),
            args.repeat,
        ),
        measure("Membership.visible_to(administrator).count()", scoped_memberships, args.repeat),
        measure(
            "baseline: GET /health (trivial view, full middleware)",
            lambda: client.get("/health"),
            args.repeat,
        ),
        measure(
            f"GET {detail} street page as administrator",
            lambda: client.get(detail),
            max(20, args.repeat // 4),
        ),
        measure(
            f"GET {grid_detail} grid page as grid worker",
            lambda: worker_client.get(grid_detail),
            max(20, args.repeat // 4),
        ),
    ]
    print(
        f"\n{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''} · "
        f"{areas:,} areas, {users:,} users, {memberships:,} memberships · "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'measure':70} {'median ms':>10} {'p95 ms':>8}")
    for label, median, p95 in rows:
        print(f"{label:70} {median:10.2f} {p95:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
