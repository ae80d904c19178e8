from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from shequ.dashboards import period, reports
from shequ.dashboards.models import MonthlyReport, ReportKind
from shequ.dashboards.tests.conftest import Scene

pytestmark = pytest.mark.usefixtures("at_now")
DECEMBER = period.Month(dt.date(2026, 12, 1))


def test_map_parts_coloured_by_measure(scene: Scene, client: Client) -> None:
    client.force_login(scene.personas.dispatcher)
    body = client.get(reverse("dashboards:map_areas", args=[scene.tree.street.pk])).json()
    parts = {f["properties"]["name"]: f["properties"] for f in body["parts"]["features"]}
    assert parts["洛龙社区"]["open"] == 3
    assert parts["洛龙社区"]["overdue"] == 2
    assert parts["七彩社区"]["open_by_level"]["key"] == 1
    assert body["area"]["fine"] is False
    # A street: one marker per grid, from the rollup, at the grid's label point.
    markers = client.get(reverse("dashboards:map_cases", args=[scene.tree.street.pk])).json()
    assert sorted(m["n"] for m in markers["markers"]) == [1, 3]
    assert all(m["case"] is None for m in markers["markers"])


def test_map_crumbs_show_the_whole_path(scene: Scene, client: Client) -> None:
    """The map's trail runs from the root to the level shown; the levels whose map the viewer
    may open carry their id, the others are text only."""
    tree = scene.tree
    client.force_login(scene.personas.dispatcher)
    body = client.get(reverse("dashboards:map_areas", args=[tree.grid_a.pk])).json()
    assert body["crumbs"] == [
        {"id": None, "name": "昆明市"},
        {"id": None, "name": "呈贡区"},
        {"id": tree.street.pk, "name": "龙城街道"},
        {"id": tree.community_a.pk, "name": "洛龙社区"},
        {"id": tree.grid_a.pk, "name": "第一网格"},
    ]
    page = client.get(reverse("dashboards:map", args=[tree.grid_a.pk])).content.decode()
    assert f'href="{reverse("dashboards:map", args=[tree.community_a.pk])}"' in page
    client.force_login(scene.personas.grid_worker)
    body = client.get(reverse("dashboards:map_areas", args=[tree.grid_a.pk])).json()
    assert [c["id"] for c in body["crumbs"]] == [None, None, None, None, tree.grid_a.pk]


def test_map_cases_cluster_by_screen_cell_in_a_grid(scene: Scene, client: Client) -> None:
    client.force_login(scene.personas.grid_worker)
    url = reverse("dashboards:map_cases", args=[scene.tree.grid_a.pk])
    wide = client.get(url + "?bbox=102.0,24.0,104.0,26.0").json()["markers"]
    assert [m["n"] for m in wide] == [3]  # all three in one cell at this scale
    close = client.get(url + "?bbox=102.60,24.60,102.64,24.64").json()["markers"]
    singles = {m["case"] for m in close if m["n"] == 1}
    assert scene.overdue.pk in singles


def test_side_panel_opens_an_overdue_case(scene: Scene, client: Client) -> None:
    client.force_login(scene.personas.dispatcher)
    panel = client.get(
        reverse("dashboards:area_panel", args=[scene.tree.grid_a.pk])
    ).content.decode()
    assert "洛龙路路灯不亮" in panel
    card = client.get(
        reverse("dashboards:case_panel", args=[scene.overdue.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "data-overdue" in card
    client.force_login(scene.personas.other_grid_worker)
    assert client.get(reverse("dashboards:case_panel", args=[scene.overdue.pk])).status_code == 404


def test_buildings_take_their_houses_colours(scene: Scene, client: Client) -> None:
    client.force_login(scene.personas.grid_chief)
    rows = client.get(reverse("dashboards:map_buildings", args=[scene.tree.grid_a.pk])).json()
    building = rows["buildings"][0]
    assert building["id"] == scene.reg.building.pk
    assert sum(building["colours"].values()) == scene.reg.building.houses.count()


def test_the_building_layer_hides_care_from_the_street(scene: Scene, client: Client) -> None:
    from shequ.core.actors import SYSTEM  # noqa: PLC0415
    from shequ.registry.services import resident_update  # noqa: PLC0415

    resident_update(actor=SYSTEM, resident=scene.reg.zhang, care_tags=["living_alone"])
    url = reverse("dashboards:map_buildings", args=[scene.tree.community_a.pk])
    client.force_login(scene.personas.community_staff)
    mine = {b["id"]: b for b in client.get(url).json()["buildings"]}
    assert mine[scene.reg.building.pk]["colours"].get("care") == 1
    client.force_login(scene.personas.dispatcher)
    street = {b["id"]: b for b in client.get(url).json()["buildings"]}
    building = street[scene.reg.building.pk]
    assert "care" not in building["colours"]
    assert building["colour"] != "care"
    assert sum(building["colours"].values()) == scene.reg.building.houses.count()


def test_monthly_reports_exactly_once_and_readable(scene: Scene, client: Client) -> None:
    call_command("generate_monthly_reports", month="2026-12")
    count = MonthlyReport.objects.count()
    assert (
        count == MonthlyReport.objects.filter(kind=ReportKind.AREA).count() + 2
    )  # two departments
    assert reports.generate(DECEMBER) == 0  # a second run makes nothing
    assert MonthlyReport.objects.count() == count
    street = MonthlyReport.objects.get(area=scene.tree.street, month=DECEMBER.first)
    assert street.data["cases"]["received"] == 5
    assert street.data["ranking"][0]["name"] == "城管执法中队"
    client.force_login(scene.personas.dispatcher)
    page = client.get(reverse("dashboards:report", args=[street.pk])).content.decode()
    assert "龙城街道" in page
    xlsx = client.get(reverse("dashboards:report_xlsx", args=[street.pk]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert any(r[0] == "Cases received" and r[1] == 5 for r in rows)
    # The community's staff read their community's report, not the street's.
    client.force_login(scene.personas.community_staff)
    assert client.get(reverse("dashboards:report", args=[street.pk])).status_code == 404
    listing = client.get(reverse("dashboards:reports")).content.decode()
    assert "洛龙社区" in listing
    assert "七彩社区" not in listing


def test_monthly_reports_cron_twice_and_a_race_make_each_once(scene: Scene) -> None:
    """What production runs (docs/operations.md): the cron line queues the task; run twice, or
    two workers storing the same report at once, each report exists once."""
    call_command("generate_monthly_reports", month="2026-12", enqueue=True)
    count = MonthlyReport.objects.count()
    assert count > 0
    call_command("generate_monthly_reports", month="2026-12", enqueue=True)
    call_command("generate_monthly_reports", month="2026-12")
    assert MonthlyReport.objects.count() == count
    # A worker that built the street's report while another stored it: its insert is dropped.
    street = MonthlyReport.objects.get(area=scene.tree.street, month=DECEMBER.first)
    again = reports._store(
        ReportKind.AREA, DECEMBER, street.data, area=scene.tree.street, path=street.area_path
    )
    assert again == 0
    assert MonthlyReport.objects.count() == count


def test_report_month_is_checked() -> None:
    from django.core.management.base import CommandError  # noqa: PLC0415

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("generate_monthly_reports", month="October")


# --- the buildings layer's colours without care, stored -----------------------------------------


def _care_community(scene: Scene) -> dict[str, Any]:
    """Community A's register with care houses of every colour underneath: registered,
    non-local, business, office; and houses without care beside them."""
    from shequ.core.actors import SYSTEM  # noqa: PLC0415
    from shequ.registry.services import (  # noqa: PLC0415
        ResidentData,
        building_create,
        house_create,
        household_create,
        resident_add,
        resident_update,
        unit_add,
    )

    day = dt.date(2024, 1, 1)
    reg = scene.reg
    resident_update(actor=SYSTEM, resident=reg.zhang, care_tags=["living_alone"])  # registered
    other = building_create(
        actor=SYSTEM,
        area=scene.tree.grid_b,
        estate="七彩小区",
        number="2栋",
        address="呈贡区七彩路2号",
        floors=4,
        lon=102.62,
        lat=24.62,
    )
    houses: dict[str, Any] = {"zhang": reg.house, "empty": reg.empty_house}

    def person(house: Any, name: str, *, residency: str = "registered", care: bool) -> Any:
        household = household_create(actor=SYSTEM, house=house, on=day)
        resident = resident_add(
            actor=SYSTEM,
            household=household,
            on=day,
            data=ResidentData(name=name, residency=residency, relation="head"),
        )
        if care:
            resident_update(actor=SYSTEM, resident=resident, care_tags=["low_income"])
        return resident

    for key, building, room, use in (
        ("non_local", other, "101", "rented"),
        ("business", other, "102", "business"),
        ("office", other, "201", "owner_occupied"),
        ("plain", other, "202", "rented"),
    ):
        houses[key] = house_create(
            actor=SYSTEM, building=building, entrance=1, floor=int(room[0]), room=room, use=use
        )
    people = {
        "non_local": person(houses["non_local"], "赵流动", residency="non_local", care=True),
        "business": person(houses["business"], "钱经营", care=True),
        "office": person(houses["office"], "孙办公", care=True),
        "plain": person(houses["plain"], "李租户", residency="non_local", care=False),
    }
    unit_add(actor=SYSTEM, house=houses["office"], name="七彩物业办公室", is_business=False)
    return {"houses": houses, "people": people, "other": other}


def _expected(area: Any, *, show_care: bool) -> dict[int, dict[str, int]]:
    """Each positioned building's colour counts derived again from the register."""
    from collections import Counter  # noqa: PLC0415

    from shequ.registry.colours import colour_of, colours_without_care  # noqa: PLC0415
    from shequ.registry.models import House  # noqa: PLC0415

    houses = list(
        House.objects.filter(
            area_path__startswith=area.area_path, building__lon__isnull=False
        ).select_related("building")
    )
    without = colours_without_care([h.pk for h in houses])
    counts: dict[int, Counter[str]] = {}
    for h in houses:
        colour = colour_of(h) if show_care else without[h.pk]
        counts.setdefault(h.building_id, Counter())[str(colour)] += 1
    return {pk: dict(c) for pk, c in counts.items()}


def _layer(client: Client, area: Any) -> dict[int, dict[str, int]]:
    body = client.get(reverse("dashboards:map_buildings", args=[area.pk])).json()
    return {b["id"]: b["colours"] for b in body["buildings"]}


def test_the_layer_without_care_equals_the_colours_derived_again(
    scene: Scene, client: Client
) -> None:
    """The street (who may not see care) gets each house's stored colour without care; it is
    what deriving it again from the register gives, before and after edits of residents,
    households, houses and units, and the community (who see care) still gets "care"."""
    from shequ.core.actors import SYSTEM  # noqa: PLC0415
    from shequ.registry.models import House  # noqa: PLC0415
    from shequ.registry.services import (  # noqa: PLC0415
        ResidentData,
        house_update,
        household_move_out,
        resident_add,
        resident_move_out,
        resident_update,
        unit_add,
    )

    built = _care_community(scene)
    houses, people = built["houses"], built["people"]
    community = scene.tree.community_a
    care_houses = House.objects.filter(colour="care")
    assert set(care_houses.values_list("colour_without_care", flat=True)) == {
        "registered",
        "non_local",
        "business",
        "office",
    }

    def check() -> None:
        client.force_login(scene.personas.dispatcher)
        street = _layer(client, community)
        assert street == _expected(community, show_care=False)
        assert all("care" not in colours for colours in street.values())
        client.force_login(scene.personas.community_staff)
        assert _layer(client, community) == _expected(community, show_care=True)

    check()
    edits = [
        # care ends for Zhang: his house is registered to everyone
        lambda: resident_update(actor=SYSTEM, resident=scene.reg.zhang, care_tags=[]),
        # a non-local joins a care house: care still, non-local underneath
        lambda: resident_add(
            actor=SYSTEM,
            household=people["business"].household,
            data=ResidentData(name="周外来", residency="non_local", relation="other"),
        ),
        lambda: house_update(actor=SYSTEM, house=houses["business"], use="rented"),
        lambda: resident_update(actor=SYSTEM, resident=people["plain"], care_tags=["disabled"]),
        lambda: resident_move_out(actor=SYSTEM, resident=people["non_local"]),
        lambda: household_move_out(actor=SYSTEM, household=people["office"].household),
        lambda: unit_add(actor=SYSTEM, house=houses["empty"], name="龙城小卖部"),
    ]
    for edit in edits:
        edit()
        check()


# the session, the user, the memberships, the second factor, the area; the houses' colour
# counts and the buildings
LAYER_QUERIES = 7


def test_the_layer_reads_the_houses_once_whoever_asks(scene: Scene, client: Client) -> None:
    """The same queries for a viewer who sees care and one who does not, as many with more
    care houses, and none of the register's people, units or care tags (what deriving the
    colour without care would read)."""
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    url = reverse("dashboards:map_buildings", args=[scene.tree.community_a.pk])

    def queries(persona: Any) -> list[str]:
        client.force_login(persona)
        client.get(url)  # the session and the scope, warmed
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    first = queries(scene.personas.dispatcher)
    _care_community(scene)
    street = queries(scene.personas.dispatcher)
    community = queries(scene.personas.community_staff)
    assert len(first) == len(street) == len(community) == LAYER_QUERIES
    for sql in street:
        for table in ("registry_resident", "registry_unit", "registry_residentcare"):
            assert f'"{table}"' not in sql, sql
    houses = [sql for sql in street if '"registry_house"' in sql]
    assert len(houses) == 1
    assert '"colour_without_care"' in houses[0]
