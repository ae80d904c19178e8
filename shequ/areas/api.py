"""API twins of the area pages: the same selectors, the same scope."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.models import Membership
from shequ.accounts.roles import Perm
from shequ.areas import selectors
from shequ.areas.models import Area, Department, Organization
from shequ.areas.services import area_tree_import
from shequ.core.api import HasPerm
from shequ.core.errors import ServiceError


class AreaSerializer(serializers.ModelSerializer[Area]):
    parent_code = serializers.CharField(
        source="parent.code", default=None, allow_null=True, read_only=True
    )
    level_name = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Area
        fields: tuple[str, ...] = (
            "id",
            "code",
            "name",
            "level",
            "level_name",
            "parent",
            "parent_code",
            "valid_from",
            "valid_to",
        )


class AreaDetailSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = (*AreaSerializer.Meta.fields, "boundary")


class StaffSerializer(serializers.ModelSerializer[Membership]):
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    role_name = serializers.CharField(source="get_role_display", read_only=True)
    grid_duty_name = serializers.CharField(source="get_grid_duty_display", read_only=True)

    class Meta:
        model = Membership
        fields = (
            "id",
            "full_name",
            "role",
            "role_name",
            "grid_duty",
            "grid_duty_name",
            "title",
            "valid_from",
        )


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ("id", "area", "name", "short_name", "phone", "is_active")


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ("id", "area", "kind", "name", "parent", "contact", "is_active")


class ScopedListAPIView(generics.ListAPIView):  # type: ignore[type-arg]
    permission_classes = [HasPerm]
    required_perm = Perm.AREA_VIEW
    shequ_access = "perm:area.view"


class AreaList(ScopedListAPIView):
    """Current areas the caller may see; filter by ``level`` or ``parent``."""

    serializer_class = AreaSerializer
    filterset_fields: ClassVar[list[str]] = ["level", "parent", "code"]

    def get_queryset(self) -> QuerySet[Area]:
        return selectors.visible_areas(self.request.user).select_related("parent")


class AreaDetail(generics.RetrieveAPIView):  # type: ignore[type-arg]
    serializer_class = AreaDetailSerializer
    permission_classes = [HasPerm]
    required_perm = Perm.AREA_VIEW
    shequ_access = "perm:area.view"

    def get_object(self) -> Area:
        return selectors.access_area(self.request.user, self.kwargs["pk"])


class AreaStaff(ScopedListAPIView):
    """The active staff of an area ("1+9+X")."""

    serializer_class = StaffSerializer
    pagination_class = None
    queryset = Membership.objects.none()  # for the schema; get_queryset scopes the real one

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no area
            return Membership.objects.none()
        return selectors.grid_staff(selectors.access_area(self.request.user, self.kwargs["pk"]))


class DepartmentList(ScopedListAPIView):
    serializer_class = DepartmentSerializer

    def get_queryset(self) -> QuerySet[Department]:
        return Department.objects.visible_to(self.request.user)


class OrganizationList(ScopedListAPIView):
    serializer_class = OrganizationSerializer
    filterset_fields: ClassVar[list[str]] = ["kind", "area"]

    def get_queryset(self) -> QuerySet[Organization]:
        return Organization.objects.visible_to(self.request.user)


class ImportResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.DictField())


class AreaImport(APIView):
    """Create or update areas from a GeoJSON FeatureCollection (JSON body or a ``file``
    upload). All or nothing; repeating the same import changes nothing."""

    permission_classes = [HasPerm]
    parser_classes = [JSONParser, MultiPartParser]
    required_perm = Perm.AREA_MANAGE
    shequ_access = "perm:area.manage"

    @extend_schema(
        request={"application/json": {"type": "object"}}, responses=ImportResultSerializer
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        payload: Any = upload.read() if upload is not None else request.data
        if not isinstance(payload, bytes | dict):
            raise ServiceError.single("file", _("must be a GeoJSON FeatureCollection"))
        summary = area_tree_import(
            actor=request.user, payload=payload if isinstance(payload, bytes) else dict(payload)
        )
        return Response(
            {
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "warnings": [w.as_dict() for w in summary.warnings],
            }
        )
