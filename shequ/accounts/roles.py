"""Roles and what each may do: the one table in code (documented in docs/roles.md).

A role is granted through a Membership bound to an area, a department or an organization;
every permission below applies only inside that binding's area (see shequ.accounts.scope).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDITOR = "auditor", _("Auditor")
    STREET_DISPATCHER = "street_dispatcher", _("Street dispatcher")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    GRID_CHIEF = "grid_chief", _("Grid chief")
    GRID_WORKER = "grid_worker", _("Grid worker")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    MEDIATOR = "mediator", _("Mediator")
    BUILDING_HEAD = "building_head", _("Building head")
    RESIDENT = "resident", _("Resident")


class Perm(models.TextChoices):
    AREA_VIEW = "area.view", _("Browse areas, maps and grid staff")
    AREA_MANAGE = "area.manage", _("Create, import and retire areas, departments and organizations")
    USER_VIEW = "user.view", _("See accounts and memberships")
    USER_MANAGE = "user.manage", _("Create accounts and grant memberships")
    SECURITY_MANAGE = "security.manage", _("Unlock accounts and reset second factors")
    AUDIT_VIEW = "audit.view", _("Read the audit log")
    REGISTER_VIEW = (
        "register.view",
        _("See the register: buildings, houses, households, residents (masked)"),
    )
    REGISTER_EDIT = (
        "register.edit",
        _("Change the register: move in and out, members, phones, visits"),
    )
    REGISTER_IMPORT = "register.import", _("Import register sheets")
    REGISTER_EXPORT = "register.export", _("Export register lists")
    PERSONAL_REVEAL = "personal.reveal", _("Reveal a full ID number or phone, giving a reason")
    CARE_VIEW = "care.view", _("See care tags (elderly living alone, disability, low income …)")
    CASE_VIEW = "case.view", _("See the cases of the area, their timelines and measures")
    CASE_INTAKE = "case.intake", _("Register cases from any channel")
    CASE_MANAGE = (
        "case.manage",
        _("Accept, reject, handle, verify, follow up and close the area's cases"),
    )
    CASE_HANDLE = "case.handle", _("Handle and resolve cases the grid handles itself")
    CASE_DISPATCH = (
        "case.dispatch",
        _("Whistle cases to departments, re-route, approve extensions, suspend, supervise"),
    )
    CASE_RESPOND = (
        "case.respond",
        _("Check in, handle, resolve or return cases whistled to one's department"),
    )
    CASE_EXPORT = "case.export", _("Export case lists")
    CASE_CONFIGURE = "case.configure", _("Keep categories, deadlines and the holiday calendar")


_STAFF_VIEW = frozenset({Perm.AREA_VIEW})
# Those who keep the register and serve the people in it: community staff for the
# community, grid chiefs and workers for their grid.
_REGISTER_KEEPER = frozenset(
    {
        Perm.REGISTER_VIEW,
        Perm.REGISTER_EDIT,
        Perm.PERSONAL_REVEAL,
        Perm.CARE_VIEW,
    }
)

# The 三员 separation: the administrator runs the system, the security administrator runs
# login security and the auditor reads the audit log; none of them can do another's part.
# Cases: the community and its grids take them in and close the loop; the street whistles.
_CASE_KEEPER = frozenset(
    {Perm.CASE_VIEW, Perm.CASE_INTAKE, Perm.CASE_MANAGE, Perm.CASE_HANDLE, Perm.CASE_EXPORT}
)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.ADMINISTRATOR: frozenset(
        {Perm.AREA_VIEW, Perm.AREA_MANAGE, Perm.USER_VIEW, Perm.USER_MANAGE, Perm.CASE_CONFIGURE}
    ),
    Role.SECURITY_ADMIN: frozenset({Perm.USER_VIEW, Perm.SECURITY_MANAGE}),
    Role.AUDITOR: frozenset({Perm.AUDIT_VIEW}),
    # The street sees the register (masked, no care tags) to dispatch and to count.
    Role.STREET_DISPATCHER: _STAFF_VIEW
    | {Perm.USER_VIEW, Perm.REGISTER_VIEW}
    | _CASE_KEEPER
    | {Perm.CASE_DISPATCH},
    Role.COMMUNITY_STAFF: _STAFF_VIEW
    | _REGISTER_KEEPER
    | _CASE_KEEPER
    | {Perm.USER_VIEW, Perm.REGISTER_IMPORT, Perm.REGISTER_EXPORT},
    Role.GRID_CHIEF: _STAFF_VIEW
    | _REGISTER_KEEPER
    | _CASE_KEEPER
    | {Perm.USER_VIEW, Perm.REGISTER_EXPORT},
    # A grid worker reports and handles what the grid handles itself; the chief and the
    # community decide (accept, verify, close).
    Role.GRID_WORKER: _STAFF_VIEW
    | _REGISTER_KEEPER
    | {Perm.CASE_VIEW, Perm.CASE_INTAKE, Perm.CASE_HANDLE},
    # A department sees only the cases whistled to it (shequ.cases.selectors), never the
    # area's other cases: CASE_RESPOND is checked against the department, not the area.
    Role.DEPARTMENT_HANDLER: _STAFF_VIEW | {Perm.CASE_RESPOND},
    Role.MEDIATOR: _STAFF_VIEW,
    Role.BUILDING_HEAD: _STAFF_VIEW,
    Role.RESIDENT: frozenset(),
}

STAFF_ROLES = frozenset(role for role in Role if role != Role.RESIDENT)


class GridDuty(models.TextChoices):
    """The "1+9+X" of a grid: one chief, nine specialist posts, any number of others."""

    CHIEF = "chief", _("Grid chief")
    PARTY_GUIDE = "party_guide", _("Party-building guide")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    PATROL_OFFICER = "patrol_officer", _("Patrol officer")
    POLICE_OFFICER = "police_officer", _("Community police officer")
    CITY_INSPECTOR = "city_inspector", _("City management inspector")
    FIRE_WARDEN = "fire_warden", _("Fire safety warden")
    MARKET_INSPECTOR = "market_inspector", _("Market regulation inspector")
    LEGAL_ADVISER = "legal_adviser", _("Legal adviser and mediator")
    FAMILY_DOCTOR = "family_doctor", _("Family doctor")
    OTHER = "other", _("Other grid member")


NINE_SPECIALISTS = tuple(d for d in GridDuty if d not in (GridDuty.CHIEF, GridDuty.OTHER))


def permissions_of(role: str) -> frozenset[Perm]:
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def permission_table_markdown() -> str:
    """The role × permission table as Markdown, for docs/roles.md (a test keeps the two equal)."""
    perms = list(Perm)
    header = "| role | " + " | ".join(f"`{p.value}`" for p in perms) + " |"
    rule = "|---|" + "---|" * len(perms)
    rows = [
        f"| {role.value} | "
        + " | ".join("✔" if p in ROLE_PERMISSIONS[role] else "" for p in perms)
        + " |"
        for role in Role
    ]
    return "\n".join([header, rule, *rows])
