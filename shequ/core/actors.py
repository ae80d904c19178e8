"""Who acts when no person does: management commands, the worker, the demo generator."""

from __future__ import annotations

from typing import Any, Final


class _System:
    """The actor of commands run by an operator on the server. Passes every permission
    check; recorded in the audit log as "system"."""

    is_authenticated: Final = False
    is_active: Final = True
    pk = None

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = _System()


def is_system(actor: Any) -> bool:
    return actor is SYSTEM
