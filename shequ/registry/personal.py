"""ID numbers and phones: stored encrypted, found by a keyed blind index, shown masked, and
revealed in full only with the permission and a reason, which the audit log keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from shequ.accounts.access import ensure_allowed
from shequ.accounts.roles import Perm
from shequ.core.audit import AuditAction, audit
from shequ.core.crypto import blind_index, decrypt, encrypt
from shequ.core.errors import ServiceError
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.validators import normalise_id_number, normalise_phone

ID_NUMBER = "resident.id_number"
PHONE = "resident.phone"
UNIT_PHONE = "unit.phone"

# (model field prefix, purpose) for each encrypted field, for key rotation.
ENCRYPTED_FIELDS = (
    ("registry.resident", "id_number_enc", ID_NUMBER),
    ("registry.resident", "phone_enc", PHONE),
    ("registry.unit", "phone_enc", UNIT_PHONE),
)


@dataclass(frozen=True)
class Protected:
    enc: str
    bidx: str
    mask: str

    @classmethod
    def empty(cls) -> Protected:
        return cls("", "", "")


def protect_id_number(value: str) -> Protected:
    clean = normalise_id_number(value)
    if not clean:
        return Protected.empty()
    return Protected(
        encrypt(clean, purpose=ID_NUMBER),
        blind_index(clean, purpose=ID_NUMBER),
        mask_id_number(clean),
    )


def protect_phone(value: str, purpose: str = PHONE) -> Protected:
    clean = normalise_phone(value)
    if not clean:
        return Protected.empty()
    return Protected(
        encrypt(clean, purpose=purpose), blind_index(clean, purpose=purpose), mask_phone(clean)
    )


def id_number_index(value: str) -> str:
    return blind_index(normalise_id_number(value), purpose=ID_NUMBER)


def phone_index(value: str, purpose: str = PHONE) -> str:
    return blind_index(normalise_phone(value), purpose=purpose)


REVEALABLE = {"id_number": ID_NUMBER, "phone": PHONE}
MIN_REASON = 4


def reveal(*, actor: Any, obj: Any, field: str, reason: str) -> str:
    """The clear value of ``obj.<field>``, for an actor who may reveal it there and says why.
    Every reveal is an audit record with the reason."""
    ensure_allowed(actor, Perm.PERSONAL_REVEAL, obj.area_path)
    purpose = REVEALABLE.get(field)
    if purpose is None:
        raise ServiceError.single("field", _("cannot be revealed"))
    if obj._meta.model_name == "unit" and field == "phone":
        purpose = UNIT_PHONE
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON:
        raise ServiceError.single(
            "reason",
            _("say why you need the full value (at least %(n)d characters)") % {"n": MIN_REASON},
        )
    token = getattr(obj, f"{field}_enc")
    if not token:
        return ""
    value = decrypt(token, purpose=purpose)
    audit(
        actor=actor,
        action=AuditAction.READ,
        obj=obj,
        reason=reason[:500],
        changes={"revealed": field},
    )
    return value
