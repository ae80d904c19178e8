"""Issuing and revoking Open311 keys (administrators, ``case.configure``), and finding the
key a request carries."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.access import ensure_allowed, ensure_has
from shequ.accounts.roles import Perm
from shequ.areas.models import Area, Level
from shequ.cases.models import Channel
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import FieldError, ServiceError
from shequ.open311.models import ApiKey

KEY_PREFIX = "s311_"


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_issue(
    *, actor: Any, name: str, channel: str, area: Area | None = None
) -> tuple[ApiKey, str]:
    """A new key; the clear key is returned this once and never stored."""
    ensure_has(actor, Perm.CASE_CONFIGURE)
    errors: list[FieldError] = []
    name = " ".join((name or "").split())
    if not name:
        errors.append(FieldError("name", _("this field is required")))
    elif len(name) > 60:
        errors.append(FieldError("name", _("at most %(n)d characters") % {"n": 60}))
    if channel not in Channel.values:
        errors.append(FieldError("channel", _("unknown channel")))
    if area is not None:
        if area.level != Level.STREET or not area.is_current:
            errors.append(FieldError("area", _("choose a current street")))
        else:
            try:
                ensure_allowed(actor, Perm.CASE_CONFIGURE, area.area_path)
            except Exception:
                errors.append(FieldError("area", _("this street is outside your areas")))
    if errors:
        raise ServiceError.of(errors)
    raw = KEY_PREFIX + secrets.token_urlsafe(24)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            prefix=raw[:10],
            key_hash=key_hash(raw),
            channel=channel,
            area=area,
            created_by=actor,
        )
        audit(
            actor=actor,
            action=AuditAction.CREATE,
            obj=key,
            changes={"name": name, "channel": channel, "area": area.code if area else ""},
        )
    return key, raw


def api_key_set_active(*, actor: Any, key: ApiKey, active: bool) -> ApiKey:
    ensure_has(actor, Perm.CASE_CONFIGURE)
    with transaction.atomic():
        old = key.is_active
        key.is_active = active
        key.save(update_fields=["is_active"])
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=key,
            changes={"is_active": [old, active]},
        )
    return key


def api_key_find(raw: str) -> ApiKey | None:
    raw = (raw or "").strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = ApiKey.objects.filter(key_hash=key_hash(raw), is_active=True).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
