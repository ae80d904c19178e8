"""Chinese first: the interface speaks zh-Hans unless the user chose another language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
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


class ApiQueryNulMiddleware:
    """A query parameter with a NUL character is refused under /api/ with a 400 naming it:
    PostgreSQL cannot search text with NUL and would fail the request with a 500 (found by
    schemathesis on ``replies/?q=…%00…``). Bodies are checked by the serializers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return JsonResponse(
                        {
                            "errors": [
                                {
                                    "field": name.replace("\x00", ""),
                                    "message": _("Null characters are not allowed."),
                                }
                            ]
                        },
                        status=400,
                    )
        return self.get_response(request)
