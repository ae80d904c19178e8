"""The demo generator: deterministic, valid codes and boundaries, "1+9+X" staffing, working
demo logins, idempotent, and streets that scale."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from shapely.geometry import shape
from shapely.ops import unary_union

from shequ.accounts.models import Membership, User
from shequ.accounts.roles import NINE_SPECIALISTS, GridDuty, Role
from shequ.areas.codes import code_problem
from shequ.areas.geo import validate_boundary
from shequ.areas.models import Area, Department, Level, Organization, OrganizationKind
from shequ.core.models import AuditRecord
from shequ.core.paths import child_path
from shequ.demo import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    MAX_SCALE,
    DemoSeedError,
    StreetPlan,
    generate,
    plan_digest,
    plan_street,
    street_code,
)
from shequ.registry.models import (
    Building,
    House,
    Household,
    HouseholdStay,
    NameGram,
    RegisterStat,
    Resident,
    ResidentCare,
    Stay,
    Unit,
)

TOLERANCE = 1e-12
SMALL = 0.01  # of the planned register: ~160 households, ~340 residents on the demo street
REGISTER_MODELS = (
    Building,
    House,
    Household,
    HouseholdStay,
    Resident,
    ResidentCare,
    Stay,
    NameGram,
    Unit,
    RegisterStat,
)


@pytest.fixture
def seeded(db: Any) -> Any:
    return generate(register=SMALL)


def _db_digest() -> list[str]:
    """Everything the generator wrote, without primary keys, timestamps or password hashes."""
    rows: list[Any] = [
        *Area.objects.values_list(
            "level",
            "code",
            "name",
            "parent__code",
            "area_path",
            "boundary",
            "min_lon",
            "min_lat",
            "max_lon",
            "max_lat",
            "label_lon",
            "label_lat",
            "valid_from",
        ),
        *Department.objects.values_list("area__code", "name", "short_name", "phone", "area_path"),
        *Organization.objects.values_list(
            "area__code", "kind", "name", "parent__name", "contact", "area_path"
        ),
        *User.objects.values_list("username", "full_name", "is_active"),
        *Membership.objects.values_list(
            "user__username",
            "role",
            "area__code",
            "department__name",
            "organization__name",
            "grid_duty",
            "title",
            "area_path",
            "valid_from",
        ),
        *_register_rows(),
    ]
    return sorted(json.dumps(row, default=str, ensure_ascii=False) for row in rows)


def _register_rows() -> list[Any]:
    """The register as written, without primary keys, timestamps, ciphertexts (random
    nonces) or household-code nonces: blind indexes and masks stand for the ID numbers and
    phones."""
    return [
        *Building.objects.values_list(
            "area__code",
            "area_path",
            "estate",
            "number",
            "address",
            "floors",
            "entrances",
            "lon",
            "lat",
            "head__id_number_bidx",
        ),
        *House.objects.values_list(
            "building__estate",
            "building__number",
            "area_path",
            "entrance",
            "floor",
            "room",
            "floor_area",
            "use",
            "property_right",
            "colour",
        ),
        *Household.objects.values_list(
            "house__building__number",
            "house__room",
            "area_path",
            "external_ref",
            "is_party_center",
            "head__id_number_bidx",
            "note",
        ),
        *HouseholdStay.objects.values_list(
            "household__external_ref", "house__room", "area_path", "valid_from", "valid_to"
        ),
        *Resident.objects.values_list(
            "household__external_ref",
            "area_path",
            "relation",
            "name",
            "gender",
            "birth_date",
            "id_number_bidx",
            "id_number_mask",
            "phone_bidx",
            "phone_mask",
            "ethnicity",
            "residency",
            "workplace",
            "is_party_member",
            "moved_out_on",
        ),
        *ResidentCare.objects.values_list("resident__id_number_bidx", "tag", "area_path"),
        *Stay.objects.values_list(
            "resident__id_number_bidx",
            "household__external_ref",
            "relation",
            "valid_from",
            "valid_to",
            "area_path",
        ),
        *NameGram.objects.values_list("resident__id_number_bidx", "gram", "area_path"),
        *Unit.objects.values_list(
            "house__room",
            "area_path",
            "name",
            "credit_code",
            "contact",
            "phone_bidx",
            "phone_mask",
            "is_business",
        ),
        *RegisterStat.objects.values_list("area_path", "measure", "key", "count"),
    ]


def _children(area: Area) -> list[Area]:
    return list(Area.objects.filter(parent=area).order_by("code"))


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_the_same_plan_and_another_seed_does_not() -> None:
    first, again, other = (
        plan_street(0, seed=2026),
        plan_street(0, seed=2026),
        plan_street(0, seed=7),
    )
    assert plan_digest(first) == plan_digest(again)
    assert plan_digest(first) != plan_digest(other)
    assert first.communities[0].area.boundary != other.communities[0].area.boundary


def test_a_street_does_not_depend_on_how_many_streets_are_planned() -> None:
    small, large = plan_street(5, scale=6), plan_street(5, scale=60)
    assert small.communities == large.communities
    assert list(small.iter_people()) == list(large.iter_people())
    # only the enclosing outlines grow
    assert shape(large.district.area.boundary).contains(shape(small.district.area.boundary))


@pytest.mark.django_db
def test_two_runs_with_the_same_seed_write_the_same_rows() -> None:
    digests = []
    for _ in range(2):
        with transaction.atomic():
            generate(seed=2026, register=SMALL)
            digests.append(_db_digest())
            transaction.set_rollback(True)
        assert not Area.objects.exists()
    assert len(digests[0]) > 2500
    assert sum('"H0000' in row for row in digests[0]) > 500  # households, residents, stays
    assert digests[0] == digests[1]


# --- codes, paths and boundaries ----------------------------------------------------------------


def test_codes_and_names_of_the_demo_street() -> None:
    plan = plan_street(0)
    assert (plan.city.code, plan.city.name) == ("530100", "昆明市")
    assert (plan.district.area.code, plan.district.area.name) == ("530114", "呈贡区")
    assert (plan.code, plan.name) == ("530114090", "龙湖街道")
    assert [c.name for c in plan.communities] == ["龙湖社区", "七彩社区", "春融社区", "兴和社区"]
    assert [g.area.name for g in plan.communities[1].grids] == [
        "第一网格",
        "第二网格",
        "第三网格",
        "第四网格",
    ]


def test_street_codes_run_into_more_districts_when_one_is_full() -> None:
    assert street_code(0) == "530114090"
    assert street_code(909) == "530114999"
    assert street_code(910) == "530190001"
    assert street_code(910 + 999) == "530191001"
    for index in (0, 1, 909, 910, 1908, 1909, MAX_SCALE - 1):
        district_code = street_code(index)[:6]
        assert code_problem(Level.DISTRICT, district_code, Level.CITY, "530100") is None
        assert code_problem(Level.STREET, street_code(index), Level.DISTRICT, district_code) is None
    assert len({street_code(i) for i in range(0, MAX_SCALE, 7)}) == len(range(0, MAX_SCALE, 7))
    with pytest.raises(ValueError, match="outside"):
        street_code(MAX_SCALE)
    far = plan_street(MAX_SCALE - 1, seed=1)
    assert far.district.area.code == "530199"
    assert validate_boundary(far.area.boundary)[1] is None


def test_every_code_passes_code_problem_and_every_path_follows_the_tree(seeded: Any) -> None:
    areas = list(Area.objects.select_related("parent"))
    assert Counter(a.level for a in areas) == {
        Level.CITY: 1,
        Level.DISTRICT: 1,
        Level.STREET: 1,
        Level.COMMUNITY: 4,
        Level.GRID: 14,
        Level.SUBGRID: 33,
    }
    for area in areas:
        parent = area.parent
        assert (
            code_problem(
                area.level,
                area.code,
                parent.level if parent else None,
                parent.code if parent else None,
            )
            is None
        )
        assert area.area_path == child_path(parent.area_path if parent else "", area.code)


def test_every_boundary_is_valid_and_its_measures_are_stored(seeded: Any) -> None:
    for area in Area.objects.all():
        measured, problem = validate_boundary(area.boundary)
        assert problem is None, (area.code, problem)
        assert measured is not None
        assert (area.min_lon, area.min_lat, area.max_lon, area.max_lat) == pytest.approx(
            measured.bbox
        )
        assert (area.label_lon, area.label_lat) == pytest.approx(measured.label)
        assert measured.geometry.contains(
            shape({"type": "Point", "coordinates": [area.label_lon, area.label_lat]})
        )
    street = Area.objects.get(level=Level.STREET)
    assert 102.79 < street.min_lon < street.max_lon < 102.91
    assert 24.85 < street.min_lat < street.max_lat < 24.93


def test_children_tile_their_parent_without_overlap(seeded: Any) -> None:
    checked = 0
    for parent in Area.objects.filter(level__in=(Level.STREET, Level.COMMUNITY, Level.GRID)):
        outline = shape(parent.boundary)
        children = [shape(c.boundary) for c in _children(parent)]
        assert len(children) >= 2, parent.code
        for child in children:
            assert child.difference(outline).area <= TOLERANCE
        for a, b in itertools.combinations(children, 2):
            assert a.intersection(b).area <= TOLERANCE
        assert unary_union(children).symmetric_difference(outline).area <= TOLERANCE
        checked += 1
    assert checked == 1 + 4 + 14
    district, street = Area.objects.get(level=Level.DISTRICT), Area.objects.get(level=Level.STREET)
    assert shape(district.boundary).contains(shape(street.boundary))
    assert shape(Area.objects.get(level=Level.CITY).boundary).contains(shape(district.boundary))


def test_plans_stay_valid_over_many_seeds() -> None:
    for seed in range(25):
        plan = plan_street(0, seed=seed)
        for community in plan.communities:
            assert 3 <= len(community.grids) <= 4
            assert 6 <= community.subgrid_count <= 10
            grids = [shape(g.area.boundary) for g in community.grids]
            assert (
                unary_union(grids).symmetric_difference(shape(community.area.boundary)).area
                <= TOLERANCE
            )
            for grid in community.grids:
                assert 2 <= len(grid.subgrids) <= 3
                for subgrid in grid.subgrids:
                    assert validate_boundary(subgrid.boundary)[1] is None
                subgrids = [shape(s.boundary) for s in grid.subgrids]
                for a, b in itertools.combinations(subgrids, 2):
                    assert a.intersection(b).area <= TOLERANCE


# --- register targets ---------------------------------------------------------------------------


def test_one_community_has_hongkang_size_and_the_others_are_ordinary() -> None:
    for plan in (plan_street(0), plan_street(3)):
        large = [c for c in plan.communities if c.large]
        assert len(large) == 1
        assert 9_400 <= large[0].households <= 10_000
        assert 2.0 <= large[0].residents / large[0].households <= 2.2
        for community in plan.communities:
            if not community.large:
                assert 1_500 <= community.households <= 3_000
                assert 2.0 <= community.residents / community.households <= 2.2
    hongkang = plan_street(0).communities[0]
    assert (
        hongkang.households,
        hongkang.residents,
        len(hongkang.grids),
        hongkang.subgrid_count,
    ) == (9_700, 20_500, 3, 6)


# --- departments and organizations ----------------------------------------------------------------


def test_departments_and_the_party_work_chain(seeded: Any) -> None:
    street, district = Area.objects.get(level=Level.STREET), Area.objects.get(level=Level.DISTRICT)
    assert set(Department.objects.filter(area=street).values_list("short_name", flat=True)) == {
        "城管",
        "派出所",
        "消防",
        "住建",
        "市场监管",
        "司法",
        "卫健",
    }
    assert set(Department.objects.filter(area=district).values_list("name", flat=True)) == {
        "区城管局",
        "区住建局",
    }
    assert all(d.area_path == d.area.area_path for d in Department.objects.select_related("area"))
    street_committee = Organization.objects.get(area=street, kind=OrganizationKind.PARTY_COMMITTEE)
    for community in Area.objects.filter(level=Level.COMMUNITY):
        committee = Organization.objects.get(area=community, kind=OrganizationKind.PARTY_COMMITTEE)
        assert committee.parent == street_committee
        kinds = set(Organization.objects.filter(area=community).values_list("kind", flat=True))
        assert kinds >= {
            OrganizationKind.PROPERTY_COMPANY,
            OrganizationKind.PARTNER_UNIT,
            OrganizationKind.SOCIAL_ORGANIZATION,
            OrganizationKind.MERCHANT,
        }
        assert (
            Organization.objects.filter(area=community, kind=OrganizationKind.MERCHANT).count() == 2
        )
        for grid in _children(community):
            branches = Organization.objects.filter(area=grid, kind=OrganizationKind.PARTY_BRANCH)
            assert 1 <= branches.count() <= 2
            assert all(b.parent == committee for b in branches)
    assert all(o.area_path == o.area.area_path for o in Organization.objects.select_related("area"))


# --- people -----------------------------------------------------------------------------------


def test_every_grid_is_staffed_one_plus_nine_plus_x(seeded: Any) -> None:
    by_grid: dict[int, list[Membership]] = defaultdict(list)
    for m in Membership.objects.filter(area__level=Level.GRID):
        by_grid[m.area_id].append(m)
    assert len(by_grid) == 14
    for memberships in by_grid.values():
        chiefs = [m for m in memberships if m.grid_duty == GridDuty.CHIEF]
        assert len(chiefs) == 1
        assert chiefs[0].role == Role.GRID_CHIEF
        specialists = [m for m in memberships if m.grid_duty in NINE_SPECIALISTS]
        assert sorted(m.grid_duty for m in specialists) == sorted(NINE_SPECIALISTS)
        assert all(m.role == Role.GRID_WORKER for m in specialists)
        others = [m for m in memberships if m.grid_duty == GridDuty.OTHER]
        assert 1 <= len(others) <= 3
        assert {m.role for m in others} <= {Role.BUILDING_HEAD, Role.GRID_WORKER}
    for subgrid in Area.objects.filter(level=Level.SUBGRID):
        assert Membership.objects.filter(area=subgrid, role=Role.BUILDING_HEAD).count() == 1


def test_memberships_carry_the_path_of_what_they_are_bound_to(seeded: Any) -> None:
    memberships = list(Membership.objects.select_related("area", "department", "organization"))
    assert Counter(m.bound_to.__class__.__name__ for m in memberships).keys() == {
        "Area",
        "Department",
        "Organization",
    }
    for m in memberships:
        assert m.area_path == m.bound_to.area_path  # type: ignore[attr-defined]


def test_every_role_has_a_demo_login_bound_where_documented(seeded: Any) -> None:
    expected = {login.username: login.role for login in DEMO_LOGINS}
    assert set(expected.values()) == set(Role)
    found = dict(
        Membership.objects.filter(
            user__username__in=DEMO_USERNAMES, organization__isnull=True
        ).values_list("user__username", "role")
    )
    assert found == expected
    # the community secretary and the grid chief also lead their party organizations
    assert set(
        Membership.objects.filter(
            user__username__in=DEMO_USERNAMES, organization__isnull=False
        ).values_list("user__username", "organization__kind")
    ) == {
        ("community", OrganizationKind.PARTY_COMMITTEE),
        ("gridchief", OrganizationKind.PARTY_BRANCH),
    }
    grid = Area.objects.get(code="530114090001001")
    assert Membership.objects.get(user__username="gridchief", area=grid).grid_duty == GridDuty.CHIEF
    assert (
        Membership.objects.get(user__username="gridworker", area=grid).grid_duty
        == GridDuty.COMMUNITY_WORKER
    )
    assert Membership.objects.get(user__username="gridworker2").area.code == "530114090001002"
    assert Membership.objects.get(user__username="department").department.short_name == "城管"
    assert Membership.objects.get(user__username="admin").area.code == "530114"
    assert (
        Membership.objects.get(user__username="community", area__isnull=False).area.name
        == "龙湖社区"
    )


def test_demo_logins_authenticate_and_nobody_else_has_a_password(seeded: Any) -> None:
    request = RequestFactory().post("/accounts/login/")
    for username in DEMO_USERNAMES:
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.get_username() == username
    assert (
        authenticate(
            RequestFactory().post("/accounts/login/"), username="admin", password="wrong-password-1"
        )
        is None
    )
    others = User.objects.exclude(username__in=DEMO_USERNAMES)
    assert others.count() > 200
    assert not any(u.has_usable_password() for u in others)
    assert all(u.full_name and 2 <= len(u.full_name) <= 3 for u in others)


def test_a_taken_demo_username_stops_the_seed_and_writes_nothing(db: Any) -> None:
    User.objects.create_user(username="admin", password="Someone-else-2026")
    with pytest.raises(DemoSeedError, match="admin"):
        generate()
    assert not Area.objects.exists()
    assert User.objects.count() == 1


# --- idempotence, audit, scale ----------------------------------------------------------------------


def test_the_seed_is_audited_once(seeded: Any) -> None:
    record = AuditRecord.objects.get(object_type="demo.seed")
    assert record.actor is None
    assert record.actor_name == "system"
    assert record.action == "create"
    assert record.changes["users"] == User.objects.count()
    assert record.changes["memberships"] == Membership.objects.count()
    assert record.changes["areas"]["subgrid"] == 33
    assert record.changes["households_planned"] == seeded.households
    assert seeded.households > 9_700
    assert record.changes["register_factor"] == SMALL
    assert record.changes["register"]["residents"] == Resident.objects.count()
    assert record.changes["register"]["buildings"] == Building.objects.count()


def test_a_second_run_adds_nothing(seeded: Any) -> None:
    def counts() -> list[int]:
        return [
            m.objects.count()
            for m in (
                Area,
                User,
                Membership,
                Department,
                Organization,
                AuditRecord,
                *REGISTER_MODELS,
            )
        ]

    before = counts()
    assert before[-1] > 0
    again = generate(register=SMALL)
    assert not again.created
    assert again.streets_skipped == ["530114090"]
    assert counts() == before
    out = StringIO()
    call_command("demo_seed", stdout=out)
    assert "already exists: nothing to do" in out.getvalue()
    assert counts() == before


def test_scale_two_gives_two_separate_streets_and_one_set_of_demo_logins(db: Any) -> None:
    summary = generate(scale=2, register=SMALL)
    streets = list(Area.objects.filter(level=Level.STREET).order_by("code"))
    assert [s.code for s in streets] == ["530114090", "530114091"]
    assert summary.streets_created == ["530114090", "530114091"]
    a, b = (shape(s.boundary) for s in streets)
    assert a.intersection(b).area == 0
    district = shape(Area.objects.get(level=Level.DISTRICT).boundary)
    assert district.contains(a)
    assert district.contains(b)
    assert Area.objects.filter(level=Level.COMMUNITY).count() == 8
    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)
    assert Department.objects.filter(area__level=Level.DISTRICT).count() == 2
    assert len(set(Area.objects.values_list("code", flat=True))) == Area.objects.count()
    # the register of both: ID numbers (a unique constraint) and phones unique across streets
    phones = [p for p in Resident.objects.values_list("phone_bidx", flat=True) if p]
    assert len(phones) == len(set(phones)) > 300
    assert summary.register["residents"] == Resident.objects.count() > 600
    assert {b.area_path[:28] for b in Building.objects.all()} == {
        "/530100/530114/530114090/530",
        "/530100/530114/530114091/530",
    }


def test_a_larger_scale_later_adds_only_the_missing_streets_and_widens_the_district(
    db: Any,
) -> None:
    generate(scale=1, register=0)
    users = User.objects.count()
    summary = generate(scale=2, register=0)
    assert summary.streets_skipped == ["530114090"]
    assert summary.streets_created == ["530114091"]
    assert summary.users == User.objects.count() - users
    assert Area.objects.filter(level=Level.DISTRICT).count() == 1
    district = shape(Area.objects.get(level=Level.DISTRICT).boundary)
    city = shape(Area.objects.get(level=Level.CITY).boundary)
    for street in Area.objects.filter(level=Level.STREET):
        assert district.contains(shape(street.boundary))
    assert city.contains(district)


def test_the_command_prints_the_summary_and_the_demo_logins(db: Any) -> None:
    out = StringIO()
    call_command("demo_seed", "--seed", "2026", "--register", "0.01", "--cases", "20", stdout=out)
    text = out.getvalue()
    assert "Seeded 1 street(s)" in text
    assert "Cases: " in text
    assert "subgrid 33" in text
    assert "9,700 households, 20,500 residents (written 97 and 205)" in text
    households = Household.objects.count()
    assert f"Register: {households:,} households" in text
    assert DEMO_PASSWORD in text
    for username in DEMO_USERNAMES:
        assert f"  {username} " in text
    assert Area.objects.filter(code="530114090").exists()


def test_people_are_generated_lazily() -> None:
    plan: StreetPlan = plan_street(0)
    people = plan.iter_people()
    assert iter(people) is people  # a generator, not a list
    usernames = [p.username for p in people]
    assert len(usernames) == len(set(usernames))
    assert set(DEMO_USERNAMES) - {"admin", "security", "auditor"} <= set(usernames)
