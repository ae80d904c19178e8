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


def colour_of(house: House) -> Colour:
    residents = Resident.objects.filter(household__house=house, moved_out_on__isnull=True)
    if ResidentCare.objects.filter(resident__in=residents).exists():
        return Colour.CARE
    units = list(Unit.objects.filter(house=house).values_list("is_business", flat=True))
    if house.use == HouseUse.BUSINESS or any(units):
        return Colour.BUSINESS
    if house.use == HouseUse.OFFICE or (units and not any(units)):
        return Colour.OFFICE
    residencies = set(residents.values_list("residency", flat=True))
    if Residency.NON_LOCAL in residencies:
        return Colour.NON_LOCAL
    if residencies:
        return Colour.REGISTERED
    return Colour.VACANT
