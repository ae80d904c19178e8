"""API twins of the register's place pages: buildings (and their head), houses, units,
households moving in and out, visits, household codes, party-member central households and
someone rejoining a household. The same selectors and services as the pages
(shequ/registry/views.py), the same scope, the one error shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.roles import Perm
from shequ.areas.selectors import access_area
from shequ.core.api import MAX_ID, HasPerm
from shequ.core.errors import ServiceError
from shequ.core.paths import within
from shequ.registry import selectors
from shequ.registry.api import HouseholdSerializer, MoveOutSerializer, ResidentSerializer
from shequ.registry.colours import hide_care
from shequ.registry.models import (
    Building,
    CareTag,
    House,
    HouseUse,
    PropertyRight,
    Relation,
    Residency,
    Resident,
    Unit,
    Visit,
)
from shequ.registry.personal import id_number_index
from shequ.registry.services import (
    building_create,
    building_set_head,
    house_create,
    household_code_renew,
    household_create,
    household_move_in,
    household_move_out,
    household_update,
    resident_move_in,
    resident_update,
    unit_add,
    visit_add,
)

BUILDINGS_MAX = 300  # as many as the register's home page lists for one grid


def _valid(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _today_or_before(day: dt.date | None) -> dt.date | None:
    """Register dates are plain days (Asia/Shanghai); none in the future."""
    if day is not None and day > timezone.localdate():
        raise ServiceError.single("on", _("is in the future"))
    return day


# --- what goes out -------------------------------------------------------------------------


class HouseRowSerializer(serializers.ModelSerializer[House]):
    class Meta:
        model = House
        fields = ("id", "entrance", "floor", "room", "use", "colour")


class BuildingSerializer(serializers.ModelSerializer[Building]):
    class Meta:
        model = Building
        fields = (
            "id",
            "area",
            "estate",
            "number",
            "address",
            "floors",
            "entrances",
            "lon",
            "lat",
            "head",
        )


class BuildingDetailSerializer(BuildingSerializer):
    houses = serializers.SerializerMethodField()

    class Meta(BuildingSerializer.Meta):
        fields = (*BuildingSerializer.Meta.fields, "houses")  # type: ignore[assignment]

    @extend_schema_field(HouseRowSerializer(many=True))
    def get_houses(self, building: Building) -> list[dict[str, Any]]:
        rows = building.houses.order_by("entrance", "floor", "room")
        return HouseRowSerializer(rows, many=True).data  # type: ignore[return-value]


class UnitSerializer(serializers.ModelSerializer[Unit]):
    phone = serializers.CharField(source="phone_mask", read_only=True)

    class Meta:
        model = Unit
        fields = ("id", "house", "name", "credit_code", "contact", "phone", "is_business")


class HouseSerializer(serializers.ModelSerializer[House]):
    households = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()

    class Meta:
        model = House
        fields = (
            "id",
            "building",
            "entrance",
            "floor",
            "room",
            "use",
            "floor_area",
            "property_right",
            "colour",
            "households",
            "units",
        )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_households(self, house: House) -> list[int]:
        return list(house.households.order_by("pk").values_list("pk", flat=True))

    @extend_schema_field(UnitSerializer(many=True))
    def get_units(self, house: House) -> list[dict[str, Any]]:
        return UnitSerializer(selectors.units_in(house), many=True).data  # type: ignore[return-value]


class VisitSerializer(serializers.ModelSerializer[Visit]):
    author_name = serializers.CharField(source="author.full_name", read_only=True)

    class Meta:
        model = Visit
        fields = ("id", "household", "on", "note", "author_name")


# --- what comes in ---------------------------------------------------------------------------


class NewBuildingSerializer(serializers.Serializer[Any]):
    estate = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    number = serializers.CharField(max_length=20)
    address = serializers.CharField(max_length=200)
    floors = serializers.IntegerField(min_value=1, max_value=200)
    entrances = serializers.IntegerField(min_value=1, max_value=50, default=1)
    lon = serializers.FloatField(
        min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )
    lat = serializers.FloatField(
        min_value=-90, max_value=90, required=False, allow_null=True, default=None
    )


class BuildingHeadSerializer(serializers.Serializer[Any]):
    head = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text="A resident living in the building, or null to clear.",
    )


class NewHouseSerializer(serializers.Serializer[Any]):
    entrance = serializers.IntegerField(min_value=1, max_value=50, default=1)
    floor = serializers.IntegerField(min_value=-5, max_value=200)
    room = serializers.CharField(max_length=10)
    use = serializers.ChoiceField(choices=HouseUse.choices, default=HouseUse.OWNER_OCCUPIED)
    floor_area = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
    )
    property_right = serializers.ChoiceField(
        choices=PropertyRight.choices, required=False, allow_blank=True, default=""
    )


class NewHouseholdSerializer(serializers.Serializer[Any]):
    on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class NewUnitSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    contact = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    is_business = serializers.BooleanField(default=True)


class MoveInSerializer(serializers.Serializer[Any]):
    house = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class NewVisitSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class PartyCenterSerializer(serializers.Serializer[Any]):
    value = serializers.BooleanField()


class RejoinSerializer(serializers.Serializer[Any]):
    id_number = serializers.CharField(max_length=30)
    relation = serializers.ChoiceField(choices=Relation.choices)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class ResidentEditSerializer(serializers.Serializer[Any]):
    """Only the fields sent are changed; ``care_tags`` needs the care permission."""

    relation = serializers.ChoiceField(choices=Relation.choices, required=False)
    residency = serializers.ChoiceField(choices=Residency.choices, required=False)
    ethnicity = serializers.CharField(max_length=20, required=False, allow_blank=True)
    workplace = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_party_member = serializers.BooleanField(required=False)
    care_tags = serializers.ListField(
        child=serializers.ChoiceField(choices=CareTag.choices), required=False, max_length=20
    )


# --- the views -------------------------------------------------------------------------------


class _Keeps(APIView):
    """Reads need the register; writes need to keep it (the object's area is checked by the
    selector: another area's object is a 404)."""

    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_EDIT
    shequ_access = "perm:register.edit"


class _ReadsOrKeeps(APIView):
    """GET needs the register, POST needs to keep it (403 without the permission anywhere,
    404 for an object outside the areas where it is held)."""

    permission_classes = [HasPerm]
    shequ_access = "perm:register.view"

    @property
    def required_perm(self) -> Perm:
        return Perm.REGISTER_VIEW if self.request.method in SAFE_METHODS else Perm.REGISTER_EDIT


class AreaBuildings(_ReadsOrKeeps):
    """The buildings of a grid or subgrid (GET, up to 300, by estate and number); POST adds
    one (the area must be a grid or a subgrid)."""

    @extend_schema(responses={200: BuildingSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        area = access_area(request.user, pk, Perm.REGISTER_VIEW)
        rows = Building.objects.filter(within("area_path", [area.area_path])).order_by(
            "estate", "number", "pk"
        )[:BUILDINGS_MAX]
        return Response(BuildingSerializer(rows, many=True).data)

    @extend_schema(request=NewBuildingSerializer, responses={201: BuildingSerializer})
    def post(self, request: Request, pk: int) -> Response:
        area = access_area(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(NewBuildingSerializer(data=request.data))
        building = building_create(actor=request.user, area=area, **data)
        return Response(BuildingSerializer(building).data, status=201)


class BuildingDetail(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_VIEW
    shequ_access = "perm:register.view"

    @extend_schema(responses={200: BuildingDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        building = selectors.access_building(request.user, pk)
        return Response(BuildingDetailSerializer(building).data)


class BuildingHead(_Keeps):
    """Mark the elected building head (楼栋长): one of the building's current residents."""

    @extend_schema(request=BuildingHeadSerializer, responses={200: BuildingSerializer})
    def post(self, request: Request, pk: int) -> Response:
        building = selectors.access_building(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(BuildingHeadSerializer(data=request.data))
        head = None
        if data["head"] is not None:
            head = Resident.objects.filter(
                pk=data["head"], household__house__building=building, moved_out_on__isnull=True
            ).first()
            if head is None:
                raise ServiceError.single("head", _("is not a resident of this building"))
        done = building_set_head(actor=request.user, building=building, resident=head)
        return Response(BuildingSerializer(done).data)


class BuildingHouses(_Keeps):
    @extend_schema(request=NewHouseSerializer, responses={201: HouseSerializer})
    def post(self, request: Request, pk: int) -> Response:
        building = selectors.access_building(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(NewHouseSerializer(data=request.data))
        house = house_create(actor=request.user, building=building, **data)
        return Response(HouseSerializer(house).data, status=201)


class HouseDetail(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_VIEW
    shequ_access = "perm:register.view"

    @extend_schema(responses={200: HouseSerializer})
    def get(self, request: Request, pk: int) -> Response:
        house = selectors.access_house(request.user, pk)
        if not selectors.may_see_care(request.user, house.area_path):
            hide_care([house])
        return Response(HouseSerializer(house).data)


class HouseHouseholds(_Keeps):
    """A new household moves into the house; its members are added next (households/{id}/
    members/)."""

    @extend_schema(request=NewHouseholdSerializer, responses={201: HouseholdSerializer})
    def post(self, request: Request, pk: int) -> Response:
        house = selectors.access_house(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(NewHouseholdSerializer(data=request.data))
        household = household_create(
            actor=request.user, house=house, on=_today_or_before(data["on"]), note=data["note"]
        )
        return Response(HouseholdSerializer(household).data, status=201)


class HouseUnits(_Keeps):
    @extend_schema(request=NewUnitSerializer, responses={201: UnitSerializer})
    def post(self, request: Request, pk: int) -> Response:
        house = selectors.access_house(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(NewUnitSerializer(data=request.data))
        unit = unit_add(actor=request.user, house=house, **data)
        return Response(UnitSerializer(unit).data, status=201)


class HouseholdMoveOut(_Keeps):
    """The whole household moves out (its members with it); the house's history keeps it."""

    @extend_schema(request=MoveOutSerializer, responses={200: HouseholdSerializer})
    def post(self, request: Request, pk: int) -> Response:
        household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(MoveOutSerializer(data=request.data))
        done = household_move_out(
            actor=request.user, household=household, on=data["on"], note=data["note"]
        )
        return Response(HouseholdSerializer(done).data)


class HouseholdMoveIn(_Keeps):
    """A household that has moved out moves into a house of the caller's areas."""

    @extend_schema(request=MoveInSerializer, responses={200: HouseholdSerializer})
    def post(self, request: Request, pk: int) -> Response:
        household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(MoveInSerializer(data=request.data))
        house = (
            House.objects.visible_to(request.user, Perm.REGISTER_EDIT)
            .filter(pk=data["house"])
            .first()
        )
        if house is None:
            raise ServiceError.single("house", _("no such house in your areas"))
        done = household_move_in(
            actor=request.user, household=household, house=house, on=data["on"]
        )
        return Response(HouseholdSerializer(done).data)


class HouseholdVisits(_ReadsOrKeeps):
    """The household's last 20 visits (GET); POST records one."""

    @extend_schema(responses={200: VisitSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        household = selectors.access_household(request.user, pk)
        return Response(VisitSerializer(selectors.visits(household), many=True).data)

    @extend_schema(request=NewVisitSerializer, responses={201: VisitSerializer})
    def post(self, request: Request, pk: int) -> Response:
        household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(NewVisitSerializer(data=request.data))
        visit = visit_add(actor=request.user, household=household, note=data["note"], on=data["on"])
        return Response(VisitSerializer(visit).data, status=201)


class HouseholdCodeRenew(_Keeps):
    """A new household code: the old door label no longer opens the household. The new label
    is printed from the building's label sheet (a page)."""

    @extend_schema(request=None, responses={200: HouseholdSerializer})
    def post(self, request: Request, pk: int) -> Response:
        household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
        done = household_code_renew(actor=request.user, household=household)
        return Response(HouseholdSerializer(done).data)


class HouseholdPartyCenter(_Keeps):
    """Mark (true) or unmark (false) a party-member central household (党员中心户)."""

    @extend_schema(request=PartyCenterSerializer, responses={200: HouseholdSerializer})
    def post(self, request: Request, pk: int) -> Response:
        household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(PartyCenterSerializer(data=request.data))
        done = household_update(
            actor=request.user, household=household, is_party_center=data["value"]
        )
        return Response(HouseholdSerializer(done).data)


class HouseholdRejoin(_Keeps):
    """Someone already in the register (found by ID number in the caller's areas) joins this
    household: back from elsewhere, or from another household (that stay ends the same day)."""

    @extend_schema(request=RejoinSerializer, responses={200: ResidentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(RejoinSerializer(data=request.data))
        resident = (
            Resident.objects.visible_to(request.user, Perm.REGISTER_EDIT)
            .filter(id_number_bidx=id_number_index(data["id_number"]))
            .first()
        )
        if resident is None:
            raise ServiceError.single(
                "id_number",
                _(
                    "nobody with this ID number is in the register of your areas; add them as a new member"
                ),
            )
        moved = resident_move_in(
            actor=request.user,
            resident=resident,
            household=household,
            relation=data["relation"],
            on=data["on"],
        )
        return Response(ResidentSerializer(moved).data)


class ResidentEdit(_Keeps):
    """Change a resident's relation, residency, ethnicity, workplace, party membership or care
    tags (only the fields sent). The phone has its own call; the ID number is not changed."""

    @extend_schema(request=ResidentEditSerializer, responses={200: ResidentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        resident = selectors.access_resident(request.user, pk, Perm.REGISTER_EDIT)
        data = _valid(ResidentEditSerializer(data=request.data))
        if "care_tags" in data:
            data["care_tags"] = tuple(data["care_tags"])
        done = resident_update(actor=request.user, resident=resident, **data)
        return Response(ResidentSerializer(done).data)
