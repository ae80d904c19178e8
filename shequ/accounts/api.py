from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.models import Membership
from shequ.areas.selectors import memberships_with_targets
from shequ.core.api import HasPerm


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    role_name = serializers.CharField(source="get_role_display", read_only=True)
    bound_to = serializers.CharField(read_only=True)

    class Meta:
        model = Membership
        fields = (
            "id",
            "role",
            "role_name",
            "area",
            "department",
            "organization",
            "bound_to",
            "grid_duty",
            "title",
            "valid_from",
            "valid_to",
        )


class MeSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    full_name = serializers.CharField()
    memberships = MembershipSerializer(many=True)


class Me(APIView):
    """The caller's account and active memberships."""

    permission_classes = [HasPerm]
    shequ_access = "signed_in"

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response(
            MeSerializer(
                {
                    "username": user.username,
                    "full_name": user.full_name,
                    "memberships": memberships_with_targets(user),
                }
            ).data
        )
