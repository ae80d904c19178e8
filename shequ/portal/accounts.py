"""Residents' optional accounts: a mobile phone number and a password (there is no SMS
gateway, so no codes). The phone is personal data: encrypted, found by its blind index,
shown masked; the account's username is random so the phone is nowhere in clear."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import FieldError, ServiceError
from shequ.core.validators import check_phone
from shequ.portal.models import ResidentAccount
from shequ.registry.personal import phone_index, protect_phone

PHONE = "portal.phone"
ENCRYPTED_FIELDS = (("portal.residentaccount", "phone_enc", PHONE),)


def _mobile(phone: str) -> tuple[str, list[FieldError]]:
    checked = check_phone(phone or "")
    if not checked.ok:
        return "", [FieldError("phone", str(e)) for e in checked.errors]
    if not (checked.value.isdigit() and len(checked.value) == 11):
        return "", [FieldError("phone", _("enter an 11-digit mobile number"))]
    return checked.value, []


def resident_account_create(*, phone: str, password: str) -> User:
    """A new resident account. Holds no role and no membership: a resident needs none to
    report, follow and rate their own cases."""
    mobile, errors = _mobile(phone)
    user = User(username=f"r-{secrets.token_hex(8)}", full_name="")
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        errors += [FieldError("password", message) for message in exc.messages]
    if mobile and ResidentAccount.objects.filter(phone_bidx=phone_index(mobile, PHONE)).exists():
        errors.append(FieldError("phone", _("this number already has an account: log in")))
    if errors:
        raise ServiceError.of(errors)
    protected = protect_phone(mobile, purpose=PHONE)
    try:
        with transaction.atomic():
            user.set_password(password)
            user.save()
            ResidentAccount.objects.create(
                user=user,
                phone_enc=protected.enc,
                phone_bidx=protected.bidx,
                phone_mask=protected.mask,
            )
            audit(
                actor=user,
                action=AuditAction.CREATE,
                obj=user,
                changes={"resident_account": protected.mask},
            )
    except IntegrityError:
        raise ServiceError.single(
            "phone", _("this number already has an account: log in")
        ) from None
    return user


def resident_authenticate(request: HttpRequest, *, phone: str, password: str) -> Any:
    """The resident's user when phone and password match, else None. Goes through Django's
    authentication (so the lockout after repeated failures applies to residents too)."""
    mobile, errors = _mobile(phone)
    account = (
        ResidentAccount.objects.select_related("user")
        .filter(phone_bidx=phone_index(mobile, PHONE))
        .first()
        if not errors
        else None
    )
    if account is None:
        make_password(password)  # the same time as a real check: no hint the number is unknown
        return None
    return authenticate(request, username=account.user.username, password=password)


def is_resident(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and hasattr(user, "resident_account")
