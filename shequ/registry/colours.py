"""分色管理: the colour of a house, derived from its use and its occupants, never typed in.

Precedence (the first that applies wins), as shown in the legend:
1. care        — a household needing care lives here (any current member has a care tag);
2. business    — business premises (use "business", or a shop registered in the house);
3. office      — office of a unit (use "office", or a unit registered in the house);
4. non_local   — someone living here is a non-local (流动) resident;
5. registered  — people live here, all registered (户籍) residents;
6. vacant      — nobody lives here.
Care comes first because it is what a grid worker must not miss; premises come before people
because a shop with a flat above is managed as a shop."""

from __future__ import annotations

from shequ.registry.models import Colour, House, HouseUse, Residency, Resident, ResidentCare, Unit

PRECEDENCE = (
    Colour.CARE,
    Colour.BUSINESS,
    Colour.OFFICE,
    Colour.NON_LOCAL,
    Colour.REGISTERED,
    Colour.VACANT,
)


def colours_of(house: House) -> tuple[Colour, Colour]:
    """The house's colour and its colour without care (``House.colour_without_care``: what
    it would be if nobody in it needed care)."""
    residents = Resident.objects.filter(household__house=house, moved_out_on__isnull=True)
    care = ResidentCare.objects.filter(resident__in=residents).exists()
    units = list(Unit.objects.filter(house=house).values_list("is_business", flat=True))
    if house.use == HouseUse.BUSINESS or any(units):
        base = Colour.BUSINESS
    elif house.use == HouseUse.OFFICE or (units and not any(units)):
        base = Colour.OFFICE
    else:
        residencies = set(residents.values_list("residency", flat=True))
        if Residency.NON_LOCAL in residencies:
            base = Colour.NON_LOCAL
        elif residencies:
            base = Colour.REGISTERED
        else:
            base = Colour.VACANT
    return (Colour.CARE if care else base), base


def colour_of(house: House) -> Colour:
    return colours_of(house)[0]


def colours_without_care(house_ids: list[int]) -> dict[int, Colour]:
    """The colour each house would have if nobody in it needed care: what is shown to those
    who may not see care tags (decision 0011), since a "care" cell on the building map says
    as much as the tag itself. Derived from the register, in bulk; what every writer stores
    as ``House.colour_without_care``, which is what readers read."""
    from shequ.registry.sheets.writer import colour_from  # noqa: PLC0415 - writer imports us

    if not house_ids:
        return {}
    uses = dict(House.objects.filter(pk__in=house_ids).values_list("pk", "use"))
    units: dict[int, list[bool]] = {pk: [] for pk in house_ids}
    for house_id, is_business in Unit.objects.filter(house_id__in=house_ids).values_list(
        "house_id", "is_business"
    ):
        units[house_id].append(is_business)
    residencies: dict[int, set[str]] = {pk: set() for pk in house_ids}
    for house_id, residency in Resident.objects.filter(
        household__house_id__in=house_ids, moved_out_on__isnull=True
    ).values_list("household__house_id", "residency"):
        residencies[house_id].add(residency)
    return {pk: Colour(colour_from(uses[pk], False, units[pk], residencies[pk])) for pk in uses}


def hide_care(houses: list[House]) -> list[House]:
    """Recolour, in memory only, the houses shown as "care" to someone who may not see care:
    their stored colour without care. The objects are for display: never save them."""
    for house in houses:
        if house.colour == Colour.CARE:
            house.colour = house.colour_without_care
    return houses


def counts_without_care(
    area_path: str, counts: dict[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    """Rollup counts with the area's "care" houses counted under their colour without care."""
    from django.db.models import Count  # noqa: PLC0415

    from shequ.core.paths import within  # noqa: PLC0415

    result = dict(counts)
    result.pop(("colour", Colour.CARE.value), None)
    care = (
        House.objects.filter(within("area_path", [area_path]), colour=Colour.CARE)
        .values_list("colour_without_care")
        .annotate(n=Count("id"))
        .order_by()
    )
    for colour, n in care:
        key = ("colour", colour)
        result[key] = result.get(key, 0) + n
    return result
