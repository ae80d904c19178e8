"""Small tables read on every request of a kind, kept in the process for a while.

A ``Memo`` holds what its loader read (the holiday calendar, the deadline policies, the
active webhooks) for ``ttl`` seconds. A save or delete of one of its models in this process
drops it at once; until that transaction ends, the thread that made the change reads the
table afresh each time and keeps nothing (only it can see the uncommitted rows), and the
memo is dropped again when it commits — or, if it rolled back, at that thread's next read.
Other processes see the change when their copy expires. Decision 0036 says which tables,
for how long, and why not a shared cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save


class Memo[T]:
    def __init__(
        self, load: Callable[[], T], *, ttl: float, models: tuple[type[models.Model], ...]
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._state: tuple[T | None, float] = (None, 0.0)  # (value, expires at); swapped whole
        self._changing = threading.local()  # .active: this thread changed the table
        for model in models:
            post_save.connect(self.changed, sender=model, weak=False)
            post_delete.connect(self.changed, sender=model, weak=False)
        _ALL.append(self)

    def get(self) -> T:
        if getattr(self._changing, "active", False):
            if connection.in_atomic_block:
                return self._load()  # this thread's uncommitted change: read, keep nothing
            self._changing.active = False  # its transaction ended (committed or not)
            self.clear()
        value, expires = self._state
        now = time.monotonic()
        if now >= expires:
            value = self._load()
            self._state = (value, now + self._ttl)
        return cast(T, value)

    def clear(self) -> None:
        self._state = (None, 0.0)

    def changed(self, **kwargs: Any) -> None:
        """The table changed in this thread (a signal, or a caller after ``update()``)."""
        self.clear()
        if connection.in_atomic_block:
            self._changing.active = True
            transaction.on_commit(self._committed)

    def _committed(self) -> None:
        self._changing.active = False
        self.clear()


_ALL: list[Memo[Any]] = []


def clear_all() -> None:
    """Forget every memo (tests: each test has its own database state)."""
    for memo in _ALL:
        memo.clear()
        memo._changing.active = False
