"""Errors that services raise and every interface turns into a message naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str | Promise
    # Where in a multi-record input (a GeoJSON feature, a spreadsheet row) the error is.
    location: str = ""
    # A page that helps, e.g. the existing record a duplicate collides with.
    link: str = ""

    def as_dict(self) -> dict[str, str]:
        data = {"field": self.field, "message": str(self.message)}
        if self.location:
            data["location"] = self.location
        if self.link:
            data["link"] = self.link
        return data


@dataclass
class ServiceError(Exception):
    """A request a service refuses. Nothing has been written when it is raised."""

    errors: list[FieldError] = field(default_factory=list)

    @classmethod
    def single(cls, field_name: str, message: str | Promise, location: str = "") -> ServiceError:
        return cls([FieldError(field_name, message, location)])

    @classmethod
    def of(cls, errors: Iterable[FieldError]) -> ServiceError:
        return cls(list(errors))

    def __str__(self) -> str:
        return "; ".join(
            f"{e.location + ' ' if e.location else ''}{e.field}: {e.message}" for e in self.errors
        )


class ConflictError(ServiceError):
    """The object changed under the caller (a concurrent action won, a key was reused)."""


class NotAllowed(Exception):  # noqa: N818 - reads as a verdict, like Django's PermissionDenied
    """The actor may not do this here. Views answer 404 for objects (same as missing) and
    403 for pages."""
