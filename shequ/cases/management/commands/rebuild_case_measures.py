"""Recompute the measures' rollups (CaseMeasure, CaseMeasureMonth, CaseMeasureOpen and each
case's entry) from the cases and their assignments: after a restore, a hand edit in the
database, a bulk load, or to check that the counts kept by the services are right."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from shequ.cases import measures


class Command(BaseCommand):
    help = "Recompute the case measures' rollups from scratch."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        daily, monthly = measures.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"{daily} daily and {monthly} monthly rollup rows rebuilt "
                f"in {time.monotonic() - started:.1f} s"
            )
        )
