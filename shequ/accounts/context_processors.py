from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of


def permissions(request: HttpRequest) -> dict[str, Any]:
    """``can.area_view`` … for the navigation: what this user may open at all."""

    def compute() -> dict[str, bool]:
        scope = scope_of(getattr(request, "user", None))
        return {perm.name.lower(): scope.has(perm) for perm in Perm}

    return {"can": SimpleLazyObject(compute)}
