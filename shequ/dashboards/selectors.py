"""Reads for the command screen and the map. Counts come from rollups (RegisterStat, CaseLoad
and the case measures' rollup); the only reads of the case table are short lists and the
overdue count, each an indexed range with a limit or on (state, resolve_by) (decision 0027)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Min, Q, QuerySet
from django.db.models.functions import Floor, Substr
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Level
from shequ.areas.selectors import access_area
from shequ.cases.models import OPEN_STATES, RUNNING_STATES, Case, CaseLevel, State
from shequ.core.paths import ancestors, subtree_upper
from shequ.dashboards.models import CaseLoad, EmergencyCase
from shequ.registry.models import Building, Colour, House, RegisterStat

AT_RISK_HOURS = 24
LIST_LIMIT = 10

REGISTER_KEYS = {
    ("residents", ""): "residents",
    ("households", ""): "households",
    ("residency", "non_local"): "non_local",
    ("colour", Colour.CARE.value): "care_households",
    ("houses", ""): "houses",
}


def access_screen_area(user: Any, pk: Any) -> Area:
    """The command screen of an area is for those who see its cases (decision 0028)."""
    return access_area(user, pk, Perm.CASE_VIEW)


def screen_home(user: Any) -> Area | None:
    """Where the screen opens: the highest area whose cases the user sees."""
    paths = sorted(scope_of(user).paths_with(Perm.CASE_VIEW))
    if not paths:
        return None
    top = min(paths, key=len)
    return Area.objects.current().filter(area_path=top).first()


def map_crumbs(user: Any, area: Area) -> list[dict[str, Any]]:
    """The map's trail from the root down to ``area``: each level's name, and its id where the
    viewer may open that level's map (its cases), else None (shown as text)."""
    paths = ancestors(area.area_path)
    rows = {a.area_path: a for a in Area.objects.current().filter(area_path__in=paths)}
    scope = scope_of(user)
    return [
        {
            "id": rows[p].pk if scope.allows(Perm.CASE_VIEW, p) else None,
            "name": rows[p].name,
        }
        for p in paths
        if p in rows
    ]


def _range(path: str) -> Q:
    return Q(area_path__gte=path, area_path__lt=subtree_upper(path))


def children(area: Area) -> list[Area]:
    if area.level >= Level.SUBGRID:
        return []
    return list(
        Area.objects.current()
        .filter(parent=area)
        .only("pk", "code", "name", "level", "area_path", "label_lon", "label_lat", "boundary")
        .order_by("code")
    )


def register_counts(paths: list[str]) -> dict[str, dict[str, int]]:
    """The register's headline counts per path, from RegisterStat."""
    found: dict[str, dict[str, int]] = {p: dict.fromkeys(REGISTER_KEYS.values(), 0) for p in paths}
    measures = {m for m, _k in REGISTER_KEYS}
    rows = RegisterStat.objects.filter(area_path__in=paths, measure__in=measures).values_list(
        "area_path", "measure", "key", "count"
    )
    for path, measure, key, count in rows:
        name = REGISTER_KEYS.get((measure, key))
        if name:
            found[path][name] = count
    return found


def open_counts(paths: list[str]) -> dict[str, dict[str, int]]:
    """Open cases per path and level, from CaseLoad."""
    found: dict[str, dict[str, int]] = {
        p: {"open": 0, **{lv.value: 0 for lv in CaseLevel}} for p in paths
    }
    for path, level, n in CaseLoad.objects.filter(area_path__in=paths).values_list(
        "area_path", "level", "open"
    ):
        found[path][level] = n
        found[path]["open"] += n
    return found


def _open_overdue(now: dt.datetime) -> QuerySet[Case]:
    return Case.objects.filter(state__in=RUNNING_STATES, resolve_by__lt=now)


def overdue_counts(area: Area, kids: list[Area], now: dt.datetime) -> dict[str, int]:
    """Overdue open cases in the area and per child: one indexed query on (state, resolve_by)
    inside the area's range, grouped by the child's path prefix."""
    found = {area.area_path: 0, **{k.area_path: 0 for k in kids}}
    qs = _open_overdue(now).filter(_range(area.area_path))
    if not kids:
        found[area.area_path] = qs.count()
        return found
    width = len(kids[0].area_path)
    rows = (
        qs.annotate(prefix=Substr("area_path", 1, width))
        .values_list("prefix")
        # COUNT(*), not COUNT(id): the index on open cases (area path, deadline, state) then
        # answers alone, without reading the table (an index-only scan).
        .annotate(n=Count("*"))
        .order_by()
    )
    for prefix, n in rows:
        found[area.area_path] += n
        # A case on the area itself (the street's unassigned queue) belongs to no child.
        if prefix != area.area_path and prefix in found:
            found[prefix] += n
    return found


def case_link(pk: int) -> str:
    """The case's own page when the case pages are installed, else its card on the map."""
    try:
        return reverse("cases:detail", args=[pk])
    except NoReverseMatch:
        return reverse("dashboards:case_panel", args=[pk])


def _case_row(case: Case, now: dt.datetime) -> dict[str, Any]:
    hours = None
    if case.resolve_by:
        hours = round((case.resolve_by - now).total_seconds() / 3600, 1)
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "level": case.level,
        "level_name": str(CaseLevel(case.level).label),
        "state_name": str(State(case.state).label),
        "area": case.area.name,
        "resolve_by": timezone.localtime(case.resolve_by).strftime("%m-%d %H:%M")
        if case.resolve_by
        else "",
        "hours_left": hours,
        "created": timezone.localtime(case.created_at).strftime("%m-%d %H:%M"),
        "url": case_link(case.pk),
    }


def at_risk(area: Area, now: dt.datetime, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """Open cases due within the next day, soonest first (index on state, resolve_by)."""
    rows = (
        Case.objects.filter(
            state__in=RUNNING_STATES,
            resolve_by__gte=now,
            resolve_by__lt=now + dt.timedelta(hours=AT_RISK_HOURS),
        )
        .filter(_range(area.area_path))
        .select_related("area")
        .only("pk", "number", "title", "level", "state", "resolve_by", "created_at", "area__name")
        .order_by("resolve_by", "pk")[:limit]
    )
    return [_case_row(c, now) for c in rows]


def overdue_list(area: Area, now: dt.datetime, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """The longest-overdue open cases of the area (index on state, resolve_by)."""
    rows = (
        _open_overdue(now)
        .filter(_range(area.area_path))
        .select_related("area")
        .only("pk", "number", "title", "level", "state", "resolve_by", "created_at", "area__name")
        .order_by("resolve_by", "pk")[:limit]
    )
    return [_case_row(c, now) for c in rows]


def emergencies(area: Area, now: dt.datetime, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """The newest emergency whistles (应急哨), from their own short indexed table."""
    # The newest ids from the short table first, then those cases: joining before the limit
    # would read a case row for every whistle of the same second.
    ids = list(
        EmergencyCase.objects.filter(_range(area.area_path))
        .order_by("-created_at", "-pk")
        .values_list("case_id", flat=True)[:limit]
    )
    cases = (
        Case.objects.select_related("area")
        .only("pk", "number", "title", "level", "state", "resolve_by", "created_at", "area__name")
        .in_bulk(ids)
    )
    return [_case_row(cases[pk], now) for pk in ids if pk in cases]


# --- the map ---------------------------------------------------------------------------------


MAP_MEASURES = ("open", "overdue", "non_local_share", "care_households")


@dataclass(frozen=True)
class AreaFigures:
    area: Area
    register: dict[str, int]
    cases: dict[str, int]
    overdue: int

    @property
    def non_local_share(self) -> float:
        residents = self.register["residents"]
        return round(100 * self.register["non_local"] / residents, 1) if residents else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.area.pk,
            "code": self.area.code,
            "name": self.area.name,
            "level": self.area.level,
            "level_name": str(Level(self.area.level).label),
            **self.register,
            "open": self.cases["open"],
            "open_by_level": {lv.value: self.cases[lv.value] for lv in CaseLevel},
            "overdue": self.overdue,
            "non_local_share": self.non_local_share,
        }


def figures(area: Area, kids: list[Area], now: dt.datetime) -> list[AreaFigures]:
    """The area's own figures first, then each child's: four queries whatever the number of
    children."""
    nodes = [area, *kids]
    paths = [n.area_path for n in nodes]
    register = register_counts(paths)
    cases = open_counts(paths)
    overdue = overdue_counts(area, kids, now)
    return [
        AreaFigures(n, register[n.area_path], cases[n.area_path], overdue[n.area_path])
        for n in nodes
    ]


def area_features(kids: list[AreaFigures]) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "geometry": f.area.boundary,
            "properties": {
                **f.as_dict(),
                "label": [f.area.label_lon, f.area.label_lat]
                if f.area.label_lon is not None
                else None,
            },
        }
        for f in kids
        if f.area.boundary
    ]
    return {"type": "FeatureCollection", "features": features}


# Buildings are drawn from the community down: a street's thousands of buildings would be dots.
BUILDING_LEVEL = Level.COMMUNITY


def buildings(area: Area, *, show_care: bool = True) -> list[dict[str, Any]]:
    """Each building with a position and how many of its houses have each colour; its own
    colour is its houses' most frequent one (care first on a tie, by precedence). Without
    ``show_care`` the houses count under their stored colour without care, as on the building
    page (decision 0011). Two queries either way."""
    if area.level < BUILDING_LEVEL:
        return []
    rows = (
        House.objects.filter(_range(area.area_path))
        .values_list("building_id", "colour" if show_care else "colour_without_care")
        .annotate(n=Count("id"))
        .order_by()
    )
    colours: dict[int, dict[str, int]] = defaultdict(dict)
    for building_id, colour, n in rows:
        colours[building_id][colour] = n
    order = [c.value for c in Colour]
    found = []
    for b in (
        Building.objects.filter(_range(area.area_path), lon__isnull=False, lat__isnull=False)
        .only("pk", "estate", "number", "lon", "lat")
        .order_by("pk")
    ):
        counts = colours.get(b.pk, {})
        main = (
            max(order, key=lambda c: (counts.get(c, 0), -order.index(c)))
            if counts
            else Colour.VACANT.value
        )
        found.append(
            {
                "id": b.pk,
                "name": f"{b.estate}{b.number}",
                "lon": b.lon,
                "lat": b.lat,
                "colour": main,
                "colours": counts,
                "url": reverse("registry:building", args=[b.pk]),
            }
        )
    return found


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, raw: str) -> BBox | None:
        try:
            west, south, east, north = (float(x) for x in raw.split(","))
        except ValueError:
            return None
        if not (west < east and south < north):
            return None
        return cls(west, south, east, north)


CELLS_ACROSS = 24  # a screen is cut into about this many cells across


def case_clusters(area: Area, bbox: BBox | None, *, fine: bool) -> list[dict[str, Any]]:
    """Open cases as markers by level. Coarse (a district or street): one marker per grid from
    CaseLoad at the grid's label point. Fine (a community or grid): the open cases inside the
    box grouped into screen cells; a cell of one case carries the case's id."""
    if not fine:
        grids = list(
            Area.objects.current()
            .filter(_range(area.area_path), level=Level.GRID, label_lon__isnull=False)
            .only("pk", "name", "area_path", "label_lon", "label_lat")
        )
        counts = open_counts([g.area_path for g in grids])
        markers = []
        for g in grids:
            c = counts[g.area_path]
            if c["open"]:
                markers.append(
                    {
                        "lon": g.label_lon,
                        "lat": g.label_lat,
                        "n": c["open"],
                        "by_level": {lv.value: c[lv.value] for lv in CaseLevel},
                        "area": g.pk,
                        "case": None,
                    }
                )
        return markers
    qs = Case.objects.filter(state__in=sorted(OPEN_STATES), longitude__isnull=False).filter(
        _range(area.area_path)
    )
    if bbox is None:
        return []
    qs = qs.filter(
        longitude__gte=bbox.west,
        longitude__lte=bbox.east,
        latitude__gte=bbox.south,
        latitude__lte=bbox.north,
    )
    size = (bbox.east - bbox.west) / CELLS_ACROSS
    rows = (
        qs.annotate(
            cx=Floor((F("longitude") - bbox.west) / size),
            cy=Floor((F("latitude") - bbox.south) / size),
        )
        .values("cx", "cy", "level")
        .annotate(n=Count("id"), lon=Avg("longitude"), lat=Avg("latitude"), one=Min("id"))
        .order_by()
    )
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        cell = cells.setdefault(
            (row["cx"], row["cy"]),
            {"lon": 0.0, "lat": 0.0, "n": 0, "by_level": dict.fromkeys(CaseLevel.values, 0)},
        )
        cell["lon"] += row["lon"] * row["n"]
        cell["lat"] += row["lat"] * row["n"]
        cell["n"] += row["n"]
        cell["by_level"][row["level"]] += row["n"]
        cell["one"] = row["one"]
    return [
        {
            "lon": round(c["lon"] / c["n"], 6),
            "lat": round(c["lat"] / c["n"], 6),
            "n": c["n"],
            "by_level": c["by_level"],
            "area": None,
            "case": c["one"] if c["n"] == 1 else None,
        }
        for c in cells.values()
    ]
