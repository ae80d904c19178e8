"""一户一码: a signed, revocable code per household, printed as a QR code on the door."""

from __future__ import annotations

import segno
from django.core import signing
from django.urls import reverse

from shequ.registry.models import Household

_SALT = "shequ.household-code"


def household_token(household: Household) -> str:
    return signing.Signer(salt=_SALT).sign(f"{household.pk}.{household.code_nonce}")


def household_from_token(token: str) -> Household | None:
    """The household a scanned code names, or None when the code is forged, malformed or
    revoked (a new code was printed since)."""
    try:
        value = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, nonce = value.partition(".")
    if not pk.isdigit():
        return None
    return (
        Household.objects.select_related("house__building")
        .filter(pk=int(pk), code_nonce=nonce)
        .first()
    )


def household_path(household: Household) -> str:
    return reverse("scan", args=[household_token(household)])


def qr_svg(url: str, scale: int = 3) -> str:
    return str(segno.make(url, error="m").svg_inline(scale=scale, border=2))
