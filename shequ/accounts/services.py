"""Every write to accounts and memberships, and the security administrator's actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.accounts.access import ensure_allowed, ensure_has
from shequ.accounts.models import Membership, User
from shequ.accounts.roles import GridDuty, Perm, Role
from shequ.accounts.scope import forget_scope
from shequ.areas.models import Area, Department, Level, Organization
from shequ.core.actors import is_system
from shequ.core.audit import AuditAction, audit, diff, snapshot
from shequ.core.errors import FieldError, NotAllowed, ServiceError
from shequ.core.saving import create_audited

USER_AUDIT_FIELDS = ("username", "full_name", "is_active", "preferred_language")
MEMBERSHIP_AUDIT_FIELDS = (
    "user_id",
    "role",
    "area_id",
    "department_id",
    "organization_id",
    "grid_duty",
    "title",
    "valid_from",
    "valid_to",
)

# The three administrators (三员) are appointed on the server, never through the site, so an
# administrator cannot make themselves (or a friend) the auditor.
SEPARATED_ROLES = frozenset({Role.ADMINISTRATOR, Role.SECURITY_ADMIN, Role.AUDITOR})

# Where each role may be bound. Roles bound to an area list the levels they may sit at.
ROLE_BINDING: dict[Role, frozenset[int] | str] = {
    Role.ADMINISTRATOR: frozenset({Level.CITY, Level.DISTRICT, Level.STREET}),
    Role.SECURITY_ADMIN: frozenset({Level.CITY, Level.DISTRICT, Level.STREET}),
    Role.AUDITOR: frozenset({Level.CITY, Level.DISTRICT, Level.STREET}),
    Role.STREET_DISPATCHER: frozenset({Level.DISTRICT, Level.STREET}),
    Role.COMMUNITY_STAFF: frozenset({Level.COMMUNITY}),
    Role.GRID_CHIEF: frozenset({Level.GRID, Level.SUBGRID}),
    Role.GRID_WORKER: frozenset({Level.GRID, Level.SUBGRID}),
    Role.BUILDING_HEAD: frozenset({Level.GRID, Level.SUBGRID}),
    Role.MEDIATOR: frozenset({Level.STREET, Level.COMMUNITY}),
    Role.RESIDENT: frozenset({Level.COMMUNITY, Level.GRID, Level.SUBGRID}),
    Role.DEPARTMENT_HANDLER: "department",
}
GRID_ROLES = frozenset({Role.GRID_CHIEF, Role.GRID_WORKER, Role.BUILDING_HEAD})


def _password_errors(password: str, user: User) -> list[FieldError]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [FieldError("password", message) for message in exc.messages]
    return []


def user_create(
    *, actor: Any, username: str, full_name: str, password: str, preferred_language: str = ""
) -> User:
    ensure_has(actor, Perm.USER_MANAGE)
    username = (username or "").strip()
    user = User(
        username=username,
        full_name=" ".join((full_name or "").split()),
        preferred_language=preferred_language,
    )
    errors: list[FieldError] = []
    try:
        user.clean_fields(exclude=["password"])
    except ValidationError as exc:
        errors += [
            FieldError(name, message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    if not user.full_name:
        errors.append(FieldError("full_name", _("is required")))
    errors += _password_errors(password, user)
    if not errors and User.objects.filter(username__iexact=username).exists():
        errors.append(FieldError("username", _("is already taken")))
    if errors:
        raise ServiceError(errors)
    user.set_password(password)
    create_audited(
        user,
        actor=actor,
        changes=lambda: diff({}, snapshot(user, USER_AUDIT_FIELDS)),
        duplicate=("username", _("is already taken")),
    )
    return user


def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    _ensure_manages_user(actor, user)
    if user.pk == getattr(actor, "pk", None) and not active:
        raise ServiceError.single("is_active", _("you cannot deactivate your own account"))
    with transaction.atomic():
        before = snapshot(user, USER_AUDIT_FIELDS)
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=user,
            changes=diff(before, snapshot(user, USER_AUDIT_FIELDS)),
        )
    return user


def password_set(*, actor: Any, user: User, password: str) -> None:
    """An administrator sets a new password for someone, or a user changes their own."""
    if is_system(actor) or getattr(actor, "pk", None) != user.pk:
        _ensure_manages_user(actor, user)
    errors = _password_errors(password, user)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit(
            actor=actor, action=AuditAction.SECURITY, obj=user, changes={"password": ["***", "***"]}
        )


def _ensure_manages_user(actor: Any, user: User, perm: Perm = Perm.USER_MANAGE) -> None:
    """An administrator (or security administrator, for ``security.manage``) acts on the
    accounts that hold a membership inside their areas, or that hold none yet, so that a
    new account can be completed."""
    if is_system(actor):
        return
    ensure_has(actor, perm)
    if Membership.objects.active().filter(user=user, role__in=SEPARATED_ROLES).exists():
        # the three administrators' accounts are looked after on the server only
        raise NotAllowed(perm)
    memberships = list(Membership.objects.filter(user=user).values_list("area_path", flat=True))
    if memberships and not any(_allows(actor, perm, path) for path in memberships):
        raise NotAllowed(perm)


def _allows(actor: Any, perm: Perm, path: str) -> bool:
    try:
        ensure_allowed(actor, perm, path)
    except NotAllowed:
        return False
    return True


def membership_grant(
    *,
    actor: Any,
    user: User,
    role: str,
    area: Area | None = None,
    department: Department | None = None,
    organization: Organization | None = None,
    grid_duty: str = "",
    title: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Membership:
    errors: list[FieldError] = []
    try:
        role_value = Role(role)
    except ValueError:
        raise ServiceError.single("role", _("is not a known role")) from None
    bound = [b for b in (area, department, organization) if b is not None]
    if len(bound) != 1:
        raise ServiceError.single("area", _("choose exactly one area, department or organization"))
    target = bound[0]
    path = target.area_path
    if role_value in SEPARATED_ROLES and not is_system(actor):
        raise NotAllowed(Perm.USER_MANAGE)
    if role_value in SEPARATED_ROLES:
        others = (
            Membership.objects.active()
            .filter(user=user, role__in=SEPARATED_ROLES)
            .exclude(role=role_value)
        )
        if others.exists():
            raise ServiceError.single(
                "role",
                _(
                    "one person cannot be more than one of administrator, security administrator and auditor"
                ),
            )
    ensure_allowed(actor, Perm.USER_MANAGE, path)
    binding = ROLE_BINDING[role_value]
    if binding == "department":
        if department is None:
            errors.append(
                FieldError("department", _("a department handler belongs to a department"))
            )
    elif (
        organization is None
        and isinstance(binding, frozenset)
        and (area is None or area.level not in binding)
    ):
        levels = "、".join(str(Level(level).label) for level in sorted(binding))
        errors.append(
            FieldError(
                "area",
                _("a %(role)s is bound to a %(levels)s")
                % {"role": role_value.label, "levels": levels},
            )
        )
    if area is not None and not area.is_current:
        errors.append(FieldError("area", _("has been retired")))
    if grid_duty:
        if grid_duty not in GridDuty.values:
            errors.append(FieldError("grid_duty", _("is not a known grid post")))
        elif role_value not in GRID_ROLES:
            errors.append(FieldError("grid_duty", _("only grid staff hold a grid post")))
    start = valid_from or timezone.localdate()
    if valid_to is not None and valid_to <= start:
        errors.append(FieldError("valid_to", _("must be after the start date")))
    if len(title) > 60:
        errors.append(FieldError("title", _("is longer than %(n)d characters") % {"n": 60}))
    if not user.is_active:
        errors.append(FieldError("user", _("the account is deactivated")))
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        duplicate = (
            Membership.objects.active(start)
            .filter(
                user=user,
                role=role_value,
                area=area,
                department=department,
                organization=organization,
            )
            .first()
        )
        if duplicate is not None:
            return duplicate  # type: ignore[no-any-return]  # granting twice is one membership
        membership: Membership = Membership.objects.create(
            user=user,
            role=role_value,
            area=area,
            department=department,
            organization=organization,
            area_path=path,
            grid_duty=grid_duty,
            title=title.strip(),
            valid_from=start,
            valid_to=valid_to,
        )
        audit(
            actor=actor,
            action=AuditAction.CREATE,
            obj=membership,
            changes=diff({}, snapshot(membership, MEMBERSHIP_AUDIT_FIELDS)),
        )
    forget_scope(user)
    return membership


def membership_end(*, actor: Any, membership: Membership, on: dt.date | None = None) -> Membership:
    ensure_allowed(actor, Perm.USER_MANAGE, membership.area_path)
    if membership.role in SEPARATED_ROLES and not is_system(actor):
        raise NotAllowed(Perm.USER_MANAGE)
    with transaction.atomic():
        locked: Membership = Membership.objects.select_for_update().get(pk=membership.pk)
        _close(actor, locked, on or timezone.localdate())
    forget_scope(locked.user)
    return locked


def memberships_end_with_areas(*, actor: Any, area_ids: list[int], on: dt.date) -> int:
    """End every role bound to these areas on ``on``: part of retiring them, so the caller
    holds ``area.manage`` over them (checked in ``area_retire``). The roles of the three
    administrators are ended only on the server."""
    with transaction.atomic():
        memberships = list(
            Membership.objects.active(on).select_for_update().filter(area_id__in=area_ids)
        )
        if not is_system(actor) and any(m.role in SEPARATED_ROLES for m in memberships):
            raise ServiceError.single(
                "area",
                _(
                    "an administrator, security administrator or auditor is bound here; end that role on the server first"
                ),
            )
        for membership in memberships:
            _close(actor, membership, on)
    return len(memberships)


def _close(actor: Any, membership: Membership, day: dt.date) -> None:
    if membership.valid_to is not None and membership.valid_to <= day:
        return  # already ended: ending again changes nothing
    before = snapshot(membership, MEMBERSHIP_AUDIT_FIELDS)
    membership.valid_to = max(day, membership.valid_from + dt.timedelta(days=1))
    membership.save(update_fields=["valid_to", "updated_at"])
    audit(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=membership,
        changes=diff(before, snapshot(membership, MEMBERSHIP_AUDIT_FIELDS)),
    )


def account_unlock(*, actor: Any, user: User) -> int:
    """The security administrator lifts a login lockout before it runs out."""
    _ensure_manages_user(actor, user, Perm.SECURITY_MANAGE)
    with transaction.atomic():
        count = axes_reset(username=user.get_username())
        audit(
            actor=actor,
            action=AuditAction.SECURITY,
            obj=user,
            changes={"lockout": ["locked", "unlocked"]},
        )
    return int(count or 0)


def second_factor_reset(*, actor: Any, user: User) -> int:
    """Remove a user's TOTP devices (a lost phone); they enrol again at their next login."""
    _ensure_manages_user(actor, user, Perm.SECURITY_MANAGE)
    with transaction.atomic():
        count: int
        count, _deleted = TOTPDevice.objects.filter(user=user).delete()
        audit(
            actor=actor, action=AuditAction.SECURITY, obj=user, changes={"totp_devices": [count, 0]}
        )
    return count
