"""What a user may reach: the paths of their active memberships, per permission.

Computed once per request and cached on the user object. Everything is derived from
memberships, so a user without one reaches nothing (fail closed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shequ.accounts.roles import Perm, Role, permissions_of
from shequ.core.paths import is_within

_CACHE_ATTR = "_shequ_scope"


@dataclass(frozen=True)
class Scope:
    # perm -> the area paths where the user holds it
    paths: dict[Perm, frozenset[str]] = field(default_factory=dict)
    roles: frozenset[Role] = frozenset()
    department_ids: frozenset[int] = frozenset()
    organization_ids: frozenset[int] = frozenset()

    def paths_with(self, perm: Perm) -> frozenset[str]:
        return self.paths.get(perm, frozenset())

    def has(self, perm: Perm) -> bool:
        return bool(self.paths.get(perm))

    def allows(self, perm: Perm, path: str) -> bool:
        return any(is_within(path, p) for p in self.paths_with(perm))

    @property
    def is_empty(self) -> bool:
        return not self.roles


EMPTY = Scope()


def scope_of(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached: Scope | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _build(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_scope(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _build(user: Any) -> Scope:
    from shequ.accounts.models import Membership  # noqa: PLC0415 - models import roles

    paths: dict[Perm, set[str]] = {}
    roles: set[Role] = set()
    departments: set[int] = set()
    organizations: set[int] = set()
    rows = (
        Membership.objects.active()
        .filter(user=user)
        .values_list("role", "area_path", "department_id", "organization_id")
    )
    for role, path, department_id, organization_id in rows:
        try:
            roles.add(Role(role))
        except ValueError:
            continue
        if department_id:
            departments.add(department_id)
        if organization_id:
            organizations.add(organization_id)
        if not path:
            continue
        for perm in permissions_of(role):
            paths.setdefault(perm, set()).add(path)
    return Scope(
        paths={perm: frozenset(p) for perm, p in paths.items()},
        roles=frozenset(roles),
        department_ids=frozenset(departments),
        organization_ids=frozenset(organizations),
    )
