"""Chinese first: the interface speaks zh-Hans unless the user chose another language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import escape_uri_path
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's, but without guessing from the browser's Accept-Language: office PCs
    often run browsers set up in English, and their users still expect Chinese. The choice
    made with the language switch (a cookie) wins."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = (
            chosen
            if chosen and check_for_language(chosen) and chosen in dict(settings.LANGUAGES)
            else settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NulParameterMiddleware:
    """A parameter with a NUL character is refused with a 400 naming it, on every page and
    endpoint: PostgreSQL cannot store or search text with NUL and would fail the request
    with a 500 (found by schemathesis on ``replies/?q=…%00…``). Query strings only: bodies
    are read by forms and serializers, which refuse NUL per field. Each part answers in its
    own error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = nul_field(request.GET)
        if field is None:
            return self.get_response(request)
        message = _("Null characters are not allowed.")
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"field": field, "message": message}]}, status=400)
        if request.path.startswith("/open311/"):
            from shequ.open311 import georeport  # noqa: PLC0415 — only this answer needs it

            fmt = "json" if request.path.endswith(".json") else "xml"
            return georeport.errors(fmt, 400, f"{field}: {message}")
        return render(
            request,
            "400.html",
            {
                "field": field,
                "message": message,
                "without": _without_nul(request),
                "home": reverse("portal:home" if request.path.startswith("/portal/") else "home"),
            },
            status=400,
        )


def _without_nul(request: HttpRequest) -> str:
    """The same page without the parameters that hold a NUL: the way back most often wanted
    (the rest of the link, its filters say, still stands)."""
    kept = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if "\x00" not in name and not any("\x00" in value for value in values):
            kept.setlist(name, values)
    path = escape_uri_path(request.path)
    return f"{path}?{kept.urlencode()}" if kept else path


def nul_field(params: QueryDict) -> str | None:
    """The first parameter whose name or value holds a NUL character, if any."""
    for name, values in params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    return None
