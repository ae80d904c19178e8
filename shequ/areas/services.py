"""Every write to areas, departments and organizations."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.access import ensure_allowed
from shequ.accounts.roles import Perm
from shequ.areas.codes import code_problem
from shequ.areas.geo import Measured, outside_parent, validate_boundary
from shequ.areas.models import Area, Department, Level, Organization, OrganizationKind
from shequ.core.audit import AuditAction, audit, diff, snapshot
from shequ.core.errors import FieldError, NotAllowed, ServiceError
from shequ.core.paths import child_path, subtree_upper
from shequ.core.saving import create_audited

AREA_AUDIT_FIELDS = ("level", "code", "name", "parent_id", "valid_from", "valid_to")
MAX_NAME = 100

LEVEL_NAMES: dict[str, int] = {
    **{level.name.lower(): level.value for level in Level},
    "市": Level.CITY,
    "区": Level.DISTRICT,
    "县": Level.DISTRICT,
    "街道": Level.STREET,
    "乡镇": Level.STREET,
    "社区": Level.COMMUNITY,
    "村": Level.COMMUNITY,
    "网格": Level.GRID,
    "四级网格": Level.GRID,
    "子网格": Level.SUBGRID,
    "五级网格": Level.SUBGRID,
}


@dataclass
class AreaChange:
    area: Area
    warnings: list[str] = field(default_factory=list)


def _apply_geometry(area: Area, measured: Measured | None, geometry: dict[str, Any] | None) -> None:
    area.boundary = geometry
    if measured is None:
        area.min_lon = area.min_lat = area.max_lon = area.max_lat = None
        area.label_lon = area.label_lat = None
        return
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = measured.bbox
    area.label_lon, area.label_lat = measured.label


def _boundary_warning(
    measured: Measured | None, parent: Area | None, parent_measured: Measured | None
) -> str | None:
    if measured is None or parent is None:
        return None
    if parent_measured is None and parent.boundary:
        parent_measured, _problem = validate_boundary(parent.boundary)
    if parent_measured is not None and outside_parent(measured.geometry, parent_measured.geometry):
        return _("the boundary reaches outside its parent %(parent)s") % {"parent": parent.name}
    return None


def _count_positions(coordinates: Any) -> int:
    if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], int | float):
        return 1
    return sum(_count_positions(c) for c in coordinates) if isinstance(coordinates, list) else 0


def _area_snapshot(area: Area) -> dict[str, Any]:
    """What the audit log keeps of an area: its fields, and of the boundary a fingerprint
    (kind, positions, digest) rather than every coordinate."""
    data = snapshot(area, AREA_AUDIT_FIELDS)
    if area.boundary:
        text = json.dumps(area.boundary, sort_keys=True, separators=(",", ":"))
        positions = _count_positions(area.boundary.get("coordinates"))
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        data["boundary"] = f"{area.boundary.get('type')} · {positions} · {digest}"
    else:
        data["boundary"] = None
    return data


def _check_name(name: str, location: str = "") -> tuple[str, FieldError | None]:
    clean = " ".join((name or "").split())
    if not clean:
        return clean, FieldError("name", _("is required"), location)
    if len(clean) > MAX_NAME:
        return clean, FieldError(
            "name", _("is longer than %(n)d characters") % {"n": MAX_NAME}, location
        )
    return clean, None


def area_create(
    *,
    actor: Any,
    level: int,
    code: str,
    name: str,
    parent: Area | None = None,
    boundary: dict[str, Any] | None = None,
    valid_from: dt.date | None = None,
) -> AreaChange:
    ensure_allowed(actor, Perm.AREA_MANAGE, parent.area_path if parent else "")
    errors: list[FieldError] = []
    name, name_error = _check_name(name)
    if name_error:
        errors.append(name_error)
    code = (code or "").strip()
    problem = code_problem(
        level, code, parent.level if parent else None, parent.code if parent else None
    )
    if problem:
        errors.append(FieldError("code", problem))
    if parent is not None and not parent.is_current:
        errors.append(FieldError("parent", _("has been retired")))
    measured = None
    if boundary is not None:
        measured, problem = validate_boundary(boundary)
        if problem:
            errors.append(FieldError("boundary", problem))
    if not errors and Area.objects.current().filter(code=code).exists():
        errors.append(FieldError("code", _("is already used by another area")))
    if errors:
        raise ServiceError(errors)
    area = Area(
        level=level,
        code=code,
        name=name,
        parent=parent,
        area_path=child_path(parent.area_path if parent else "", code),
        valid_from=valid_from or timezone.localdate(),
    )
    _apply_geometry(area, measured, boundary)
    warnings = [w for w in [_boundary_warning(measured, parent, None)] if w]
    create_audited(
        area,
        actor=actor,
        changes=lambda: diff({}, _area_snapshot(area)),
        duplicate=("code", _("is already used by another area")),
    )
    return AreaChange(area, warnings)


def area_update(
    *,
    actor: Any,
    area: Area,
    name: str | None = None,
    boundary: dict[str, Any] | None = None,
    clear_boundary: bool = False,
) -> AreaChange:
    """Rename an area or redraw its boundary. The code never changes: re-gridding retires the
    old area and creates a new one, so history keeps the old shape."""
    ensure_allowed(actor, Perm.AREA_MANAGE, area.area_path)
    with transaction.atomic():
        locked = Area.objects.select_for_update().get(pk=area.pk)
        before = _area_snapshot(locked)
        errors: list[FieldError] = []
        if name is not None:
            locked.name, name_error = _check_name(name)
            if name_error:
                errors.append(name_error)
        measured = None
        if boundary is not None:
            measured, problem = validate_boundary(boundary)
            if problem:
                errors.append(FieldError("boundary", problem))
            else:
                _apply_geometry(locked, measured, boundary)
        elif clear_boundary:
            _apply_geometry(locked, None, None)
        if errors:
            raise ServiceError(errors)
        changes = diff(before, _area_snapshot(locked))
        if changes:
            locked.save()
            audit(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes)
    warning = _boundary_warning(measured, locked.parent, None)
    return AreaChange(locked, [warning] if warning else [])


def area_retire(*, actor: Any, area: Area, on: dt.date | None = None) -> int:
    """End an area and everything current under it on ``on`` (default today). Returns how many
    areas were retired. Memberships bound to them end the same day."""
    from shequ.accounts.services import memberships_end_with_areas  # noqa: PLC0415 - accounts builds on areas

    ensure_allowed(actor, Perm.AREA_MANAGE, area.area_path)
    day = on or timezone.localdate()
    if day <= area.valid_from:
        raise ServiceError.single(
            "valid_to",
            _("must be after the day the area began (%(day)s)") % {"day": area.valid_from},
        )
    with transaction.atomic():
        subtree = (
            Area.objects.select_for_update()
            .filter(
                area_path__gte=area.area_path,
                area_path__lt=subtree_upper(area.area_path),
                valid_to__isnull=True,
            )
            .order_by("area_path")
        )
        nodes = list(subtree)
        for node in nodes:
            valid_to = max(day, node.valid_from + dt.timedelta(days=1))
            Area.objects.filter(pk=node.pk).update(valid_to=valid_to)
            audit(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=node,
                changes={"valid_to": [None, valid_to.isoformat()]},
            )
        memberships_end_with_areas(actor=actor, area_ids=[node.pk for node in nodes], on=day)
    return len(nodes)


# --- GeoJSON import -------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[FieldError] = field(default_factory=list)


@dataclass
class _Row:
    location: str
    level: int
    code: str
    name: str
    parent_code: str | None
    geometry: dict[str, Any] | None
    measured: Measured | None
    valid_from: dt.date | None


def _parse_level(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool) and raw in Level.values:
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if text.isdigit() and int(text) in Level.values:
            return int(text)
        return LEVEL_NAMES.get(text.lower())
    return None


def _load(payload: bytes | str | dict[str, Any]) -> list[Any]:
    if isinstance(payload, bytes | str):
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ServiceError.single(
                "file", _("is not valid JSON: %(error)s") % {"error": exc}
            ) from None
    else:
        data = payload
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ServiceError.single("file", _("must be a GeoJSON FeatureCollection"))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ServiceError.single("features", _("the collection has no features"))
    return features


def _parse_feature(index: int, feature: Any, errors: list[FieldError]) -> _Row | None:
    location = _("feature %(n)d") % {"n": index}
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        errors.append(FieldError("type", _("must be a GeoJSON Feature"), location))
        return None
    props = feature.get("properties")
    if not isinstance(props, dict):
        errors.append(FieldError("properties", _("are missing"), location))
        return None
    code = str(props.get("code") or "").strip()
    if code:
        location = f"{location} ({code})"
    before = len(errors)
    level = _parse_level(props.get("level"))
    if level is None:
        errors.append(
            FieldError(
                "level",
                _("must be one of city, district, street, community, grid, subgrid"),
                location,
            )
        )
    if not code:
        errors.append(FieldError("code", _("is required"), location))
    name, name_error = _check_name(str(props.get("name") or ""), location)
    if name_error:
        errors.append(name_error)
    parent_code = str(props.get("parent_code") or "").strip() or None
    valid_from = None
    if props.get("valid_from"):
        try:
            valid_from = dt.date.fromisoformat(str(props["valid_from"]))
        except ValueError:
            errors.append(FieldError("valid_from", _("must be a date like 2024-01-31"), location))
    geometry = feature.get("geometry")
    measured = None
    if geometry is not None:
        measured, problem = validate_boundary(geometry)
        if problem:
            errors.append(FieldError("geometry", problem, location))
    if len(errors) > before or level is None:
        return None
    return _Row(location, level, code, name, parent_code, geometry, measured, valid_from)


def area_tree_import(*, actor: Any, payload: bytes | str | dict[str, Any]) -> ImportSummary:
    """Create or update areas from a GeoJSON FeatureCollection whose features carry
    ``code``, ``name``, ``level`` and ``parent_code``. All or nothing: any error and nothing
    is written. Importing the same file again changes nothing."""
    features = _load(payload)
    errors: list[FieldError] = []
    rows: list[_Row] = []
    seen: dict[str, str] = {}
    for index, feature in enumerate(features, start=1):
        row = _parse_feature(index, feature, errors)
        if row is None:
            continue
        if row.code in seen:
            errors.append(
                FieldError(
                    "code",
                    _("appears twice in the file (also %(other)s)") % {"other": seen[row.code]},
                    row.location,
                )
            )
            continue
        seen[row.code] = row.location
        rows.append(row)
    rows.sort(key=lambda r: r.level)
    in_file = {r.code: r for r in rows}
    existing = {
        a.code: a
        for a in Area.objects.current().filter(
            code__in=[*in_file, *(r.parent_code for r in rows if r.parent_code)]
        )
    }
    summary = ImportSummary()
    paths: dict[str, str] = {}
    for row in rows:
        parent_row = in_file.get(row.parent_code) if row.parent_code else None
        parent_area = (
            existing.get(row.parent_code) if row.parent_code and parent_row is None else None
        )
        if row.parent_code and parent_row is None and parent_area is None:
            errors.append(
                FieldError(
                    "parent_code",
                    _("%(code)s is neither in the file nor an existing area")
                    % {"code": row.parent_code},
                    row.location,
                )
            )
            continue
        parent_level = (
            parent_row.level if parent_row else (parent_area.level if parent_area else None)
        )
        problem = code_problem(row.level, row.code, parent_level, row.parent_code)
        if problem:
            errors.append(FieldError("code", problem, row.location))
            continue
        current = existing.get(row.code)
        if current is not None and (
            current.level != row.level
            or (current.parent.code if current.parent else None) != row.parent_code
        ):
            errors.append(
                FieldError(
                    "code",
                    _("already belongs to another place in the tree; retire it first to move it"),
                    row.location,
                )
            )
            continue
        parent_path = paths.get(row.parent_code or "", parent_area.area_path if parent_area else "")
        paths[row.code] = child_path(parent_path, row.code)
        try:
            ensure_allowed(actor, Perm.AREA_MANAGE, paths[row.code] if current else parent_path)
        except NotAllowed:
            errors.append(
                FieldError("parent_code", _("is outside the areas you manage"), row.location)
            )
            continue
        parent_measured = parent_row.measured if parent_row else None
        if parent_area is not None and parent_area.boundary:
            parent_measured, _problem = validate_boundary(parent_area.boundary)
        if (
            row.measured is not None
            and parent_measured is not None
            and outside_parent(row.measured.geometry, parent_measured.geometry)
        ):
            summary.warnings.append(
                FieldError(
                    "geometry",
                    _("the boundary reaches outside its parent %(code)s")
                    % {"code": row.parent_code},
                    row.location,
                )
            )
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        created: dict[str, Area] = {}
        for row in rows:
            parent = created.get(row.parent_code or "") or (
                existing.get(row.parent_code) if row.parent_code else None
            )
            current = existing.get(row.code)
            if current is None:
                area = Area(
                    level=row.level,
                    code=row.code,
                    name=row.name,
                    parent=parent,
                    area_path=paths[row.code],
                    valid_from=row.valid_from or timezone.localdate(),
                )
                _apply_geometry(area, row.measured, row.geometry)
                area.save()
                audit(
                    actor=actor,
                    action=AuditAction.CREATE,
                    obj=area,
                    changes=diff({}, _area_snapshot(area)),
                )
                summary.created += 1
                created[row.code] = area
                continue
            before = _area_snapshot(current)
            current.name = row.name
            _apply_geometry(current, row.measured, row.geometry)
            changes = diff(before, _area_snapshot(current))
            if changes:
                current.save()
                audit(actor=actor, action=AuditAction.UPDATE, obj=current, changes=changes)
                summary.updated += 1
            else:
                summary.unchanged += 1
            created[row.code] = current
    return summary


# --- departments and organizations ---------------------------------------------------------


def department_create(
    *, actor: Any, area: Area, name: str, short_name: str = "", phone: str = ""
) -> Department:
    ensure_allowed(actor, Perm.AREA_MANAGE, area.area_path)
    errors: list[FieldError] = []
    name, name_error = _check_name(name)
    if name_error:
        errors.append(name_error)
    if area.level not in (Level.DISTRICT, Level.STREET):
        errors.append(FieldError("area", _("a department belongs to a street or a district")))
    if len(short_name) > 20:
        errors.append(FieldError("short_name", _("is longer than %(n)d characters") % {"n": 20}))
    if errors:
        raise ServiceError(errors)
    department = Department(
        area=area,
        area_path=area.area_path,
        name=name,
        short_name=short_name.strip(),
        phone=phone.strip(),
    )
    create_audited(
        department,
        actor=actor,
        changes=lambda: diff({}, snapshot(department, ("area_id", "name", "short_name", "phone"))),
        duplicate=("name", _("this area already has a department of that name")),
    )
    return department


def organization_create(
    *,
    actor: Any,
    area: Area,
    kind: str,
    name: str,
    parent: Organization | None = None,
    contact: str = "",
) -> Organization:
    ensure_allowed(actor, Perm.AREA_MANAGE, area.area_path)
    errors: list[FieldError] = []
    name, name_error = _check_name(name)
    if name_error:
        errors.append(name_error)
    if kind not in OrganizationKind.values:
        errors.append(FieldError("kind", _("is not a known kind of organization")))
    if parent is not None and parent.area_path and not area.area_path.startswith(parent.area_path):
        errors.append(FieldError("parent", _("must be an organization of this area or above it")))
    if errors:
        raise ServiceError(errors)
    organization = Organization(
        area=area,
        area_path=area.area_path,
        kind=kind,
        name=name,
        parent=parent,
        contact=contact.strip(),
    )
    create_audited(
        organization,
        actor=actor,
        changes=lambda: diff(
            {}, snapshot(organization, ("area_id", "kind", "name", "parent_id", "contact"))
        ),
        duplicate=("name", _("this area already has an organization of that kind and name")),
    )
    return organization
