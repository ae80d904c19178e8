"""Creating a row the way every service does: the row and its audit record in one
transaction, and a unique-constraint clash (two people creating the same thing at once)
turned into a message naming the field, with nothing saved."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.functional import Promise

from shequ.core.audit import AuditAction, audit
from shequ.core.errors import ServiceError


def create_audited(
    obj: models.Model,
    *,
    actor: Any,
    changes: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    duplicate: tuple[str, str | Promise],
    then: Callable[[], object] | None = None,
) -> None:
    """Insert ``obj``, run ``then`` (counts, colours) and record the creation. ``changes``
    may be a callable, for changes that need the saved row (its id)."""
    try:
        with transaction.atomic():
            obj.save()
            if then is not None:
                then()
            audit(
                actor=actor,
                action=AuditAction.CREATE,
                obj=obj,
                changes=changes() if callable(changes) else changes,
            )
    except IntegrityError:
        raise ServiceError.single(*duplicate) from None
