"""Every view declares who may reach it. A test walks all URL patterns and fails on a view
without a declaration, so a new page cannot forget one."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.core.errors import NotAllowed

ACCESS_ATTR = "shequ_access"


def _mark(view: Any, rule: str) -> Any:
    setattr(view, ACCESS_ATTR, rule)
    return view


def public[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Anyone, logged in or not (the login page, health check, public pages)."""
    return _mark(view, "public")  # type: ignore[no-any-return]


def _wrap(view: Callable[..., HttpResponse], perm: Perm | None) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if perm is not None and not scope_of(request.user).has(perm):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotAllowed:
            # An object outside the user's scope looks exactly like a missing one.
            raise Http404 from None

    return wrapper


def signed_in[V: Callable[..., HttpResponse]](view: V) -> V:
    """Any logged-in user; what they see is still scoped by the selectors."""
    return _mark(_wrap(view, None), "signed_in")  # type: ignore[no-any-return]


def requires[V: Callable[..., HttpResponse]](perm: Perm) -> Callable[[V], V]:
    """A logged-in user holding ``perm`` somewhere; objects are checked against scope by
    the view's access helpers (404 when outside)."""

    def decorate(view: V) -> V:
        return _mark(_wrap(view, perm), f"perm:{perm.value}")  # type: ignore[no-any-return]

    return decorate
