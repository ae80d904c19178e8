"""Writing the register of a street: the planned buildings (``shequ.demo.register``) as the
rows a sequence of ``building_create``, ``house_create``, ``household_create``,
``resident_add``, ``unit_add``, ``household_set_head`` and ``building_set_head`` calls would
leave, written in bulk (``shequ.registry.bulk``), a batch of ~``batch_size`` houses at a time.

Per batch: buildings (with their head), houses (with their colour), households (with their
head) and their house stays, units, residents (ID number and phone encrypted once each, with
blind index and mask), their stays, care tags and name grams. The rollup counts
(RegisterStat) are summed in memory and added once per street with
``shequ.registry.stats.apply``, as the services add theirs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db import IntegrityError, models
from django.utils import timezone

from shequ.areas.models import Area
from shequ.core.bulk import take_ids
from shequ.demo.codes import DemoSeedError
from shequ.demo.plan import StreetPlan
from shequ.demo.register import BuildingPlan, house_colour, iter_register
from shequ.registry.bulk import RegisterRows
from shequ.registry.models import Building, House, Household, Resident, Unit
from shequ.registry.personal import UNIT_PHONE, protect_id_number, protect_phone

REGISTER_MEASURES = (
    "buildings",
    "houses",
    "households",
    "residents",
    "units",
    "care_tags",
    "building_heads",
    "party_centers",
)

# what a duplicate row of these tables would be, for the error
DUPLICATE: dict[type[models.Model], str] = {
    Building: "a building number",
    House: "a room",
    Unit: "a unified social credit code",
    Resident: "an ID number",
}


class RegisterWriter:
    """Writes one street's register; ``counts`` holds what was written per community code
    (``REGISTER_MEASURES``)."""

    def __init__(self, areas: dict[str, Area], batch_size: int) -> None:
        self.areas = areas
        self.batch_size = max(1, batch_size)
        self.counts: dict[str, Counter[str]] = {}
        self.register = RegisterRows(timezone.now())

    def write_street(self, plan: StreetPlan, factor: float) -> None:
        pending: list[BuildingPlan] = []
        houses = 0
        for building in iter_register(plan, factor):
            pending.append(building)
            houses += len(building.houses)
            if houses >= self.batch_size:
                self._write(pending)
                pending, houses = [], 0
        if pending:
            self._write(pending)
        self.register.apply_counts()

    def _write(self, plans: Sequence[BuildingPlan]) -> None:
        register = self.register
        households = [h.household for p in plans for h in p.houses if h.household is not None]
        building_ids = iter(take_ids(Building, len(plans)))
        house_ids = iter(take_ids(House, sum(len(p.houses) for p in plans)))
        household_ids = iter(take_ids(Household, len(households)))
        resident_ids = iter(take_ids(Resident, sum(len(h.members) for h in households)))
        for plan in plans:
            area = self.areas[plan.area_code]
            path = area.area_path
            counts = self.counts.setdefault(plan.community_code, Counter())
            counts["buildings"] += 1
            counts["houses"] += len(plan.houses)
            building_id = next(building_ids)
            building_head = None
            for house_index, h in enumerate(plan.houses):
                house_id = next(house_ids)
                register.house(
                    house_id,
                    building_id=building_id,
                    area_path=path,
                    entrance=h.entrance,
                    floor=h.floor,
                    room=h.room,
                    floor_area=h.floor_area,
                    use=h.use,
                    property_right=h.property_right,
                    colour=house_colour(h),
                    colour_without_care=house_colour(h, care=False),
                )
                if h.unit is not None:
                    u = h.unit
                    register.unit(
                        house_id=house_id,
                        area_path=path,
                        name=u.name,
                        credit_code=u.credit_code,
                        contact=u.contact,
                        phone=protect_phone(u.phone, UNIT_PHONE),
                        is_business=u.is_business,
                    )
                    counts["units"] += 1
                household = h.household
                if household is None:
                    continue
                household_id = next(household_ids)
                member_ids = [next(resident_ids) for _m in household.members]
                register.household(
                    household_id,
                    house_id=house_id,
                    area_path=path,
                    head_id=member_ids[0],  # the head, as resident_add sets it
                    external_ref=household.external_ref,
                    moved_in=household.moved_in,
                    is_party_center=household.is_party_center,
                )
                if plan.head is not None and plan.head[0] == house_index:
                    building_head = member_ids[plan.head[1]]
                for resident_id, m in zip(member_ids, household.members, strict=True):
                    register.resident(
                        resident_id,
                        household_id=household_id,
                        area_path=path,
                        person=m,
                        id_number=protect_id_number(m.id_number),  # one encryption per value
                        phone=protect_phone(m.phone),
                        moved_in=m.moved_in,
                    )
                counts["households"] += 1
                counts["residents"] += len(household.members)
                counts["care_tags"] += sum(len(m.care_tags) for m in household.members)
                counts["party_centers"] += household.is_party_center
            counts["building_heads"] += building_head is not None
            register.building(
                building_id,
                area_id=area.pk,
                area_path=path,
                estate=plan.estate,
                number=plan.number,
                address=plan.address,
                floors=plan.floors,
                entrances=plan.entrances,
                lon=plan.lon,
                lat=plan.lat,
                head_id=building_head,
            )
        for table, batch in register.batches():
            try:
                table.insert(batch)
            except IntegrityError as error:
                what = DUPLICATE.get(table.model, "a row")
                msg = f"{table.name}: {what} of the demo register is already there ({error})"
                raise DemoSeedError(msg) from error
