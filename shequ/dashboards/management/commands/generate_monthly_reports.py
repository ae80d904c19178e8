"""Generate the monthly reports (月报) of every area and department for a month: cron runs it
on the 1st (``--enqueue``: the worker does the work); by hand it runs at once. A report
already made is kept as it is, so running it twice makes each report once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shequ.dashboards import period, reports, tasks


class Command(BaseCommand):
    help = "Generate the monthly reports of a month (default: last month)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM; default: the month before this one")
        parser.add_argument(
            "--enqueue", action="store_true", help="leave the work to the background worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = options.get("month")
        try:
            month = period.Month.parse(raw) if raw else period.previous_month(timezone.now())
        except ValueError:
            msg = f"--month: expected YYYY-MM, got {raw!r}"
            raise CommandError(msg) from None
        label = month.first.strftime("%Y-%m")
        if options["enqueue"]:
            tasks.generate_monthly_reports.enqueue(label)
            self.stdout.write(f"reports of {label} queued for the worker")
            return
        made = reports.generate(month)
        self.stdout.write(self.style.SUCCESS(f"{made} reports of {label} generated"))
