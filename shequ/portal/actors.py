"""Who acts when the public does: a resident without an account, an Open311 client. Not a
user: holds no permission anywhere; the audit log and the staff timeline name the door."""

from __future__ import annotations

from typing import Final


class PublicDoor:
    is_authenticated: Final = False
    is_active: Final = True
    pk = None

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicDoor) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def get_username(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


RESIDENT_PORTAL: Final = PublicDoor("portal")


def open311_door(key_name: str) -> PublicDoor:
    return PublicDoor(f"open311:{key_name}"[:150])
