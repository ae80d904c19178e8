"""The measures' rollup tables (考核指标, design guide §12, DHIS2's analytics tables): counts
kept current by ``shequ.cases.measures`` inside each transition's transaction and rebuilt
from the raw tables by ``manage.py rebuild_case_measures``. docs/measures.md defines every
count and rate; decisions 0020 and 0033 explain the tables."""

from __future__ import annotations

import datetime as dt

from django.db import models

from shequ.core.paths import AreaPathField

# Every count a case contributes, in the order of the tables' columns. docs/measures.md says
# on which day each is counted.
COUNTS: tuple[str, ...] = (
    # On the day the case was registered (the cohort of the period's intake).
    "received",
    "city_level",
    "accepted",
    "dispatched",
    "responded",
    "responded_on_time",
    # On the day the case left the open states (closed, rejected or merged).
    "finished",
    # On the day the case was closed.
    "closed",
    "closed_on_time",
    "reworked",
    "extended",
    "reached",
    "resolved_yes",
    "rated",
    "satisfied",
    "satisfaction_sum",
    # On the day the case fell due: its deadline's day, or the day it closed if earlier.
    "due_closed",
    "due_open",
    "overdue_closed",
)


class _Counts(models.Model):
    received = models.IntegerField(default=0)
    city_level = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    responded_on_time = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    reached = models.IntegerField(default=0)
    resolved_yes = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    satisfaction_sum = models.IntegerField(default=0)
    due_closed = models.IntegerField(default=0)
    due_open = models.IntegerField(default=0)
    overdue_closed = models.IntegerField(default=0)

    class Meta:
        abstract = True


class CaseMeasure(_Counts):
    """Counts per day and per the case's own area (its full path), lead department (0: none
    yet), category, level and channel. Read by area path prefix, so a street's figures are the
    sum over its rows; the command screen reads the same table. The key's index leads with
    the day, so a few days of a whole district are a short index range."""

    day = models.DateField()
    # Indexed on its own too: the command screen reads a small area's days by path.
    area_path = AreaPathField()
    department_id = models.IntegerField(default=0)  # the lead department; 0 = none
    category_id = models.IntegerField()
    level = models.CharField(max_length=10)
    channel = models.CharField(max_length=20)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("day", "area_path", "department_id", "category_id", "level", "channel"),
                name="case_measure_key",
            ),
        )

    def __str__(self) -> str:
        return f"{self.day} {self.area_path}"


class CaseMeasureMonth(_Counts):
    """The same counts per month and per area at every level above and including the case's
    (so a district's month is a handful of rows, not a scan), split one dimension at a time:
    ``dim`` is "" (all), "category", "level" or "channel" and ``value`` that dimension's value.
    The page reads whole months here and only the days of a partial month from CaseMeasure."""

    month = models.DateField()  # the first day of the month
    area_path = AreaPathField(db_index=False)
    department_id = models.IntegerField(default=0)
    dim = models.CharField(max_length=10, blank=True)
    value = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("area_path", "dim", "month", "department_id", "value"),
                name="case_measure_month_key",
            ),
        )

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.area_path} {self.dim}={self.value}"


# The counts of CaseMeasureOpen.
OPEN_COUNTS: tuple[str, ...] = ("received", "finished", "due_open")

# The day of the stock rows of CaseMeasureOpen: after every deadline, so that the stock
# and the deadlines from today on are one range of the table's key.
STOCK_DAY = dt.date.max


class CaseMeasureOpen(models.Model):
    """What is open now, per area at every level above and including the case's, lead
    department, and one dimension (as CaseMeasureMonth), so that the page needs neither a
    running sum over every month nor a scan of the daily table (decision 0033):

    - the stock row (``day`` = STOCK_DAY): ``received`` and ``finished`` over all days, so the
      cases open now are their difference, and those open at the end of a past period that
      minus what was received and finished after it;
    - the rows of a deadline (any other ``day``): ``due_open``, the open, not suspended cases
      whose deadline is that day (the daily table's due_open summed up the areas); the page
      reads the days from today on, the deadlines not passed yet, which are not due.

    Kept by the same events and rebuilt by the same command as the other two tables."""

    area_path = AreaPathField(db_index=False)
    dim = models.CharField(max_length=10, blank=True)
    day = models.DateField()
    department_id = models.IntegerField(default=0)
    value = models.CharField(max_length=20, blank=True)
    received = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    due_open = models.IntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("area_path", "dim", "day", "department_id", "value"),
                name="case_measure_open_key",
            ),
        )

    def __str__(self) -> str:
        return f"{self.area_path} {self.dim}={self.value} {self.day}"


class CaseMeasureEntry(models.Model):
    """What one case adds to the rollups now: the next event subtracts it and adds the new
    contribution, whatever fields the event changed (area, department, deadline …)."""

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # [area_path, department_id, category_id, level, channel]
    key = models.JSONField()
    # {"2026-11-03": {"received": 1, ...}, ...}
    days = models.JSONField()

    def __str__(self) -> str:
        return str(self.case_id)
