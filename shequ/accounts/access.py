"""Permission checks shared by services and views. Each returns quietly or raises
NotAllowed; views turn that into 404 for objects and 403 for pages."""

from __future__ import annotations

from typing import Any

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.core.actors import is_system
from shequ.core.errors import NotAllowed


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
