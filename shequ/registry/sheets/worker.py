"""The import's worker process (decision 0032): reads rows (``RowReader``) beside the
importing process.

Started with ``spawn``, not ``fork``: the importing process has threads (a web server's, the
task worker's, a test runner's) and a forked child can deadlock on a lock one of them held
at that moment (Python 3.12 warns). A spawned child is a fresh interpreter, so this module
imports nothing of the project at the top: the child sets Django up first (``start``), takes
the parent's key settings (so what it encrypts and indexes is what the parent would), and
only then builds its reader. It touches no database."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shequ.registry.sheets.checker import Packed, RowReader
    from shequ.registry.sheets.reader import Cell

# The settings a RowReader's work depends on, handed from the parent: the keys (and what the
# demo keys derive from), whatever the child's environment says.
KEY_SETTINGS = ("SECRET_KEY", "SHEQU_DEMO", "SHEQU_FIELD_KEYS", "SHEQU_INDEX_KEY")

_reader: RowReader | None = None  # this worker's


def start(
    settings_module: str,
    key_settings: dict[str, Any],
    columns: dict[str, int],
    today: dt.date,
    language: str,
) -> None:
    """The worker's initializer: Django set up as in the parent, then the reader."""
    global _reader  # noqa: PLW0603 - one per worker process
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django  # noqa: PLC0415
    from django.conf import settings  # noqa: PLC0415

    django.setup()
    for name, value in key_settings.items():
        setattr(settings, name, value)
    from django.utils import translation  # noqa: PLC0415

    from shequ.registry.sheets.checker import RowReader  # noqa: PLC0415
    from shequ.registry.sheets.protect import id_numbers, phones  # noqa: PLC0415

    translation.activate(language)
    _reader = RowReader(columns, today, id_numbers(), phones())


def read_chunk(rows: list[tuple[int, list[Cell]]]) -> list[Packed]:
    assert _reader is not None
    return _reader.read_all(rows)
