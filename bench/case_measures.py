"""The measures page (考核指标) over a million cases: the selector and the whole page for a
district, a street and a community over this month, last month, this quarter (to date) and
this year, p50/p95 over the requests, next to the naive aggregate over the raw case table
and a trivial view in the same run; the load average before and after.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE shequ_bench_measures"
    .venv/bin/python bench/case_measures.py --cases 1000000 --scale 20 \\
        --database postgres://postgres@127.0.0.1:5432/shequ_bench_measures

Seeds the demo areas (``--scale`` streets, no register) and the cases (bench/case_data.py,
COPY) when the database has fewer, then builds the rollups with rebuild_case_measures."""

from __future__ import annotations

import argparse
import datetime as dt
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


def measure(label: str, fn: Callable[[], object], repeat: int) -> tuple[str, float, float, int]:
    fn()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[max(0, round(len(samples) * 0.95) - 1)]
    return label, statistics.median(samples), p95, repeat


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--scale", type=int, default=20, help="streets to generate")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--naive-repeat", type=int, default=10)
    parser.add_argument(
        "--periods",
        default="this_month,last_month,quarter,year",
        help="comma-separated: this_month, last_month, quarter (this quarter to date), year",
    )
    parser.add_argument("--group", default="area", help="what the rows are: area, category …")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SHEQU_VAR_DIR"] = str(ROOT / "var" / "bench")
    os.environ["DATABASE_URL"] = (
        args.database or f"sqlite:///{ROOT / 'var' / 'bench' / 'measures.sqlite3'}"
    )
    os.environ["SHEQU_OTP_REQUIRED_ROLES"] = ""
    os.environ["SHEQU_DEMO"] = "1"
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.db.models import Count, Q  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import setup_test_environment  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from bench.case_data import generate_cases  # noqa: PLC0415
    from shequ.accounts.models import Membership, User  # noqa: PLC0415
    from shequ.accounts.roles import Role  # noqa: PLC0415
    from shequ.areas.models import Area, Level  # noqa: PLC0415
    from shequ.cases.models import Case, CaseMeasure, CaseMeasureMonth  # noqa: PLC0415
    from shequ.cases.selectors_measures import measures_report, period_of  # noqa: PLC0415
    from shequ.core.paths import within  # noqa: PLC0415
    from shequ.demo import generate  # noqa: PLC0415

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if Area.objects.filter(level=Level.STREET).count() < args.scale:
        print(f"seeding {args.scale} streets …", flush=True)
        generate(scale=args.scale, register=0)
    have = Case.objects.count()
    if have < args.cases:
        print(f"writing {args.cases - have:,} cases …", flush=True)
        started = time.monotonic()
        generate_cases(args.cases - have)
        print(f"  {time.monotonic() - started:.0f} s", flush=True)
    if not CaseMeasure.objects.exists() or have < args.cases:
        print("rebuilding the rollups …", flush=True)
        started = time.monotonic()
        call_command("rebuild_case_measures")
        print(f"  {time.monotonic() - started:.0f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    district = Area.objects.get(code="530114")
    street = Area.objects.get(code="530114090")
    community = Area.objects.get(code="530114090001")
    boss, _ = User.objects.get_or_create(username="bench_measures", defaults={"full_name": "测"})
    if not boss.memberships.exists():
        Membership.objects.create(
            user=boss,
            role=Role.STREET_DISPATCHER,
            area=district,
            area_path=district.area_path,
            valid_from=dt.date(2000, 1, 1),
        )
    client = Client()
    client.force_login(boss)

    today = timezone.localdate()
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)

    def period_for(kind: str) -> Any:
        if kind == "quarter":
            return period_of("custom", quarter_start, today)
        return period_of(kind)

    def query(kind: str) -> str:
        if kind == "quarter":
            return f"period=custom&start={quarter_start}&end={today}"
        return f"period={kind}"

    group = args.group

    def selector(area: Area, kind: str) -> Callable[[], object]:
        period = period_for(kind)
        return lambda: measures_report(area=area, period=period, group=group, departments=None)

    def page(area: Area, kind: str) -> Callable[[], object]:
        url = f"/measures/?area={area.pk}&{query(kind)}&group={group}"

        def run() -> object:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        return run

    def naive(area: Area, kind: str) -> Callable[[], object]:
        """The same counts straight from the case table: one grouped aggregate per request."""
        period = period_for(kind)
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(period.start, dt.time.min, tz)
        end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tz)
        received = Q(created_at__gte=start, created_at__lt=end)
        closed = Q(state="closed", closed_at__gte=start, closed_at__lt=end)
        due = Q(resolve_by__gte=start, resolve_by__lt=end) | closed
        qs = Case.objects.filter(within("area_path", [area.area_path])).filter(received | due)

        def run() -> object:
            return list(
                qs.values("level").annotate(
                    received=Count("pk", filter=received),
                    accepted=Count("pk", filter=received & Q(accepted_at__isnull=False)),
                    dispatched=Count("pk", filter=received & Q(dispatched_at__isnull=False)),
                    closed=Count("pk", filter=closed),
                    on_time=Count("pk", filter=closed & Q(closed_on_time=True)),
                    reworked=Count("pk", filter=closed & Q(rework_count__gt=0)),
                    extended=Count("pk", filter=closed & Q(extended=True)),
                    due=Count("pk", filter=due),
                    satisfied=Count("pk", filter=closed & Q(satisfaction__gte=4)),
                    rated=Count("pk", filter=closed & Q(satisfaction__isnull=False)),
                )
            )

        return run

    load_before = os.getloadavg()
    rows = [
        measure("baseline: GET /health (trivial view)", lambda: client.get("/health"), args.repeat)
    ]
    for kind in args.periods.split(","):
        for label, area in (("district", district), ("street", street), ("community", community)):
            rows.append(measure(f"selector {label} {kind}", selector(area, kind), args.repeat))
            rows.append(measure(f"GET /measures/ {label} {kind}", page(area, kind), args.repeat))
            rows.append(
                measure(
                    f"naive aggregate over cases {label} {kind}",
                    naive(area, kind),
                    args.naive_repeat,
                )
            )
    rows.append(measure("baseline: GET /health again", lambda: client.get("/health"), args.repeat))
    load_after = os.getloadavg()
    try:  # the "open now" table (decision 0033); absent when measuring the code before it
        from shequ.cases.models import CaseMeasureOpen  # noqa: PLC0415

        open_rows = f", {CaseMeasureOpen.objects.count():,} open-now"
    except ImportError:
        open_rows = ""
    print(
        f"\n{connection.vendor} · {Case.objects.count():,} cases · "
        f"{CaseMeasure.objects.count():,} daily, {CaseMeasureMonth.objects.count():,} monthly"
        f"{open_rows} rollup rows · {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()} · group by {group} · today {today}"
    )
    print(
        "load average (1, 5, 15 min) before: "
        + " ".join(f"{x:.2f}" for x in load_before)
        + " · after: "
        + " ".join(f"{x:.2f}" for x in load_after)
    )
    cases_in = {
        label: Case.objects.filter(within("area_path", [a.area_path])).count()
        for label, a in (("district", district), ("street", street), ("community", community))
    }
    print("cases in: " + ", ".join(f"{k} {v:,}" for k, v in cases_in.items()))
    print(f"{'measure':52} {'n':>4} {'p50 ms':>9} {'p95 ms':>9}")
    for label, median, p95, n in rows:
        print(f"{label:52} {n:4d} {median:9.1f} {p95:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
