"""API twins of the inbox: the caller's own notifications, and marking one read."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.cases import notify
from shequ.cases.models_notify import Notification
from shequ.core.api import HasPerm, KeysetPagination


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    case_number = serializers.CharField(source="case.number", read_only=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Notification
        fields = (
            "id",
            "kind",
            "kind_name",
            "case",
            "case_number",
            "message",
            "created_at",
            "read_at",
        )


class NewestFirst(KeysetPagination):
    ordering = "-id"


class NotificationList(generics.ListAPIView):  # type: ignore[type-arg]
    """The caller's notifications, newest first; ``unread=1`` for the unread ones only."""

    serializer_class = NotificationSerializer
    permission_classes = [HasPerm]
    pagination_class = NewestFirst
    shequ_access = "signed_in"

    @extend_schema(parameters=[OpenApiParameter("unread", bool)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        user: Any = self.request.user
        rows = Notification.objects.filter(user=user).select_related("case")
        if self.request.query_params.get("unread") in ("1", "true", "yes"):
            rows = rows.filter(read_at__isnull=True)
        return rows


class NotificationRead(APIView):
    """Mark one of the caller's notifications read (404 for anyone else's)."""

    permission_classes = [HasPerm]
    shequ_access = "signed_in"

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = notify.access_notification(request.user, pk)
        notification = notify.notification_read(actor=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)


class ReadAllSerializer(serializers.Serializer[Any]):
    read = serializers.IntegerField(help_text="How many were unread.")


class NotificationReadAll(APIView):
    """Mark all the caller's notifications read."""

    permission_classes = [HasPerm]
    shequ_access = "signed_in"

    @extend_schema(request=None, responses=ReadAllSerializer)
    def post(self, request: Request) -> Response:
        return Response({"read": notify.notifications_read_all(actor=request.user)})
