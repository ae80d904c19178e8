from __future__ import annotations

from typing import Any

import pytest

from shequ.areas.geo import outside_parent, validate_boundary
from shequ.core.testing import square


def test_square_is_valid_and_measured() -> None:
    measured, problem = validate_boundary(square(102.0, 24.0, 1.0))
    assert problem is None
    assert measured is not None
    assert measured.bbox == (102.0, 24.0, 103.0, 25.0)
    assert 102.0 < measured.label[0] < 103.0


def test_multipolygon_is_valid() -> None:
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [square(0, 0, 1)["coordinates"], square(2, 0, 1)["coordinates"]],
    }
    assert validate_boundary(geometry)[1] is None


@pytest.mark.parametrize(
    ("geometry", "says"),
    [
        ("not json", "geometry object"),
        ({"type": "Point", "coordinates": [1, 2]}, "Point"),
        ({"type": "Polygon", "coordinates": []}, "no rings"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "not closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "four positions"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "Self-intersection",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 0]]]},
            "outside longitude",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], ["a", 0], [1, 1], [0, 0]]]},
            "not [longitude, latitude]",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]},
            "not a valid polygon",
        ),
        (
            {
                "type": "MultiPolygon",
                "coordinates": [square(0, 0, 1)["coordinates"], [[[0, 0], [1, 0], [1, 1], [0, 1]]]],
            },
            "polygon 2",
        ),
    ],
)
def test_bad_boundaries_say_why(geometry: Any, says: str) -> None:
    measured, problem = validate_boundary(geometry)
    assert measured is None
    assert problem is not None
    assert says in problem


def test_child_outside_parent() -> None:
    parent = validate_boundary(square(0, 0, 1))[0]
    inside = validate_boundary(square(0.1, 0.1, 0.5))[0]
    overhanging = validate_boundary(square(0.8, 0.8, 0.5))[0]
    assert parent
    assert inside
    assert overhanging
    assert not outside_parent(inside.geometry, parent.geometry)
    assert outside_parent(overhanging.geometry, parent.geometry)
