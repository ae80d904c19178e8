"""Outgoing webhooks against a real HTTP server on 127.0.0.1: signed bodies, retries with
backoff after a 500, no duplicate delivery, one claim per attempt."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from shequ.cases import webhooks
from shequ.cases.models import Case
from shequ.cases.models_notify import DeliveryState, Webhook, WebhookDelivery
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.errors import ServiceError


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers.items()), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


def act(case: Case, actor: Any, action: str, **fields: Any) -> Case:
    return case_act(actor=actor, case=case, action=action, **fields)


def test_signed_delivery_of_a_status_change(world: CaseWorld, receiver: Receiver) -> None:
    p = world.personas
    created = webhooks.webhook_create(actor=p.administrator, name="12345热线", url=receiver.url)
    assert created.secret not in created.webhook.secret_enc  # stored encrypted
    case = new_case(world, channel="hotline_12345", external_ref="GD-0001")
    case = act(case, p.community_staff, "accept", note="已受理")
    act(case, p.community_staff, "take")
    act(case, p.grid_worker, "handle", note="内部：已联系物业")  # internal: not sent
    assert WebhookDelivery.objects.count() == 3  # register, accept, take

    assert webhooks.deliver_due() == {"delivered": 3, "failed": 0, "retrying": 0}
    assert len(receiver.received) == 3
    headers, body = receiver.received[1]
    expected = hmac.new(created.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Shequ-Signature"] == f"sha256={expected}"
    sent = json.loads(body)
    assert sent == {
        "case": case.number,
        "external_ref": "GD-0001",
        "channel": "hotline_12345",
        "state": "accepted",
        "action": "accept",
        "at": sent["at"],
        "note": "已受理",
    }
    delivery = WebhookDelivery.objects.get(event__action="accept")
    assert headers["X-Shequ-Delivery"] == str(delivery.pk)
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.last_status == 200
    # Delivered rows are not sent again.
    assert webhooks.deliver_due() == {"delivered": 0, "failed": 0, "retrying": 0}
    assert len(receiver.received) == 3


def test_a_500_is_retried_after_the_backoff(world: CaseWorld, receiver: Receiver) -> None:
    p = world.personas
    created = webhooks.webhook_create(actor=p.administrator, name="热线", url=receiver.url)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        new_case(world)
        receiver.statuses = [500]
        assert webhooks.deliver_due()["retrying"] == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.attempts == 1
        assert delivery.last_status == 500
        assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)
        assert webhooks.deliver_due()["retrying"] == 0  # not due yet
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert webhooks.deliver_due()["delivered"] == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.state == DeliveryState.DELIVERED
    first, second = receiver.received
    assert first[1] == second[1]  # the same bytes,
    assert first[0]["X-Shequ-Delivery"] == second[0]["X-Shequ-Delivery"]  # the same id
    assert second[0]["X-Shequ-Signature"] == webhooks.signature(created.secret, second[1])


def test_gives_up_after_the_last_retry(world: CaseWorld, receiver: Receiver) -> None:
    webhooks.webhook_create(actor=world.personas.administrator, name="热线", url=receiver.url)
    receiver.statuses = [503] * 10
    new_case(world)
    moment = timezone.now()
    for _ in range(webhooks.max_attempts()):
        with time_machine.travel(moment, tick=False):
            webhooks.deliver_due()
        moment += dt.timedelta(hours=13)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == webhooks.max_attempts() == 6
    with time_machine.travel(moment + dt.timedelta(days=1), tick=False):
        webhooks.deliver_due()
    assert len(receiver.received) == 6


def test_an_unreachable_receiver_is_an_error_not_a_crash(world: CaseWorld) -> None:
    webhooks.webhook_create(
        actor=world.personas.administrator, name="关闭的", url="http://127.0.0.1:9/closed"
    )
    new_case(world)
    assert webhooks.deliver_due()["retrying"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status is None
    assert delivery.last_error


def test_each_attempt_is_claimed_once(world: CaseWorld) -> None:
    webhooks.webhook_create(
        actor=world.personas.administrator, name="热线", url="http://x.invalid/"
    )
    new_case(world)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    assert webhooks.claim(delivery.pk, 0, now) is True
    assert webhooks.claim(delivery.pk, 0, now) is False  # a second worker, same attempt
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.next_attempt_at > now  # a worker killed now leaves it due later


def test_channel_filter_and_deactivation(world: CaseWorld, receiver: Receiver) -> None:
    admin = world.personas.administrator
    only_orders = webhooks.webhook_create(
        actor=admin, name="接诉即办", url=receiver.url, channel="hotline_order"
    ).webhook
    new_case(world, channel="hotline_12345")
    assert WebhookDelivery.objects.count() == 0
    new_case(world, channel="hotline_order", external_ref="JS-1")
    assert WebhookDelivery.objects.count() == 1
    webhooks.webhook_deactivate(actor=admin, webhook=only_orders)
    assert WebhookDelivery.objects.get().state == DeliveryState.FAILED
    new_case(world, channel="hotline_order", external_ref="JS-2")
    assert WebhookDelivery.objects.count() == 1
    assert webhooks.deliver_due()["delivered"] == 0
    assert receiver.received == []
    assert Webhook.objects.get().is_active is False


def test_bad_input_is_named(world: CaseWorld) -> None:
    with pytest.raises(ServiceError) as caught:
        webhooks.webhook_create(
            actor=world.personas.administrator, name="", url="ftp://x", channel="fax"
        )
    assert {e.field for e in caught.value.errors} == {"name", "url", "channel"}
    assert Webhook.objects.count() == 0


def test_a_secret_that_does_not_decrypt_is_recorded_not_fatal(
    world: CaseWorld, receiver: Receiver
) -> None:
    admin = world.personas.administrator
    broken = webhooks.webhook_create(actor=admin, name="坏密钥", url=receiver.url).webhook
    Webhook.objects.filter(pk=broken.pk).update(secret_enc="v1.gone.AAAA.AAAA")
    webhooks.webhook_create(actor=admin, name="好的", url=receiver.url)
    new_case(world)
    assert webhooks.deliver_due() == {"delivered": 1, "failed": 0, "retrying": 1}
    row = WebhookDelivery.objects.get(webhook=broken)
    assert row.state == DeliveryState.PENDING
    assert "CryptoError" in row.last_error
    assert len(receiver.received) == 1
