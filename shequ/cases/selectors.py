"""Reads of the issue pool for the pages: the list with its filters and search, the work
queues of each role, a department's board, and the choices the forms offer. Everything
starts from ``visible_cases(user)`` (fail closed)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as When_
from django.db.models import F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Department, Level
from shequ.cases.access import department_ids, visible_cases
from shequ.cases.models import (
    OPEN_STATES,
    Assignment,
    AssignmentState,
    Case,
    Category,
    State,
)
from shequ.cases.reporter import PHONE
from shequ.core.paths import is_within, within
from shequ.registry.grams import query_grams
from shequ.registry.personal import phone_index

PAGE = 50
CASE_NUMBER = re.compile(r"\d{8}-\d{6,}")
QUEUE_LIMIT = 100
# States in which a deadline runs (a suspended case keeps its time left, see services).
RUNNING = tuple(s for s in OPEN_STATES if s != State.SUSPENDED)


# --- the list and its search ---------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilter:
    query: str = ""
    state: str = ""
    channel: str = ""
    category: int | None = None  # a 大类 includes its 小类
    level: str = ""
    area_path: str = ""
    overdue: bool = False
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def is_number_search(self) -> bool:
        return bool(CASE_NUMBER.fullmatch(self.query.strip()))

    @property
    def is_phone_search(self) -> bool:
        """An exact phone number: a search of personal data (blind index), audited."""
        if self.is_number_search:
            return False
        digits = self.query.replace(" ", "").replace("-", "")
        return 7 <= len(digits) <= 12 and digits.isdigit()

    def described(self) -> dict[str, Any]:
        """The filter for an audit record, with a searched phone left out."""
        values = {
            "query": "***" if self.is_phone_search else self.query,
            "state": self.state,
            "channel": self.channel,
            "category": self.category,
            "level": self.level,
            "area_path": self.area_path,
            "overdue": self.overdue,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {k: v for k, v in values.items() if v not in ("", None, False)}


def search_condition(query: str) -> Q:
    """Two Chinese characters find a case: every bigram of the query must be one of the
    case's ``search_grams`` (space-separated bigrams of title, description and address, so
    a substring match of a bigram is a match of a whole gram — decision 0017). A case
    number matches exactly."""
    text = "".join(query.split()).lower()
    condition = Q()
    for gram in sorted(query_grams(text)):
        condition &= Q(search_grams__contains=gram)
    return condition


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, timezone.get_current_timezone())


def cases(user: Any, f: CaseFilter, *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases ``user`` may see, filtered, newest first (by id, for keyset pages)."""
    qs = visible_cases(user).select_related("category__parent", "area", "lead_department")
    query = f.query.strip()
    if query:
        if f.is_number_search:
            qs = qs.filter(number=query)
        elif f.is_phone_search:
            compact = query.replace(" ", "").replace("-", "")
            qs = qs.filter(reporter_phone_bidx=phone_index(compact, purpose=PHONE))
        else:
            qs = qs.filter(search_condition(query))
    if f.state:
        qs = qs.filter(state=f.state)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.category:
        qs = qs.filter(Q(category_id=f.category) | Q(category__parent_id=f.category))
    if f.level:
        qs = qs.filter(level=f.level)
    if f.area_path:
        qs = qs.filter(within("area_path", [f.area_path]))
    if f.overdue:
        qs = qs.filter(overdue_condition(now))
    if f.since:
        qs = qs.filter(created_at__gte=_day_start(f.since))
    if f.until:
        qs = qs.filter(created_at__lt=_day_start(f.until + dt.timedelta(days=1)))
    return qs.order_by("-id")


def overdue_condition(now: dt.datetime | None = None) -> Q:
    return Q(state__in=RUNNING, resolve_by__lt=now or timezone.now())


@dataclass
class Page:
    rows: list[Case]
    next_after: int | None


def keyset_page(qs: QuerySet[Case], after: str | None, size: int = PAGE) -> Page:
    """One page of a newest-first list: the rows with an id below ``after``."""
    if after and after.isdigit():
        qs = qs.filter(pk__lt=int(after))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].pk if more and rows else None)


# --- work queues -----------------------------------------------------------------------------


@dataclass
class Queue:
    key: str
    label: str | Promise
    queryset: QuerySet[Any]
    kind: str = "case"  # "case" rows, or "assignment" rows (a department's)
    count: int = 0
    rows: list[Any] = field(default_factory=list)


def _by_deadline(qs: QuerySet[Case], now: dt.datetime) -> QuerySet[Case]:
    """Overdue first, then the nearest deadline first; no deadline last."""
    return qs.annotate(
        late=When_(
            When(resolve_by__lt=now, state__in=RUNNING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("late", F("resolve_by").asc(nulls_last=True), "id")


def _assignments_by_deadline(qs: QuerySet[Assignment], now: dt.datetime) -> QuerySet[Assignment]:
    return qs.annotate(
        late=When_(
            When(respond_by__lt=now, state=AssignmentState.WAITING, then=Value(0)),
            When(case__resolve_by__lt=now, case__state__in=RUNNING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("late", F("respond_by").asc(nulls_last=True), "case__resolve_by", "id")


def work_queues(user: Any, *, now: dt.datetime | None = None) -> list[Queue]:
    """The queues that apply to ``user``'s roles, in the order of the work."""
    now = now or timezone.now()
    scope = scope_of(user)
    base = Case.objects.select_related("category", "area", "lead_department")
    queues: list[Queue] = []
    manage = scope.paths_with(Perm.CASE_MANAGE)
    handle = scope.paths_with(Perm.CASE_HANDLE)
    dispatch = scope.paths_with(Perm.CASE_DISPATCH)
    if manage:
        mine = base.filter(within("area_path", manage))
        queues += [
            Queue("accept", _("To accept"), mine.filter(state=State.REGISTERED)),
            Queue("verify", _("To verify"), mine.filter(state=State.RESOLVED)),
            Queue("follow_up", _("To follow up"), mine.filter(state=State.VERIFIED)),
            Queue("close", _("To close"), mine.filter(state=State.FOLLOWED_UP)),
            Queue(
                "handling",
                _("Handled by us"),
                mine.filter(state=State.HANDLING),
            ),
        ]
    elif handle:
        queues.append(
            Queue(
                "handling",
                _("Handling in my grid"),
                base.filter(within("area_path", handle), state=State.HANDLING),
            )
        )
    if dispatch:
        street = base.filter(within("area_path", dispatch))
        queues += [
            Queue(
                "dispatch",
                _("To dispatch"),
                street.filter(
                    Q(state=State.TO_DISPATCH)
                    | Q(unassigned=True, state__in=(State.REGISTERED, State.ACCEPTED))
                ),
            ),
            Queue(
                "extensions",
                _("Extension requests"),
                street.filter(state=State.DISPATCHED, extension_requested_days__isnull=False),
            ),
            Queue("overdue", _("Overdue"), street.filter(overdue_condition(now))),
        ]
    elif manage:
        queues.append(
            Queue(
                "extensions",
                _("Extension requests"),
                base.filter(
                    within("area_path", manage),
                    state=State.HANDLING,
                    extension_requested_days__isnull=False,
                ),
            )
        )
    departments = department_ids(user)
    if departments:
        assignments = Assignment.objects.filter(department_id__in=departments).select_related(
            "case__category", "case__area", "department"
        )
        queues += [
            Queue(
                "check_in",
                _("To check in"),
                assignments.filter(state=AssignmentState.WAITING),
                kind="assignment",
            ),
            Queue(
                "in_progress",
                _("In progress"),
                assignments.filter(state=AssignmentState.CHECKED_IN, case__state=State.DISPATCHED),
                kind="assignment",
            ),
        ]
    for queue in queues:
        if queue.kind == "assignment":
            queue.queryset = _assignments_by_deadline(queue.queryset, now)
        else:
            queue.queryset = _by_deadline(queue.queryset, now)
    return queues


def load_queues(queues: list[Queue], active: str) -> Queue | None:
    """Count every queue (one query each) and load the rows of the active one."""
    chosen = None
    for queue in queues:
        queue.count = queue.queryset.count()
        if queue.key == active:
            chosen = queue
    if chosen is None and queues:
        chosen = next((q for q in queues if q.count), queues[0])
    if chosen is not None:
        chosen.rows = list(chosen.queryset[:QUEUE_LIMIT])
    return chosen


def work_counts(user: Any) -> list[Queue]:
    queues = work_queues(user)
    for queue in queues:
        queue.count = queue.queryset.count()
    return queues


# --- a department's board ------------------------------------------------------------------

BOARD_STATES = (
    AssignmentState.WAITING,
    AssignmentState.CHECKED_IN,
    AssignmentState.RESOLVED,
    AssignmentState.RETURNED,
)


def board(user: Any, *, now: dt.datetime | None = None) -> list[tuple[str, Any, list[Any]]]:
    """The department's assignments by state, the most urgent first (finished ones: the
    latest first); one query for all four columns."""
    now = now or timezone.now()
    departments = department_ids(user)
    rows = list(
        _assignments_by_deadline(
            Assignment.objects.filter(department_id__in=departments, state__in=BOARD_STATES)
            .exclude(
                state__in=(AssignmentState.RESOLVED, AssignmentState.RETURNED),
                finished_at__lt=now - dt.timedelta(days=90),
            )
            .select_related("case__category", "case__area", "department"),
            now,
        )[:400]
    )
    columns = []
    for state in BOARD_STATES:
        items = [a for a in rows if a.state == state]
        if state in (AssignmentState.RESOLVED, AssignmentState.RETURNED):
            items.sort(key=lambda a: a.finished_at or now, reverse=True)
        columns.append((state.value, state.label, items))
    return columns


# --- choices for the forms -------------------------------------------------------------------


def grouped_categories() -> list[tuple[str, list[tuple[int, str]]]]:
    """大类 → its active 小类, for a grouped select."""
    rows = list(Category.objects.filter(is_active=True).select_related("parent"))
    tops = [c for c in rows if c.parent_id is None]
    children: dict[int, list[Category]] = {}
    for category in rows:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    groups = []
    for top in tops:
        kids = children.get(top.pk, [])
        if kids:
            groups.append((top.name, [(c.pk, c.name) for c in kids]))
        else:
            groups.append((top.name, [(top.pk, top.name)]))
    return groups


def intake_areas(user: Any) -> list[Area]:
    """The current communities, grids and subgrids where ``user`` may register cases."""
    paths = scope_of(user).paths_with(Perm.CASE_INTAKE)
    if not paths:
        return []
    return list(
        Area.objects.current()
        .filter(within("area_path", paths), level__gte=Level.STREET)
        .order_by("area_path")[:500]
    )


def _street_and_district(case: Case) -> list[Area]:
    found: list[Area] = []
    node: Area | None = case.area
    while node is not None:
        if node.level in (Level.STREET, Level.DISTRICT):
            found.append(node)
        node = node.parent
    return found  # the street first


def dispatch_departments(case: Case) -> list[Department]:
    """The active departments of the case's street and district (the street's first)."""
    areas = _street_and_district(case)
    order = {a.pk: i for i, a in enumerate(areas)}
    departments = list(
        Department.objects.filter(area__in=areas, is_active=True).select_related("area")
    )
    departments.sort(key=lambda d: (order.get(d.area_id, 9), d.name))
    return departments


def default_department(case: Case, departments: list[Department]) -> Department | None:
    """The category's default department (a short name, the parent's when blank), found in
    the case's street first, then its district."""
    category = case.category
    short = category.default_department or (
        category.parent.default_department if category.parent else ""
    )
    if not short:
        return None
    return next((d for d in departments if short in (d.short_name, d.name)), None)


def relocation_areas(case: Case) -> list[Area]:
    """Communities, grids and subgrids of the case's street."""
    street = next((a for a in _street_and_district(case) if a.level == Level.STREET), None)
    if street is None:
        return []
    return list(
        Area.objects.current()
        .filter(within("area_path", [street.area_path]), level__gte=Level.COMMUNITY)
        .order_by("area_path")
    )


def grid_features(areas: list[Area]) -> dict[str, Any]:
    """GeoJSON of the areas' grid boundaries (no tiles: this is the whole map)."""
    features = [
        {
            "type": "Feature",
            "geometry": a.boundary,
            "properties": {"id": a.pk, "name": a.name, "level": a.level},
        }
        for a in areas
        if a.boundary and a.level >= Level.COMMUNITY
    ]
    return {"type": "FeatureCollection", "features": features}


def case_map(case: Case) -> dict[str, Any] | None:
    """The case's area outline and its point, for the small map on its page."""
    area = case.area
    features = []
    if area.boundary:
        features.append(
            {
                "type": "Feature",
                "geometry": area.boundary,
                "properties": {"name": area.name, "role": "area"},
            }
        )
    if case.longitude is not None and case.latitude is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [case.longitude, case.latitude]},
                "properties": {"name": case.title, "role": "case"},
            }
        )
    return {"type": "FeatureCollection", "features": features} if features else None


def in_paths(path: str, paths: frozenset[str]) -> bool:
    return any(is_within(path, p) for p in paths)
