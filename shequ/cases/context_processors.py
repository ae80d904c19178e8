"""The unread count for the navigation's inbox badge: one query, and only when a page shows
it (the value is lazy)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shequ.cases.models_notify import Notification


def inbox(request: HttpRequest) -> dict[str, Any]:
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    return {"inbox_unread": SimpleLazyObject(count)}
