"""Background work of the dashboards: the monthly reports, on the 1st of each month."""

from __future__ import annotations

from django.tasks import task

from shequ.dashboards import period, reports


@task
def generate_monthly_reports(month: str) -> int:
    """Every report of ``month`` ("2026-10") not made yet; returns how many were made."""
    return reports.generate(period.Month.parse(month))
