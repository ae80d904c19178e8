"""Writing the audit log. Services call these inside their own transaction, so a change and
its record commit or roll back together."""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models

from shequ.core.masking import mask_text
from shequ.core.models import AuditAction, AuditRecord

# The client address of the request being served, set by IdleTimeoutMiddleware.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("shequ_ip", default=None)

Masker = Callable[[Any], str]


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time | uuid.UUID | decimal.Decimal):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    personal: Mapping[str, Masker] | None = None,
) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field that changed; personal fields are masked with
    the masker given for them, so the log never holds the clear value."""
    personal = personal or {}
    changes: dict[str, list[Any]] = {}
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        masker = personal.get(name)
        if masker is not None:
            before = masker(before) if before not in (None, "") else before
            after = masker(after) if after not in (None, "") else after
        changes[name] = [_plain(before), _plain(after)]
    return changes


def audit(
    *,
    actor: Any,
    action: AuditAction | str,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    area_path: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> AuditRecord:
    user = actor if getattr(actor, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)
        area_path = area_path if area_path is not None else getattr(obj, "area_path", "")
    return AuditRecord.objects.create(
        actor=user,
        actor_name=(user.get_username() if user else str(actor or ""))[:150],
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=(object_repr or "")[:200],
        area_path=area_path or "",
        changes=dict(changes or {}),
        reason=reason[:500],
        ip=current_ip.get(),
    )


__all__ = ["AuditAction", "audit", "diff", "mask_text", "snapshot"]
