"""Delete API idempotency keys older than a day (decision 0022): run it daily, e.g. from
cron or a systemd timer. A client retrying after that is treated as sending a new request
(an intake repeated with the same external reference is still one case)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequ.cases.idempotency import KEEP_HOURS, prune_keys


class Command(BaseCommand):
    help = "Delete case API idempotency keys older than --hours (default 24)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=KEEP_HOURS)

    def handle(self, *args: Any, **options: Any) -> None:
        hours = max(1, int(options["hours"]))
        deleted = prune_keys(older_than=dt.timedelta(hours=hours))
        self.stdout.write(f"deleted {deleted} idempotency keys older than {hours} h")
