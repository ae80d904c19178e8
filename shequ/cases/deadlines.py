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
from shequ.core.memo import Memo

# The seeded policies, and the deadlines when a level has no policy row: level, accept or
# check in within (amount, unit), resolve within (amount, unit), warn hours before.
DEFAULT_POLICIES: tuple[tuple[str, int, str, int, str, int], ...] = (
    (CaseLevel.ROUTINE, 24, TimeUnit.HOURS, 5, TimeUnit.WORKING_DAYS, 8),
    (CaseLevel.KEY, 4, TimeUnit.HOURS, 3, TimeUnit.WORKING_DAYS, 4),
    (CaseLevel.EMERGENCY, 1, TimeUnit.HOURS, 24, TimeUnit.HOURS, 2),
)


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


# The calendar table (a few dozen rows a year) and the policy rows, kept in the process
# (decision 0036): every new case and every deadline reads them.
_special_days: Memo[dict[dt.date, str]] = Memo(
    lambda: dict(CalendarDay.objects.values_list("day", "kind")), ttl=300, models=(CalendarDay,)
)
_policies: Memo[dict[str, tuple[int, str, int, str, int]]] = Memo(
    lambda: {
        p.level: (p.respond_within, p.respond_unit, p.resolve_within, p.resolve_unit, p.warn_hours)
        for p in DeadlinePolicy.objects.all()
    },
    ttl=300,
    models=(DeadlinePolicy,),
)


class Calendar:
    """The working days: weekdays, except the holidays, plus the make-up working days."""

    def __init__(self) -> None:
        self.special = _special_days.get()

    def is_working(self, day: dt.date) -> bool:
        kind = self.special.get(day)
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return Calendar().is_working(day)


def working_days_after(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    calendar = Calendar()
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
    policy = _policies.get().get(level)
    if policy is not None:
        r_amount, r_unit, s_amount, s_unit, hours = policy
        respond, resolve = Rule(r_amount, r_unit), Rule(s_amount, s_unit)
        warn = dt.timedelta(hours=hours)
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
