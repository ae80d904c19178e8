"""House.colour_without_care: stored beside the colour, and filled by its migration for the
houses that were there before it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from shequ.core.actors import SYSTEM
from shequ.registry.colours import colours_of
from shequ.registry.models import House
from shequ.registry.services import house_update, resident_update, unit_add
from shequ.registry.testing import Register

pytestmark = pytest.mark.django_db

migration = importlib.import_module("shequ.registry.migrations.0002_house_colour_without_care")


def stored() -> dict[int, tuple[str, str]]:
    return {
        pk: (c, w) for pk, c, w in House.objects.values_list("pk", "colour", "colour_without_care")
    }


def derived() -> dict[int, tuple[str, str]]:
    return {h.pk: tuple(str(c) for c in colours_of(h)) for h in House.objects.all()}  # type: ignore[misc]


def test_the_migration_fills_what_the_writers_would(register: Register) -> None:
    resident_update(actor=SYSTEM, resident=register.zhang, care_tags=["living_alone"])
    resident_update(actor=SYSTEM, resident=register.wang, care_tags=["disabled"])
    unit_add(actor=SYSTEM, house=register.other_house, name="七彩物业", is_business=False)
    house_update(actor=SYSTEM, house=register.empty_house, use="business")
    expected = stored()
    assert expected == derived()
    assert {expected[register.house.pk], expected[register.other_house.pk]} == {
        ("care", "registered"),
        ("care", "office"),
    }
    # as before the migration: a care house's colour without care not yet known
    House.objects.filter(colour="care").update(colour_without_care="vacant")
    migration.fill(apps, None)
    assert stored() == expected


def test_a_colour_without_care_that_disagrees_is_refused(register: Register) -> None:
    house: Any = House.objects.get(pk=register.house.pk)
    assert house.colour == "registered"
    for colour, without_care in (("registered", "vacant"), ("care", "care")):
        with pytest.raises(IntegrityError), transaction.atomic():
            House.objects.filter(pk=house.pk).update(
                colour=colour, colour_without_care=without_care
            )


def test_the_pages_show_the_street_the_colours_derived_again(
    register: Register, personas: Any, client: Any
) -> None:
    """The building page, the house page, the API's house and the register's legend show
    someone who may not see care each care house's stored colour without care: what deriving
    it again gives (here not the same for every care house)."""
    from collections import Counter  # noqa: PLC0415

    from django.urls import reverse  # noqa: PLC0415

    from shequ.registry.colours import colours_without_care  # noqa: PLC0415

    resident_update(actor=SYSTEM, resident=register.zhang, care_tags=["living_alone"])
    resident_update(actor=SYSTEM, resident=register.wang, care_tags=["disabled"])
    unit_add(actor=SYSTEM, house=register.other_house, name="七彩物业", is_business=False)
    houses = list(House.objects.all())
    without = colours_without_care([h.pk for h in houses])
    assert {without[register.house.pk], without[register.other_house.pk]} == {
        "registered",
        "office",
    }
    client.force_login(personas.dispatcher)
    for house in houses:
        page = client.get(reverse("registry:house", args=[house.pk]))
        assert page.context["colour"] == without[house.pk]
        api = client.get(f"/api/v1/houses/{house.pk}/")
        assert api.json()["colour"] == without[house.pk]
    building = client.get(reverse("registry:building", args=[register.building.pk]))
    shown = {
        h.pk: h.colour for _floor, cells in building.context["grid"] for cell in cells for h in cell
    }
    assert shown == {pk: without[pk] for pk in shown}
    home = client.get(reverse("registry:home") + f"?area={register.building.area.parent_id}")
    legend = {c["key"]: c["count"] for c in home.context["legend"] if c["count"]}
    assert legend == dict(Counter(str(c) for c in without.values()))


def test_a_house_loaded_before_it_was_recoloured_moves_the_right_count(
    register: Register,
) -> None:
    """A service handed a house object loaded before another recoloured the house (here the
    fixture's, from before its household moved in) derives from the stored colours: the
    rollup counts stay those a rebuild gives, and the colour without care is written."""
    from shequ.registry import stats  # noqa: PLC0415
    from shequ.registry.models import RegisterStat  # noqa: PLC0415

    stale = register.other_house
    assert stale.colour == "vacant"  # in memory; stored: non_local
    resident_update(actor=SYSTEM, resident=register.wang, care_tags=["disabled"])
    unit_add(actor=SYSTEM, house=stale, name="七彩物业", is_business=False)
    assert stored()[stale.pk] == ("care", "office")

    def rollups() -> set[tuple[str, str, str, int]]:
        return set(
            RegisterStat.objects.filter(measure="colour", count__gt=0).values_list(
                "area_path", "measure", "key", "count"
            )
        )

    counted = rollups()
    stats.rebuild()
    assert counted == rollups()
