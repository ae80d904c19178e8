"""Monthly reports (月报) per area and per department: the month's case measures, the
register's counts on the day of generation, the top categories and the parts' figures. The
worker generates them on the 1st for the month before (``tasks.generate_monthly_reports``,
``manage.py generate_monthly_reports``); each is stored once, so an earlier report reads the
same later."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Department, Level
from shequ.cases.models import CaseLevel, CaseMeasure, Channel
from shequ.core.errors import NotAllowed
from shequ.core.paths import subtree_upper, within
from shequ.dashboards import period, selectors
from shequ.dashboards.models import MonthlyReport, ReportKind
from shequ.registry.colours import PRECEDENCE
from shequ.registry.models import RegisterStat

REPORT_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)


def _daily(path: str, month: period.Month, department_id: int | None = None) -> list[list[Any]]:
    qs = CaseMeasure.objects.filter(
        Q(area_path__gte=path) & Q(area_path__lt=subtree_upper(path)),
        day__gte=month.first,
        day__lte=month.last,
    )
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    counts = dict(
        qs.values_list("day").annotate(n=Sum("received"), c=Sum("closed")).values_list("day", "n")
    )
    days = []
    day = month.first
    while day <= month.last:
        days.append([day.strftime("%m-%d"), counts.get(day, 0)])
        day += dt.timedelta(days=1)
    return days


def _by_dim(
    path: str, month: period.Month, dim: str, choices: Any, department: int | None
) -> list[Any]:
    qs = period._month_rows(path, month, dim)
    if department is not None:
        qs = qs.filter(department_id=department)
    counts = dict(qs.values_list("value").annotate(n=Sum("received")).values_list("value", "n"))
    return [[str(label), counts.get(value, 0)] for value, label in choices]


def area_report_data(area: Area, month: period.Month, now: dt.datetime) -> dict[str, Any]:
    kids = selectors.children(area)
    register = selectors.register_counts([area.area_path])[area.area_path]
    colours = dict(
        RegisterStat.objects.filter(area_path=area.area_path, measure="colour").values_list(
            "key", "count"
        )
    )
    parts = []
    for kid in kids:
        summary = period.month_summary(kid.area_path, month)
        parts.append({"name": kid.name, **summary})
    return {
        "kind": ReportKind.AREA,
        "title": area.name,
        "level_name": str(Level(area.level).label),
        "month": month.first.strftime("%Y-%m"),
        "generated_at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        "cases": period.month_summary(area.area_path, month),
        "by_level": _by_dim(area.area_path, month, "level", CaseLevel.choices, None),
        "by_channel": _by_dim(area.area_path, month, "channel", Channel.choices, None),
        "daily": _daily(area.area_path, month),
        "categories": period.top_categories(area.area_path, month),
        "register": register,
        "colours": [[str(c.label), colours.get(c.value, 0)] for c in PRECEDENCE],
        "parts": parts,
        "ranking": period.ranking(area.area_path, month) if area.level <= Level.STREET else [],
    }


def department_report_data(
    department: Department, month: period.Month, now: dt.datetime
) -> dict[str, Any]:
    own = period.department_rows(frozenset({department.pk}), month)[0]
    path = department.area_path
    return {
        "kind": ReportKind.DEPARTMENT,
        "title": department.name,
        "level_name": str(_("Department")),
        "month": month.first.strftime("%Y-%m"),
        "generated_at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        "cases": own,
        "by_level": _by_dim(path, month, "level", CaseLevel.choices, department.pk),
        "by_channel": _by_dim(path, month, "channel", Channel.choices, department.pk),
        "daily": _daily(path, month, department.pk),
        "categories": [],
        "register": None,
        "colours": [],
        "parts": [],
        "ranking": [],
    }


# --- the workbook ----------------------------------------------------------------------------

MEASURE_ROWS = (
    ("received", "Cases received"),
    ("closed", "Cases closed"),
    ("due", "Cases due"),
    ("closure_rate", "Closure rate (%)"),
    ("on_time_rate", "On-time closure rate (%)"),
    ("rework_rate", "Rework rate (%)"),
    ("satisfaction_rate", "Satisfaction rate (%)"),
)
REGISTER_ROWS = (
    ("residents", "Residents"),
    ("households", "Households"),
    ("non_local", "Non-local residents"),
    ("care_households", "Households needing care"),
    ("houses", "Houses"),
)


def workbook(data: dict[str, Any]) -> bytes:
    """The report as .xlsx (xlsxwriter, in memory: a report is a few hundred cells)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    sheet = book.add_worksheet(_("Summary"))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 6, 14)
    sheet.write(0, 0, f"{data['title']} · {_('Monthly report')} {data['month']}", title)
    sheet.write(1, 0, f"{_('Generated at')} {data['generated_at']}")
    row = 3
    sheet.write(row, 0, _("Case measures"), bold)
    for key, label in MEASURE_ROWS:
        row += 1
        sheet.write(row, 0, _(label))
        value = data["cases"].get(key)
        sheet.write(row, 1, "" if value is None else value)
    if data["register"]:
        row += 2
        sheet.write(row, 0, _("Register (on the day of generation)"), bold)
        for key, label in REGISTER_ROWS:
            row += 1
            sheet.write(row, 0, _(label))
            sheet.write(row, 1, data["register"].get(key, 0))
        for label, n in data["colours"]:
            row += 1
            sheet.write(row, 0, label)
            sheet.write(row, 1, n)
    for name, rows in ((_("By level"), data["by_level"]), (_("By channel"), data["by_channel"])):
        row += 2
        sheet.write(row, 0, name, bold)
        for label, n in rows:
            row += 1
            sheet.write(row, 0, label)
            sheet.write(row, 1, n)
    if data["categories"]:
        cats = book.add_worksheet(_("Categories"))
        cats.set_column(0, 0, 28)
        cats.write_row(0, 0, [_("Category"), _("Received"), _("Closed")], bold)
        for i, c in enumerate(data["categories"], start=1):
            cats.write_row(i, 0, [c["name"], c["received"], c["closed"]])
    if data["parts"]:
        parts = book.add_worksheet(_("Parts"))
        parts.set_column(0, 0, 20)
        parts.set_column(1, 6, 14)
        header = [
            _("Area"),
            _("Received"),
            _("Closed"),
            _("Closure rate (%)"),
            _("Satisfaction rate (%)"),
        ]
        parts.write_row(0, 0, header, bold)
        for i, p in enumerate(data["parts"], start=1):
            parts.write_row(
                i,
                0,
                [
                    p["name"],
                    p["received"],
                    p["closed"],
                    p["closure_rate"] or "",
                    p["satisfaction_rate"] or "",
                ],
            )
    if data["ranking"]:
        ranking = book.add_worksheet(_("Departments"))
        ranking.set_column(0, 1, 20)
        ranking.write_row(
            0,
            0,
            [
                _("Rank"),
                _("Department"),
                _("Closed"),
                _("On-time closure rate (%)"),
                _("Rework rate (%)"),
                _("Satisfaction rate (%)"),
            ],
            bold,
        )
        for i, r in enumerate(data["ranking"], start=1):
            ranking.write_row(
                i,
                0,
                [
                    r["rank"] or "—",
                    r["name"],
                    r["closed"],
                    r["on_time_rate"] or "",
                    r["rework_rate"] or "",
                    r["satisfaction_rate"] or "",
                ],
            )
    daily = book.add_worksheet(_("Daily"))
    daily.write_row(0, 0, [_("Day"), _("Received")], bold)
    for i, (day, n) in enumerate(data["daily"], start=1):
        daily.write_row(i, 0, [day, n])
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": _("Received"),
            "categories": [daily.name, 1, 0, len(data["daily"]), 0],
            "values": [daily.name, 1, 1, len(data["daily"]), 1],
        }
    )
    chart.set_legend({"none": True})
    daily.insert_chart("D2", chart)
    book.close()
    return out.getvalue()


# --- generating, exactly once -----------------------------------------------------------------


def generate(month: period.Month, now: dt.datetime | None = None) -> int:
    """Every area and department report of ``month`` not generated yet. Safe to run twice or
    in two workers at once: the unique constraints keep one of each. Returns how many were
    made now."""
    now = now or timezone.now()
    made = 0
    areas = Area.objects.current(month.last).filter(level__in=REPORT_LEVELS).order_by("area_path")
    done_areas = set(
        MonthlyReport.objects.filter(kind=ReportKind.AREA, month=month.first).values_list(
            "area_id", flat=True
        )
    )
    for area in areas:
        if area.pk in done_areas:
            continue
        data = area_report_data(area, month, now)
        made += _store(ReportKind.AREA, month, data, area=area, path=area.area_path)
    done_departments = set(
        MonthlyReport.objects.filter(kind=ReportKind.DEPARTMENT, month=month.first).values_list(
            "department_id", flat=True
        )
    )
    for department in Department.objects.filter(is_active=True).order_by("pk"):
        if department.pk in done_departments:
            continue
        data = department_report_data(department, month, now)
        made += _store(
            ReportKind.DEPARTMENT, month, data, department=department, path=department.area_path
        )
    return made


def _store(
    kind: str, month: period.Month, data: dict[str, Any], *, path: str, **subject: Any
) -> int:
    try:
        with transaction.atomic():
            MonthlyReport.objects.create(
                kind=kind,
                month=month.first,
                area_path=path,
                data=data,
                workbook=workbook(data),
                **subject,
            )
    except IntegrityError:
        return 0  # another worker made it meanwhile
    return 1


# --- who reads them ------------------------------------------------------------------------------


def may_read_reports(user: Any) -> bool:
    scope = scope_of(user)
    return scope.has(Perm.CASE_VIEW) or scope.has(Perm.CASE_RESPOND)


def visible_reports(user: Any) -> Q:
    """Area reports of the areas whose cases one sees; department reports of one's own
    department, and of the departments of those areas."""
    scope = scope_of(user)
    condition = within("area_path", scope.paths_with(Perm.CASE_VIEW))
    if scope.has(Perm.CASE_RESPOND) and scope.department_ids:
        condition |= Q(kind=ReportKind.DEPARTMENT, department_id__in=scope.department_ids)
    return condition


def access_report(user: Any, pk: Any) -> MonthlyReport:
    try:
        report: MonthlyReport = MonthlyReport.objects.filter(visible_reports(user)).get(pk=int(pk))
    except (ValueError, TypeError, MonthlyReport.DoesNotExist):
        raise NotAllowed(Perm.CASE_VIEW) from None
    return report


def filename(report: MonthlyReport) -> str:
    subject = report.area.code if report.area else f"dept{report.department_id}"
    return f"report-{subject}-{report.month:%Y-%m}.xlsx"
