"""The case list's filters, over ``visible_cases`` (so a filter can only narrow what the
caller may see). Used by the API; a page may use the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shequ.areas.models import Area
from shequ.cases.access import visible_cases
from shequ.cases.models import OPEN_STATES, Case, State
from shequ.core.paths import within
from shequ.registry.grams import query_grams

QUERY_MAX = 40


@dataclass(frozen=True)
class CaseFilter:
    state: str = ""
    channel: str = ""
    category: str = ""  # a code; a parent's code finds its children's cases too
    level: str = ""
    area: Area | None = None  # the area and everything under it
    overdue: bool | None = None
    query: str = ""  # any two characters of the title, description or address


def overdue_q() -> Q:
    """Open, not suspended, and past resolve-by (or marked overdue by the sweep)."""
    running = [s for s in OPEN_STATES if s != State.SUSPENDED]
    late = Q(overdue_at__isnull=False) | Q(resolve_by__lt=timezone.now())
    return Q(state__in=running) & late


def filter_cases(user: Any, f: CaseFilter) -> QuerySet[Case]:
    cases = visible_cases(user)
    if f.state:
        cases = cases.filter(state=f.state)
    if f.channel:
        cases = cases.filter(channel=f.channel)
    if f.level:
        cases = cases.filter(level=f.level)
    if f.category:
        cases = cases.filter(Q(category__code=f.category) | Q(category__parent__code=f.category))
    if f.area is not None:
        cases = cases.filter(within("area_path", [f.area.area_path]))
    if f.overdue is not None:
        cases = cases.filter(overdue_q()) if f.overdue else cases.exclude(overdue_q())
    for gram in sorted(query_grams(f.query[:QUERY_MAX])):
        cases = cases.filter(search_grams__contains=gram)
    return cases.select_related("category", "category__parent", "area")
