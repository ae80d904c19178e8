"""CPU per request of case intake in the web process, next to /health: no HTTP server, no
other processes — the Django test client in one thread against the bench database, timed
with ``time.process_time`` in alternating rounds. On a shared two-core machine this is a
steadier instrument than the load test (bench/case_intake.py), whose phases move by ±30 %.

    .venv/bin/python bench/intake_cpu.py --database postgres://postgres@127.0.0.1:5432/shequ_bench_intake

The database must have been seeded by bench/case_intake.py. Each POST enqueues its measures
task and no worker runs here: run bench/case_intake.py (its worker drains them) before
measuring with it again, or its worker starts behind.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--requests", type=int, default=200, help="of each kind")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--user", default="community")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SHEQU_VAR_DIR"] = str(ROOT / "var" / "bench")
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    os.environ["SHEQU_OTP_REQUIRED_ROLES"] = ""
    os.environ["SHEQU_DEMO"] = "1"
    import django  # noqa: PLC0415

    django.setup()
    from django.conf import settings  # noqa: PLC0415
    from django.db import connection, reset_queries  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.areas.models import Area  # noqa: PLC0415

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    grid = Area.objects.get(code="530114090001001")

    def post(n: int) -> None:
        body = {
            "channel": "hotline_12345",
            "category": "0301",
            "level": "routine",
            "title": f"路灯不亮 {n}",
            "description": "洛龙路与春融街交叉口往东第三盏路灯连续三晚不亮。",
            "area": grid.pk,
            "reporter_name": "王秀英",
            "reporter_phone": "13812345678",
        }
        response = client.post(
            "/api/v1/cases/",
            data=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.content

    def health(_: int) -> None:
        assert client.get("/health").status_code == 200

    kinds: dict[str, Callable[[int], None]] = {"health": health, "post": post}
    for run in kinds.values():  # warm up: imports, first compilations, the memos
        for n in range(20):
            run(n)
    per_round = max(1, args.requests // args.rounds)
    cpu: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(args.rounds):
        for name, run in kinds.items():
            started = time.process_time()
            for n in range(per_round):
                run(n)
            cpu[name].append((time.process_time() - started) / per_round * 1000)
    settings.DEBUG = True  # to count the statements of one more of each
    counts = {}
    for name, run in kinds.items():
        reset_queries()
        run(0)
        counts[name] = len(connection.queries)
    mean = {name: sum(values) / len(values) for name, values in cpu.items()}
    for name in kinds:
        rounds = ", ".join(f"{v:.1f}" for v in cpu[name])
        print(
            f"{name:7} CPU {mean[name]:6.2f} ms/request (rounds {rounds}), "
            f"{counts[name]} statements"
        )
    print(f"POST ÷ /health in CPU: {mean['post'] / mean['health']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
