"""Reading the measures (考核指标) of an area over a period, grouped by one dimension, from
the rollups only (never the case table): whole months from CaseMeasureMonth, the days of a
partial month from CaseMeasure, what is open now and the deadlines not passed yet from
CaseMeasureOpen. docs/measures.md defines every count and rate."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Department
from shequ.cases.access import department_ids
from shequ.cases.models import (
    CaseLevel,
    CaseMeasure,
    CaseMeasureMonth,
    CaseMeasureOpen,
    Category,
    Channel,
)
from shequ.cases.models_measures import COUNTS, OPEN_COUNTS, STOCK_DAY
from shequ.core.errors import FieldError, NotAllowed, ServiceError
from shequ.core.paths import within

EPOCH = dt.date(2000, 1, 1)


class Group:
    AREA = "area"
    DEPARTMENT = "department"
    CATEGORY = "category"
    LEVEL = "level"
    CHANNEL = "channel"


GROUPS: dict[str, Promise] = {
    Group.AREA: _("Area"),
    Group.DEPARTMENT: _("Department"),
    Group.CATEGORY: _("Category"),
    Group.LEVEL: _("Level"),
    Group.CHANNEL: _("Channel"),
}


class PeriodKind:
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    YEAR = "year"
    CUSTOM = "custom"


PERIODS: dict[str, Promise] = {
    PeriodKind.THIS_MONTH: _("This month"),
    PeriodKind.LAST_MONTH: _("Last month"),
    PeriodKind.YEAR: _("This year"),
    PeriodKind.CUSTOM: _("Dates"),
}


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive, never after today


def period_of(
    kind: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> Period:
    today = today or timezone.localdate()
    if kind == PeriodKind.LAST_MONTH:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return Period(kind, last.replace(day=1), last)
    if kind == PeriodKind.YEAR:
        return Period(kind, today.replace(month=1, day=1), today)
    if kind == PeriodKind.CUSTOM:
        errors = []
        if start is None:
            errors.append(FieldError("start", _("give the first day")))
        if end is None:
            errors.append(FieldError("end", _("give the last day")))
        if start and end and start > end:
            errors.append(FieldError("end", _("the last day is before the first")))
        if start and start > today:
            errors.append(FieldError("start", _("the first day is in the future")))
        if start and start < EPOCH:
            errors.append(FieldError("start", _("no measures before 2000")))
        if errors:
            raise ServiceError.of(errors)
        assert start is not None
        assert end is not None
        return Period(kind, start, min(end, today))
    if kind != PeriodKind.THIS_MONTH:
        raise ServiceError.single("period", _("choose a period"))
    return Period(kind, today.replace(day=1), today)


# --- the figures and their rates ------------------------------------------------------------


def _rate(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def weights() -> tuple[int, int, int]:
    response, resolution, satisfaction = [*settings.SHEQU_MEASURE_WEIGHTS, 0, 0, 0][:3]
    return int(response), int(resolution), int(satisfaction)


RATES = (
    "acceptance_rate",
    "dispatch_rate",
    "closure_rate",
    "on_time_rate",
    "rework_rate",
    "extension_rate",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "satisfaction_score",
    "composite",
)


@dataclass
class Figures:
    """The counts of one row of the table, and the rates computed from them."""

    counts: Counter[str] = field(default_factory=Counter)
    unclosed: int = 0

    def __getattr__(self, name: str) -> int:
        if name in COUNTS:
            return self.counts.get(name, 0)
        raise AttributeError(name)

    @property
    def due(self) -> int:
        return self.counts["due_closed"] + self.counts["due_open"]

    @property
    def overdue(self) -> int:
        return self.counts["overdue_closed"] + self.counts["due_open"]

    @property
    def acceptance_rate(self) -> Decimal | None:
        return _rate(self.counts["accepted"], self.counts["received"])

    @property
    def dispatch_rate(self) -> Decimal | None:
        return _rate(self.counts["dispatched"], self.counts["accepted"])

    @property
    def closure_rate(self) -> Decimal | None:
        return _rate(self.counts["due_closed"], self.due)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _rate(self.counts["closed_on_time"], self.counts["closed"])

    @property
    def rework_rate(self) -> Decimal | None:
        return _rate(self.counts["reworked"], self.counts["closed"])

    @property
    def extension_rate(self) -> Decimal | None:
        return _rate(self.counts["extended"], self.counts["closed"])

    @property
    def response_rate(self) -> Decimal | None:
        return _rate(self.counts["responded_on_time"], self.counts["responded"])

    @property
    def resolution_rate(self) -> Decimal | None:
        return _rate(self.counts["resolved_yes"], self.counts["reached"])

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _rate(self.counts["satisfied"], self.counts["rated"])

    @property
    def satisfaction_score(self) -> Decimal | None:
        """The mean rating, 1 (very dissatisfied) to 5 (very satisfied)."""
        if not self.counts["rated"]:
            return None
        mean = Decimal(self.counts["satisfaction_sum"]) / Decimal(self.counts["rated"])
        return mean.quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def composite(self) -> Decimal | None:
        """The weighted mean of the three rates (三率); a rate without cases is left out and
        the other weights count in its place."""
        parts = [
            (rate, weight)
            for rate, weight in zip(
                (self.response_rate, self.resolution_rate, self.satisfaction_rate),
                weights(),
                strict=True,
            )
            if rate is not None and weight > 0
        ]
        total = sum(w for _r, w in parts)
        if not total:
            return None
        score = sum(r * w for r, w in parts) / Decimal(total)
        return score.quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def rate_list(self) -> list[Decimal | None]:
        """The rates in the page's column order."""
        return [getattr(self, name) for name in RATES if name != "satisfaction_score"]

    def as_dict(self) -> dict[str, Any]:
        plain = (
            "received",
            "city_level",
            "accepted",
            "dispatched",
            "closed",
            "closed_on_time",
            "reworked",
            "extended",
        )
        counts: dict[str, Any] = {name: self.counts[name] for name in plain}
        counts |= {"due": self.due, "overdue": self.overdue, "unclosed": self.unclosed}
        values: dict[str, Any] = {name: getattr(self, name) for name in RATES}
        return counts | {k: (str(v) if v is not None else None) for k, v in values.items()}


@dataclass
class Row:
    key: Any
    label: str
    figures: Figures
    area_id: int | None = None  # for drilling into a child area


@dataclass
class Report:
    area: Area
    period: Period
    group: str
    department_only: frozenset[int] | None
    total: Figures
    rows: list[Row]


# --- reading the rollups --------------------------------------------------------------------


def _month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _split(
    start: dt.date, end: dt.date, today: dt.date
) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]], tuple[dt.date, dt.date] | None]:
    """Whole months (read from the monthly table), the remaining day ranges (daily table),
    and, when the current month is read whole, the days after today that it must not count:
    only deadlines of open cases are dated in the future, and they are not due yet."""
    months: list[dt.date] = []
    ranges: list[tuple[dt.date, dt.date]] = []
    after: tuple[dt.date, dt.date] | None = None
    day = start
    while day <= end:
        month_end = _month_end(day)
        if day.day == 1 and (month_end <= end or end == today):
            months.append(day)
            if month_end > end:
                after = (today + dt.timedelta(days=1), month_end)
        else:
            ranges.append((day, min(month_end, end)))
        day = month_end + dt.timedelta(days=1)
    return months, ranges, after


def _sums(names: tuple[str, ...]) -> dict[str, Any]:
    return {name: Sum(name) for name in names}


_DAY_COLUMNS = {
    Group.DEPARTMENT: "department_id",
    Group.CATEGORY: "category_id",
    Group.LEVEL: "level",
    Group.CHANNEL: "channel",
}
Found = dict[Any, Counter[str]]


class _Reader:
    """Sums of one area's rollups by one dimension. For the area dimension the keys are the
    children's paths, and the area's own path for what lies in no current child (a street's
    unassigned queue, a retired grid)."""

    def __init__(
        self,
        area: Area,
        group: str,
        departments: frozenset[int] | None,
        child_paths: list[str],
    ) -> None:
        self.area = area
        self.group = group
        self.departments = departments
        self.child_paths = child_paths

    def _key(self, key: Any) -> Any:
        if self.group == Group.AREA:
            return key if key in self.child_paths else self.area.area_path
        if self.group in (Group.DEPARTMENT, Group.CATEGORY):
            return int(key) if key not in (None, "") else 0
        return key

    def _rolled(self, qs: Any, names: tuple[str, ...], sums: dict[str, Any] | None = None) -> Found:
        """Sums (``sums``, or of each of ``names``) of a table kept at every area level and
        split by dimension (the monthly and the "open now" tables), ``qs`` already narrowed to
        the rows of the period."""
        if self.departments is not None:
            qs = qs.filter(department_id__in=self.departments)
        if self.group == Group.AREA:
            qs = qs.filter(dim="", area_path__in=[self.area.area_path, *self.child_paths])
            column = "area_path"
        elif self.group == Group.DEPARTMENT:
            qs = qs.filter(dim="", area_path=self.area.area_path)
            column = "department_id"
        else:
            qs = qs.filter(dim=self.group, area_path=self.area.area_path)
            column = "value"
        found: Found = {}
        for row in qs.values(column).annotate(**(sums or _sums(names))).order_by():
            target = found.setdefault(self._key(row[column]), Counter())
            target.update({n: row[n] or 0 for n in names})
        if self.group == Group.AREA:
            # The area's own row is its total: keep only what no child holds.
            own = found.get(self.area.area_path, Counter())
            for path in self.child_paths:
                own.subtract(found.get(path, Counter()))
            found[self.area.area_path] = own
        return found

    def _months(self, months: list[dt.date], names: tuple[str, ...]) -> Found:
        # _split's months are consecutive: one index range, not a long IN list
        qs = CaseMeasureMonth.objects.filter(month__gte=months[0], month__lte=months[-1])
        return self._rolled(qs, names)

    def open_now(self, ahead: tuple[dt.date, dt.date] | None) -> Found:
        """One read of CaseMeasureOpen: received and finished over all days (the stock rows,
        whose due_open is 0) and the due_open of the open cases whose deadline lies in
        ``ahead`` (rows whose received and finished are 0). The stock rows are dated after
        every deadline: with the deadlines from ``ahead``'s first day on they are one range."""
        if ahead is None:
            return self._rolled(CaseMeasureOpen.objects.filter(day=STOCK_DAY), OPEN_COUNTS)
        qs = CaseMeasureOpen.objects.filter(day__gte=ahead[0])
        sums = {
            "received": Sum("received"),
            "finished": Sum("finished"),
            "due_open": Sum("due_open", filter=Q(day__lte=ahead[1])),
        }
        return self._rolled(qs, OPEN_COUNTS, sums)

    def _days(self, ranges: list[tuple[dt.date, dt.date]], names: tuple[str, ...]) -> Found:
        span = Q(pk__in=[])
        for first, last in ranges:
            span |= Q(day__gte=first, day__lte=last)
        qs = CaseMeasure.objects.filter(span).filter(within("area_path", [self.area.area_path]))
        if self.departments is not None:
            qs = qs.filter(department_id__in=self.departments)
        if self.group == Group.AREA:
            length = len(self.child_paths[0]) if self.child_paths else len(self.area.area_path)
            qs = qs.annotate(g=Substr("area_path", 1, length))
        else:
            qs = qs.annotate(g=F(_DAY_COLUMNS[self.group]))
        found: Found = {}
        rows: Any = qs.values("g").annotate(**_sums(names)).order_by()
        for row in rows:
            target = found.setdefault(self._key(row["g"]), Counter())
            target.update({n: row[n] or 0 for n in names})
        return found

    def sum(self, start: dt.date, end: dt.date, today: dt.date, names: tuple[str, ...]) -> Found:
        """The sums over [start, end], the current month read whole (see ``_split``)."""
        months, ranges, _after = _split(start, end, today)
        found: Found = {}
        if months:
            _add(found, self._months(months, names))
        if ranges:
            _add(found, self._days(ranges, names))
        return found


def _add(found: Found, part: Found, sign: int = 1) -> None:
    for key, counts in part.items():
        target = found.setdefault(key, Counter())
        for name, n in counts.items():
            target[name] += sign * n


def _read(reader: _Reader, period: Period, today: dt.date) -> tuple[Found, Found]:
    """The counts of the period, and received and finished up to its end (for "unclosed").

    Open cases whose deadline is today or later are not due yet: their due_open is taken
    out (the only counts dated today or later that a whole current month would otherwise
    bring). Both that and the stock come from the "open now" table in one read; the stock at
    the end of a past period is today's minus what was received and finished after it (only
    deadlines are ever dated after today)."""
    found = reader.sum(period.start, period.end, today, COUNTS)
    ahead = None
    if period.start <= today <= period.end:
        _months, _ranges, after = _split(period.start, period.end, today)
        ahead = (today, after[1] if after is not None else today)
    now = reader.open_now(ahead)
    stock: Found = {}
    for key, counts in now.items():
        stock[key] = Counter(received=counts["received"], finished=counts["finished"])
        if counts["due_open"]:
            found.setdefault(key, Counter())["due_open"] -= counts["due_open"]
    if period.end < today:
        since = period.end + dt.timedelta(days=1)
        _add(stock, reader.sum(since, today, today, ("received", "finished")), -1)
    return found, stock


def measure_departments(user: Any, area: Area) -> frozenset[int] | None:
    """None: every department's cases of ``area``; a set: only those departments' (a
    department handler sees their own department's measures). NotAllowed otherwise."""
    scope = scope_of(user)
    if scope.allows(Perm.CASE_VIEW, area.area_path):
        return None
    mine = department_ids(user)
    if mine and scope.allows(Perm.CASE_RESPOND, area.area_path):
        return mine
    raise NotAllowed(Perm.CASE_VIEW)


def may_see_measures(user: Any) -> bool:
    scope = scope_of(user)
    return scope.has(Perm.CASE_VIEW) or bool(department_ids(user))


def measure_areas(user: Any) -> list[Area]:
    """The highest areas whose measures ``user`` may read: where the page starts."""
    scope = scope_of(user)
    paths = sorted(scope.paths_with(Perm.CASE_VIEW))
    if not paths and department_ids(user):
        paths = sorted(scope.paths_with(Perm.CASE_RESPOND))
    tops = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    return list(Area.objects.current().filter(area_path__in=tops).order_by("area_path"))


def access_measure_area(user: Any, area_id: Any) -> Area:
    try:
        area = Area.objects.get(pk=int(area_id))
    except (Area.DoesNotExist, TypeError, ValueError):
        raise NotAllowed(Perm.CASE_VIEW) from None
    measure_departments(user, area)
    return area


def _labels(group: str, keys: list[Any], children: list[Area], area: Area) -> dict[Any, str]:
    if group == Group.AREA:
        labels = {c.area_path: c.name for c in children}
        labels[area.area_path] = str(_("%(name)s itself") % {"name": area.name})
        return labels
    if group == Group.DEPARTMENT:
        names = dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))
        return {k: names.get(k, str(_("No department yet"))) for k in keys}
    if group == Group.CATEGORY:
        return {
            c.pk: c.full_name for c in Category.objects.filter(pk__in=keys).select_related("parent")
        }
    if group == Group.LEVEL:
        return {k: str(CaseLevel(k).label) if k in CaseLevel.values else k for k in keys}
    return {k: str(Channel(k).label) if k in Channel.values else k for k in keys}


def _order(group: str) -> list[Any] | None:
    if group == Group.LEVEL:
        return list(CaseLevel.values)
    if group == Group.CHANNEL:
        return list(Channel.values)
    return None


def measures_report(
    *,
    area: Area,
    period: Period,
    group: str,
    departments: frozenset[int] | None,
    today: dt.date | None = None,
) -> Report:
    """The measures of ``area`` over ``period`` by ``group``: a row per group value (every
    level and channel, and every child area, even without cases) and the total."""
    if group not in GROUPS:
        raise ServiceError.single("group", _("choose what to group by"))
    today = today or timezone.localdate()
    children = (
        list(Area.objects.current().filter(parent=area).order_by("code"))
        if group == Group.AREA
        else []
    )
    reader = _Reader(area, group, departments, [c.area_path for c in children])
    found, stock = _read(reader, period, today)
    keys = set(found) | {k for k, c in stock.items() if c["received"] - c["finished"]}
    if group == Group.AREA:
        keys |= {c.area_path for c in children}
        own = found.get(area.area_path, Counter())
        if not any(own.values()) and not stock.get(area.area_path, Counter())["received"]:
            keys.discard(area.area_path)
    else:
        keys |= set(_order(group) or [])
    labels = _labels(group, sorted(keys, key=str), children, area)
    ids = {c.area_path: c.pk for c in children}
    rows = []
    total = Figures()
    for key in keys:
        figures = Figures(
            counts=found.get(key, Counter()),
            unclosed=stock.get(key, Counter())["received"] - stock.get(key, Counter())["finished"],
        )
        total.counts.update(figures.counts)
        total.unclosed += figures.unclosed
        rows.append(Row(key, labels.get(key, str(key)), figures, ids.get(key)))
    order = _order(group)
    if order is not None:
        rows.sort(key=lambda r: order.index(r.key) if r.key in order else len(order))
    elif group == Group.AREA:
        codes = [c.area_path for c in children]
        rows.sort(key=lambda r: codes.index(r.key) if r.key in codes else len(codes))
    else:
        rows.sort(key=lambda r: (-r.figures.received, r.label))
    return Report(area, period, group, departments, total, rows)
