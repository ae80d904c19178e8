"""API twins of the webhook pages (shequ/cases/views_webhooks.py): list and create (the
secret is in the answer once, never again), a webhook with its latest deliveries, switch one
off. Webhooks are not bound to an area: whoever holds ``case.configure`` keeps them all."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.roles import Perm
from shequ.cases import webhooks
from shequ.cases.models import Channel
from shequ.cases.models_notify import Webhook, WebhookDelivery
from shequ.core.api import HasPerm
from shequ.core.errors import NotAllowed

RECENT = 50


class WebhookSerializer(serializers.ModelSerializer[Webhook]):
    class Meta:
        model = Webhook
        fields = ("id", "name", "url", "channel", "is_active", "created_at")


class CreatedWebhookSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Signs every delivery; shown in this answer only."
    )

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "secret")  # type: ignore[assignment]


class DeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "case",
            "event",
            "state",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_status",
            "last_error",
            "created_at",
        )


class WebhookDetailSerializer(WebhookSerializer):
    deliveries = serializers.SerializerMethodField()

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "deliveries")  # type: ignore[assignment]

    @extend_schema_field(DeliverySerializer(many=True))
    def get_deliveries(self, webhook: Webhook) -> list[dict[str, Any]]:
        rows = WebhookDelivery.objects.filter(webhook=webhook).order_by("-id")[:RECENT]
        return DeliverySerializer(rows, many=True).data  # type: ignore[return-value]


class NewWebhookSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=60)
    url = serializers.CharField(max_length=500, help_text="An http:// or https:// address.")
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only cases from this channel; every channel if empty.",
    )


class _Configures(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.CASE_CONFIGURE
    shequ_access = "perm:case.configure"


def _access_webhook(pk: int) -> Webhook:
    webhook = Webhook.objects.filter(pk=pk).first()
    if webhook is None:
        raise NotAllowed(Perm.CASE_CONFIGURE)
    return webhook


class WebhookList(_Configures):
    @extend_schema(responses={200: WebhookSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = Webhook.objects.order_by("-is_active", "name", "id")
        return Response(WebhookSerializer(rows, many=True).data)

    @extend_schema(request=NewWebhookSerializer, responses={201: CreatedWebhookSerializer})
    def post(self, request: Request) -> Response:
        body = NewWebhookSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = webhooks.webhook_create(actor=request.user, **body.validated_data)
        data = dict(WebhookSerializer(created.webhook).data)
        return Response({**data, "secret": created.secret}, status=201)


class WebhookDetail(_Configures):
    @extend_schema(responses={200: WebhookDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(WebhookDetailSerializer(_access_webhook(pk)).data)


class WebhookDeactivate(_Configures):
    """Stop sending to a webhook; what is still waiting is not sent either."""

    @extend_schema(request=None, responses={200: WebhookSerializer})
    def post(self, request: Request, pk: int) -> Response:
        webhook = webhooks.webhook_deactivate(actor=request.user, webhook=_access_webhook(pk))
        webhook.refresh_from_db()
        return Response(WebhookSerializer(webhook).data)
