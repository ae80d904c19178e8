"""Outgoing webhooks: a hotline system is told when its cases change state.

- ``on_event`` (from ``hooks.after_event``, inside the transition's transaction) writes one
  delivery row per (webhook, event) with the body fixed there and then;
- ``deliver_due`` (the ``deliver_webhooks`` task after each commit, and every sweep pass)
  sends the rows that are due.

Each attempt is claimed with a conditional update that takes the attempt number and moves
``next_attempt_at`` to the retry time *before* the request goes out, and the claim is
committed before the network call (no transaction is held open across it). So two workers
never send the same attempt, and a worker killed during the request leaves a row that is due
again at its retry time. A receiver may therefore see a delivery twice (a request that
arrived but whose answer was lost): ``X-Shequ-Delivery`` is the same on every attempt so
that it can drop the repeat. The body is signed: ``X-Shequ-Signature: sha256=<hex HMAC-SHA256
of the body with the webhook's secret>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.cases.models import Case, CaseEvent, Channel
from shequ.cases.models_notify import DeliveryState, Webhook, WebhookDelivery
from shequ.core.audit import AuditAction, audit
from shequ.core.crypto import decrypt, encrypt
from shequ.core.errors import FieldError, ServiceError
from shequ.core.memo import Memo

log = logging.getLogger(__name__)

SECRET_PURPOSE = "cases.webhook.secret"  # noqa: S105 - a label, not a secret
ERROR_MAX = 300
# Deliveries sent per call of deliver_due; the next call (or pass) sends the rest.
BATCH = 200


def retry_delays() -> list[dt.timedelta]:
    return [dt.timedelta(minutes=m) for m in settings.SHEQU_WEBHOOK_RETRY_MINUTES]


def max_attempts() -> int:
    """The first attempt and one per retry delay."""
    return len(retry_delays()) + 1


# --- administration -----------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    webhook: Webhook
    secret: str  # shown once, never again


def webhook_create(*, actor: Any, name: str, url: str, channel: str = "") -> Created:
    errors: list[FieldError] = []
    name = " ".join((name or "").split())
    url = (url or "").strip()
    if not name:
        errors.append(FieldError("name", _("this field is required")))
    elif len(name) > 60:
        errors.append(FieldError("name", _("at most %(n)d characters") % {"n": 60}))
    if not url.lower().startswith(("http://", "https://")) or len(url) > 500:
        errors.append(FieldError("url", _("give an http:// or https:// address")))
    if channel and channel not in Channel.values:
        errors.append(FieldError("channel", _("unknown channel")))
    if errors:
        raise ServiceError.of(errors)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        webhook = Webhook.objects.create(
            name=name,
            url=url,
            channel=channel,
            secret_enc=encrypt(secret, purpose=SECRET_PURPOSE),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit(
            actor=actor,
            action=AuditAction.CREATE,
            obj=webhook,
            changes={"name": name, "url": url, "channel": channel, "secret": "***"},
        )
    return Created(webhook, secret)


def webhook_deactivate(*, actor: Any, webhook: Webhook) -> Webhook:
    """Stop sending to a webhook; what is still waiting is not sent either."""
    with transaction.atomic():
        changed = Webhook.objects.filter(pk=webhook.pk, is_active=True).update(is_active=False)
        _active.changed()
        if changed:
            WebhookDelivery.objects.filter(webhook=webhook, state=DeliveryState.PENDING).update(
                state=DeliveryState.FAILED,
                next_attempt_at=None,
                last_error=_("the webhook was deactivated")[:ERROR_MAX],
            )
            audit(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=webhook,
                changes={"is_active": [True, False]},
            )
    webhook.refresh_from_db()
    return webhook


# --- what is sent -------------------------------------------------------------------------


def wants(event: CaseEvent) -> bool:
    """Status changes and what the reporter sees (acceptance, check-in, feedback, closing);
    internal notes, the sweep's marks and the street's supervision stay inside."""
    return event.public or event.from_state != event.to_state


def payload(case: Case, event: CaseEvent) -> dict[str, Any]:
    return {
        "case": case.number,
        "external_ref": case.external_ref,
        "channel": case.channel,
        "state": case.state,
        "action": event.action,
        "at": timezone.localtime(event.at).isoformat(),
        "note": event.note if event.public else "",
    }


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed): the same on every attempt."""
    return json.dumps(
        delivery.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


# The active webhooks' (id, channel), kept in the process for 30 s (decision 0036): every
# event of every case asks. A webhook made or switched off elsewhere is seen within that time
# (a delivery made for a webhook switched off meanwhile is never sent: see ``claim``).
_active: Memo[list[tuple[int, str]]] = Memo(
    lambda: list(Webhook.objects.filter(is_active=True).values_list("pk", "channel")),
    ttl=30,
    models=(Webhook,),
)


def on_event(case: Case, event: CaseEvent) -> None:
    """One delivery row per active webhook that wants this case (inside the transition)."""
    if not wants(event):
        return
    hooks = [pk for pk, channel in _active.get() if channel in ("", case.channel)]
    if not hooks:
        return
    now = timezone.now()
    body = payload(case, event)
    rows = [
        WebhookDelivery(webhook_id=pk, case=case, event=event, payload=body, next_attempt_at=now)
        for pk in hooks
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    from shequ.cases.tasks import deliver_webhooks  # noqa: PLC0415 - tasks import us

    deliver_webhooks.enqueue()


# --- sending ------------------------------------------------------------------------------


def claim(delivery_id: int, attempts: int, now: dt.datetime) -> bool:
    """Take attempt ``attempts + 1`` of a due delivery; exactly one caller gets it. The retry
    time is set now, so a worker that dies mid-request leaves the row due again then."""
    delays = retry_delays()
    lease = delays[min(attempts, len(delays) - 1)] if delays else dt.timedelta(minutes=10)
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            state=DeliveryState.PENDING,
            attempts=attempts,
            next_attempt_at__lte=now,
            webhook__is_active=True,
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + lease)
    )


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer like any other non-2xx: not delivered


_opener = urllib.request.build_opener(_NoRedirect)


def send(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - http(s) checked at creation
    try:
        with _opener.open(request, timeout=settings.SHEQU_WEBHOOK_TIMEOUT) as response:
            return Outcome(response.status, "")
    except urllib.error.HTTPError as exc:
        return Outcome(exc.code, f"HTTP {exc.code} {exc.reason}"[:ERROR_MAX])
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(None, str(reason)[:ERROR_MAX] or exc.__class__.__name__)


def attempt(delivery: WebhookDelivery) -> Outcome:
    """Send one claimed attempt and record what came back."""
    webhook = delivery.webhook
    body = body_of(delivery)
    secret = decrypt(webhook.secret_enc, purpose=SECRET_PURPOSE)
    outcome = send(
        webhook.url,
        body,
        {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Shequ-Webhook/1",
            "X-Shequ-Delivery": str(delivery.pk),
            "X-Shequ-Event": delivery.payload.get("action", ""),
            "X-Shequ-Signature": signature(secret, body),
        },
    )
    _record(delivery, outcome)
    if not outcome.ok:
        log.warning(
            "webhook %s delivery %s attempt %s failed: %s",
            webhook.pk,
            delivery.pk,
            delivery.attempts,
            outcome.error or outcome.status,
        )
    return outcome


def _record(delivery: WebhookDelivery, outcome: Outcome) -> None:
    now = timezone.now()
    values: dict[str, Any] = {"last_status": outcome.status, "last_error": outcome.error}
    if outcome.ok:
        values |= {"state": DeliveryState.DELIVERED, "delivered_at": now, "next_attempt_at": None}
    elif delivery.attempts >= max_attempts():
        values |= {"state": DeliveryState.FAILED, "next_attempt_at": None}
    # Only the attempt we claimed may record its outcome.
    WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, state=DeliveryState.PENDING
    ).update(**values)


def deliver_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send every delivery that is due now, each attempt claimed first."""
    now = now or timezone.now()
    counts = {"delivered": 0, "failed": 0, "retrying": 0}
    # Rows that used up their attempts while their last claim was in flight.
    WebhookDelivery.objects.filter(
        state=DeliveryState.PENDING, attempts__gte=max_attempts(), next_attempt_at__lte=now
    ).update(state=DeliveryState.FAILED, next_attempt_at=None)
    due = list(
        WebhookDelivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now, webhook__is_active=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", "attempts")[:BATCH]
    )
    for pk, attempts in due:
        if not claim(pk, attempts, now):
            continue  # another worker took this attempt
        delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
        try:
            outcome = attempt(delivery)
        except Exception as exc:
            # A secret that no longer decrypts (a key removed too early), say: recorded on
            # the row, retried at its time, and the other deliveries go on.
            log.exception("webhook delivery %s could not be attempted", pk)
            outcome = Outcome(None, f"{exc.__class__.__name__}: {exc}"[:ERROR_MAX])
            _record(delivery, outcome)
        if outcome.ok:
            counts["delivered"] += 1
        elif delivery.attempts >= max_attempts():
            counts["failed"] += 1
        else:
            counts["retrying"] += 1
    return counts
