"""How personal data looks on screen and in the audit log when it is not revealed."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    digits = value.strip()
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_id_number(value: str) -> str:
    text = value.strip()
    if len(text) == 18:
        return f"{text[:6]}********{text[-4:]}"
    if len(text) > 4:
        return "*" * (len(text) - 4) + text[-4:]
    return "*" * len(text)


def mask_text(value: object) -> str:
    """Anything else personal: keep only whether it was empty."""
    return "" if value in (None, "") else "***"
