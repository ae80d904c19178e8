"""Serve the demo: the web server (gunicorn), the background worker and the deadline sweep
(once a minute), stopped together with Ctrl-C. Run by `make demo` after migrations and the
demo data are in place."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker"], cwd=ROOT, env=env)
    # Deadlines warned, marked overdue and escalated, webhooks retried (decision 0018).
    sweeper = subprocess.Popen(
        [sys.executable, "manage.py", "sweep_deadlines", "--every", "60"], cwd=ROOT, env=env
    )
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
    )
    print(
        f"\nShequ demo: http://{args.host}:{args.port}/  (Ctrl-C stops the server, the worker and the sweep)\n",
        flush=True,
    )
    children = (server, worker, sweeper)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [
        child.returncode for child in children if child.returncode not in (0, -signal.SIGTERM, None)
    ]
    return 0 if stopping or not failed else 1


if __name__ == "__main__":
    sys.exit(main())
