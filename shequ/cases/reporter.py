"""The reporter of a case: personal data, protected as in the register (encrypted, found by a
blind index, shown masked, revealed with a reason and audited). A confidential reporter is
hidden from everyone who handles the case; only those who keep the case's area see even the
mask."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from shequ.accounts.access import ensure_allowed
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.core.actors import is_system
from shequ.core.audit import AuditAction, audit
from shequ.core.crypto import decrypt, encrypt
from shequ.core.errors import NotAllowed, ServiceError
from shequ.registry.personal import MIN_REASON, Protected, protect_phone

if TYPE_CHECKING:
    from shequ.cases.models import Case

NAME = "case.reporter_name"
PHONE = "case.reporter_phone"

ENCRYPTED_FIELDS = (
    ("cases.case", "reporter_name_enc", NAME),
    ("cases.case", "reporter_phone_enc", PHONE),
)


def mask_name(name: str) -> str:
    """张** : the family name and one star per other character."""
    name = "".join(name.split())
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def protect_name(name: str) -> Protected:
    name = " ".join(name.split())
    if not name:
        return Protected.empty()
    return Protected(encrypt(name, purpose=NAME), "", mask_name(name))


def protect_reporter_phone(phone: str) -> Protected:
    return protect_phone(phone, purpose=PHONE)


def may_see_reporter(user: Any, case: Case) -> bool:
    """Those who keep the case's area (community, grid chief, street) see the masked
    reporter; departments and grid workers see it only when the case is not confidential."""
    scope = scope_of(user)
    if scope.allows(Perm.CASE_MANAGE, case.area_path) or scope.allows(
        Perm.CASE_DISPATCH, case.area_path
    ):
        return True
    return not case.confidential


REVEALABLE = {"reporter_name": NAME, "reporter_phone": PHONE}


def reveal_reporter(*, actor: Any, case: Case, field: str, reason: str) -> str:
    """The clear name or phone of the reporter, for a follow-up call: needs the reveal
    permission in the case's area and a reason, and is audited."""
    ensure_allowed(actor, Perm.PERSONAL_REVEAL, case.area_path)
    if not is_system(actor) and not may_see_reporter(actor, case):
        # A grid worker may reveal the register's data, but not a confidential reporter.
        raise NotAllowed(Perm.PERSONAL_REVEAL)
    purpose = REVEALABLE.get(field)
    if purpose is None:
        raise ServiceError.single("field", _("cannot be revealed"))
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON:
        raise ServiceError.single(
            "reason",
            _("say why you need the full value (at least %(n)d characters)") % {"n": MIN_REASON},
        )
    token = getattr(case, f"{field}_enc")
    if not token:
        return ""
    value = decrypt(token, purpose=purpose)
    audit(
        actor=actor,
        action=AuditAction.READ,
        obj=case,
        reason=reason[:500],
        changes={"revealed": field},
    )
    return value
