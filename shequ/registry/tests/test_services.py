from __future__ import annotations

import datetime as dt
import json

import pytest

from shequ.core.actors import SYSTEM
from shequ.core.crypto import decrypt
from shequ.core.errors import NotAllowed, ServiceError
from shequ.core.models import AuditRecord
from shequ.core.testing import Personas, Tree
from shequ.core.validators import valid_test_id_number
from shequ.registry import stats
from shequ.registry.models import Colour, HouseholdStay, RegisterStat, Resident, Stay
from shequ.registry.personal import ID_NUMBER, PHONE, reveal
from shequ.registry.selectors import household_members_on
from shequ.registry.services import (
    ResidentData,
    house_update,
    household_create,
    household_move_in,
    household_move_out,
    resident_add,
    resident_move_in,
    resident_move_out,
    resident_update,
    unit_add,
)
from shequ.registry.testing import LI_ID, ZHANG_ID, Register

pytestmark = pytest.mark.django_db


def test_personal_fields_are_encrypted_indexed_and_masked(register: Register) -> None:
    zhang = Resident.objects.get(pk=register.zhang.pk)
    assert ZHANG_ID not in zhang.id_number_enc
    assert decrypt(zhang.id_number_enc, purpose=ID_NUMBER) == ZHANG_ID
    assert zhang.id_number_mask == f"{ZHANG_ID[:6]}********{ZHANG_ID[-4:]}"
    assert decrypt(zhang.phone_enc, purpose=PHONE) == "13812345678"
    assert zhang.phone_mask == "138****5678"
    assert len(zhang.id_number_bidx) == 32


def test_birth_date_and_gender_come_from_the_id_number(register: Register) -> None:
    assert register.zhang.birth_date == dt.date(1980, 5, 17)
    assert register.li.birth_date == dt.date(1982, 3, 2)
    assert {register.zhang.gender, register.li.gender} == {"male", "female"}


def test_no_clear_personal_data_in_the_audit_log(register: Register) -> None:
    everything = json.dumps(
        list(AuditRecord.objects.values("changes", "object_repr", "reason")), ensure_ascii=False
    )
    for secret in (ZHANG_ID, LI_ID, "13812345678", "65551234"):
        assert secret not in everything
    assert "138****5678" in everything


def test_one_person_one_record(register: Register) -> None:
    with pytest.raises(ServiceError) as caught:
        resident_add(
            actor=SYSTEM,
            household=register.other_household,
            data=ResidentData(name="张伟东", id_number=ZHANG_ID.lower().replace("x", "X")),
        )
    error = caught.value.errors[0]
    assert error.field == "id_number"
    assert "张伟东" in str(error.message)
    assert error.link == f"/registry/residents/{register.zhang.pk}/"


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (ResidentData(name=""), {"name"}),
        (ResidentData(name="甲", id_number="530114198005171234"), {"id_number"}),
        (ResidentData(name="乙", phone="12345"), {"phone"}),
        (ResidentData(name="丙", residency="martian"), {"residency"}),
        (ResidentData(name="丁", care_tags=("rich",)), {"care_tags"}),
        (ResidentData(name="戊" * 51), {"name"}),
        (
            ResidentData(
                name="己",
                id_number=valid_test_id_number("530114", dt.date(1990, 1, 1), 3),
                birth_date=dt.date(1991, 1, 1),
            ),
            {"birth_date"},
        ),
    ],
)
def test_bad_resident_data_names_the_field_and_saves_nothing(
    register: Register, data: ResidentData, fields: set[str]
) -> None:
    before = (
        Resident.objects.count(),
        Stay.objects.count(),
        AuditRecord.objects.count(),
        list(RegisterStat.objects.values_list("count", flat=True)),
    )
    with pytest.raises(ServiceError) as caught:
        resident_add(actor=SYSTEM, household=register.household, data=data)
    assert {e.field for e in caught.value.errors} == fields
    after = (
        Resident.objects.count(),
        Stay.objects.count(),
        AuditRecord.objects.count(),
        list(RegisterStat.objects.values_list("count", flat=True)),
    )
    assert after == before


def test_unknown_region_is_only_a_warning(register: Register) -> None:
    odd = valid_test_id_number("990000", dt.date(1975, 7, 7), 5)
    resident = resident_add(
        actor=SYSTEM, household=register.household, data=ResidentData(name="远客", id_number=odd)
    )
    assert resident.birth_date == dt.date(1975, 7, 7)


def test_colours_follow_the_precedence(register: Register, tree: Tree) -> None:
    register.house.refresh_from_db()
    register.other_house.refresh_from_db()
    register.empty_house.refresh_from_db()
    assert register.house.colour == Colour.REGISTERED
    assert register.other_house.colour == Colour.NON_LOCAL
    assert register.empty_house.colour == Colour.VACANT
    resident_update(actor=SYSTEM, resident=register.li, care_tags=["disabled"])
    register.house.refresh_from_db()
    assert register.house.colour == Colour.CARE
    house_update(actor=SYSTEM, house=register.empty_house, use="business")
    register.empty_house.refresh_from_db()
    assert register.empty_house.colour == Colour.BUSINESS
    unit_add(
        actor=SYSTEM,
        house=register.other_house,
        name="七彩便利店",
        credit_code="91110000600037341L",
    )
    register.other_house.refresh_from_db()
    assert register.other_house.colour == Colour.BUSINESS


def test_counts_per_area(register: Register, tree: Tree) -> None:
    street = stats.counts_for(tree.street.area_path)
    assert street[("residents", "")] == 3
    assert street[("households", "")] == 2
    assert street[("residency", "non_local")] == 1
    assert street[("houses", "")] == 3
    grid_a = stats.counts_for(tree.grid_a.area_path)
    assert grid_a[("residents", "")] == 2
    assert grid_a[("colour", "registered")] == 1
    assert grid_a[("colour", "vacant")] == 1
    assert stats.counts_for(tree.grid_c.area_path) == {}


def test_moves_are_history_and_the_past_can_be_shown(register: Register) -> None:
    resident_move_out(actor=SYSTEM, resident=register.li, on=dt.date(2024, 3, 1), note="工作调动")
    assert [
        s.resident.name for s in household_members_on(register.household, dt.date(2024, 2, 1))
    ] == ["张伟东", "李娜"]
    assert [
        s.resident.name for s in household_members_on(register.household, dt.date(2024, 3, 2))
    ] == ["张伟东"]
    resident_move_in(
        actor=SYSTEM,
        resident=register.li,
        household=register.household,
        relation="spouse",
        on=dt.date(2025, 1, 1),
    )
    assert Stay.objects.filter(resident=register.li).count() == 2
    assert [
        s.resident.name for s in household_members_on(register.household, dt.date(2024, 6, 1))
    ] == ["张伟东"]
    assert len(household_members_on(register.household, dt.date(2025, 2, 1))) == 2


def test_household_moves_out_and_back_in(register: Register, tree: Tree) -> None:
    household_move_out(actor=SYSTEM, household=register.household, on=dt.date(2024, 1, 1))
    assert stats.counts_for(tree.grid_a.area_path)[("residents", "")] == 0
    register.house.refresh_from_db()
    assert register.house.colour == Colour.VACANT
    household_move_in(
        actor=SYSTEM,
        household=register.household,
        house=register.empty_house,
        on=dt.date(2024, 2, 1),
    )
    assert stats.counts_for(tree.grid_a.area_path)[("residents", "")] == 2
    assert HouseholdStay.objects.filter(household=register.household).count() == 2
    register.empty_house.refresh_from_db()
    assert register.empty_house.colour == Colour.REGISTERED


def test_moving_between_grids_moves_the_counts(register: Register, tree: Tree) -> None:
    resident_move_in(
        actor=SYSTEM, resident=register.wang, household=register.household, relation="tenant"
    )
    assert stats.counts_for(tree.grid_a.area_path)[("residents", "")] == 3
    assert stats.counts_for(tree.grid_b.area_path)[("residents", "")] == 0
    assert stats.counts_for(tree.community_a.area_path)[("residents", "")] == 3
    register.wang.refresh_from_db()
    assert register.wang.area_path == tree.grid_a.area_path


def test_rebuild_equals_incremental(register: Register) -> None:
    resident_update(
        actor=SYSTEM, resident=register.zhang, care_tags=["living_alone"], residency="non_local"
    )
    resident_move_out(actor=SYSTEM, resident=register.li)
    other = household_create(actor=SYSTEM, house=register.empty_house)
    resident_add(
        actor=SYSTEM,
        household=other,
        data=ResidentData(name="赵小", birth_date=dt.date(2015, 1, 1)),
    )
    household_move_out(actor=SYSTEM, household=register.other_household)
    incremental = sorted(
        (s.area_path, s.measure, s.key, s.count) for s in RegisterStat.objects.all() if s.count
    )
    stats.rebuild()
    rebuilt = sorted(
        (s.area_path, s.measure, s.key, s.count) for s in RegisterStat.objects.all() if s.count
    )
    assert rebuilt == incremental


def test_scope_limits_every_write(register: Register, personas: Personas) -> None:
    with pytest.raises(NotAllowed):
        resident_update(
            actor=personas.other_grid_worker, resident=register.zhang, phone="13911112222"
        )
    with pytest.raises(NotAllowed):
        resident_update(actor=personas.dispatcher, resident=register.zhang, phone="13911112222")
    resident_update(actor=personas.grid_worker, resident=register.zhang, phone="13911112222")


def test_reveal_needs_permission_and_reason_and_is_audited(
    register: Register, personas: Personas
) -> None:
    with pytest.raises(NotAllowed):
        reveal(
            actor=personas.dispatcher, obj=register.zhang, field="id_number", reason="核实身份信息"
        )
    with pytest.raises(ServiceError) as caught:
        reveal(actor=personas.grid_worker, obj=register.zhang, field="id_number", reason=" ")
    assert caught.value.errors[0].field == "reason"
    assert (
        reveal(
            actor=personas.grid_worker,
            obj=register.zhang,
            field="id_number",
            reason="上门核实身份信息",
        )
        == ZHANG_ID
    )
    record = AuditRecord.objects.filter(action="read", object_id=str(register.zhang.pk)).get()
    assert record.reason == "上门核实身份信息"
    assert record.actor == personas.grid_worker


def test_rebuild_command_restores_lost_counts(register: Register, tree: Tree) -> None:
    from io import StringIO  # noqa: PLC0415

    from django.core.management import call_command  # noqa: PLC0415

    # counts that went back to zero keep their row incrementally; a rebuild leaves them out
    before = sorted(
        RegisterStat.objects.exclude(count=0).values_list("area_path", "measure", "key", "count")
    )
    RegisterStat.objects.all().delete()
    out = StringIO()
    call_command("rebuild_register_stats", stdout=out)
    assert "rollup rows rebuilt" in out.getvalue()
    assert (
        sorted(RegisterStat.objects.values_list("area_path", "measure", "key", "count")) == before
    )
