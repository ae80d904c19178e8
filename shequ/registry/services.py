"""Every write to the register. Each runs in one transaction, checks the actor's scope,
keeps the history rows, the house colours and the rollup counts, and writes the audit log
with personal fields masked."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.access import ensure_allowed
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Level
from shequ.core.actors import SYSTEM, is_system
from shequ.core.audit import AuditAction, audit, diff, snapshot
from shequ.core.errors import FieldError, ServiceError
from shequ.core.masking import mask_phone
from shequ.core.saving import create_audited
from shequ.core.validators import check_id_number, check_phone, check_uscc
from shequ.registry import stats
from shequ.registry.colours import colours_of
from shequ.registry.grams import grams
from shequ.registry.models import (
    Building,
    CareTag,
    Gender,
    House,
    Household,
    HouseholdStay,
    HouseUse,
    NameGram,
    PropertyRight,
    Relation,
    Residency,
    Resident,
    ResidentCare,
    Stay,
    Unit,
    Visit,
)
from shequ.registry.personal import (
    UNIT_PHONE,
    Protected,
    id_number_index,
    protect_id_number,
    protect_phone,
)

RESIDENT_AUDIT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number_mask",
    "phone_mask",
    "ethnicity",
    "residency",
    "relation",
    "workplace",
    "is_party_member",
    "household_id",
    "moved_out_on",
)
BUILDING_FIELDS = ("area_id", "estate", "number", "address", "floors", "entrances", "lon", "lat")
HOUSE_FIELDS = ("building_id", "entrance", "floor", "room", "floor_area", "use", "property_right")


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _too_long(
    errors: list[FieldError], name: str, value: str, limit: int, location: str = ""
) -> None:
    if len(value) > limit:
        errors.append(
            FieldError(name, _("is longer than %(n)d characters") % {"n": limit}, location)
        )


# --- residents: validation shared by the forms, the API and the import ---------------------


@dataclass(frozen=True)
class ResidentData:
    name: str
    id_number: str = ""
    phone: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    ethnicity: str = ""
    residency: str = Residency.REGISTERED
    relation: str = Relation.OTHER
    workplace: str = ""
    is_party_member: bool = False
    care_tags: tuple[str, ...] = ()


@dataclass
class CleanResident:
    data: ResidentData
    id_number: Protected
    phone: Protected
    warnings: list[FieldError] = field(default_factory=list)


def may_view(viewer: Any, path: str) -> bool:
    return is_system(viewer) or scope_of(viewer).allows(Perm.REGISTER_VIEW, path)


def clean_resident(
    data: ResidentData,
    *,
    today: dt.date | None = None,
    location: str = "",
    existing_pk: int | None = None,
    check_duplicates: bool = True,
    viewer: Any = SYSTEM,
) -> CleanResident:
    """Validate and normalise; raise ServiceError with every problem found, each naming its
    field. Encrypts the personal fields only once everything is valid. ``viewer`` is who will
    read the messages: the name behind a duplicate ID number is shown only to someone who may
    see that record, or typing ID numbers would be a way to look people up."""
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    name = _text(data.name)
    if not name:
        errors.append(FieldError("name", _("is required"), location))
    _too_long(errors, "name", name, 50, location)
    gender, birth = data.gender, data.birth_date
    id_clean = ""
    if _text(data.id_number):
        check = check_id_number(data.id_number, today=today)
        errors += [FieldError("id_number", m, location) for m in check.errors]
        warnings += [FieldError("id_number", m, location) for m in check.warnings]
        if not check.errors:
            id_clean = check.value
            if birth and check.birth_date and birth != check.birth_date:
                errors.append(
                    FieldError(
                        "birth_date",
                        _("does not match the ID number (%(date)s)") % {"date": check.birth_date},
                        location,
                    )
                )
            birth = check.birth_date
            if gender and check.gender and gender != check.gender:
                errors.append(FieldError("gender", _("does not match the ID number"), location))
            gender = check.gender or gender
    phone_clean = ""
    if _text(data.phone):
        phone_check = check_phone(data.phone)
        errors += [FieldError("phone", m, location) for m in phone_check.errors]
        phone_clean = phone_check.value if not phone_check.errors else ""
    if gender and gender not in Gender.values:
        errors.append(
            FieldError(
                "gender",
                _("is not one of %(choices)s")
                % {"choices": "、".join(str(c.label) for c in Gender)},
                location,
            )
        )
    if data.residency not in Residency.values:
        errors.append(
            FieldError(
                "residency",
                _("is not one of %(choices)s")
                % {"choices": "、".join(str(c.label) for c in Residency)},
                location,
            )
        )
    if data.relation not in Relation.values:
        errors.append(FieldError("relation", _("is not a known relation"), location))
    bad_tags = [t for t in data.care_tags if t not in CareTag.values]
    if bad_tags:
        errors.append(
            FieldError(
                "care_tags",
                _("unknown care tag: %(tags)s") % {"tags": "、".join(bad_tags)},
                location,
            )
        )
    if birth and birth > _today(today):
        errors.append(FieldError("birth_date", _("is in the future"), location))
    _too_long(errors, "ethnicity", _text(data.ethnicity), 20, location)
    _too_long(errors, "workplace", _text(data.workplace), 100, location)
    if id_clean and check_duplicates and not errors:
        existing = (
            Resident.objects.filter(id_number_bidx=id_number_index(id_clean))
            .exclude(pk=existing_pk)
            .first()
        )
        if existing is not None and may_view(viewer, existing.area_path):
            errors.append(
                FieldError(
                    "id_number",
                    _("is already in the register: %(name)s (%(masked)s)")
                    % {"name": existing.name, "masked": existing.id_number_mask},
                    location,
                    link=reverse("registry:resident", args=[existing.pk]),
                )
            )
        elif existing is not None:
            errors.append(
                FieldError(
                    "id_number",
                    _(
                        "is already in the register of another area: ask its community to "
                        "move the person out first"
                    ),
                    location,
                )
            )
    if errors:
        raise ServiceError(errors)
    clean = replace(
        data,
        name=name,
        gender=gender or "",
        birth_date=birth,
        ethnicity=_text(data.ethnicity),
        workplace=_text(data.workplace),
        care_tags=tuple(dict.fromkeys(data.care_tags)),
        id_number=id_clean,
        phone=phone_clean,
    )
    return CleanResident(clean, protect_id_number(id_clean), protect_phone(phone_clean), warnings)


# --- counting -----------------------------------------------------------------------------


def _tags(resident: Resident) -> list[str]:
    return (
        list(ResidentCare.objects.filter(resident=resident).values_list("tag", flat=True))
        if resident.pk
        else []
    )


def _counted(resident: Resident) -> bool:
    household = resident.household
    return (
        household is not None and household.house_id is not None and resident.moved_out_on is None
    )


def _resident_state(resident: Resident) -> tuple[str, Counter[stats.Key]]:
    return resident.area_path, stats.resident_counts(
        resident, _tags(resident), counted=_counted(resident)
    )


def _negate(counts: Counter[stats.Key]) -> Counter[stats.Key]:
    return Counter({key: -n for key, n in counts.items()})


def _recolour(houses: Iterable[House | None]) -> None:
    """Derive each house's colour (and its colour without care) again and move its count
    between colours."""
    changes: list[tuple[str, Counter[stats.Key]]] = []
    for house in {h.pk: h for h in houses if h is not None}.values():
        # The stored colours, locked, not the instance's: it may have been loaded before
        # another service (or request) recoloured the house, and its count would then move
        # from a colour it no longer has, and a colour without care go unwritten.
        locked = (
            House.objects.select_for_update()
            .filter(pk=house.pk)
            .values_list("colour", "colour_without_care", "use")
            .first()
        )
        if locked is None:
            continue
        stored, house.use = locked[:2], locked[2]
        colour, without_care = colours_of(house)
        if colour != stored[0]:
            changes.append(
                (house.area_path, Counter({("colour", stored[0]): -1, ("colour", colour): 1}))
            )
        if (colour, without_care) != stored:
            House.objects.filter(pk=house.pk).update(
                colour=colour, colour_without_care=without_care
            )
        house.colour, house.colour_without_care = colour, without_care
    stats.apply(changes)


def _set_grams(resident: Resident) -> None:
    NameGram.objects.filter(resident=resident).delete()
    NameGram.objects.bulk_create(
        NameGram(resident=resident, gram=g, area_path=resident.area_path)
        for g in grams(resident.name)
    )


def _audit_resident(
    actor: Any,
    resident: Resident,
    before: dict[str, Any],
    action: str = AuditAction.UPDATE,
    reason: str = "",
) -> None:
    changes = diff(before, snapshot(resident, RESIDENT_AUDIT_FIELDS))
    if changes or action != AuditAction.UPDATE:
        audit(actor=actor, action=action, obj=resident, changes=changes, reason=reason)


# --- buildings and houses -------------------------------------------------------------------


def building_create(
    *,
    actor: Any,
    area: Area,
    number: str,
    address: str,
    floors: int,
    entrances: int = 1,
    estate: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> Building:
    ensure_allowed(actor, Perm.REGISTER_EDIT, area.area_path)
    errors: list[FieldError] = []
    number, address, estate = _text(number), _text(address), _text(estate)
    if area.level not in (Level.GRID, Level.SUBGRID):
        errors.append(FieldError("area", _("a building belongs to a grid or a subgrid")))
    if not number:
        errors.append(FieldError("number", _("is required")))
    if not address:
        errors.append(FieldError("address", _("is required")))
    _too_long(errors, "number", number, 20)
    _too_long(errors, "address", address, 200)
    _too_long(errors, "estate", estate, 100)
    if not 1 <= floors <= 200:
        errors.append(FieldError("floors", _("must be between 1 and 200")))
    if not 1 <= entrances <= 50:
        errors.append(FieldError("entrances", _("must be between 1 and 50")))
    if (lon is None) != (lat is None) or (
        lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)
    ):
        errors.append(FieldError("lon", _("give both longitude and latitude, in degrees")))
    if errors:
        raise ServiceError(errors)
    building = Building(
        area=area,
        area_path=area.area_path,
        estate=estate,
        number=number,
        address=address,
        floors=floors,
        entrances=entrances,
        lon=lon,
        lat=lat,
    )
    create_audited(
        building,
        actor=actor,
        changes=lambda: diff({}, snapshot(building, BUILDING_FIELDS)),
        duplicate=("number", _("this grid already has a building with that number")),
    )
    return building


def house_create(
    *,
    actor: Any,
    building: Building,
    entrance: int,
    floor: int,
    room: str,
    use: str = HouseUse.OWNER_OCCUPIED,
    floor_area: Decimal | None = None,
    property_right: str = "",
) -> House:
    ensure_allowed(actor, Perm.REGISTER_EDIT, building.area_path)
    errors: list[FieldError] = []
    room = _text(room)
    if not room:
        errors.append(FieldError("room", _("is required")))
    _too_long(errors, "room", room, 10)
    if not 1 <= entrance <= building.entrances:
        errors.append(
            FieldError(
                "entrance", _("the building has entrances 1 to %(n)d") % {"n": building.entrances}
            )
        )
    if not (-5 <= floor <= building.floors) or floor == 0:
        errors.append(
            FieldError(
                "floor",
                _("the building has floors 1 to %(n)d (basements -1 to -5)")
                % {"n": building.floors},
            )
        )
    if use not in HouseUse.values:
        errors.append(FieldError("use", _("is not a known use")))
    if property_right and property_right not in PropertyRight.values:
        errors.append(FieldError("property_right", _("is not a known property right")))
    if floor_area is not None and not (0 < floor_area < 100000):
        errors.append(FieldError("floor_area", _("must be a positive area in square metres")))
    if errors:
        raise ServiceError(errors)
    house = House(
        building=building,
        area_path=building.area_path,
        entrance=entrance,
        floor=floor,
        room=room,
        use=use,
        floor_area=floor_area,
        property_right=property_right,
    )
    house.colour = house.colour_without_care = _colour_of_empty(house)
    create_audited(
        house,
        actor=actor,
        changes=lambda: diff({}, snapshot(house, HOUSE_FIELDS)),
        duplicate=("room", _("this entrance already has that room")),
        then=lambda: stats.apply([(house.area_path, stats.house_counts(house))]),
    )
    return house


def _colour_of_empty(house: House) -> str:
    return {HouseUse.BUSINESS: "business", HouseUse.OFFICE: "office"}.get(
        HouseUse(house.use), "vacant"
    )


def house_update(
    *,
    actor: Any,
    house: House,
    use: str | None = None,
    floor_area: Decimal | None = None,
    property_right: str | None = None,
) -> House:
    ensure_allowed(actor, Perm.REGISTER_EDIT, house.area_path)
    errors: list[FieldError] = []
    if use is not None and use not in HouseUse.values:
        errors.append(FieldError("use", _("is not a known use")))
    if property_right and property_right not in PropertyRight.values:
        errors.append(FieldError("property_right", _("is not a known property right")))
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked: House = House.objects.select_for_update(of=("self",)).get(pk=house.pk)
        before = snapshot(locked, HOUSE_FIELDS)
        locked.use = use if use is not None else locked.use
        locked.floor_area = floor_area if floor_area is not None else locked.floor_area
        locked.property_right = (
            property_right if property_right is not None else locked.property_right
        )
        changes = diff(before, snapshot(locked, HOUSE_FIELDS))
        if changes:
            locked.save(update_fields=["use", "floor_area", "property_right", "updated_at"])
            audit(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes)
            _recolour([locked])
    return locked


# --- households -------------------------------------------------------------------------------


def household_create(
    *,
    actor: Any,
    house: House,
    on: dt.date | None = None,
    note: str = "",
    is_party_center: bool = False,
) -> Household:
    ensure_allowed(actor, Perm.REGISTER_EDIT, house.area_path)
    note = _text(note)
    if len(note) > 200:
        raise ServiceError.single("note", _("is longer than %(n)d characters") % {"n": 200})
    with transaction.atomic():
        household = Household.objects.create(
            house=house,
            area_path=house.area_path,
            note=note,
            is_party_center=is_party_center,
            code_nonce=secrets.token_hex(8),
        )
        HouseholdStay.objects.create(
            household=household, house=house, area_path=house.area_path, valid_from=_today(on)
        )
        stats.apply([(house.area_path, stats.household_counts(household, counted=True))])
        audit(
            actor=actor,
            action=AuditAction.CREATE,
            obj=household,
            changes={"house_id": [None, house.pk]},
        )
    return household


def household_update(
    *,
    actor: Any,
    household: Household,
    is_party_center: bool | None = None,
    note: str | None = None,
) -> Household:
    ensure_allowed(actor, Perm.REGISTER_EDIT, household.area_path)
    with transaction.atomic():
        locked: Household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
        before = snapshot(locked, ("is_party_center", "note"))
        if is_party_center is not None:
            locked.is_party_center = is_party_center
        if note is not None:
            locked.note = _text(note)[:200]
        changes = diff(before, snapshot(locked, ("is_party_center", "note")))
        if changes:
            locked.save(update_fields=["is_party_center", "note", "updated_at"])
            audit(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes)
    return locked


def household_code_renew(*, actor: Any, household: Household) -> Household:
    """Revoke the printed household code (a lost or copied label): the old QR stops working."""
    ensure_allowed(actor, Perm.REGISTER_EDIT, household.area_path)
    with transaction.atomic():
        Household.objects.filter(pk=household.pk).update(code_nonce=secrets.token_hex(8))
        audit(
            actor=actor,
            action=AuditAction.SECURITY,
            obj=household,
            changes={"household_code": ["revoked", "new"]},
        )
    household.refresh_from_db()
    return household


def household_move_out(
    *, actor: Any, household: Household, on: dt.date | None = None, note: str = ""
) -> Household:
    """The whole household leaves its house (迁出). Its members stay its members, and are no
    longer counted here; the house's history keeps the stay."""
    ensure_allowed(actor, Perm.REGISTER_EDIT, household.area_path)
    day = _today(on)
    with transaction.atomic():
        locked: Household = (
            Household.objects.select_for_update(of=("self",))
            .select_related("house")
            .get(pk=household.pk)
        )
        if locked.house is None:
            raise ServiceError.single("house", _("the household has already moved out"))
        house = locked.house
        members = list(Resident.objects.filter(household=locked, moved_out_on__isnull=True))
        before = [_resident_state(r) for r in members]
        HouseholdStay.objects.filter(household=locked, valid_to__isnull=True).update(valid_to=day)
        locked.house = None
        locked.save(update_fields=["house", "updated_at"])
        for member in members:
            member.household = locked
        stats.apply(
            [(path, _negate(counts)) for path, counts in before]
            + [(locked.area_path, _negate(stats.household_counts(locked, counted=True)))]
        )
        _recolour([house])
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            reason=_text(note)[:500],
            changes={"house_id": [house.pk, None], "moved_out_on": [None, day.isoformat()]},
        )
    return locked


def household_move_in(
    *, actor: Any, household: Household, house: House, on: dt.date | None = None
) -> Household:
    """A household moves into a house (迁入), its members with it; back into the same house is
    fine, and so is a house in another grid of the actor's scope."""
    ensure_allowed(actor, Perm.REGISTER_EDIT, household.area_path)
    ensure_allowed(actor, Perm.REGISTER_EDIT, house.area_path)
    day = _today(on)
    with transaction.atomic():
        locked: Household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
        if locked.house_id is not None:
            raise ServiceError.single(
                "house", _("the household still lives in a house: move it out first")
            )
        members = list(Resident.objects.filter(household=locked, moved_out_on__isnull=True))
        locked.house = house
        locked.area_path = house.area_path
        locked.save(update_fields=["house", "area_path", "updated_at"])
        HouseholdStay.objects.create(
            household=locked, house=house, area_path=house.area_path, valid_from=day
        )
        Resident.objects.filter(household=locked).update(area_path=house.area_path)
        ResidentCare.objects.filter(resident__household=locked).update(area_path=house.area_path)
        Stay.objects.filter(household=locked, valid_to__isnull=True).update(
            area_path=house.area_path
        )
        NameGram.objects.filter(resident__household=locked).update(area_path=house.area_path)
        changes = [(locked.area_path, stats.household_counts(locked, counted=True))]
        for member in members:
            member.household = locked
            member.area_path = house.area_path
            changes.append(_resident_state(member))
        stats.apply(changes)
        _recolour([house])
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            changes={"house_id": [None, house.pk], "moved_in_on": [None, day.isoformat()]},
        )
    return locked


# --- residents ----------------------------------------------------------------------------------


def resident_add(
    *,
    actor: Any,
    household: Household,
    data: ResidentData,
    on: dt.date | None = None,
    clean: CleanResident | None = None,
) -> Resident:
    """A person joins a household (born, moved in, or newly registered)."""
    ensure_allowed(actor, Perm.REGISTER_EDIT, household.area_path)
    clean = clean or clean_resident(data, viewer=actor)
    d = clean.data
    day = _today(on)
    with transaction.atomic():
        locked: Household = (
            Household.objects.select_for_update(of=("self",))
            .select_related("house")
            .get(pk=household.pk)
        )
        resident = Resident(
            household=locked,
            area_path=locked.area_path,
            relation=d.relation,
            name=d.name,
            gender=d.gender,
            birth_date=d.birth_date,
            ethnicity=d.ethnicity,
            residency=d.residency,
            workplace=d.workplace,
            is_party_member=d.is_party_member,
            id_number_enc=clean.id_number.enc,
            id_number_bidx=clean.id_number.bidx,
            id_number_mask=clean.id_number.mask,
            phone_enc=clean.phone.enc,
            phone_bidx=clean.phone.bidx,
            phone_mask=clean.phone.mask,
        )
        try:
            with transaction.atomic():
                resident.save()
        except IntegrityError:
            raise ServiceError.single("id_number", _("is already in the register")) from None
        ResidentCare.objects.bulk_create(
            ResidentCare(resident=resident, tag=t, area_path=resident.area_path)
            for t in d.care_tags
        )
        Stay.objects.create(
            resident=resident,
            household=locked,
            relation=d.relation,
            valid_from=day,
            area_path=resident.area_path,
        )
        _set_grams(resident)
        if d.relation == Relation.HEAD and locked.head_id is None:
            Household.objects.filter(pk=locked.pk).update(head=resident)
        stats.apply(
            [
                (
                    resident.area_path,
                    stats.resident_counts(resident, d.care_tags, counted=_counted(resident)),
                )
            ]
        )
        _recolour([locked.house])
        changes = diff({}, snapshot(resident, RESIDENT_AUDIT_FIELDS))
        if d.care_tags:
            changes["care_tags"] = [None, sorted(d.care_tags)]
        audit(actor=actor, action=AuditAction.CREATE, obj=resident, changes=changes)
    return resident


EDITABLE = (
    "name",
    "phone",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "residency",
    "relation",
    "workplace",
    "is_party_member",
    "care_tags",
)


def resident_update(*, actor: Any, resident: Resident, **changes: Any) -> Resident:
    """Change a resident's details (a new phone, a care tag …). Only the given fields change."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ServiceError(
            [FieldError(name, _("cannot be changed here")) for name in sorted(unknown)]
        )
    ensure_allowed(actor, Perm.REGISTER_EDIT, resident.area_path)
    if "care_tags" in changes:
        ensure_allowed(actor, Perm.CARE_VIEW, resident.area_path)
    with transaction.atomic():
        locked: Resident = (
            Resident.objects.select_for_update(of=("self",))
            .select_related("household")
            .get(pk=resident.pk)
        )
        current_tags = tuple(_tags(locked))
        data = ResidentData(
            name=changes.get("name", locked.name),
            id_number="",  # checked below only when it changes
            phone=changes.get("phone", "") if "phone" in changes else "",
            gender=changes.get("gender", locked.gender),
            birth_date=changes.get("birth_date", locked.birth_date),
            ethnicity=changes.get("ethnicity", locked.ethnicity),
            residency=changes.get("residency", locked.residency),
            relation=changes.get("relation", locked.relation),
            workplace=changes.get("workplace", locked.workplace),
            is_party_member=bool(changes.get("is_party_member", locked.is_party_member)),
            care_tags=tuple(changes.get("care_tags", current_tags)),
        )
        if "id_number" in changes:
            data = replace(data, id_number=changes["id_number"])
            if not _text(changes["id_number"]):
                raise ServiceError.single("id_number", _("cannot be removed once recorded"))
        clean = clean_resident(data, existing_pk=locked.pk, viewer=actor)
        before_state = _resident_state(locked)
        before = snapshot(locked, RESIDENT_AUDIT_FIELDS)
        d = clean.data
        locked.name, locked.gender, locked.birth_date = d.name, d.gender, d.birth_date
        locked.ethnicity, locked.residency, locked.relation = d.ethnicity, d.residency, d.relation
        locked.workplace, locked.is_party_member = d.workplace, d.is_party_member
        if "phone" in changes:
            locked.phone_enc, locked.phone_bidx, locked.phone_mask = (
                clean.phone.enc,
                clean.phone.bidx,
                clean.phone.mask,
            )
        if "id_number" in changes:
            locked.id_number_enc, locked.id_number_bidx, locked.id_number_mask = (
                clean.id_number.enc,
                clean.id_number.bidx,
                clean.id_number.mask,
            )
        if "phone" in changes and not _text(changes["phone"]):
            locked.phone_enc = locked.phone_bidx = locked.phone_mask = ""
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ServiceError.single("id_number", _("is already in the register")) from None
        if set(d.care_tags) != set(current_tags):
            ResidentCare.objects.filter(resident=locked).exclude(tag__in=d.care_tags).delete()
            ResidentCare.objects.bulk_create(
                [
                    ResidentCare(resident=locked, tag=t, area_path=locked.area_path)
                    for t in d.care_tags
                    if t not in current_tags
                ]
            )
        if locked.name != before["name"]:
            _set_grams(locked)
        path, after_counts = _resident_state(locked)
        stats.apply([(before_state[0], _negate(before_state[1])), (path, after_counts)])
        _recolour([locked.household.house if locked.household else None])
        audit_changes = diff(before, snapshot(locked, RESIDENT_AUDIT_FIELDS))
        if set(d.care_tags) != set(current_tags):
            audit_changes["care_tags"] = [sorted(current_tags), sorted(d.care_tags)]
        if audit_changes:
            audit(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=audit_changes)
    return locked


def resident_move_out(
    *, actor: Any, resident: Resident, on: dt.date | None = None, note: str = ""
) -> Resident:
    """A person leaves their household (迁出, or died): the stay ends, the record stays."""
    ensure_allowed(actor, Perm.REGISTER_EDIT, resident.area_path)
    day = _today(on)
    with transaction.atomic():
        locked: Resident = (
            Resident.objects.select_for_update(of=("self",))
            .select_related("household__house")
            .get(pk=resident.pk)
        )
        if locked.moved_out_on is not None:
            raise ServiceError.single("moved_out_on", _("has already moved out"))
        before_state = _resident_state(locked)
        before = snapshot(locked, RESIDENT_AUDIT_FIELDS)
        Stay.objects.filter(resident=locked, valid_to__isnull=True).update(
            valid_to=day, note=_text(note)[:200]
        )
        locked.moved_out_on = day
        locked.save(update_fields=["moved_out_on", "updated_at"])
        if locked.household and locked.household.head_id == locked.pk:
            Household.objects.filter(pk=locked.household.pk).update(head=None)
        stats.apply([(before_state[0], _negate(before_state[1]))])
        _recolour([locked.household.house if locked.household else None])
        _audit_resident(actor, locked, before, reason=_text(note)[:500])
    return locked


def resident_move_in(
    *,
    actor: Any,
    resident: Resident,
    household: Household,
    relation: str,
    on: dt.date | None = None,
) -> Resident:
    """A person known to the register joins a household: moves back in, or moves from one
    household to another (then their old stay ends the same day)."""
    if relation not in Relation.values:
        raise ServiceError.single("relation", _("is not a known relation"))
    ensure_allowed(actor, Perm.REGISTER_EDIT, resident.area_path)
    ensure_allowed(actor, Perm.REGISTER_EDIT, household.area_path)
    day = _today(on)
    with transaction.atomic():
        locked: Resident = (
            Resident.objects.select_for_update(of=("self",))
            .select_related("household__house")
            .get(pk=resident.pk)
        )
        target: Household = (
            Household.objects.select_for_update(of=("self",))
            .select_related("house")
            .get(pk=household.pk)
        )
        if locked.household_id == target.pk and locked.moved_out_on is None:
            raise ServiceError.single("household", _("already lives in this household"))
        old_house = locked.household.house if locked.household else None
        before_state = _resident_state(locked)
        before = snapshot(locked, RESIDENT_AUDIT_FIELDS)
        Stay.objects.filter(resident=locked, valid_to__isnull=True).update(valid_to=day)
        if (
            locked.household
            and locked.household.head_id == locked.pk
            and locked.household_id != target.pk
        ):
            Household.objects.filter(pk=locked.household.pk).update(head=None)
        locked.household, locked.relation, locked.moved_out_on = target, relation, None
        locked.area_path = target.area_path
        locked.save(
            update_fields=["household", "relation", "moved_out_on", "area_path", "updated_at"]
        )
        ResidentCare.objects.filter(resident=locked).update(area_path=target.area_path)
        NameGram.objects.filter(resident=locked).update(area_path=target.area_path)
        Stay.objects.create(
            resident=locked,
            household=target,
            relation=relation,
            valid_from=day,
            area_path=target.area_path,
        )
        if relation == Relation.HEAD and target.head_id is None:
            Household.objects.filter(pk=target.pk).update(head=locked)
        stats.apply([(before_state[0], _negate(before_state[1])), _resident_state(locked)])
        _recolour([old_house, target.house])
        _audit_resident(actor, locked, before)
    return locked


def household_set_head(*, actor: Any, household: Household, resident: Resident) -> Household:
    ensure_allowed(actor, Perm.REGISTER_EDIT, household.area_path)
    if resident.household_id != household.pk or resident.moved_out_on is not None:
        raise ServiceError.single("head", _("the head must be a current member of the household"))
    with transaction.atomic():
        old = household.head_id
        Household.objects.filter(pk=household.pk).update(head=resident)
        Resident.objects.filter(pk=resident.pk).update(relation=Relation.HEAD)
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=household,
            changes={"head_id": [old, resident.pk]},
        )
    household.refresh_from_db()
    return household


def building_set_head(*, actor: Any, building: Building, resident: Resident | None) -> Building:
    """Mark the elected building head (楼栋长), or clear the mark."""
    ensure_allowed(actor, Perm.REGISTER_EDIT, building.area_path)
    with transaction.atomic():
        old = building.head_id
        Building.objects.filter(pk=building.pk).update(head=resident)
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=building,
            changes={"head_id": [old, resident.pk if resident else None]},
        )
    building.refresh_from_db()
    return building


def visit_add(*, actor: Any, household: Household, note: str, on: dt.date | None = None) -> Visit:
    ensure_allowed(actor, Perm.REGISTER_EDIT, household.area_path)
    note = (note or "").strip()
    if not note:
        raise ServiceError.single("note", _("is required"))
    if len(note) > 2000:
        raise ServiceError.single("note", _("is longer than %(n)d characters") % {"n": 2000})
    day = _today(on)
    if day > timezone.localdate():
        raise ServiceError.single("on", _("is in the future"))
    with transaction.atomic():
        visit = Visit.objects.create(
            household=household, area_path=household.area_path, author=actor, on=day, note=note
        )
        audit(
            actor=actor,
            action=AuditAction.CREATE,
            obj=visit,
            changes={"on": [None, day.isoformat()]},
        )
    return visit


def unit_add(
    *,
    actor: Any,
    house: House,
    name: str,
    credit_code: str = "",
    contact: str = "",
    phone: str = "",
    is_business: bool = True,
) -> Unit:
    ensure_allowed(actor, Perm.REGISTER_EDIT, house.area_path)
    errors: list[FieldError] = []
    name = _text(name)
    if not name:
        errors.append(FieldError("name", _("is required")))
    _too_long(errors, "name", name, 150)
    code = ""
    if _text(credit_code):
        check = check_uscc(credit_code)
        errors += [FieldError("credit_code", m) for m in check.errors]
        code = check.value
    phone_clean = ""
    if _text(phone):
        phone_check = check_phone(phone)
        errors += [FieldError("phone", m) for m in phone_check.errors]
        phone_clean = phone_check.value
    _too_long(errors, "contact", _text(contact), 50)
    if errors:
        raise ServiceError(errors)
    protected = protect_phone(phone_clean, UNIT_PHONE)
    unit = Unit(
        house=house,
        area_path=house.area_path,
        name=name,
        credit_code=code,
        contact=_text(contact),
        phone_enc=protected.enc,
        phone_bidx=protected.bidx,
        phone_mask=protected.mask,
        is_business=is_business,
    )
    create_audited(
        unit,
        actor=actor,
        changes={
            "name": [None, name],
            "credit_code": [None, code],
            "phone": [None, mask_phone(phone_clean) if phone_clean else ""],
        },
        duplicate=("credit_code", _("another unit already has this code")),
        then=lambda: _recolour([house]),
    )
    return unit
