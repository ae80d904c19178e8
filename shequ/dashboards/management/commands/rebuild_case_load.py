"""Recompute the command screen's open-case load and emergency feed from the cases: after a
restore, a bulk load, or to check the counts the services keep."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequ.dashboards import load


class Command(BaseCommand):
    help = "Recompute the open cases per area and level (CaseLoad) and the emergency feed."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = load.rebuild()
        self.stdout.write(self.style.SUCCESS(f"{rows} load rows rebuilt"))
