"""TOTP second factor: who must pass it, enrolment and verification."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.accounts.scope import scope_of


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def second_factor_required(user: Any) -> bool:
    required = set(settings.SHEQU_OTP_REQUIRED_ROLES)
    return any(role.value in required for role in scope_of(user).roles)


def needs_second_factor(user: Any) -> bool:
    """Required by role, or chosen by the user (any staff member may enrol)."""
    return second_factor_required(user) or confirmed_device(user) is not None


def pending_device(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    return device


def provisioning_svg(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2))
