"""Writing: ``generate()`` seeds the planned streets with ``bulk_create`` in batches, one
transaction per street, skipping streets that already exist; the register of each street is
written in the same transaction (``shequ.demo.write_register``)."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from shequ.accounts.models import Membership, User
from shequ.areas.codes import code_problem
from shequ.areas.geo import validate_boundary
from shequ.areas.models import Area, Department, Level, Organization
from shequ.areas.services import _apply_geometry
from shequ.core.actors import SYSTEM
from shequ.core.audit import AuditAction, audit
from shequ.core.paths import child_path
from shequ.demo.codes import DEFAULT_SEED, MAX_SCALE, DemoSeedError
from shequ.demo.people import (
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    DemoLoginRow,
    MembershipPlan,
    PersonPlan,
    demo_login_table,
)
from shequ.demo.plan import (
    AreaPlan,
    DepartmentPlan,
    OrganizationPlan,
    StreetPlan,
    iter_street_plans,
)
from shequ.demo.register import REFERENCE, register_size
from shequ.demo.write_register import REGISTER_MEASURES, RegisterWriter

BATCH_SIZE: Final = 1000
# Demo rows begin on a fixed day (2025-01-01), so that two runs give the same rows; every
# date of the register (births, moves) lies before it.
DEMO_START: Final = REFERENCE


@dataclass(frozen=True)
class CommunityCount:
    """What was written for one community, and the targets of its plan."""

    code: str
    name: str
    grids: int
    subgrids: int
    large: bool
    households_planned: int
    residents_planned: int
    register: Counter[str]  # REGISTER_MEASURES


@dataclass
class SeedSummary:
    scale: int
    seed: int
    streets_created: list[str] = field(default_factory=list)
    streets_skipped: list[str] = field(default_factory=list)
    areas: Counter[int] = field(default_factory=Counter)  # level -> areas created
    departments: int = 0
    organizations: int = 0
    users: int = 0
    memberships: int = 0
    households: int = 0  # register targets of the communities created (the plan)
    residents: int = 0
    register_factor: float = 1.0  # the share of the targets written
    register: Counter[str] = field(default_factory=Counter)  # REGISTER_MEASURES, in all
    communities: list[CommunityCount] = field(default_factory=list)  # of the first street
    first_street: StreetPlan | None = None
    demo_logins: list[DemoLoginRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def created(self) -> bool:
        return bool(self.streets_created)

    def counts(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "streets": len(self.streets_created),
            "areas": {Level(level).name.lower(): self.areas[level] for level in sorted(self.areas)},
            "departments": self.departments,
            "organizations": self.organizations,
            "users": self.users,
            "memberships": self.memberships,
            "households_planned": self.households,
            "residents_planned": self.residents,
            "register_factor": self.register_factor,
            "register": {measure: self.register[measure] for measure in REGISTER_MEASURES},
        }


def generate(
    scale: int = 1,
    seed: int = DEFAULT_SEED,
    *,
    register: float = 1.0,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[StreetPlan, bool], None] | None = None,
) -> SeedSummary:
    """Seed ``scale`` streets, one transaction each; skip streets that already exist. Each
    street gets its register at ``register`` times the planned households and residents
    (0: no register rows; tests use ~0.01). Calls ``progress(plan, created)`` after each
    street."""
    if not 1 <= scale <= MAX_SCALE:
        msg = f"scale must be 1…{MAX_SCALE}"
        raise ValueError(msg)
    if not 0 <= register <= 1:
        msg = "register must be between 0 and 1"
        raise ValueError(msg)
    started = time.monotonic()
    summary = SeedSummary(scale=scale, seed=seed, register_factor=register)
    writer = _Writer(summary, batch_size, register)
    for plan in iter_street_plans(scale, seed):
        if plan.index == 0:
            summary.first_street = plan
            summary.demo_logins = demo_login_table(plan)
        if Area.objects.current().filter(code=plan.code).exists():
            summary.streets_skipped.append(plan.code)
        else:
            with transaction.atomic():
                writer.write_street(plan)
            summary.streets_created.append(plan.code)
        if progress is not None:
            progress(plan, plan.code in summary.streets_created)
    if summary.created:
        audit(
            actor=SYSTEM,
            action=AuditAction.CREATE,
            object_type="demo.seed",
            object_id=summary.streets_created[0],
            object_repr=f"demo seed: {len(summary.streets_created)} street(s), seed {seed}",
            area_path="",
            changes=summary.counts(),
        )
    summary.seconds = time.monotonic() - started
    return summary


def _batched[T](items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    return itertools.batched(items, max(1, size))


class _Writer:
    def __init__(self, summary: SeedSummary, batch_size: int, register: float = 1.0) -> None:
        self.summary = summary
        self.batch_size = batch_size
        self.register = register
        self.start = min(DEMO_START, timezone.localdate())

    # areas
    def _area(self, plan: AreaPlan, parent: Area | None) -> Area:
        problem = code_problem(
            plan.level, plan.code, parent.level if parent else None, parent.code if parent else None
        )
        measured, boundary_problem = validate_boundary(plan.boundary)
        if problem or boundary_problem:
            msg = f"{plan.code} {plan.name}: {problem or boundary_problem}"
            raise DemoSeedError(msg)
        area = Area(
            level=plan.level,
            code=plan.code,
            name=plan.name,
            parent=parent,
            area_path=child_path(parent.area_path if parent else "", plan.code),
            valid_from=self.start,
        )
        _apply_geometry(area, measured, plan.boundary)
        return area

    def _ensure_area(self, plan: AreaPlan, parent: Area | None) -> Area:
        """The existing current area of that code (its outline widened to the plan's if the
        plan's encloses it), or a new one."""
        existing: Area | None = Area.objects.current().filter(code=plan.code).first()
        if existing is None:
            area = self._area(plan, parent)
            area.save()
            self.summary.areas[plan.level] += 1
            return area
        if existing.level != plan.level:
            msg = f"{plan.code} exists as a {Level(existing.level).label}, not a {Level(plan.level).label}"
            raise DemoSeedError(msg)
        planned, _problem = validate_boundary(plan.boundary)
        current, _problem = (
            validate_boundary(existing.boundary) if existing.boundary else (None, None)
        )
        if planned is not None and (
            current is None
            or (
                planned.geometry.contains(current.geometry)
                and not current.geometry.equals(planned.geometry)
            )
        ):
            _apply_geometry(existing, planned, plan.boundary)
            existing.save(
                update_fields=[
                    "boundary",
                    "min_lon",
                    "min_lat",
                    "max_lon",
                    "max_lat",
                    "label_lon",
                    "label_lat",
                    "updated_at",
                ]
            )
        return existing

    def _bulk_areas(self, plans: Iterable[AreaPlan], areas: dict[str, Area]) -> None:
        for batch in _batched(plans, self.batch_size):
            rows = Area.objects.bulk_create(
                [self._area(p, areas[p.parent_code or ""]) for p in batch]
            )
            _check_pks(rows)
            for row in rows:
                areas[row.code] = row
                self.summary.areas[row.level] += 1

    def write_street(self, plan: StreetPlan) -> None:
        if plan.index == 0:
            taken = sorted(
                User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
            )
            if taken:
                msg = f"demo usernames already taken: {', '.join(taken)}"
                raise DemoSeedError(msg)
        city = self._ensure_area(plan.city, None)
        district = self._ensure_area(plan.district.area, city)
        areas: dict[str, Area] = {city.code: city, district.code: district}
        departments: dict[str, Department] = {}
        organizations: dict[str, Organization] = {}
        if plan.first_in_district:
            departments |= self._departments(plan.district.departments, areas)
        street = self._area(plan.area, district)
        street.save()
        self.summary.areas[Level.STREET] += 1
        areas[street.code] = street
        self._bulk_areas((c.area for c in plan.communities), areas)
        self._bulk_areas((g.area for c in plan.communities for g in c.grids), areas)
        self._bulk_areas((s for c in plan.communities for g in c.grids for s in g.subgrids), areas)
        departments |= self._departments(plan.departments, areas)
        organizations |= self._organizations(plan.organizations, areas)
        people: Iterable[PersonPlan] = plan.iter_people()
        if plan.first_in_district:
            people = itertools.chain(plan.district.people, people)
        self._people(people, areas, departments, organizations)
        counts: dict[str, Counter[str]] = {}
        if self.register > 0:
            register = RegisterWriter(areas, self.batch_size)
            register.write_street(plan, self.register)
            counts = register.counts
        for community in plan.communities:
            self.summary.households += community.households
            self.summary.residents += community.residents
            written = counts.get(community.code, Counter())
            self.summary.register.update(written)
            if plan.index == 0:
                self.summary.communities.append(
                    CommunityCount(
                        community.code,
                        community.name,
                        len(community.grids),
                        community.subgrid_count,
                        community.large,
                        community.households,
                        community.residents,
                        written,
                    )
                )
            expected = register_size(community, self.register)
            if (written["households"], written["residents"]) != expected:
                msg = f"{community.code}: wrote {written['households']} households and {written['residents']} residents, not {expected}"
                raise DemoSeedError(msg)

    def _departments(
        self, plans: Sequence[DepartmentPlan], areas: dict[str, Area]
    ) -> dict[str, Department]:
        existing = {
            (d.area.code, d.name): d
            for d in Department.objects.filter(
                area__in=[areas[p.area_code] for p in plans]
            ).select_related("area")
        }
        found = {
            p.key: existing[(p.area_code, p.name)]
            for p in plans
            if (p.area_code, p.name) in existing
        }
        new = [
            Department(
                area=areas[p.area_code],
                area_path=areas[p.area_code].area_path,
                name=p.name,
                short_name=p.short_name,
                phone=p.phone,
            )
            for p in plans
            if p.key not in found
        ]
        rows = Department.objects.bulk_create(new, batch_size=self.batch_size)
        _check_pks(rows)
        self.summary.departments += len(rows)
        return found | {f"{row.area.code}:{row.name}": row for row in rows}

    def _organizations(
        self, plans: Sequence[OrganizationPlan], areas: dict[str, Area]
    ) -> dict[str, Organization]:
        made: dict[str, Organization] = {}
        pending = list(plans)
        while pending:  # parents first: write every organization whose parent exists
            ready = [p for p in pending if p.parent_key is None or p.parent_key in made]
            if not ready:
                msg = f"organizations with unknown parents: {[p.key for p in pending]}"
                raise DemoSeedError(msg)
            rows = Organization.objects.bulk_create(
                [
                    Organization(
                        area=areas[p.area_code],
                        area_path=areas[p.area_code].area_path,
                        kind=p.kind,
                        name=p.name,
                        parent=made[p.parent_key] if p.parent_key else None,
                        contact=p.contact,
                    )
                    for p in ready
                ],
                batch_size=self.batch_size,
            )
            _check_pks(rows)
            made |= {p.key: row for p, row in zip(ready, rows, strict=True)}
            pending = [p for p in pending if p.key not in made]
        self.summary.organizations += len(made)
        return made

    def _people(
        self,
        people: Iterable[PersonPlan],
        areas: dict[str, Area],
        departments: dict[str, Department],
        organizations: dict[str, Organization],
    ) -> None:
        for batch in _batched(people, self.batch_size):
            users = [self._user(p) for p in batch]
            User.objects.bulk_create(users)
            _check_pks(users)
            memberships = [
                self._membership(user, m, areas, departments, organizations)
                for p, user in zip(batch, users, strict=True)
                for m in p.memberships
            ]
            Membership.objects.bulk_create(memberships, batch_size=self.batch_size)
            self.summary.users += len(users)
            self.summary.memberships += len(memberships)

    def _user(self, plan: PersonPlan) -> User:
        user = User(username=plan.username, full_name=plan.full_name, is_active=True)
        if plan.is_demo_login:
            validate_password(DEMO_PASSWORD, user)
            user.password = make_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        return user

    def _membership(
        self,
        user: User,
        plan: MembershipPlan,
        areas: dict[str, Area],
        departments: dict[str, Department],
        organizations: dict[str, Organization],
    ) -> Membership:
        membership = Membership(
            user=user,
            role=plan.role,
            grid_duty=plan.grid_duty,
            title=plan.title,
            valid_from=self.start,
        )
        if plan.kind == "area":
            membership.area = areas[plan.key]
            membership.area_path = membership.area.area_path
        elif plan.kind == "department":
            membership.department = departments[plan.key]
            membership.area_path = membership.department.area_path
        else:
            membership.organization = organizations[plan.key]
            membership.area_path = membership.organization.area_path
        return membership


def _check_pks(rows: Sequence[Any]) -> None:
    if any(row.pk is None for row in rows):
        msg = "the database did not return primary keys from bulk_create (SQLite 3.35+ or PostgreSQL needed)"
        raise DemoSeedError(msg)
