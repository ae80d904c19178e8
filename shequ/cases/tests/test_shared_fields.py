"""``SharedFields`` (shequ/core/api.py): the case serializers build their field objects once
per class. What they give must be what DRF's own per-instance fields give: the same answer
for every kind of case and caller, the same validated data, the same errors."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from shequ.cases.models import Case, CasePhoto
from shequ.cases.serializers import (
    ActSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    IntakeSerializer,
)
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.api import SharedFields

pytestmark = pytest.mark.django_db


def _plain(cls: type[Any]) -> type[Any]:
    """``cls`` as DRF builds it: fields made for each instance, DRF's own representation."""

    def fields(self: Any) -> Any:
        return serializers.Serializer.fields.func(self)  # type: ignore[attr-defined]

    built = cached_property(fields)
    namespace = {
        "fields": built,
        "to_representation": serializers.Serializer.to_representation,
        "__module__": __name__,
    }
    plain = type(f"Plain{cls.__name__}", (cls,), namespace)
    built.__set_name__(plain, "fields")
    return plain


def _request(user: Any) -> Any:
    request = APIRequestFactory().get("/api/v1/cases/")
    force_authenticate(request, user=user)
    return APIView().initialize_request(request)


def _cases(world: CaseWorld) -> list[Case]:
    """A new case, a confidential one, one whistled to two departments (assignments), one
    with a photo row, and a duplicate merged into a parent."""
    p, t = world.personas, world.tree
    plain = new_case(world)
    confidential = new_case(world, confidential=True, external_ref="GD-7")
    whistled = new_case(world, channel="hotline_order", external_ref="JS-1")
    whistled = case_act(actor=p.community_staff, case=whistled, action="accept")
    whistled = case_act(actor=p.community_staff, case=whistled, action="escalate", reason="联合")
    whistled = case_act(
        actor=p.dispatcher,
        case=whistled,
        action="whistle",
        lead_department=t.department,
        co_departments=[world.police],
    )
    photographed = new_case(world, anonymous=True, reporter_name="", reporter_phone="")
    CasePhoto.objects.create(
        case=photographed,
        kind="report",
        image="cases/x.jpg",
        content_type="image/jpeg",
        width=32,
        height=24,
        sha256="0" * 64,
    )
    duplicate = new_case(world)
    duplicate = case_act(actor=p.community_staff, case=duplicate, action="merge", parent=plain)
    ids = [c.pk for c in (plain, confidential, whistled, photographed, duplicate)]
    return list(
        Case.objects.filter(pk__in=ids)
        .select_related("category__parent", "area", "parent")
        .prefetch_related("assignments__department", "photos")
        .order_by("pk")
    )


def test_the_detail_and_the_list_are_what_drf_gives(world: CaseWorld) -> None:
    p = world.personas
    cases = _cases(world)
    assert any(c.assignments.all() for c in cases)
    assert any(c.photos.all() for c in cases)
    assert any(c.parent_id for c in cases)
    for user in (p.community_staff, p.dispatcher, p.department_handler, p.grid_worker):
        context = {"request": _request(user)}
        for case in cases:
            ours = CaseDetailSerializer(case, context=context).data
            drf = _plain(CaseDetailSerializer)(case, context=context).data
            assert ours == drf
            assert list(ours) == list(drf)  # the same keys in the same order
        ours_list = CaseSerializer(cases, many=True, context=context).data
        drf_list = _plain(CaseSerializer)(cases, many=True, context=context).data
        assert ours_list == drf_list


def test_each_instance_answers_for_its_own_caller(world: CaseWorld) -> None:
    """The fields are shared; the reporter and the actions are the caller's own: the
    community (which keeps the case) sees a confidential reporter's mask, the department
    that handles it does not, with both serializers alive at once."""
    p = world.personas
    case = next(c for c in _cases(world) if c.confidential)
    keeper = CaseDetailSerializer(case, context={"request": _request(p.community_staff)})
    handler = CaseDetailSerializer(case, context={"request": _request(p.department_handler)})
    handler_data, keeper_data = handler.data, keeper.data
    assert keeper_data["reporter_name"] == case.reporter_name_mask != ""
    assert handler_data["reporter_name"] is None
    assert keeper_data["actions"] != handler_data["actions"]
    assert keeper.fields is handler.fields  # built once, for the class


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (IntakeSerializer, {}),
        (IntakeSerializer, {"channel": "fax", "category": "x" * 21, "title": "", "level": "big"}),
        (
            IntakeSerializer,
            {
                "channel": "hotline_12345",
                "category": "0301",
                "title": "路灯",
                "description": "不亮",
                "house": 0,
                "area": 2**63,
                "longitude": "east",
                "city_level": "perhaps",
                "photos": ["not a file"],
            },
        ),
        (
            IntakeSerializer,
            {
                "channel": "hotline_12345",
                "category": "0301",
                "title": "路灯",
                "description": "不亮",
                "latitude": 24.6,
                "longitude": 102.6,
            },
        ),
        (ActSerializer, {"version": 0, "satisfaction": 9, "co_departments": ["a", -1]}),
        (
            ActSerializer,
            {"version": 3, "reason": "重复", "co_departments": [1, 2], "reached": True},
        ),
    ],
)
def test_validation_is_what_drf_gives(cls: type[Any], data: dict[str, Any]) -> None:
    ours, drf = cls(data=data), _plain(cls)(data=data)
    assert ours.is_valid() == drf.is_valid()
    assert ours.errors == drf.errors
    if not drf.errors:
        assert ours.validated_data == drf.validated_data
    assert isinstance(ours, SharedFields)
