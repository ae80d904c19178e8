"""Period figures of the command screen and the monthly reports — this month's closure rate
and satisfaction, the trends, the department ranking, the top categories — read from the
case measures' rollups (CaseMeasure per day, CaseMeasureMonth per month and area level; see
docs/measures.md for what each count means). Never from the case table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Department
from shequ.cases.models import CaseLevel, CaseMeasure, CaseMeasureMonth, Category, Channel
from shequ.core.paths import subtree_upper

# A department is ranked once it closed this many cases in the month: two cases, one late,
# would otherwise put it at the bottom on a coin toss (decision 0028).
RANKING_MINIMUM = 5
TREND_DAYS = 30
TREND_WEEKS = 12
TOP_CATEGORIES = 10


@dataclass(frozen=True)
class Month:
    first: dt.date

    @property
    def next_first(self) -> dt.date:
        return (self.first + dt.timedelta(days=32)).replace(day=1)

    @property
    def last(self) -> dt.date:
        return self.next_first - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return _("%(year)d-%(month)02d") % {"year": self.first.year, "month": self.first.month}

    @classmethod
    def parse(cls, raw: str) -> Month:
        """``2026-10`` → October 2026; ValueError otherwise."""
        year, month = raw.split("-")
        return cls(dt.date(int(year), int(month), 1))


def this_month(now: dt.datetime) -> Month:
    return Month(timezone.localtime(now).date().replace(day=1))


def previous_month(now: dt.datetime) -> Month:
    first = timezone.localtime(now).date().replace(day=1)
    return Month((first - dt.timedelta(days=1)).replace(day=1))


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


SUMMED = (
    "received",
    "closed",
    "closed_on_time",
    "reworked",
    "extended",
    "rated",
    "satisfied",
    "satisfaction_sum",
    "due_closed",
    "due_open",
    "overdue_closed",
)


def rates(c: dict[str, int]) -> dict[str, Any]:
    """The rates of docs/measures.md from one set of counts: closure and on-time closure over
    the cases due in the period, rework over the cases closed, satisfaction over those rated."""
    due = c["due_closed"] + c["due_open"]
    closure = _pct(c["due_closed"], due)
    on_time = _pct(c["due_closed"] - c["overdue_closed"], due)
    rework = _pct(c["reworked"], c["closed"])
    satisfaction = _pct(c["satisfied"], c["rated"])
    return {
        **c,
        "due": due,
        "closure_rate": closure,
        "on_time_rate": on_time,
        "rework_rate": rework,
        "satisfaction_rate": satisfaction,
        "closure_rate_text": _text(closure),
        "on_time_text": _text(on_time),
        "rework_text": _text(rework),
        "satisfaction_text": _text(satisfaction),
    }


def _month_rows(path: str, month: Month, dim: str = "") -> Any:
    return CaseMeasureMonth.objects.filter(area_path=path, month=month.first, dim=dim)


def _sums(qs: Any) -> dict[str, int]:
    row = qs.aggregate(**{name: Sum(name) for name in SUMMED})
    return {name: row[name] or 0 for name in SUMMED}


def month_summary(path: str, month: Month) -> dict[str, Any]:
    """The area's month: one small read of CaseMeasureMonth (all departments' rows)."""
    return rates(_sums(_month_rows(path, month)))


def _range(path: str) -> Q:
    return Q(area_path__gte=path, area_path__lt=subtree_upper(path))


def trend(path: str, now: dt.datetime) -> dict[str, Any]:
    """Cases received per day (the last 30 days) and per week (the last 12, Monday first), by
    channel and by level, from the daily rollup."""
    today = timezone.localtime(now).date()
    first_week = today - dt.timedelta(days=today.weekday() + 7 * (TREND_WEEKS - 1))
    first_day = today - dt.timedelta(days=TREND_DAYS - 1)
    start = min(first_week, first_day)
    rows = (
        CaseMeasure.objects.filter(_range(path), day__gte=start, day__lte=today, received__gt=0)
        .values_list("day", "channel", "level")
        .annotate(n=Sum("received"))
        .order_by()
    )
    days = [first_day + dt.timedelta(days=i) for i in range(TREND_DAYS)]
    weeks = [first_week + dt.timedelta(weeks=i) for i in range(TREND_WEEKS)]
    per: dict[str, dict[tuple[str, dt.date], int]] = defaultdict(lambda: defaultdict(int))
    for day, channel, level, n in rows:
        week = day - dt.timedelta(days=day.weekday())
        if day >= first_day:
            per["day_channel"][(channel, day)] += n
            per["day_level"][(level, day)] += n
        per["week_channel"][(channel, week)] += n
        per["week_level"][(level, week)] += n

    def series(name: str, keys: list[dt.date], choices: Any) -> dict[str, Any]:
        counts = per[name]
        used = [(value, label) for value, label in choices if any(counts[(value, k)] for k in keys)]
        return {
            "labels": [k.strftime("%m-%d") for k in keys],
            "series": [
                {"name": str(label), "data": [counts[(value, k)] for k in keys]}
                for value, label in used
            ],
        }

    return {
        "day_channel": series("day_channel", days, Channel.choices),
        "day_level": series("day_level", days, CaseLevel.choices),
        "week_channel": series("week_channel", weeks, Channel.choices),
        "week_level": series("week_level", weeks, CaseLevel.choices),
    }


def top_categories(path: str, month: Month, limit: int = TOP_CATEGORIES) -> list[dict[str, Any]]:
    rows = (
        _month_rows(path, month, "category")
        .values_list("value")
        .annotate(received=Sum("received"), closed=Sum("closed"))
        .order_by("-received", "value")
    )
    top = [(int(v), r, c) for v, r, c in rows if r][:limit]
    names = dict(Category.objects.filter(pk__in=[v for v, _r, _c in top]).values_list("pk", "name"))
    return [{"name": names.get(v, "?"), "received": r, "closed": c} for v, r, c in top]


def _department_counts(
    path: str, month: Month, departments: set[int] | None = None
) -> dict[int, dict[str, int]]:
    qs = _month_rows(path, month).exclude(department_id=0)
    if departments is not None:
        qs = qs.filter(department_id__in=departments)
    found: dict[int, dict[str, int]] = {}
    for row in qs.values("department_id").annotate(**{n: Sum(n) for n in SUMMED}).order_by():
        found[row["department_id"]] = {n: row[n] or 0 for n in SUMMED}
    return found


def _ranked(counts: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
    names = dict(Department.objects.filter(pk__in=counts).values_list("pk", "name"))
    rows = [{"id": pk, "name": names.get(pk, "?"), **rates(c)} for pk, c in counts.items()]
    ranked = [r for r in rows if r["closed"] >= RANKING_MINIMUM]
    unranked = [r for r in rows if r["closed"] < RANKING_MINIMUM]
    ranked.sort(
        key=lambda r: (
            -(r["on_time_rate"] or 0),
            r["rework_rate"] or 0,
            -(r["satisfaction_rate"] or 0),
            r["name"],
        )
    )
    for i, r in enumerate(ranked, start=1):
        r["rank"] = i
    for r in unranked:
        r["rank"] = None
    unranked.sort(key=lambda r: r["name"])
    return ranked + unranked


def ranking(path: str, month: Month) -> list[dict[str, Any]]:
    """The departments leading the area's cases this month: on-time closure first, then
    fewer reworks, then satisfaction; those with fewer than RANKING_MINIMUM closed cases are
    listed after, without a rank."""
    return _ranked(_department_counts(path, month))


def department_rows(department_ids: frozenset[int], month: Month) -> list[dict[str, Any]]:
    """A department's own line of its area's ranking for the month: its figures and its
    place, not the other departments' figures."""
    found: list[dict[str, Any]] = []
    for department in Department.objects.filter(pk__in=department_ids).order_by("name"):
        table = ranking(department.area_path, month)
        own = next((r for r in table if r["id"] == department.pk), None)
        if own is None:
            own = {"id": department.pk, "name": department.name, "rank": None}
            own |= rates(dict.fromkeys(SUMMED, 0))
        own["ranked_count"] = sum(1 for r in table if r["rank"])
        found.append(own)
    return found
