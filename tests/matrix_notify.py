"""The inbox, its API twins and the webhook pages in the role × endpoint matrix. Imported by
tests/test_scoping_matrix.py (ENDPOINTS += NOTIFY_ENDPOINTS) once Endpoint is defined."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.test_scoping_matrix import ALL, Endpoint, ok


def _inbox_for_everyone(t: Any) -> None:
    """A case, and one unread notification about it for every account."""
    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.cases import notify  # noqa: PLC0415
    from shequ.cases.models import Category  # noqa: PLC0415
    from shequ.cases.services import case_register  # noqa: PLC0415
    from shequ.core.actors import SYSTEM  # noqa: PLC0415

    case = case_register(
        actor=SYSTEM,
        channel="hotline_12345",
        category=Category.objects.get(code="0301"),
        title="路灯不亮",
        description="第三盏路灯不亮",
        area=t.grid_a,
    ).case
    notify.notify(
        User.objects.values_list("pk", flat=True),
        case=case,
        kind=notify.NotificationKind.OVERDUE,
        key="overdue:matrix",
        message=lambda: "逾期",
    )
    dispatcher = User.objects.get(username="dispatcher")
    t.notice = notify.Notification.objects.get(user=dispatcher)


def _webhook(t: Any) -> None:
    from shequ.cases.webhooks import webhook_create  # noqa: PLC0415
    from shequ.core.actors import SYSTEM  # noqa: PLC0415

    t.webhook = webhook_create(actor=SYSTEM, name="热线", url="http://127.0.0.1:9/hook").webhook


NOTIFY_ENDPOINTS = [
    Endpoint("inbox:list", lambda t, p: reverse("inbox:list"), ok(ALL), setup=_inbox_for_everyone),
    Endpoint(
        "inbox:read",
        lambda t, p: reverse("inbox:read", args=[t.notice.pk]),
        {"dispatcher": 302},
        forbidden=404,  # someone else's notification looks like a missing one
        method="post",
        setup=_inbox_for_everyone,
    ),
    Endpoint(
        "inbox:read_all",
        lambda t, p: reverse("inbox:read_all"),
        ok(ALL, 302),
        method="post",
        setup=_inbox_for_everyone,
    ),
    Endpoint(
        "api:notifications",
        lambda t, p: reverse("api:notifications"),
        ok(ALL),
        anonymous=403,
        setup=_inbox_for_everyone,
    ),
    Endpoint(
        "api:notification_read",
        lambda t, p: reverse("api:notification_read", args=[t.notice.pk]),
        {"dispatcher": 200},
        forbidden=404,
        method="post",
        anonymous=403,
        setup=_inbox_for_everyone,
    ),
    Endpoint("webhooks:list", lambda t, p: reverse("webhooks:list"), ok({"administrator"})),
    Endpoint(
        "webhooks:list",
        lambda t, p: reverse("webhooks:list"),
        ok({"administrator"}),
        method="post",
        data=lambda t, p: {"name": "12345热线", "url": "https://hotline.example.cn/hook"},
    ),
    Endpoint(
        "webhooks:detail",
        lambda t, p: reverse("webhooks:detail", args=[t.webhook.pk]),
        ok({"administrator"}),
        setup=_webhook,
    ),
    Endpoint(
        "webhooks:deactivate",
        lambda t, p: reverse("webhooks:deactivate", args=[t.webhook.pk]),
        ok({"administrator"}, 302),
        method="post",
        setup=_webhook,
    ),
]
