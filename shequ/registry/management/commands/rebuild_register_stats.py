"""Recompute every register rollup from the register itself: after a restore, a hand edit in
the database, or to check that the counts kept by the services are right."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequ.registry import stats


class Command(BaseCommand):
    help = "Recompute the register's per-area counts (RegisterStat) from scratch."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = stats.rebuild()
        self.stdout.write(self.style.SUCCESS(f"{rows} rollup rows rebuilt"))
