"""Reads of the register, always through the viewer's scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.core.errors import NotAllowed
from shequ.registry.grams import query_grams
from shequ.registry.models import (
    Building,
    Colour,
    House,
    Household,
    NameGram,
    Relation,
    Resident,
    ResidentCare,
    Stay,
    Unit,
    Visit,
)
from shequ.registry.personal import id_number_index, phone_index


def _access(queryset: Any, user: Any, pk: Any, perm: Perm) -> Any:
    """The object if ``user`` holds ``perm`` where it is, else NotAllowed (shown as 404)."""
    try:
        return queryset.visible_to(user, perm).get(pk=int(pk))
    except (ValueError, TypeError, queryset.model.DoesNotExist):
        raise NotAllowed(perm) from None


def access_building(user: Any, pk: Any, perm: Perm = Perm.REGISTER_VIEW) -> Building:
    found: Building = _access(Building.objects.select_related("area", "head"), user, pk, perm)
    return found


def access_house(user: Any, pk: Any, perm: Perm = Perm.REGISTER_VIEW) -> House:
    found: House = _access(House.objects.select_related("building"), user, pk, perm)
    return found


def access_household(user: Any, pk: Any, perm: Perm = Perm.REGISTER_VIEW) -> Household:
    found: Household = _access(
        Household.objects.select_related("house__building", "head"), user, pk, perm
    )
    return found


def access_resident(user: Any, pk: Any, perm: Perm = Perm.REGISTER_VIEW) -> Resident:
    found: Resident = _access(
        Resident.objects.select_related("household__house__building"), user, pk, perm
    )
    return found


def care_tags_by_resident(
    residents: list[int] | None = None, user: Any = None
) -> dict[int, list[str]]:
    """Care tags per resident id. With ``user``, only the tags they may see (care.view)."""
    rows = ResidentCare.objects.all()
    if user is not None:
        rows = rows.visible_to(user, Perm.CARE_VIEW)
    if residents is not None:
        rows = rows.filter(resident_id__in=residents)
    found: dict[int, list[str]] = defaultdict(list)
    for resident_id, tag in rows.values_list("resident_id", "tag"):
        found[resident_id].append(tag)
    return dict(found)


def may_see_care(user: Any, path: str) -> bool:
    return scope_of(user).allows(Perm.CARE_VIEW, path)


# --- search and lists ----------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentFilter:
    query: str = ""
    area_path: str = ""
    residency: str = ""
    care_tag: str = ""
    colour: str = ""
    age_band: str = ""
    include_moved_out: bool = False

    @property
    def is_personal_search(self) -> bool:
        """An exact ID number or phone: a search of personal data, audited with its results."""
        digits = self.query.replace(" ", "").replace("-", "")
        return len(digits) >= 7 and (digits[:-1].isdigit())


AGE_RANGES = {
    "0-17": (0, 17),
    "18-34": (18, 34),
    "35-59": (35, 59),
    "60-79": (60, 79),
    "80+": (80, 200),
}


def residents(user: Any, f: ResidentFilter, *, today: dt.date | None = None) -> QuerySet[Resident]:
    """The residents ``user`` may see, filtered. Names match on one or two characters;
    a query that looks like an ID number or phone matches those exactly (blind index)."""
    qs = Resident.objects.visible_to(user).select_related("household__house__building")
    if not f.include_moved_out:
        qs = qs.filter(moved_out_on__isnull=True, household__house__isnull=False)
    if f.area_path:
        qs = qs.filter(area_path__startswith=f.area_path)
    query = f.query.strip()
    if query:
        if f.is_personal_search:
            compact = query.replace(" ", "").replace("-", "")
            qs = qs.filter(
                Q(id_number_bidx=id_number_index(compact)) | Q(phone_bidx=phone_index(compact))
            )
        else:
            address = Q(household__house__building__address__icontains=query) | Q(
                household__house__building__estate__icontains=query
            )
            name_match = Q()
            for gram in query_grams(query):
                name_match &= Q(pk__in=NameGram.objects.filter(gram=gram).values("resident_id"))
            qs = qs.filter(name_match | address) if len(query) <= 12 else qs.filter(address)
    if f.residency:
        qs = qs.filter(residency=f.residency)
    if f.care_tag:
        tagged = (
            ResidentCare.objects.visible_to(user, Perm.CARE_VIEW)
            .filter(tag=f.care_tag)
            .values("resident_id")
        )
        qs = qs.filter(pk__in=tagged)
    # Filtering by "care" is filtering by care tag: only for those who may see care.
    if f.colour and (f.colour != Colour.CARE or scope_of(user).has(Perm.CARE_VIEW)):
        qs = qs.filter(household__house__colour=f.colour)
    if f.age_band in AGE_RANGES:
        low, high = AGE_RANGES[f.age_band]
        year = (today or timezone.localdate()).year
        qs = qs.filter(birth_date__year__gte=year - high, birth_date__year__lte=year - low)
    return qs.order_by("pk")


def household_members_on(household: Household, day: dt.date) -> list[Stay]:
    """Who belonged to the household on ``day`` — from the history rows, not the present."""
    return list(
        Stay.objects.filter(household=household, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("resident")
        .order_by("valid_from", "pk")
    )


def household_house_on(household: Household, day: dt.date) -> House | None:
    stay = (
        household.house_stays.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("house__building")
        .first()
    )
    return stay.house if stay else None


def current_members(household: Household) -> list[Resident]:
    head_first = Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1))
    return list(household.members.filter(moved_out_on__isnull=True).order_by(head_first, "pk"))


def building_grid(building: Building) -> list[tuple[int, list[list[House]]]]:
    """Floors (top first) × entrances, each cell the houses on that floor of that entrance."""
    houses = list(House.objects.filter(building=building).order_by("floor", "room"))
    cells: dict[tuple[int, int], list[House]] = defaultdict(list)
    for house in houses:
        cells[(house.floor, house.entrance)].append(house)
    floors = sorted({h.floor for h in houses} | set(range(1, building.floors + 1)), reverse=True)
    return [
        (floor, [cells.get((floor, e), []) for e in range(1, building.entrances + 1)])
        for floor in floors
    ]


def visits(household: Household) -> QuerySet[Visit]:
    return household.visits.select_related("author")[:20]


def units_in(house: House) -> QuerySet[Unit]:
    return Unit.objects.filter(house=house)
