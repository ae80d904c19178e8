"""Checking and measuring boundaries given as GeoJSON geometries (WGS 84 lon/lat)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

POLYGON_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Measured:
    geometry: BaseGeometry
    bbox: tuple[float, float, float, float]
    label: tuple[float, float]


def _check_ring(ring: Any, where: str) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return _("%(where)s needs at least four positions") % {"where": where}
    for position in ring:
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position[:2])
        ):
            return _("%(where)s has a position that is not [longitude, latitude]") % {
                "where": where
            }
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return _("%(where)s has a position outside longitude -180…180 / latitude -90…90") % {
                "where": where
            }
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return _("%(where)s is not closed: its last position must repeat its first") % {
            "where": where
        }
    return None


def _check_polygon(rings: Any, where: str) -> str | None:
    if not isinstance(rings, list) or not rings:
        return _("%(where)s has no rings") % {"where": where}
    for index, ring in enumerate(rings):
        name = _("outer ring") if index == 0 else _("hole %(n)d") % {"n": index}
        problem = _check_ring(ring, f"{where} {name}".strip())
        if problem:
            return problem
    return None


def validate_boundary(geometry: Any) -> tuple[Measured | None, str | None]:
    """Return the measured geometry, or a message saying what is wrong with it."""
    if not isinstance(geometry, dict):
        return None, _("must be a GeoJSON geometry object")
    kind = geometry.get("type")
    if kind not in POLYGON_TYPES:
        return None, _("must be a Polygon or MultiPolygon, not %(kind)s") % {"kind": kind or "—"}
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        problem = _check_polygon(coordinates, "")
    elif not isinstance(coordinates, list) or not coordinates:
        problem = _("has no polygons")
    else:
        problem = None
        for index, polygon in enumerate(coordinates, start=1):
            problem = _check_polygon(polygon, _("polygon %(n)d") % {"n": index})
            if problem:
                break
    if problem:
        return None, problem.strip()
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
        return None, _("cannot be read: %(error)s") % {"error": exc}
    if geom.is_empty:
        return None, _("encloses no area")
    if not geom.is_valid:
        return None, _("is not a valid polygon (%(why)s)") % {"why": explain_validity(geom)}
    if geom.area == 0:
        return None, _("encloses no area")
    point = geom.representative_point()
    return Measured(geom, tuple(geom.bounds), (point.x, point.y)), None


def outside_parent(child: BaseGeometry, parent: BaseGeometry) -> bool:
    """True when the child reaches noticeably outside its parent. Boundaries drawn by hand
    share edges only approximately, so up to 1 % of the child's area may overhang."""
    overhang = float(child.difference(parent).area)
    return overhang > 0.01 * float(child.area)
