"""Idempotency keys for the case API (decision 0022).

A client that sends ``Idempotency-Key: <key>`` with an intake or a transition may send the
same request again (a timeout, a retry after a lost answer) and get the first answer back,
with nothing done twice. The same key with a different body is refused with a conflict: the
client has reused a key by mistake, and guessing which request it meant would be wrong.

The key is kept per user and operation (``scope``) together with a hash of the request's
canonical form — the path (so the same key on another case or another action is another
body), the fields, and each uploaded file by its SHA-256 — and the case it produced.
Only a request that succeeded leaves a key: a refused request did nothing, so trying it
again with the same key runs it again.

Two requests with the same key at the same moment: both run in one transaction each with the
key row written last; the unique constraint lets one commit, the other's transaction is
rolled back whole (its case included) and it answers with the winner's result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.cases.models import Case, IdempotencyKey
from shequ.core.errors import ConflictError, ServiceError

HEADER = "Idempotency-Key"
KEY_MAX = 100
# Keys are kept this long; `manage.py prune_idempotency_keys` removes older ones.
KEEP_HOURS = 24

SCOPE_CREATE = "case.create"
SCOPE_ACT = "case.act"


def _file_digest(upload: Any) -> str:
    digest = hashlib.sha256()
    if hasattr(upload, "chunks"):
        for chunk in upload.chunks():
            digest.update(chunk)
    else:  # pragma: no cover - Django's uploads always have chunks()
        digest.update(upload.read())
    if hasattr(upload, "seek"):
        upload.seek(0)
    return digest.hexdigest()


def _plain(data: Any) -> Any:
    """The fields as plain JSON values: a form's repeated fields as lists, single ones as
    their value (a QueryDict's ``dict()`` would keep only the last)."""
    if hasattr(data, "lists"):
        return {key: values[0] if len(values) == 1 else values for key, values in data.lists()}
    return data


def body_hash(path: str, data: Any, files: Mapping[str, Any] | None = None) -> str:
    """SHA-256 of the request's canonical form: keys sorted, no whitespace, files by hash."""
    canonical: dict[str, Any] = {"path": path, "data": _plain(data)}
    if files:
        getlist = getattr(files, "getlist", None)
        canonical["files"] = {
            name: sorted(_file_digest(f) for f in (getlist(name) if getlist else [files[name]]))
            for name in sorted(files)
        }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def clean_key(raw: str | None) -> str | None:
    """The key from the header, or None when none was sent; a malformed key is refused."""
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > KEY_MAX or not key.isascii() or not key.isprintable():
        raise ServiceError.single(
            HEADER,
            _("an idempotency key is 1 to %(n)d printable ASCII characters") % {"n": KEY_MAX},
        )
    return key


@dataclass(frozen=True)
class Outcome:
    case: Case
    status: int
    replayed: bool


def _replay(found: tuple[str, int, int], digest: str) -> Outcome:
    body_hash, case_id, status = found
    if body_hash != digest:
        raise ConflictError.single(
            HEADER,
            _(
                "this idempotency key was already used for a different request; "
                "use a new key for a new request"
            ),
        )
    return Outcome(Case.objects.get(pk=case_id), status, replayed=True)


def _find(actor: Any, scope: str, key: str) -> tuple[str, int, int] | None:
    """(body hash, case id, status) of the key, read without the case: most keys are new."""
    return (
        IdempotencyKey.objects.filter(actor=actor, scope=scope, key=key)
        .values_list("body_hash", "case_id", "status")
        .first()
    )


def run_once(
    *,
    actor: Any,
    scope: str,
    key: str | None,
    digest: str,
    work: Callable[[], tuple[Case, int]],
    lock: Callable[[], object] | None = None,
) -> Outcome:
    """Run ``work`` (which returns the case and the HTTP status to answer) at most once per
    (actor, scope, key, body). Without a key it simply runs.

    ``lock`` is called first inside the transaction (a transition locks its case row), so a
    second request with the same key waits for the first and then finds its key."""
    if key is None:
        case, status = work()
        return Outcome(case, status, replayed=False)
    found = _find(actor, scope, key)
    if found is not None:
        return _replay(found, digest)
    try:
        with transaction.atomic():
            if lock is not None:
                lock()
                found = _find(actor, scope, key)
                if found is not None:
                    return _replay(found, digest)
            case, status = work()
            IdempotencyKey.objects.create(
                actor=actor, scope=scope, key=key, body_hash=digest, case=case, status=status
            )
    except IntegrityError:
        # The same key won meanwhile in another request: everything this one did is rolled
        # back, and it answers as the winner did (or refuses a different body).
        found = _find(actor, scope, key)
        if found is None:  # pragma: no cover - the clash was not on the key
            raise
        return _replay(found, digest)
    return Outcome(case, status, replayed=False)


def prune_keys(*, older_than: dt.timedelta = dt.timedelta(hours=KEEP_HOURS)) -> int:
    """Delete keys older than ``older_than``; returns how many."""
    cutoff = timezone.now() - older_than
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
