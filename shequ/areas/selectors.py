"""Reads of the area tree, always through the viewer's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequ.accounts.models import Membership
from shequ.accounts.roles import GridDuty, Perm, Role
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Department, Level, Organization
from shequ.core.errors import NotAllowed
from shequ.core.paths import ancestors, subtree_upper


def access_area(user: Any, area_id: int | str, perm: Perm = Perm.AREA_VIEW) -> Area:
    """The area if ``user`` may see it with ``perm``, else NotAllowed (shown as 404)."""
    try:
        area: Area = (
            Area.objects.visible_to(user, perm).select_related("parent").get(pk=int(area_id))
        )
    except (Area.DoesNotExist, ValueError, TypeError):
        raise NotAllowed(perm) from None
    return area


def visible_areas(user: Any) -> QuerySet[Area]:
    return Area.objects.visible_to(user).current()


def top_areas(user: Any) -> list[Area]:
    """The highest areas a user may browse: where the area browser starts for them."""
    paths = sorted(scope_of(user).paths_with(Perm.AREA_VIEW))
    tops = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    return list(Area.objects.current().filter(area_path__in=tops).order_by("area_path"))


@dataclass(frozen=True)
class Crumb:
    name: str
    area_id: int | None  # None when the viewer may not open it (shown as text)


def breadcrumbs(user: Any, area: Area) -> list[Crumb]:
    paths = ancestors(area.area_path)
    # Oldest first, so that where a code was reused (the same path) the newest version wins.
    rows = {
        a.area_path: a
        for a in Area.objects.filter(area_path__in=paths).order_by("valid_from", "pk")
    }
    scope = scope_of(user)
    crumbs = []
    for path in paths:
        node = rows.get(path)
        if node is None:
            continue
        openable = scope.allows(Perm.AREA_VIEW, path)
        crumbs.append(Crumb(node.name, node.pk if openable else None))
    return crumbs


def children_with_counts(area: Area, on: dt.date | None = None) -> list[Area]:
    """The parts of ``area`` as they were on ``on`` (default today), with how many parts and
    staff each has."""
    today = on or timezone.localdate()
    current_child = Q(children__valid_from__lte=today) & (
        Q(children__valid_to__isnull=True) | Q(children__valid_to__gt=today)
    )
    active_member = (
        Q(memberships__valid_from__lte=today)
        & (Q(memberships__valid_to__isnull=True) | Q(memberships__valid_to__gt=today))
        & ~Q(memberships__role=Role.RESIDENT)
    )
    return list(
        Area.objects.current(today)
        .filter(parent=area)
        .annotate(
            child_count=Count("children", filter=current_child, distinct=True),
            staff_count=Count("memberships", filter=active_member, distinct=True),
        )
        .order_by("code")
    )


def subtree_level_counts(area: Area) -> dict[int, int]:
    """How many current areas of each level lie under ``area``."""
    rows = (
        Area.objects.current()
        .filter(area_path__gt=area.area_path, area_path__lt=subtree_upper(area.area_path))
        .values("level")
        .annotate(n=Count("id"))
    )
    return {row["level"]: row["n"] for row in rows}


def _feature(area: Area, role: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": area.boundary,
        "properties": {
            "id": area.pk,
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "level_name": str(Level(area.level).label),
            "role": role,
            "label": [area.label_lon, area.label_lat] if area.label_lon is not None else None,
        },
    }


def map_features(area: Area, children: list[Area]) -> dict[str, Any]:
    """The area's boundary and its children's, for the Leaflet map (no tiles: this is the
    whole picture)."""
    features = [_feature(area, "self")] if area.boundary else []
    features += [_feature(child, "child") for child in children if child.boundary]
    return {"type": "FeatureCollection", "features": features}


DUTY_ORDER = {duty.value: index for index, duty in enumerate(GridDuty)}


def grid_staff(area: Area) -> list[Membership]:
    """The active staff bound to this area, the chief first and the nine specialists in their
    fixed order, then everyone else ("1+9+X")."""
    rows = list(
        Membership.objects.active()
        .filter(area=area)
        .exclude(role=Role.RESIDENT)
        .select_related("user")
    )
    return sorted(
        rows, key=lambda m: (DUTY_ORDER.get(m.grid_duty, len(DUTY_ORDER)), m.role, m.user.full_name)
    )


def departments_and_organizations(area: Area) -> tuple[list[Department], list[Organization]]:
    departments = list(Department.objects.filter(area=area, is_active=True).order_by("name"))
    organizations = list(
        Organization.objects.filter(area=area, is_active=True).order_by("kind", "name")
    )
    return departments, organizations


def export_tree(area: Area) -> dict[str, Any]:
    """The current subtree under ``area`` (inclusive) as the same GeoJSON the import reads."""
    nodes = (
        Area.objects.current()
        .filter(area_path__gte=area.area_path, area_path__lt=subtree_upper(area.area_path))
        .select_related("parent")
        .order_by("area_path")
    )
    features = [
        {
            "type": "Feature",
            "geometry": node.boundary,
            "properties": {
                "code": node.code,
                "name": node.name,
                "level": Level(node.level).name.lower(),
                "parent_code": node.parent.code if node.parent else None,
                "valid_from": node.valid_from.isoformat(),
            },
        }
        for node in nodes
    ]
    return {"type": "FeatureCollection", "features": features}


def memberships_with_targets(user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("area", "department", "organization")
        .order_by("area_path", "role")
    )
