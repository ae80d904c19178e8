"""The measures' page and API in the role × endpoint matrix (added to ENDPOINTS at the end of
tests/test_scoping_matrix.py). Reading only: nothing may change on any request."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

# CASE_VIEW over grid A, or a department (which sees the cases it leads).
MEASURE_READERS = {
    "dispatcher",
    "community_staff",
    "grid_chief",
    "grid_worker",
    "other_grid_worker",
    "department_handler",
}
MEASURE_READERS_OF_GRID_A = MEASURE_READERS - {"other_grid_worker"}


def endpoints() -> list[Any]:
    from tests.test_scoping_matrix import Endpoint, ok  # noqa: PLC0415 - that module imports us

    return [
        Endpoint("measures:index", lambda t, p: reverse("measures:index"), ok(MEASURE_READERS)),
        Endpoint(
            "measures:index",
            lambda t, p: reverse("measures:index") + f"?area={t.grid_a.pk}&group=category",
            ok(MEASURE_READERS_OF_GRID_A),
            scoped_out={"other_grid_worker"},
        ),
        Endpoint(
            "api:measures",
            lambda t, p: reverse("api:measures") + "?period=year&group=level",
            ok(MEASURE_READERS),
            anonymous=403,
        ),
        Endpoint(
            "api:measures",
            lambda t, p: reverse("api:measures") + f"?area={t.street.pk}",
            ok({"dispatcher", "department_handler"}),
            scoped_out={"community_staff", "grid_chief", "grid_worker", "other_grid_worker"},
            anonymous=403,
        ),
    ]
