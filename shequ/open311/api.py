"""API twins of the administrators' Open311 key page (shequ/open311/views.py): the keys,
issuing one (the key is in the answer once; only its hash is kept) and switching one off or
on. Keys are not bound to a caller's area: whoever holds ``case.configure`` keeps them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.roles import Perm
from shequ.areas.models import Area, Level
from shequ.cases.models import Channel
from shequ.core.api import MAX_ID, HasPerm
from shequ.core.errors import NotAllowed, ServiceError
from shequ.open311.models import ApiKey
from shequ.open311.services import api_key_issue, api_key_set_active


class ApiKeySerializer(serializers.ModelSerializer[ApiKey]):
    class Meta:
        model = ApiKey
        fields = ("id", "name", "prefix", "channel", "area", "is_active", "created_at")


class IssuedKeySerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key; shown in this answer only.")

    class Meta(ApiKeySerializer.Meta):
        fields = (*ApiKeySerializer.Meta.fields, "key")  # type: ignore[assignment]


class NewKeySerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=60)
    channel = serializers.ChoiceField(choices=Channel.choices)
    area = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="The street that receives requests that give only an address.",
    )


class KeyActiveSerializer(serializers.Serializer[Any]):
    active = serializers.BooleanField()


class _Configures(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.CASE_CONFIGURE
    shequ_access = "perm:case.configure"


class ApiKeyList(_Configures):
    @extend_schema(responses={200: ApiKeySerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = ApiKey.objects.order_by("-is_active", "name", "id")
        return Response(ApiKeySerializer(rows, many=True).data)

    @extend_schema(request=NewKeySerializer, responses={201: IssuedKeySerializer})
    def post(self, request: Request) -> Response:
        body = NewKeySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        area = None
        if data["area"] is not None:
            area = Area.objects.current().filter(level=Level.STREET, pk=data["area"]).first()
            if area is None:
                raise ServiceError.single("area", _("choose a current street"))
        key, issued = api_key_issue(
            actor=request.user, name=data["name"], channel=data["channel"], area=area
        )
        return Response({**ApiKeySerializer(key).data, "key": issued}, status=201)


class ApiKeyActive(_Configures):
    """Switch a key off (its requests are refused) or back on."""

    @extend_schema(request=KeyActiveSerializer, responses={200: ApiKeySerializer})
    def post(self, request: Request, pk: int) -> Response:
        key = ApiKey.objects.filter(pk=pk).first()
        if key is None:
            raise NotAllowed(Perm.CASE_CONFIGURE)
        body = KeyActiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = api_key_set_active(actor=request.user, key=key, active=body.validated_data["active"])
        return Response(ApiKeySerializer(done).data)
