"""The inbox pages and API, the unread badge, and the webhook pages."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.cases import notify
from shequ.cases.models import Case
from shequ.cases.models_notify import Notification, NotificationKind, Webhook
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.models import AuditRecord


def tell(user: Any, case: Case, key: str, text: str = "路灯逾期") -> Notification:
    notify.notify(
        [user.pk],
        case=case,
        kind=NotificationKind.OVERDUE,
        key=key,
        message=lambda: text,
    )
    return Notification.objects.get(user=user, key=key)


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_inbox_unread_first_and_mark_read(world: CaseWorld, client: Client) -> None:
    p = world.personas
    case = new_case(world)
    old = tell(p.dispatcher, case, "a", "第一条")
    new = tell(p.dispatcher, case, "b", "第二条")
    Notification.objects.filter(pk=new.pk).update(read_at=timezone.now())
    tell(p.grid_chief, case, "a", "别人的")
    client.force_login(p.dispatcher)
    page = client.get(reverse("inbox:list")).content.decode()
    assert page.index("第一条") < page.index("第二条")  # unread first, though older
    assert "别人的" not in page
    response = client.post(reverse("inbox:read", args=[old.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.read_at is not None
    # Reading it again changes nothing; someone else's is not there (404).
    first = old.read_at
    client.post(reverse("inbox:read", args=[old.pk]))
    old.refresh_from_db()
    assert old.read_at == first
    other = Notification.objects.get(user=p.grid_chief)
    assert client.post(reverse("inbox:read", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_read_goes_back_only_to_this_site(world: CaseWorld, client: Client) -> None:
    p = world.personas
    note = tell(p.dispatcher, new_case(world), "a")
    client.force_login(p.dispatcher)
    response = client.post(reverse("inbox:read", args=[note.pk]), {"next": "/inbox/?page=2"})
    assert response["Location"] == "/inbox/?page=2"
    response = client.post(reverse("inbox:read", args=[note.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("inbox:list")


def test_mark_all_read_and_the_badge(world: CaseWorld, client: Client) -> None:
    p = world.personas
    case = new_case(world)
    for i in range(3):
        tell(p.dispatcher, case, f"k{i}")
    client.force_login(p.dispatcher)
    home = client.get(reverse("home")).content.decode()
    assert 'badge rounded-pill text-bg-light">3<' in home
    client.post(reverse("inbox:read_all"))
    assert not Notification.objects.filter(user=p.dispatcher, read_at__isnull=True).exists()
    home = client.get(reverse("home")).content.decode()
    assert "badge rounded-pill" not in home


def test_messages_are_escaped(world: CaseWorld, client: Client) -> None:
    p = world.personas
    tell(p.dispatcher, new_case(world), "x", "<script>alert(1)</script>")
    client.force_login(p.dispatcher)
    page = client.get(reverse("inbox:list")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_inbox_queries_do_not_grow_with_rows(world: CaseWorld, client: Client) -> None:
    p = world.personas
    case = new_case(world)
    tell(p.dispatcher, case, "k0")
    client.force_login(p.dispatcher)
    url = reverse("inbox:list")
    client.get(url)
    small = _count(client, url)
    for i in range(1, 25):
        tell(p.dispatcher, new_case(world, title=f"路灯{i}"), f"k{i}")
    assert _count(client, url) == small
    assert small <= 10
    api = reverse("api:notifications")
    client.get(api)
    assert _count(client, api) <= 10


def test_api_lists_only_ones_own_and_marks_read(world: CaseWorld, client: Client) -> None:
    p = world.personas
    case = new_case(world)
    mine = tell(p.dispatcher, case, "a")
    tell(p.dispatcher, case, "b")
    theirs = tell(p.grid_chief, case, "a")
    client.force_login(p.dispatcher)
    rows = client.get(reverse("api:notifications")).json()["results"]
    assert {r["id"] for r in rows} == {mine.pk, mine.pk + 1}
    assert rows[0]["case_number"] == case.number
    answer = client.post(reverse("api:notification_read", args=[mine.pk]))
    assert answer.status_code == 200
    assert answer.json()["read_at"] is not None
    unread = client.get(reverse("api:notifications"), {"unread": "1"}).json()["results"]
    assert [r["id"] for r in unread] == [mine.pk + 1]
    refused = client.post(reverse("api:notification_read", args=[theirs.pk]))
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["field"] == "id"


def test_webhook_secret_is_shown_once(world: CaseWorld, client: Client) -> None:
    client.force_login(world.personas.administrator)
    response = client.post(
        reverse("webhooks:list"),
        {"name": "12345热线", "url": "https://hotline.example.cn/hook", "channel": "hotline_12345"},
    )
    assert response.status_code == 200
    secret = response.context["created"].secret
    assert secret in response.content.decode()
    webhook = Webhook.objects.get()
    assert webhook.channel == "hotline_12345"
    assert secret not in client.get(reverse("webhooks:list")).content.decode()
    assert secret not in client.get(reverse("webhooks:detail", args=[webhook.pk])).content.decode()
    record = AuditRecord.objects.get(object_type="cases.webhook")
    assert secret not in str(record.changes)


def test_webhook_form_names_the_bad_field(world: CaseWorld, client: Client) -> None:
    client.force_login(world.personas.administrator)
    response = client.post(reverse("webhooks:list"), {"name": "热线", "url": "ftp://x"})
    assert response.status_code == 400
    assert "url" in response.context["form"].errors  # shown under the address field
    assert Webhook.objects.count() == 0


def test_webhook_deactivate_page(world: CaseWorld, client: Client) -> None:
    from shequ.cases.webhooks import webhook_create  # noqa: PLC0415

    admin = world.personas.administrator
    webhook = webhook_create(actor=admin, name="热线", url="http://127.0.0.1:9/").webhook
    new_case(world)
    client.force_login(admin)
    detail = client.get(reverse("webhooks:detail", args=[webhook.pk])).content.decode()
    assert "register" in detail  # the delivery of the intake event is listed
    client.post(reverse("webhooks:deactivate", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert webhook.is_active is False
