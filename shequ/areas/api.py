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
from shequ.areas.models import Area, Department, Organization, OrganizationKind
from shequ.areas.services import (
    area_retire,
    area_tree_import,
    department_create,
    organization_create,
)
from shequ.core.api import MAX_ID, HasPerm
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


class RetireSerializer(serializers.Serializer[Any]):
    on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The last day; today if empty."
    )


class RetiredSerializer(serializers.Serializer[Any]):
    retired = serializers.IntegerField(help_text="How many areas (this one and below) retired.")


class NewDepartmentSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    short_name = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class NewOrganizationSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=OrganizationKind.choices)
    name = serializers.CharField(max_length=150)
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    parent = serializers.IntegerField(  # type: ignore[assignment]
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None
    )


class _Manages(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.AREA_MANAGE
    shequ_access = "perm:area.manage"


class AreaRetire(_Manages):
    """Retire an area and everything below it (history keeps them; memberships end)."""

    @extend_schema(request=RetireSerializer, responses={200: RetiredSerializer})
    def post(self, request: Request, pk: int) -> Response:
        area = selectors.access_area(request.user, pk, Perm.AREA_MANAGE)
        body = RetireSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = area_retire(actor=request.user, area=area, on=body.validated_data["on"])
        return Response({"retired": count})


class AreaDepartmentNew(_Manages):
    """A department of a street or district."""

    @extend_schema(request=NewDepartmentSerializer, responses={201: DepartmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        area = selectors.access_area(request.user, pk, Perm.AREA_MANAGE)
        body = NewDepartmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        department = department_create(actor=request.user, area=area, **body.validated_data)
        return Response(DepartmentSerializer(department).data, status=201)


class AreaOrganizationNew(_Manages):
    """An organization of an area (a party branch, a residents' committee, a property
    company, ...), optionally under a parent organization."""

    @extend_schema(request=NewOrganizationSerializer, responses={201: OrganizationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        area = selectors.access_area(request.user, pk, Perm.AREA_MANAGE)
        body = NewOrganizationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        parent = None
        if data.pop("parent") is not None:
            parent = (
                Organization.objects.visible_to(request.user, Perm.AREA_MANAGE)
                .filter(pk=body.validated_data["parent"])
                .first()
            )
            if parent is None:
                raise ServiceError.single("parent", _("not found in your areas"))
        organization = organization_create(actor=request.user, area=area, parent=parent, **data)
        return Response(OrganizationSerializer(organization).data, status=201)
