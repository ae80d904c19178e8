"""Permission checks shared by services and views. Each returns quietly or raises
NotAllowed; views turn that into 404 for objects and 403 for pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.core.actors import is_system
from shequ.core.errors import NotAllowed

if TYPE_CHECKING:
    from shequ.accounts.models import User


def ensure_allowed(actor: Any, perm: Perm, path: str) -> None:
    if is_system(actor):
        return
    if not path or not scope_of(actor).allows(perm, path):
        raise NotAllowed(perm)


def ensure_has(actor: Any, perm: Perm) -> None:
    """The actor holds ``perm`` somewhere (for pages that list only what is in scope)."""
    if is_system(actor):
        return
    if not scope_of(actor).has(perm):
        raise NotAllowed(perm)


def users_in_scope(viewer: Any, perm: Perm) -> QuerySet[User]:
    """Accounts holding a membership inside the areas where the viewer has ``perm``; an
    administrator also sees accounts with no membership yet, to finish setting them up."""
    from shequ.accounts.models import Membership, User  # noqa: PLC0415 - models import this

    in_scope = Membership.objects.visible_to(viewer, perm).values("user_id")
    condition = Q(pk__in=in_scope)
    if scope_of(viewer).has(Perm.USER_MANAGE):
        condition |= Q(memberships__isnull=True)
    return User.objects.filter(condition).distinct()


def access_user(viewer: Any, pk: Any) -> User:
    """An account the viewer may see, else NotAllowed (a 404)."""
    try:
        found: User | None = users_in_scope(viewer, Perm.USER_VIEW).filter(pk=int(pk)).first()
    except (ValueError, TypeError):
        found = None
    if found is None:
        raise NotAllowed(Perm.USER_VIEW)
    return found
