"""Run the deadline sweep and send due webhooks: once (from cron or a systemd timer), or in
a loop next to ``db_worker`` (``--every 60``). Any number may run at once (decision 0018)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from shequ.cases import sweep, webhooks

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Warn before case deadlines, mark overdue cases and check-ins, escalate them to the "
        "street, and send due webhooks. Safe to run in several processes at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, one pass every SECONDS (0: one pass and exit).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every: int = options["every"]
        stop = threading.Event()
        if every > 0:
            # Finish the pass in hand, then stop (systemd and the demo send SIGTERM).
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
        while True:
            try:
                result = sweep.run_sweep()
                sent = webhooks.deliver_due()
            except Exception:
                if every <= 0:
                    raise
                # The database restarting, say: keep the loop, try again at the next pass.
                log.exception("sweep pass failed")
            else:
                if options["verbosity"] > 1 or every == 0:
                    self.stdout.write(f"sweep: {result}; webhooks: {sent}")
            if every <= 0 or stop.wait(every):
                break
            # A long-lived loop: drop connections the database closed or that are too old.
            close_old_connections()
