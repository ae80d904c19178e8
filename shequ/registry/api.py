"""API twins of the register pages: the same selectors and services, the same scope, the
one error shape. Personal fields are masked here too; revealing goes through its own call."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.core.api import HasPerm
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import NotAllowed
from shequ.registry import selectors
from shequ.registry.models import CareTag, Colour, Gender, Household, Relation, Residency, Resident
from shequ.registry.personal import reveal
from shequ.registry.services import ResidentData, resident_add, resident_move_out, resident_update


class ResidentSerializer(serializers.ModelSerializer[Resident]):
    id_number = serializers.CharField(source="id_number_mask", read_only=True)
    phone = serializers.CharField(source="phone_mask", read_only=True)
    household = serializers.IntegerField(source="household_id", read_only=True)

    class Meta:
        model = Resident
        fields = (
            "id",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "ethnicity",
            "residency",
            "relation",
            "workplace",
            "is_party_member",
            "household",
            "moved_out_on",
        )


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    address = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = ("id", "external_ref", "house", "address", "is_party_center", "head", "members")

    def get_address(self, household: Household) -> str:
        house = household.house
        return f"{house.building.address} {house}" if house else ""

    @extend_schema(responses=ResidentSerializer(many=True))
    def get_members(self, household: Household) -> list[dict[str, Any]]:
        return ResidentSerializer(selectors.current_members(household), many=True).data  # type: ignore[return-value]


class NewResidentSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=50)
    relation = serializers.ChoiceField(choices=Relation.choices, default=Relation.OTHER)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    gender = serializers.ChoiceField(
        choices=Gender.choices, required=False, allow_blank=True, default=""
    )
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    residency = serializers.ChoiceField(choices=Residency.choices, default=Residency.REGISTERED)
    workplace = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    is_party_member = serializers.BooleanField(default=False)
    care_tags = serializers.ListField(
        child=serializers.ChoiceField(choices=CareTag.choices), required=False, default=list
    )


class PhoneSerializer(serializers.Serializer[Any]):
    phone = serializers.CharField(max_length=30, allow_blank=True)


class MoveOutSerializer(serializers.Serializer[Any]):
    on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RevealSerializer(serializers.Serializer[Any]):
    field = serializers.ChoiceField(choices=[("id_number", "id_number"), ("phone", "phone")])
    reason = serializers.CharField(max_length=200)


class RevealedSerializer(serializers.Serializer[Any]):
    value = serializers.CharField()


class ResidentList(generics.ListAPIView):  # type: ignore[type-arg]
    """Residents in the caller's scope. ``q``: two or more characters of a name, an address,
    or an exact ID number or phone (exact searches are audited with their results)."""

    serializer_class = ResidentSerializer
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_VIEW
    shequ_access = "perm:register.view"

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("residency", str, enum=Residency.values),
            OpenApiParameter("colour", str, enum=Colour.values),
            OpenApiParameter("tag", str, enum=CareTag.values),
            OpenApiParameter("age", str, enum=list(selectors.AGE_RANGES)),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def _filter(self) -> selectors.ResidentFilter:
        params = self.request.query_params
        may_see_care = scope_of(self.request.user).has(Perm.CARE_VIEW)
        return selectors.ResidentFilter(
            query=params.get("q", "")[:40],
            residency=params.get("residency", ""),
            colour=params.get("colour", ""),
            care_tag=params.get("tag", "") if may_see_care else "",
            age_band=params.get("age", ""),
        )

    def get_queryset(self) -> Any:
        return selectors.residents(self.request.user, self._filter())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        if self._filter().is_personal_search:
            results = [row["id"] for row in response.data.get("results", [])]
            audit(
                actor=request.user,
                action=AuditAction.SEARCH,
                object_type="registry.resident",
                changes={"query": "***", "results": results},
            )
        return response


class ResidentDetail(generics.RetrieveAPIView):  # type: ignore[type-arg]
    serializer_class = ResidentSerializer
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_VIEW
    shequ_access = "perm:register.view"

    def get_object(self) -> Resident:
        return selectors.access_resident(self.request.user, self.kwargs["pk"])


class HouseholdDetail(generics.RetrieveAPIView):  # type: ignore[type-arg]
    serializer_class = HouseholdSerializer
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_VIEW
    shequ_access = "perm:register.view"

    def get_object(self) -> Household:
        return selectors.access_household(self.request.user, self.kwargs["pk"])


class HouseholdMemberNew(APIView):
    """Add a member to a household (same checks as the page: one person, one record)."""

    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_EDIT
    shequ_access = "perm:register.edit"

    @extend_schema(request=NewResidentSerializer, responses={201: ResidentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
        body = NewResidentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["care_tags"] = tuple(data.get("care_tags") or ())
        if data["care_tags"] and not scope_of(request.user).allows(
            Perm.CARE_VIEW, household.area_path
        ):
            raise NotAllowed(Perm.CARE_VIEW)
        resident = resident_add(actor=request.user, household=household, data=ResidentData(**data))
        return Response(ResidentSerializer(resident).data, status=201)


class ResidentPhone(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_EDIT
    shequ_access = "perm:register.edit"

    @extend_schema(request=PhoneSerializer, responses=ResidentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        resident = selectors.access_resident(request.user, pk, Perm.REGISTER_EDIT)
        body = PhoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(
            ResidentSerializer(
                resident_update(
                    actor=request.user, resident=resident, phone=body.validated_data["phone"]
                )
            ).data
        )


class ResidentMoveOut(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_EDIT
    shequ_access = "perm:register.edit"

    @extend_schema(request=MoveOutSerializer, responses=ResidentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        resident = selectors.access_resident(request.user, pk, Perm.REGISTER_EDIT)
        body = MoveOutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = resident_move_out(
            actor=request.user,
            resident=resident,
            on=body.validated_data["on"],
            note=body.validated_data["note"],
        )
        return Response(ResidentSerializer(moved).data)


class ResidentReveal(APIView):
    """The full ID number or phone, with a reason; every call is an audit record."""

    permission_classes = [HasPerm]
    required_perm = Perm.PERSONAL_REVEAL
    shequ_access = "perm:personal.reveal"

    @extend_schema(request=RevealSerializer, responses=RevealedSerializer)
    def post(self, request: Request, pk: int) -> Response:
        resident = selectors.access_resident(request.user, pk, Perm.PERSONAL_REVEAL)
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        value = reveal(
            actor=request.user,
            obj=resident,
            field=body.validated_data["field"],
            reason=body.validated_data["reason"],
        )
        return Response({"value": value})
