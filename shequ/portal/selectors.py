"""What the public may read of a case, and nothing more: the state in plain words, the
timeline's public events as labels and times (no names, no notes), the lead department's
name (decision 0024), and the public replies board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from shequ.areas.models import Area, Level
from shequ.cases.models import FINAL_STATES, TRACKING_ALPHABET, Case, CaseEvent, Category, State
from shequ.core.paths import within
from shequ.portal.models import PublicReply
from shequ.registry.grams import query_grams

PUBLIC_STATE: dict[str, Promise] = {
    State.REGISTERED: pgettext_lazy("public state", "Received, waiting to be accepted"),
    State.ACCEPTED: pgettext_lazy("public state", "Accepted"),
    State.REJECTED: pgettext_lazy("public state", "Not accepted"),
    State.HANDLING: pgettext_lazy("public state", "The community is working on it"),
    State.TO_DISPATCH: pgettext_lazy("public state", "Being passed to the street"),
    State.DISPATCHED: pgettext_lazy("public state", "A department is working on it"),
    State.SUSPENDED: pgettext_lazy("public state", "On hold"),
    State.RESOLVED: pgettext_lazy("public state", "Done, being checked"),
    State.VERIFIED: pgettext_lazy("public state", "Done and checked"),
    State.FOLLOWED_UP: pgettext_lazy("public state", "Done, reporter asked"),
    State.CLOSED: pgettext_lazy("public state", "Closed"),
    State.MERGED: pgettext_lazy("public state", "Handled together with the same report"),
}

PUBLIC_ACTION: dict[str, Promise] = {
    "register": pgettext_lazy("public step", "Report received"),
    "accept": pgettext_lazy("public step", "Accepted"),
    "reject": pgettext_lazy("public step", "Not accepted"),
    "take": pgettext_lazy("public step", "The community took it on"),
    "whistle": pgettext_lazy("public step", "Passed to a department"),
    "check_in": pgettext_lazy("public step", "The department took it on"),
    "resolve": pgettext_lazy("public step", "Reported as done"),
    "verify": pgettext_lazy("public step", "Checked by the community"),
    "rework": pgettext_lazy("public step", "Not done yet: sent back to be redone"),
    "follow_up": pgettext_lazy("public step", "Reporter asked about the result"),
    "close": pgettext_lazy("public step", "Closed"),
    "reopen": pgettext_lazy("public step", "Reopened"),
    "suspend": pgettext_lazy("public step", "Put on hold"),
    "resume": pgettext_lazy("public step", "Work resumed"),
    "merge": pgettext_lazy("public step", "Joined with the same report"),
    "rate": pgettext_lazy("public step", "Reporter rated the result"),
}
OTHER_STEP = pgettext_lazy("public step", "Progress")

# Actions whose department may be named publicly: the department that took the case on.
_NAMES_DEPARTMENT = frozenset({"whistle", "check_in", "resolve"})


@dataclass(frozen=True)
class PublicStep:
    at: dt.datetime
    label: str
    department: str


def public_state(case: Case) -> str:
    return str(PUBLIC_STATE.get(case.state, case.state))


def is_closed(case: Case) -> bool:
    return case.state in FINAL_STATES


def normal_code(code: str) -> str:
    """A tracking code as typed: upper case, no spaces or dashes."""
    return "".join(c for c in (code or "").upper() if c.isalnum())[:12]


def case_by_code(code: str) -> Case | None:
    clean = normal_code(code)
    if len(clean) < 8 or any(c not in TRACKING_ALPHABET for c in clean):
        return None
    return (
        Case.objects.select_related("category", "category__parent", "lead_department")
        .filter(tracking_code=clean)
        .first()
    )


def public_timeline(case: Case) -> list[PublicStep]:
    """The public events of the case as the reporter sees them. Only ``public`` events, only
    their action and time; the department's name for the department's own steps. Never
    the actor, the note or the event's data."""
    events = (
        CaseEvent.objects.filter(case=case, public=True)
        .select_related("department")
        .only("at", "action", "data", "department__name")
        .order_by("at", "id")
    )
    steps = []
    for event in events:
        department = ""
        if event.action in _NAMES_DEPARTMENT:
            if event.department is not None:
                department = event.department.name
            elif event.action == "whistle":
                department = str((event.data or {}).get("lead", ""))
        steps.append(
            PublicStep(event.at, str(PUBLIC_ACTION.get(event.action, OTHER_STEP)), department)
        )
    return steps


def my_cases(user: Any) -> QuerySet[Case]:
    return (
        Case.objects.filter(reporter_user=user)
        .select_related("category")
        .order_by("-created_at", "-id")
    )


def report_categories() -> list[tuple[str, list[Category]]]:
    """The kinds a resident chooses from, grouped under their plain-worded group."""
    leaves = (
        Category.objects.filter(is_active=True, children__isnull=True)
        .select_related("parent")
        .order_by("parent__ordering", "parent__code", "ordering", "code")
    )
    groups: dict[str, list[Category]] = {}
    for category in leaves:
        parent = category.parent
        group = (parent.plain_name or parent.name) if parent else ""
        groups.setdefault(group, []).append(category)
    return list(groups.items())


def service_map() -> dict[str, Any]:
    """Streets and grids as GeoJSON for the pin map (boundaries and names are public: they
    hang on every community's notice board)."""
    areas = (
        Area.objects.current()
        .filter(level__in=(Level.STREET, Level.GRID), boundary__isnull=False)
        .only("id", "name", "level", "boundary")
        .order_by("level", "code")
    )
    features = [
        {
            "type": "Feature",
            "geometry": area.boundary,
            "properties": {
                "name": area.name,
                "role": "street" if area.level == Level.STREET else "grid",
            },
        }
        for area in areas
    ]
    return {"type": "FeatureCollection", "features": features}


# --- the public replies board ---------------------------------------------------------------


def published_replies(
    *, query: str = "", area: Area | None = None, category: Category | None = None
) -> QuerySet[PublicReply]:
    rows = PublicReply.objects.filter(is_published=True).select_related("category", "area")
    if area is not None:
        rows = rows.filter(within("area_path", [area.area_path]))
    if category is not None:
        rows = rows.filter(Q(category=category) | Q(category__parent=category))
    for gram in sorted(query_grams(query))[:10]:
        rows = rows.filter(search_grams__contains=gram)
    return rows.order_by("-published_at", "-id")


def board_areas() -> list[Area]:
    """The communities that have published replies, for the board's filter."""
    paths = set(PublicReply.objects.filter(is_published=True).values_list("area_path", flat=True))
    communities = Area.objects.current().filter(level=Level.COMMUNITY).order_by("code")
    return [c for c in communities if any(p.startswith(c.area_path) for p in paths)]


def board_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True, parent__isnull=True).order_by("ordering", "code")
