"""Idle timeout, the second factor gate, and the request context the audit log records."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from shequ.accounts.otp import needs_second_factor
from shequ.core.audit import AuditAction, audit, current_ip

_LAST_SEEN = "shequ_last_seen"
# Refreshing the session on every request would write the session row every request; once a
# minute is enough to keep a 30-minute idle limit accurate to the minute.
_REFRESH_SECONDS = 60


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind SHEQU_PROXY_HOPS trusted proxies the
    address that many hops from the right of X-Forwarded-For (the part our proxies wrote)."""
    hops = settings.SHEQU_PROXY_HOPS
    if hops > 0:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= hops:
            return str(forwarded[-hops])
    return request.META.get("REMOTE_ADDR") or None


def _login_url(next_path: str) -> str:
    return f"{reverse('accounts:login')}?{urlencode({'next': next_path, 'idle': '1'})}"


def _page_of(request: HttpRequest) -> str:
    """The page an htmx request was made from (its HX-Current-URL), if it is one of ours."""
    current = request.headers.get("HX-Current-URL", "")
    if current and url_has_allowed_host_and_scheme(
        current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return reverse("home")


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            if request.user.is_authenticated:
                now = time.time()
                last = request.session.get(_LAST_SEEN)
                if last is not None and now - float(last) > settings.SHEQU_IDLE_TIMEOUT_SECONDS:
                    user = request.user
                    logout(request)
                    audit(actor=user, action=AuditAction.LOGOUT, obj=user, reason="idle timeout")
                    htmx = bool(request.headers.get("HX-Request"))
                    if htmx or request.path.startswith("/api/"):
                        response = JsonResponse(
                            {
                                "errors": [
                                    {
                                        "field": "session",
                                        "message": _(
                                            "Your session ended after a period of inactivity. Please log in again."
                                        ),
                                    }
                                ]
                            },
                            status=401,
                        )
                        if htmx:
                            # htmx leaves the page for the login page, which brings the
                            # user back to the page they were on (not to the fragment).
                            response["HX-Redirect"] = _login_url(_page_of(request))
                        return response
                    return redirect(_login_url(request.get_full_path()))
                if last is None or now - float(last) > _REFRESH_SECONDS:
                    request.session[_LAST_SEEN] = now
            return self.get_response(request)
        finally:
            current_ip.reset(token)


# Pages a user who still owes a second factor may reach.
_OTP_FREE_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/health")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and needs_second_factor(user)
            and not request.path.startswith(_OTP_FREE_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"errors": [{"field": "otp", "message": _("A second factor is required.")}]},
                    status=403,
                )
            return redirect("accounts:otp")
        return self.get_response(request)
