"""Re-encrypt personal data with the current field key, after a new key was put first in
SHEQU_FIELD_KEYS (the old one still listed after it, so old tokens still decrypt).

Rotation, step by step (docs/operations.md):

1. generate a key and put ``newid:KEY`` first in SHEQU_FIELD_KEYS, keeping the old entries;
2. restart the app servers and workers, so new writes use the new key;
3. ``manage.py rotate_field_keys`` -- safe to stop and run again: each batch commits on its
   own and only tokens under an old key are rewritten;
4. when it reports 0 re-encrypted, remove the old entries and restart.

Rows are read in primary-key order, 1,000 at a time (keyset, not OFFSET), each batch locked
and rewritten inside one transaction, so a concurrent edit of the same row waits rather than
being overwritten with the old value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from shequ.core import crypto
from shequ.core.actors import SYSTEM
from shequ.core.audit import audit
from shequ.core.models import AuditAction

BATCH_SIZE = 1000


@dataclass
class FieldCounts:
    checked: int = 0  # rows read, empty values included
    rotated: int = 0  # rows rewritten with the current key


def rotate_field(
    model: type[models.Model], field_name: str, *, purpose: str, batch_size: int = BATCH_SIZE
) -> FieldCounts:
    """Re-encrypt ``model.field_name`` wherever it holds a token under an old key."""
    manager = model._base_manager
    counts = FieldCounts()
    last_pk: Any = None
    while True:
        with transaction.atomic():
            rows = manager.order_by("pk").select_for_update()
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch: list[tuple[Any, str | None]] = list(
                rows.values_list("pk", field_name)[:batch_size]
            )
            if not batch:
                return counts
            last_pk = batch[-1][0]
            changed = crypto.rotate_tokens(batch, purpose=purpose)
            if changed:
                manager.bulk_update(
                    [model(pk=pk, **{field_name: token}) for pk, token in changed], [field_name]
                )
        counts.checked += len(batch)
        counts.rotated += len(changed)


class Command(BaseCommand):
    help = (
        "Re-encrypt every registered personal-data field whose values were encrypted with a "
        "key other than the first in SHEQU_FIELD_KEYS. Idempotent: run it again until it "
        "reports 0 re-encrypted, then remove the old keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="rows per transaction"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        fields = crypto.encrypted_fields()
        if not fields:
            self.stdout.write("No encrypted fields are registered: nothing to rotate.")
            return
        try:
            current = crypto.current_key_id()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Current key: {current}")
        total = 0
        for entry in fields:
            name = f"{entry.model_label}.{entry.field_name}"
            try:
                model = apps.get_model(entry.model_label)
            except (LookupError, ValueError):
                raise CommandError(f"{name}: no model {entry.model_label!r}") from None
            try:
                counts = rotate_field(
                    model, entry.field_name, purpose=entry.purpose, batch_size=batch_size
                )
            except crypto.CryptoError as error:
                # Earlier batches stay committed; the run can be repeated once the key is back.
                raise CommandError(f"{name}: {error}") from None
            self.stdout.write(f"{name}: {counts.checked} checked, {counts.rotated} re-encrypted")
            if counts.rotated:
                with transaction.atomic():
                    audit(
                        actor=SYSTEM,
                        action=AuditAction.SECURITY,
                        object_type="core.field_key",
                        object_id=name,
                        object_repr=f"{counts.rotated} values re-encrypted with key {current}",
                        reason="rotate_field_keys",
                    )
            total += counts.rotated
        self.stdout.write(self.style.SUCCESS(f"Done: {total} re-encrypted with key {current}."))
