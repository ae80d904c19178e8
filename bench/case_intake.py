"""Case intake under load: ``POST /api/v1/cases/`` served by gunicorn (gthread) on PostgreSQL
at concurrency 16, next to a trivial view (``GET /health``) on the same server in the same
run — requests/s and p50/p99 latency of each. Each POST carries its own Idempotency-Key.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE shequ_bench_intake"
    .venv/bin/python bench/case_intake.py --database postgres://postgres@127.0.0.1:5432/shequ_bench_intake

It seeds the demo street (no register) when the database is empty, starts gunicorn on a free
port (``--workers``, ``--threads``), logs in as the demo community staff login through the
login page and fires ``--requests`` requests from ``--concurrency`` client threads: /health,
the POSTs, /health again, then both again in ``--rounds`` alternating slices (the machine is
shared: what other load there is falls on both alike), with the load average between phases.
A ``manage.py db_worker`` runs beside gunicorn throughout, as in production: a new case's
measures are its work (decision 0035); the bench says how many of those tasks were waiting
when the POSTs ended and how long the worker took to finish them. With
``--base-url`` it measures a server that is already running (and seeded) instead. Where the
API endpoint is missing (404/405) it says so and measures, as a stand-in, ``case_register``
called directly in this process (no HTTP), so the service's own rate is known."""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEMO_PASSWORD = "Shequ-demo-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Session:
    """One keep-alive connection with the login's cookies."""

    def __init__(self, base: str, cookies: dict[str, str]) -> None:
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.cookies = dict(cookies)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        hdrs = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                response = self.conn.getresponse()
                data = response.read()
                for header in response.headers.get_all("Set-Cookie") or []:
                    cookie = SimpleCookie(header)
                    for key, morsel in cookie.items():
                        self.cookies[key] = morsel.value
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError


def login(base: str, username: str) -> dict[str, str]:
    session = Session(base, {})
    status, page = session.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert status == 200, status
    assert token, "no CSRF token on the login page"
    body = urllib.parse.urlencode(
        {
            "username": username,
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": token.group(1).decode(),
        }
    ).encode()
    status, _ = session.request(
        "POST",
        "/accounts/login/",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": base + "/accounts/login/"},
    )
    assert status == 302, f"login failed: {status}"
    return session.cookies


def load(
    base: str,
    cookies: dict[str, str],
    make: Callable[[int], tuple[str, str, bytes | None, dict[str, str]]],
    total: int,
    concurrency: int,
) -> tuple[float, list[float], dict[int, int]]:
    """Fire ``total`` requests from ``concurrency`` threads; (requests/s, latencies ms, statuses)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        session = Session(base, cookies)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            method, path, body, headers = make(n)
            started = time.perf_counter()
            status, _ = session.request(method, path, body, headers)
            took = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(took)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return total / elapsed, sorted(latencies), statuses


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def pending_measures() -> int:
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415

    return (
        DBTaskResult.objects.filter(task_path__endswith="record_case_measures")
        .exclude(status__in=("SUCCESSFUL", "FAILED"))
        .count()
    )


def measured_received() -> int:
    from django.db.models import Sum  # noqa: PLC0415

    from shequ.cases.models import CaseMeasure  # noqa: PLC0415

    return int(CaseMeasure.objects.aggregate(n=Sum("received"))["n"] or 0)


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, max(0, round(len(values) * p) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--base-url", default="", help="measure this running server instead")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--user", default="community")
    parser.add_argument("--rounds", type=int, default=5, help="alternating slices after")
    parser.add_argument("--service-loop", type=int, default=500, help="direct case_register calls")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure POST /bench/floor/ in the slices (bench/floor_urls.py)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SHEQU_VAR_DIR"] = str(ROOT / "var" / "bench")
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    os.environ["SHEQU_OTP_REQUIRED_ROLES"] = ""
    os.environ["SHEQU_DEMO"] = "1"
    os.environ.setdefault("SHEQU_LOGIN_FAILURE_LIMIT", "1000")
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415

    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.areas.models import Area, Level  # noqa: PLC0415
    from shequ.cases.models import Case, Category  # noqa: PLC0415
    from shequ.demo import generate  # noqa: PLC0415

    server = worker = None
    base = args.base_url.rstrip("/")
    if not base:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not Area.objects.filter(level=Level.STREET).exists():
            print("seeding the demo street …", flush=True)
            generate(scale=1, register=0)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "bench.floor_settings"
                if args.floor
                else "config.settings",
            },
            stderr=subprocess.DEVNULL,
        )
        # The background worker, as in production: a new case's measures are its work
        # (decision 0035), so it runs, on the same cores, through every phase.
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
    try:
        grid = Area.objects.get(code="530114090001001")
        category = Category.objects.get(code="0301")
        cookies = login(base, args.user)
        csrf = cookies.get("csrftoken", "")
        run_id = uuid.uuid4().hex[:8]

        def health(n: int) -> tuple[str, str, bytes | None, dict[str, str]]:
            return "GET", "/health", None, {}

        numbers = itertools.count()  # one key per POST across every phase (next() is atomic)

        def create(_: int) -> tuple[str, str, bytes | None, dict[str, str]]:
            n = next(numbers)
            body = {
                "channel": "hotline_12345",
                "category": category.code,
                "level": "routine",
                "title": f"路灯不亮 {n}",
                "description": "洛龙路与春融街交叉口往东第三盏路灯连续三晚不亮。",
                "area": grid.pk,
                "reporter_name": "王秀英",
                "reporter_phone": "13812345678",
            }
            return (
                "POST",
                "/api/v1/cases/",
                json.dumps(body, ensure_ascii=False).encode(),
                {
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"bench-{run_id}-{n}",
                    "X-CSRFToken": csrf,
                    "Referer": base + "/",
                },
            )

        def floor(n: int) -> tuple[str, str, bytes | None, dict[str, str]]:
            body = {"title": f"路灯不亮 {n}", "description": "洛龙路与春融街交叉口往东第三盏路灯。"}
            return (
                "POST",
                "/bench/floor/",
                json.dumps(body, ensure_ascii=False).encode(),
                {"Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": base + "/"},
            )

        probe = create(-1)
        probe_status, probe_body = Session(base, cookies).request(*probe)
        api_ok = probe_status in (200, 201)
        before = Case.objects.count()
        received_before = measured_received()
        loads = [loadavg()]
        trivial = load(base, cookies, health, args.requests, args.concurrency)
        loads.append(loadavg())
        rows = [("GET /health (trivial view)", trivial)]
        backlog = drained = None
        if api_ok:
            rows.append(
                (
                    "POST /api/v1/cases/",
                    load(base, cookies, create, args.requests, args.concurrency),
                )
            )
            loads.append(loadavg())
            backlog = pending_measures()
            rows.append(
                ("GET /health again", load(base, cookies, health, args.requests, args.concurrency))
            )
            loads.append(loadavg())
            # The same again in alternating slices, so that the other load on the machine
            # (it is shared) falls on both alike: the steadier ratio.
            mixed: dict[str, list[tuple[float, list[float], dict[int, int]]]] = {
                "h": [],
                "p": [],
                "f": [],
            }
            share = max(1, args.requests // args.rounds)
            for _ in range(args.rounds):
                mixed["h"].append(load(base, cookies, health, share, args.concurrency))
                mixed["p"].append(load(base, cookies, create, share, args.concurrency))
                if args.floor:
                    mixed["f"].append(load(base, cookies, floor, share, args.concurrency))
            loads.append(loadavg())
            sliced = [
                (f"GET /health, {args.rounds} slices", "h"),
                (f"POST, {args.rounds} slices between", "p"),
            ]
            if args.floor:
                sliced.append((f"POST /bench/floor/, {args.rounds} slices between", "f"))
            for label, key in sliced:
                parts = mixed[key]
                seconds = sum(share / rate for rate, _, _ in parts)
                statuses: dict[int, int] = {}
                for _, _, st in parts:
                    for code, n in st.items():
                        statuses[code] = statuses.get(code, 0) + n
                latencies = sorted(x for _, lat, _ in parts for x in lat)
                rows.append((label, (share * len(parts) / seconds, latencies, statuses)))
            if worker is not None:
                started = time.perf_counter()
                while pending_measures() and time.perf_counter() - started < 600:
                    time.sleep(0.5)
                drained = time.perf_counter() - started
        made = Case.objects.count() - before
        print(
            f"\n{connection.vendor} · gunicorn gthread {args.workers}×{args.threads} · concurrency "
            f"{args.concurrency} · {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        print(f"{'measure':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
        for label, (rate, lat, statuses) in rows:
            print(
                f"{label:34} {rate:8.1f} {statuses and pct(lat, 0.5):8.1f} {pct(lat, 0.99):8.1f}  {statuses}"
            )
        print("load average (1 min) before / after each phase: " + " → ".join(loads))
        if api_ok:
            posts = args.requests + max(1, args.requests // args.rounds) * args.rounds
            print(f"cases created: {made:,} by {posts:,} POSTs")
            first, again = trivial[0], rows[2][1][0]
            print(
                f"intake ÷ trivial: {rows[1][1][0] / first:.2f} against the first /health phase, "
                f"{rows[1][1][0] / again:.2f} against the second, "
                f"{rows[1][1][0] / ((first + again) / 2):.2f} against their mean; "
                f"in alternating slices: {rows[4][1][0] / rows[3][1][0]:.2f}"
            )
            if args.floor:
                print(
                    f"floor (one ORM row, DRF, same middleware) ÷ trivial in the slices: "
                    f"{rows[5][1][0] / rows[3][1][0]:.2f}; intake ÷ floor: "
                    f"{rows[4][1][0] / rows[5][1][0]:.2f}"
                )
            if worker is not None:
                print(
                    f"measures tasks waiting at the end of the POST phase: {backlog:,}; all done "
                    f"{drained:.1f} s after the last phase; cases received by the "
                    f"measures meanwhile: {measured_received() - received_before:,} "
                    f"(pending now: {pending_measures():,})"
                )
        else:
            print(
                f"POST /api/v1/cases/ answered {probe_status} ({probe_body[:80]!r}): the endpoint is "
                "not in this build; rerun with --base-url against a build that has it."
            )
        if args.service_loop:
            from shequ.cases import measures  # noqa: PLC0415
            from shequ.cases.services import case_register  # noqa: PLC0415

            actor = User.objects.get(username=args.user)

            def loop(label: str, *, inline: bool) -> None:
                samples = []
                started = time.perf_counter()
                for n in range(args.service_loop):
                    t = time.perf_counter()
                    case = case_register(
                        actor=actor,
                        channel="hotline_12345",
                        category=category,
                        title=f"路灯不亮 {n}",
                        description="洛龙路与春融街交叉口往东第三盏路灯连续三晚不亮。",
                        area=grid,
                        reporter_name="王秀英",
                        reporter_phone="13812345678",
                    ).case
                    if inline:
                        measures.record(case)
                    samples.append((time.perf_counter() - t) * 1000)
                rate = args.service_loop / (time.perf_counter() - started)
                samples.sort()
                print(
                    f"case_register in-process, one thread{label}: {rate:.1f} cases/s, "
                    f"p50 {statistics.median(samples):.1f} ms, p99 {pct(samples, 0.99):.1f} ms"
                )

            # The measures' share of intake: the same loop with the rollup update inline (as it
            # was before decision 0035; the worker's task then finds nothing left to do).
            loop(", measures left to the worker", inline=False)
            loop(", measures recorded inline", inline=True)
            loop(", measures left to the worker (again)", inline=False)
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
