"""Deadlines in hours or in working days, with the holiday calendar kept as data
(``CalendarDay``: public holidays and the weekend days worked to make up for them).

A deadline of N working days ends at 24:00 (Asia/Shanghai) of the N-th working day after the
day the clock starts; N hours are N clock hours (emergencies do not wait for Monday).
Decision 0014 has the reasons and how a category's and a level's deadlines combine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from shequ.cases.models import CalendarDay, CaseLevel, Category, DayKind, DeadlinePolicy, TimeUnit

# The seeded policies, and the deadlines when a level has no policy row: level, accept or
# check in within (amount, unit), resolve within (amount, unit), warn hours before.
DEFAULT_POLICIES: tuple[tuple[str, int, str, int, str, int], ...] = (
    (CaseLevel.ROUTINE, 24, TimeUnit.HOURS, 5, TimeUnit.WORKING_DAYS, 8),
    (CaseLevel.KEY, 4, TimeUnit.HOURS, 3, TimeUnit.WORKING_DAYS, 4),
    (CaseLevel.EMERGENCY, 1, TimeUnit.HOURS, 24, TimeUnit.HOURS, 2),
)
# Far enough to find N working days after any start even across the Spring Festival.
_LOOKAHEAD_DAYS = 40


@dataclass(frozen=True)
class Rule:
    amount: int
    unit: str

    def after(self, start: dt.datetime) -> dt.datetime:
        if self.unit == TimeUnit.HOURS:
            return start + dt.timedelta(hours=self.amount)
        return end_of_working_day(start, self.amount)


@dataclass(frozen=True)
class Deadlines:
    respond: Rule
    resolve: Rule
    warn: dt.timedelta


class Calendar:
    """The working days around a date, read once from the calendar table."""

    def __init__(self, start: dt.date, days: int) -> None:
        rows = CalendarDay.objects.filter(
            day__gte=start, day__lte=start + dt.timedelta(days=days)
        ).values_list("day", "kind")
        self.special = dict(rows)

    def is_working(self, day: dt.date) -> bool:
        kind = self.special.get(day)
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return Calendar(day, 0).is_working(day)


def working_days_after(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    calendar = Calendar(start, count * 2 + _LOOKAHEAD_DAYS)
    day = start
    found = 0
    while found < count:
        day += dt.timedelta(days=1)
        if calendar.is_working(day):
            found += 1
    return day


def end_of_working_day(start: dt.datetime, count: int) -> dt.datetime:
    local = timezone.localtime(start)
    day = working_days_after(local.date(), count) if count > 0 else local.date()
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(midnight, timezone.get_current_timezone())


def _category_rule(category: Category | None, attr: str) -> Rule | None:
    """The category's own rule, or its parent's."""
    node = category
    while node is not None:
        amount = getattr(node, f"{attr}_within")
        if amount:
            return Rule(amount, getattr(node, f"{attr}_unit"))
        node = node.parent
    return None


def deadlines_for(category: Category | None, level: str) -> Deadlines:
    policy = DeadlinePolicy.objects.filter(level=level).first()
    if policy is not None:
        respond = Rule(policy.respond_within, policy.respond_unit)
        resolve = Rule(policy.resolve_within, policy.resolve_unit)
        warn = dt.timedelta(hours=policy.warn_hours)
    else:
        _, r_amount, r_unit, s_amount, s_unit, hours = next(
            p for p in DEFAULT_POLICIES if p[0] == level
        )
        respond, resolve = Rule(r_amount, r_unit), Rule(s_amount, s_unit)
        warn = dt.timedelta(hours=hours)
    return Deadlines(
        respond=_tighter(respond, _category_rule(category, "respond")),
        resolve=_tighter(resolve, _category_rule(category, "resolve")),
        warn=warn,
    )


def _tighter(level_rule: Rule, category_rule: Rule | None) -> Rule:
    """The shorter of the two, judged from now (both units turn into a time)."""
    if category_rule is None:
        return level_rule
    now = timezone.now()
    return category_rule if category_rule.after(now) < level_rule.after(now) else level_rule
