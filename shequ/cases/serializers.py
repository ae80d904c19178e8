"""What the case API reads and writes. Bodies are checked here for shape and type only (a
number is a number, an id is an id); the rules of a case live in the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shequ.cases.models import (
    Assignment,
    Case,
    CaseEvent,
    CaseLevel,
    CasePhoto,
    Category,
    Channel,
    Resolution,
    Satisfaction,
)
from shequ.cases.reporter import REVEALABLE, may_see_reporter
from shequ.cases.services import available_actions
from shequ.cases.workflow import Action
from shequ.core.api import MAX_ID, MAX_INT, SharedFields

TEXT_MAX = 4000


class IntakeSerializer(SharedFields, serializers.Serializer[Any]):
    """A new case. ``category`` is a category code (e.g. ``0301``); the place is a point,
    a house, a household or an area (the street's unassigned queue when a point is in no
    grid)."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    external_ref = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    category = serializers.CharField(max_length=20)
    level = serializers.ChoiceField(choices=CaseLevel.choices, default=CaseLevel.ROUTINE)
    city_level = serializers.BooleanField(default=False)
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=TEXT_MAX)
    reporter_name = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    reporter_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    anonymous = serializers.BooleanField(default=False)
    confidential = serializers.BooleanField(default=False)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    house = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    household = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    area = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
    )


class ActSerializer(SharedFields, serializers.Serializer[Any]):
    """The fields an action may need (the workflow table says which one needs which)."""

    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_INT,
        help_text="The version you saw; a stale one is refused with 409.",
    )
    reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    comment = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
    lead_department = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    co_departments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=20,
    )
    area = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    days = serializers.IntegerField(required=False, allow_null=True, default=None)
    parent = serializers.CharField(  # type: ignore[assignment]
        max_length=20, required=False, allow_blank=True, default=""
    )
    reached = serializers.BooleanField(required=False, allow_null=True, default=None)
    resolution = serializers.ChoiceField(
        choices=Resolution.choices, required=False, allow_blank=True, default=""
    )
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_null=True, default=None
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
    )


class CaseRevealSerializer(serializers.Serializer[Any]):
    field = serializers.ChoiceField(choices=[(name, name) for name in REVEALABLE])
    reason = serializers.CharField(max_length=200)


class CaseRevealedSerializer(serializers.Serializer[Any]):
    value = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Assignment
        fields = (
            "id",
            "department",
            "department_name",
            "role",
            "state",
            "respond_by",
            "checked_in_at",
            "finished_at",
            "note",
        )


class PhotoSerializer(serializers.ModelSerializer[CasePhoto]):
    class Meta:
        model = CasePhoto
        fields = ("id", "kind", "content_type", "width", "height", "sha256", "uploaded_at")


class EventSerializer(serializers.ModelSerializer[CaseEvent]):
    department_name = serializers.CharField(
        source="department.name", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = CaseEvent
        fields = (
            "id",
            "at",
            "action",
            "from_state",
            "to_state",
            "actor_name",
            "department",
            "department_name",
            "note",
            "data",
            "public",
        )


class AvailableActionSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=Action.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class CaseSerializer(SharedFields, serializers.ModelSerializer[Case]):
    """A case in a list: no reporter, no timeline. Its fields are built once per class
    (``SharedFields``); the detail's method fields read the request from this instance."""

    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.full_name", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    state_name = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Case
        fields: tuple[str, ...] = (
            "id",
            "number",
            "channel",
            "external_ref",
            "category",
            "category_name",
            "level",
            "city_level",
            "title",
            "state",
            "state_name",
            "version",
            "area",
            "area_name",
            "unassigned",
            "lead_department",
            "respond_by",
            "resolve_by",
            "overdue_at",
            "created_at",
            "updated_at",
        )


class CaseDetailSerializer(CaseSerializer):
    """One case as the caller may see it: the reporter masked (or hidden when confidential
    and the caller handles rather than keeps the case), the departments, the photos, and the
    actions the caller may take now."""

    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.number", default=None, allow_null=True, read_only=True
    )
    assignments = AssignmentSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = (
            *CaseSerializer.Meta.fields,
            "description",
            "address",
            "longitude",
            "latitude",
            "house",
            "household",
            "anonymous",
            "confidential",
            "reporter_name",
            "reporter_phone",
            "parent",
            "suspended_from",
            "accepted_at",
            "dispatched_at",
            "resolved_at",
            "verified_at",
            "closed_at",
            "closed_on_time",
            "rework_count",
            "reopen_count",
            "extended",
            "extension_requested_days",
            "extension_reason",
            "followup_reached",
            "followup_resolution",
            "satisfaction",
            "close_note",
            "assignments",
            "photos",
            "actions",
        )

    def _user(self) -> Any:
        return self.context["request"].user

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reporter_name(self, case: Case) -> str | None:
        if not may_see_reporter(self._user(), case):
            return None
        return case.reporter_name_mask or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reporter_phone(self, case: Case) -> str | None:
        if not may_see_reporter(self._user(), case):
            return None
        return case.reporter_phone_mask or None

    @extend_schema_field(AvailableActionSerializer(many=True))
    def get_actions(self, case: Case) -> list[dict[str, Any]]:
        return [
            {"action": row.action.value, "label": str(row.action.label), "required": row.required}
            for row in available_actions(self._user(), case)
        ]


class CategorySerializer(serializers.ModelSerializer[Category]):
    children = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = (
            "id",
            "code",
            "name",
            "plain_name",
            "default_department",
            "respond_within",
            "respond_unit",
            "resolve_within",
            "resolve_unit",
            "is_active",
            "children",
        )

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, category: Category) -> list[dict[str, Any]]:
        kids = self.context.get("children", {}).get(category.pk, [])
        return CategorySerializer(kids, many=True, context=self.context).data  # type: ignore[return-value]


class ImportSummarySerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
