"""Plain inserts of many rows: tuples in, no model instances.

For writers of hundreds of thousands of rows in one transaction (the register import, the
demo's register): building a model instance for each row and compiling ``bulk_create``'s SQL
costs more than the database's own work. ``Table.insert`` takes tuples, one value per named
field, and writes them with COPY on PostgreSQL, with batches of one prepared INSERT on SQLite.

Primary keys are taken beforehand (``take_ids``: the sequence on PostgreSQL; on SQLite the
table's high-water mark, safe because the writer's transaction holds the write lock), so a
row can point at rows of the same batch, and at rows inserted later in the transaction: the
foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY DEFERRED).

Every column the insert does not name gets what Django would give it: ``auto_now`` and
``auto_now_add`` timestamps the same "now", other fields their default, so a field added to
a model later with a default needs no change in the writers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection, models

BATCH: int = 2000  # rows per INSERT statement on SQLite


class Table:
    """Inserts into ``model``'s table: one value per field of ``names``, in that order (a
    foreign key by its name, the value its primary key)."""

    def __init__(self, model: type[models.Model], names: Sequence[str], now: dt.datetime) -> None:
        meta = cast(Any, model._meta)
        self.model = model
        self.name: str = meta.db_table
        fields = [meta.get_field(n) for n in names]
        given = {f.name for f in fields}
        extra: list[tuple[str, Any]] = []
        # Fields whose default is a function (a random code) get a fresh value on every row.
        self.fresh: list[tuple[int, Any]] = []
        for f in meta.concrete_fields:
            if f.name in given or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value: Any = now
            else:
                value = f.get_default()  # "" for a text field without a default
                if value is None and not f.null:
                    msg = f"{meta.label}.{f.name} needs a value"
                    raise ValueError(msg)
                if f.has_default() and callable(f.default):
                    self.fresh.append((len(extra), f))
            extra.append(
                (f.column, None if value is None else f.get_db_prep_save(value, connection))
            )
        self.columns: list[str] = [f.column for f in fields] + [c for c, _value in extra]
        self.tail = tuple(value for _column, value in extra)
        # values the driver would not store as Django does (decimals, dates, times)
        self.adapt = [
            (i, f)
            for i, f in enumerate(fields)
            if isinstance(f, models.DecimalField | models.DateField | models.DateTimeField)
        ]

    def _tail(self) -> tuple[Any, ...]:
        if not self.fresh:
            return self.tail
        tail = list(self.tail)
        for i, f in self.fresh:
            tail[i] = f.get_db_prep_save(f.get_default(), connection)
        return tuple(tail)

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert ``rows``; the number inserted. COPY on PostgreSQL (psycopg adapts dates and
        decimals itself), batches of one prepared INSERT on SQLite."""
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        count = 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw: Any = cursor.cursor  # psycopg's own cursor
                with raw.copy(f"COPY {quote(self.name)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + self._tail())
                        count += 1
            return count
        marks = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {quote(self.name)} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted names
        batch: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for row in rows:
                if self.adapt:
                    values = list(row)
                    for i, f in self.adapt:
                        if values[i] is not None:
                            values[i] = f.get_db_prep_save(values[i], connection)
                    row = tuple(values)  # noqa: PLW2901
                batch.append(row + self._tail())
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def take_ids(model: type[models.Model], n: int, *, above: int = 0) -> list[int]:
    """``n`` primary keys for rows about to be inserted in this transaction. ``above``: the
    highest key taken before in this transaction for rows not inserted yet (on SQLite the
    keys come from what the table holds, which does not know of those)."""
    if n == 0:
        return []
    table = cast(Any, model._meta).db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # The transaction holds SQLite's write lock, so nobody else takes these; starting
            # above the AUTOINCREMENT high-water mark never reuses a deleted row's key.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - quoted name
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            start = max(top, seq[0] if seq else 0, above) + 1
            return list(range(start, start + n))
    msg = f"taking primary keys is not implemented for {connection.vendor}"
    raise NotImplementedError(msg)
