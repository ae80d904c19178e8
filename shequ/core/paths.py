"""Materialized area paths and the field that stores them.

A path is the chain of area codes from the root, each followed by a slash:
``/530100/530114/530114001/``. Everything that belongs to an area stores that area's path,
and "inside area A" is the indexed range ``A.path <= path < upper(A.path)``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q

SEPARATOR = "/"
# The character after "/" in code-point order: the exclusive upper bound of a subtree.
_AFTER_SEPARATOR = chr(ord(SEPARATOR) + 1)


def child_path(parent_path: str, code: str) -> str:
    return f"{parent_path or SEPARATOR}{code}{SEPARATOR}"


def subtree_upper(path: str) -> str:
    if not path.endswith(SEPARATOR):
        msg = f"not an area path: {path!r}"
        raise ValueError(msg)
    return path[:-1] + _AFTER_SEPARATOR


def within(field: str, paths: list[str] | tuple[str, ...] | frozenset[str]) -> Q:
    """Rows whose ``field`` lies inside any of ``paths``. No paths: no rows (fail closed)."""
    condition = Q(pk__in=[])
    for path in _outermost(paths):
        condition |= Q(**{f"{field}__gte": path, f"{field}__lt": subtree_upper(path)})
    return condition


def is_within(path: str, ancestor: str) -> bool:
    return path.startswith(ancestor)


def ancestors(path: str) -> list[str]:
    """The paths of every area above and including ``path``, root first."""
    codes = [c for c in path.split(SEPARATOR) if c]
    return [SEPARATOR + SEPARATOR.join(codes[: i + 1]) + SEPARATOR for i in range(len(codes))]


def _outermost(paths: list[str] | tuple[str, ...] | frozenset[str]) -> list[str]:
    ordered = sorted(set(paths))
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


class AreaPathField(models.CharField[str, str]):
    """A path compared byte by byte: PostgreSQL's default collations ignore punctuation,
    which would break the range comparison, so the column uses the "C" collation there."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        # db_index defaults to True here, not to Field's False, which Field leaves out: say
        # False when it is, or the migrations rebuild the field with an index the model does
        # not want.
        name, path, args, kwargs = super().deconstruct()
        kwargs.setdefault("db_index", False)
        return name, path, args, kwargs

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
