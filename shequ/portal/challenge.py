"""A small question only a person answers easily (一道算术题, in Chinese numerals), kept in
the signed session: asked when the form is shown, used once when it is sent."""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.utils.translation import gettext as _

_KEY = "portal_challenge"
_DIGITS = "零一二三四五六七八九十"


def _chinese(n: int) -> str:
    if n <= 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def new_question(request: HttpRequest) -> str:
    """A fresh question; the answer waits in the session."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    if secrets.randbelow(2):
        question = _("What is %(a)s plus %(b)s?") % {"a": _chinese(a), "b": _chinese(b)}
        answer = a + b
    else:
        a, b = max(a, b) + 10, min(a, b)
        question = _("What is %(a)s minus %(b)s?") % {"a": _chinese(a), "b": _chinese(b)}
        answer = a - b
    request.session[_KEY] = {"q": question, "a": answer}
    return question


def current_question(request: HttpRequest) -> str:
    stored = request.session.get(_KEY)
    return str(stored["q"]) if isinstance(stored, dict) and "q" in stored else new_question(request)


def check_answer(request: HttpRequest, given: str) -> bool:
    """True when ``given`` answers the question asked; the question is used up either way."""
    stored = request.session.pop(_KEY, None)
    if not isinstance(stored, dict):
        return False
    text = "".join((given or "").split())
    if text.isascii() and text.isdigit():
        return int(text) == stored.get("a")
    # A resident may answer in Chinese numerals too.
    return any(text == _chinese(n) and n == stored.get("a") for n in range(100))
