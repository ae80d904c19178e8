"""Categories, deadline policies and the holiday calendar as data: loaded from a file (a city
loads its own category list), exported to the same format, and seeded with a default set
modelled on digital city management's classes and the neighbourhood's own work.

Import is all-or-nothing, every error names the entry and the field, and loading the same
file twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shequ.accounts.access import ensure_has
from shequ.accounts.roles import Perm
from shequ.cases.deadlines import DEFAULT_POLICIES
from shequ.cases.models import CalendarDay, Category, DayKind, DeadlinePolicy, TimeUnit
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import FieldError, ServiceError

DATA = Path(__file__).resolve().parent / "data"
CATEGORY_FORMAT = "shequ-categories-1"
CALENDAR_FORMAT = "shequ-calendar-1"


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class _Entry:
    code: str
    values: dict[str, Any]
    parent_code: str


def _parse_categories(payload: Any) -> tuple[list[_Entry], list[FieldError]]:
    errors: list[FieldError] = []
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            return [], [FieldError("file", _("not a JSON file: %(error)s") % {"error": exc})]
    if not isinstance(payload, dict) or payload.get("format") != CATEGORY_FORMAT:
        return [], [
            FieldError("format", _("expected a file of format %(f)s") % {"f": CATEGORY_FORMAT})
        ]
    entries: list[_Entry] = []
    seen: set[str] = set()

    def walk(items: Any, parent_code: str, where: str) -> None:
        if not isinstance(items, list):
            errors.append(FieldError("categories", _("must be a list"), where))
            return
        for index, item in enumerate(items):
            location = f"{where}[{index}]"
            if not isinstance(item, dict):
                errors.append(FieldError("category", _("must be an object"), location))
                continue
            code = str(item.get("code") or "").strip()
            location = _("category %(code)s") % {"code": code} if code else location
            if not code or not code.isalnum() or len(code) > 20:
                errors.append(FieldError("code", _("1 to 20 letters or digits"), location))
                continue
            if code in seen:
                errors.append(FieldError("code", _("the same code appears twice"), location))
                continue
            seen.add(code)
            name = " ".join(str(item.get("name") or "").split())
            if not name or len(name) > 60:
                errors.append(FieldError("name", _("1 to 60 characters"), location))
            values: dict[str, Any] = {
                "name": name,
                "plain_name": " ".join(str(item.get("plain_name") or "").split())[:60],
                "default_department": str(item.get("department") or "").strip()[:20],
                "ordering": index,
                "is_active": bool(item.get("active", True)),
            }
            for kind, default_unit in (
                ("respond", TimeUnit.HOURS),
                ("resolve", TimeUnit.WORKING_DAYS),
            ):
                amount = item.get(f"{kind}_within")
                unit = item.get(f"{kind}_unit") or default_unit
                if amount is not None and (
                    not isinstance(amount, int)
                    or isinstance(amount, bool)
                    or not 1 <= amount <= 720
                ):
                    errors.append(
                        FieldError(f"{kind}_within", _("a whole number from 1 to 720"), location)
                    )
                    amount = None
                if unit not in TimeUnit.values:
                    errors.append(FieldError(f"{kind}_unit", _("hours or working_days"), location))
                    unit = default_unit
                values[f"{kind}_within"] = amount
                values[f"{kind}_unit"] = unit
            entries.append(_Entry(code, values, parent_code))
            if "children" in item:
                walk(item["children"], code, location)

    walk(payload.get("categories"), "", "categories")
    return entries, errors


def load_categories(payload: Any, *, model: Any = Category) -> LoadSummary:
    """Create or update categories by code (no permission check: for migrations and
    commands; the page and API go through :func:`category_import`)."""
    entries, errors = _parse_categories(payload)
    summary = LoadSummary(errors=errors)
    if errors:
        return summary
    with transaction.atomic():
        by_code = {c.code: c for c in model.objects.all()}
        for entry in entries:
            values = dict(entry.values)
            values["parent_id"] = by_code[entry.parent_code].pk if entry.parent_code else None
            existing = by_code.get(entry.code)
            if existing is None:
                by_code[entry.code] = model.objects.create(code=entry.code, **values)
                summary.created += 1
            elif any(getattr(existing, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(existing, key, value)
                existing.save()
                summary.updated += 1
            else:
                summary.unchanged += 1
    return summary


def category_import(*, actor: Any, payload: Any) -> LoadSummary:
    ensure_has(actor, Perm.CASE_CONFIGURE)
    summary = load_categories(payload)
    if summary.errors:
        raise ServiceError.of(summary.errors)
    if summary.created or summary.updated:
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="cases.category",
            object_id="*",
            object_repr=_("categories"),
            changes={"created": summary.created, "updated": summary.updated},
        )
    return summary


def category_export() -> dict[str, Any]:
    """Every category in the import format, children nested under their parent."""
    rows = list(Category.objects.order_by("ordering", "code"))
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def item(c: Category) -> dict[str, Any]:
        data: dict[str, Any] = {"code": c.code, "name": c.name}
        if c.plain_name:
            data["plain_name"] = c.plain_name
        if c.default_department:
            data["department"] = c.default_department
        for kind in ("respond", "resolve"):
            amount = getattr(c, f"{kind}_within")
            if amount:
                data[f"{kind}_within"] = amount
                data[f"{kind}_unit"] = getattr(c, f"{kind}_unit")
        if not c.is_active:
            data["active"] = False
        if children.get(c.pk):
            data["children"] = [item(k) for k in children[c.pk]]
        return data

    return {"format": CATEGORY_FORMAT, "categories": [item(c) for c in children.get(None, [])]}


def load_calendar(payload: Any, *, model: Any = CalendarDay) -> LoadSummary:
    """Create or update calendar days (no permission check: for migrations and commands;
    the page and API go through :func:`calendar_import`)."""
    summary = LoadSummary()
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            summary.errors.append(
                FieldError("file", _("not a JSON file: %(error)s") % {"error": exc})
            )
            return summary
    if not isinstance(payload, dict) or payload.get("format") != CALENDAR_FORMAT:
        summary.errors.append(
            FieldError("format", _("expected a file of format %(f)s") % {"f": CALENDAR_FORMAT})
        )
        return summary
    wanted: dict[dt.date, tuple[str, str]] = {}  # day -> (kind, name)
    kinds: tuple[tuple[str, str], ...] = (
        ("holidays", DayKind.HOLIDAY),
        ("workdays", DayKind.WORKDAY),
    )
    for key, kind in kinds:
        groups = payload.get(key) or {}
        if not isinstance(groups, dict):
            summary.errors.append(FieldError(key, _("must be an object of names and days")))
            continue
        for name, days in groups.items():
            if not isinstance(days, list) or len(str(name)) > 30:
                summary.errors.append(
                    FieldError(key, _("a name of up to 30 characters and a list of days"), name)
                )
                continue
            for raw in days:
                try:
                    day = dt.date.fromisoformat(str(raw))
                except ValueError:
                    summary.errors.append(
                        FieldError(key, _("not a date (YYYY-MM-DD)"), f"{name} {raw}")
                    )
                    continue
                if day in wanted:
                    summary.errors.append(
                        FieldError(key, _("the same day is listed twice"), str(day))
                    )
                wanted[day] = (kind, name)
    if summary.errors:
        return summary
    with transaction.atomic():
        existing = {d.day: d for d in model.objects.filter(day__in=list(wanted))}
        for day, (kind, name) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                model.objects.create(day=day, kind=kind, name=name)
                summary.created += 1
            elif (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                row.save()
                summary.updated += 1
            else:
                summary.unchanged += 1
    return summary


def calendar_import(*, actor: Any, payload: Any) -> LoadSummary:
    """The holiday calendar from a ``shequ-calendar-1`` file: all or nothing, audited."""
    ensure_has(actor, Perm.CASE_CONFIGURE)
    summary = load_calendar(payload)
    if summary.errors:
        raise ServiceError.of(summary.errors)
    if summary.created or summary.updated:
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="cases.calendarday",
            object_id="*",
            object_repr=_("holiday calendar"),
            changes={"created": summary.created, "updated": summary.updated},
        )
    return summary


def calendar_export() -> dict[str, Any]:
    """Every calendar day in the import format, grouped by name."""
    out: dict[str, Any] = {"format": CALENDAR_FORMAT, "holidays": {}, "workdays": {}}
    for row in CalendarDay.objects.order_by("day"):
        key = "holidays" if row.kind == DayKind.HOLIDAY else "workdays"
        out[key].setdefault(row.name, []).append(row.day.isoformat())
    return out


def seed_defaults(
    *,
    category_model: Any = Category,
    calendar_model: Any = CalendarDay,
    policy_model: Any = DeadlinePolicy,
) -> None:
    """The default categories, policies and calendar (idempotent; run by a migration)."""
    load_categories((DATA / "categories.json").read_text("utf-8"), model=category_model)
    load_calendar((DATA / "calendar.json").read_text("utf-8"), model=calendar_model)
    for level, r_amount, r_unit, s_amount, s_unit, warn in DEFAULT_POLICIES:
        policy_model.objects.get_or_create(
            level=level,
            defaults={
                "respond_within": r_amount,
                "respond_unit": r_unit,
                "resolve_within": s_amount,
                "resolve_unit": s_unit,
                "warn_hours": warn,
            },
        )
