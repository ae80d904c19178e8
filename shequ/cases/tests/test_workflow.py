"""The case workflow through its services: the articles' loop end to end, who may do what,
illegal transitions, two people at once, and what each transition does to deadlines."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from shequ.cases.access import visible_cases
from shequ.cases.deadlines import end_of_working_day, working_days_after
from shequ.cases.models import (
    Assignment,
    AssignmentState,
    Case,
    CaseEvent,
    CasePhoto,
    State,
)
from shequ.cases.services import available_actions, case_act, case_register
from shequ.cases.testing import CaseWorld, new_case
from shequ.cases.workflow import TRANSITIONS, Action
from shequ.core.errors import ConflictError, NotAllowed, ServiceError
from shequ.core.models import AuditRecord

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def act(case: Case, actor: Any, action: str, **fields: Any) -> Case:
    return case_act(actor=actor, case=case, action=action, **fields)


def test_hotline_order_whistled_to_two_departments_and_closed(world: CaseWorld) -> None:
    """The issue's "done when", at the service level: entered at the community, whistled by
    the street to two departments, both check in, one returns it, the other resolves it, the
    community verifies, the follow-up rates it, it is closed."""
    p, t = world.personas, world.tree
    case = new_case(world, channel="hotline_order", external_ref="JS20261123-0042")
    assert case.state == State.REGISTERED
    assert case.number.endswith(f"{case.pk:06d}")
    assert case.respond_by is not None
    assert case.resolve_by is not None

    case = act(case, p.community_staff, "accept")
    case = act(case, p.community_staff, "escalate", reason="需要城管和派出所联合处置")
    assert case.state == State.TO_DISPATCH
    case = act(
        case,
        p.dispatcher,
        "whistle",
        lead_department=t.department,
        co_departments=[world.police],
    )
    assert case.state == State.DISPATCHED
    assignments = {a.department_id: a for a in case.assignments.all()}
    assert set(assignments) == {t.department.pk, world.police.pk}
    assert all(a.respond_by is not None for a in assignments.values())

    police_handler = _handler_of(world.police)
    case = act(case, p.department_handler, "check_in")
    case = act(case, police_handler, "check_in")
    case = act(case, police_handler, "return", reason="路灯维修不属于派出所职责")
    assert case.state == State.DISPATCHED  # the lead still has it
    case = act(case, p.department_handler, "handle", note="已安排维修班组")
    case = act(case, p.department_handler, "resolve", note="已更换灯泡，恢复照明")
    assert case.state == State.RESOLVED
    case = act(case, p.community_staff, "verify", note="现场查看已亮")
    case = act(case, p.community_staff, "follow_up", reached=True, resolution="yes", satisfaction=5)
    case = act(case, p.community_staff, "close")
    assert case.state == State.CLOSED
    assert case.closed_on_time is True
    actions = list(case.events.values_list("action", flat=True))
    assert actions == [
        "register",
        "accept",
        "escalate",
        "whistle",
        "check_in",
        "check_in",
        "return",
        "handle",
        "resolve",
        "verify",
        "follow_up",
        "close",
    ]
    police_row = Assignment.objects.get(case=case, department=world.police)
    assert police_row.state == AssignmentState.RETURNED
    assert (
        AuditRecord.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == 12
    )


def _handler_of(department: Any) -> Any:
    from shequ.accounts.roles import Role  # noqa: PLC0415
    from shequ.core.testing import make_user  # noqa: PLC0415

    return make_user(f"handler{department.pk}", Role.DEPARTMENT_HANDLER, department=department)


def test_same_external_reference_twice_is_one_case(world: CaseWorld) -> None:
    first = new_case(world, channel="hotline_order", external_ref="A-1")
    again = case_register(
        actor=world.personas.community_staff,
        channel="hotline_order",
        category=world.street_lamp,
        title="重复推送",
        description="同一工单再次推送",
        external_ref="A-1",
        area=world.tree.grid_a,
    )
    assert again.created is False
    assert again.case.pk == first.pk
    assert Case.objects.count() == 1
    # The same reference on another channel is another case.
    other = new_case(world, channel="city_management", external_ref="A-1")
    assert other.pk != first.pk


def test_illegal_transition_gets_a_clear_message(world: CaseWorld) -> None:
    case = new_case(world)
    with pytest.raises(ConflictError) as caught:
        act(case, world.personas.community_staff, "close")
    assert "cannot be given" in str(caught.value)
    assert Case.objects.get(pk=case.pk).state == State.REGISTERED


def test_stale_version_loses(world: CaseWorld) -> None:
    """Two people open the same case; both press accept. Exactly one succeeds."""
    case = new_case(world)
    seen = case.version
    case_act(actor=world.personas.community_staff, case=case, action="accept", version=seen)
    with pytest.raises(ConflictError) as caught:
        case_act(
            actor=world.personas.dispatcher, case=case, action="reject", version=seen, reason="重复"
        )
    assert caught.value.errors[0].field == "version"
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED
    assert CaseEvent.objects.filter(case=case).count() == 2


def test_who_may_act(world: CaseWorld) -> None:
    p = world.personas
    case = new_case(world)
    for outsider in (p.other_grid_worker, p.department_handler, p.resident, p.nobody):
        with pytest.raises(NotAllowed):
            act(case, outsider, "accept")
    # A grid worker reports and handles but does not accept.
    with pytest.raises(NotAllowed):
        act(case, p.grid_worker, "accept")
    act(case, p.grid_chief, "accept")


def test_departments_see_only_cases_whistled_to_them(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    mine = new_case(world)
    new_case(world, title="另一件")
    assert visible_cases(p.department_handler).count() == 0
    act(mine, p.dispatcher, "accept")
    act(mine, p.dispatcher, "whistle", lead_department=t.department)
    assert list(visible_cases(p.department_handler)) == [mine]
    assert visible_cases(p.other_grid_worker).count() == 0
    assert visible_cases(p.community_staff).count() == 2
    assert visible_cases(p.nobody).count() == 0


def test_required_fields_are_named(world: CaseWorld) -> None:
    case = new_case(world)
    with pytest.raises(ServiceError) as caught:
        act(case, world.personas.community_staff, "reject")
    assert [e.field for e in caught.value.errors] == ["reason"]


def test_lead_returning_sends_it_back_to_the_street(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    case = act(new_case(world), p.dispatcher, "accept")
    case = act(case, p.dispatcher, "whistle", lead_department=t.department)
    case = act(case, p.department_handler, "return", reason="不属于我们")
    assert case.state == State.TO_DISPATCH
    assert case.lead_department is None
    case = act(case, p.dispatcher, "whistle", lead_department=world.police)
    assert case.state == State.DISPATCHED


def test_rework_sends_it_back_to_the_lead(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    case = act(new_case(world), p.dispatcher, "accept")
    case = act(case, p.dispatcher, "whistle", lead_department=t.department)
    case = act(case, p.department_handler, "check_in")
    case = act(case, p.department_handler, "resolve", note="已修好")
    case = act(case, p.community_staff, "rework", reason="现场仍不亮")
    assert case.state == State.DISPATCHED
    assert case.rework_count == 1
    assert case.assignments.get().state == AssignmentState.CHECKED_IN
    act(case, p.department_handler, "resolve", note="更换整套灯具")


def test_reopen_only_after_an_unsatisfied_follow_up(world: CaseWorld) -> None:
    p = world.personas
    case = act(new_case(world), p.community_staff, "accept")
    case = act(case, p.community_staff, "take")
    case = act(case, p.grid_worker, "resolve", note="已联系维修")
    case = act(case, p.community_staff, "verify")
    case = act(case, p.community_staff, "follow_up", reached=True, resolution="yes", satisfaction=4)
    with pytest.raises(ConflictError):
        act(case, p.community_staff, "reopen", reason="再看看")
    # An unsatisfied one is reopened with new deadlines.
    other = act(new_case(world, title="第二件"), p.community_staff, "accept")
    other = act(other, p.community_staff, "take")
    other = act(other, p.grid_worker, "resolve", note="处理了")
    other = act(other, p.community_staff, "verify")
    other = act(
        other, p.community_staff, "follow_up", reached=True, resolution="no", satisfaction=1
    )
    other = act(other, p.community_staff, "reopen", reason="居民反映仍未解决")
    assert other.state == State.ACCEPTED
    assert other.reopen_count == 1
    assert other.satisfaction is None


def test_close_without_follow_up_needs_a_reason(world: CaseWorld) -> None:
    p = world.personas
    case = new_case(world, anonymous=True, reporter_name="", reporter_phone="")
    assert case.confidential is True
    assert case.reporter_phone_enc == ""
    case = act(case, p.community_staff, "accept")
    case = act(case, p.community_staff, "take")
    case = act(case, p.grid_worker, "resolve", note="已处理")
    case = act(case, p.community_staff, "verify")
    with pytest.raises(ServiceError):
        act(case, p.community_staff, "close")
    case = act(case, p.community_staff, "close", reason="匿名反映，无法回访")
    assert case.close_note == "匿名反映，无法回访"


def test_suspend_pauses_and_resume_restores_the_time_left(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        case = act(new_case(world), p.dispatcher, "accept")
        case = act(case, p.dispatcher, "whistle", lead_department=t.department)
        left = case.resolve_by - timezone.now()
        case = act(case, p.dispatcher, "suspend", reason="等待产权单位确认")
    with time_machine.travel(start + dt.timedelta(days=10), tick=False):
        case = act(case, p.dispatcher, "resume")
        assert case.state == State.DISPATCHED
        assert case.resolve_by == timezone.now() + left


def test_extension_moves_resolve_by_in_working_days(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI), tick=False):
        case = act(new_case(world), p.dispatcher, "accept")
        case = act(case, p.dispatcher, "whistle", lead_department=t.department)
        case = act(case, p.department_handler, "check_in")
        before = case.resolve_by
        case = act(case, p.department_handler, "request_extension", days=3, reason="需采购灯具")
        with pytest.raises(ConflictError):
            act(case, p.department_handler, "request_extension", days=2, reason="再延")
        case = act(case, p.dispatcher, "approve_extension")
    assert case.extended is True
    assert case.resolve_by == end_of_working_day(before, 3)


def test_merge_a_duplicate_into_its_parent(world: CaseWorld) -> None:
    p = world.personas
    parent = new_case(world)
    child = new_case(world, title="同一盏路灯")
    child = act(child, p.community_staff, "merge", parent=parent, note="同一问题")
    assert child.state == State.MERGED
    assert child.parent == parent
    assert parent.events.filter(action="merged_in").exists()
    with pytest.raises(ServiceError):
        act(new_case(world, title="三"), p.community_staff, "merge", parent=child)


def test_point_outside_every_grid_goes_to_the_streets_queue(world: CaseWorld) -> None:
    t = world.tree
    inside = new_case(world, area=t.community_a, longitude=102.61, latitude=24.61)
    assert inside.area == t.subgrid_a  # the deepest area holding the point
    outside = new_case(
        world, actor=world.personas.dispatcher, area=t.street, longitude=102.95, latitude=24.95
    )
    assert outside.area == t.street
    assert outside.unassigned
    # The street assigns it to a grid.
    outside = act(outside, world.personas.dispatcher, "relocate", area=t.grid_c)
    assert outside.area == t.grid_c
    assert not outside.unassigned


def test_intake_outside_ones_area_is_refused(world: CaseWorld) -> None:
    with pytest.raises(ServiceError) as caught:
        new_case(world, actor=world.personas.grid_worker, area=world.tree.grid_b)
    assert caught.value.errors[0].field == "location"
    assert Case.objects.count() == 0


def test_bad_input_is_named_field_by_field(world: CaseWorld) -> None:
    with pytest.raises(ServiceError) as caught:
        case_register(
            actor=world.personas.community_staff,
            channel="fax",
            category=None,
            level="urgent",
            title="",
            description="",
            reporter_phone="12345",
            city_level=True,
        )
    fields = {e.field for e in caught.value.errors}
    assert {"channel", "category", "level", "title", "description", "reporter_phone"} <= fields
    assert "city_level" in fields


def _jpeg_with_exif() -> io.BytesIO:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (25, 1, 1), 4: (102, 1, 1)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    buffer.seek(0)
    buffer.name = "lamp.jpg"  # type: ignore[attr-defined]
    return buffer


def test_photos_are_reencoded_without_exif(world: CaseWorld) -> None:
    case = new_case(world, photos=[_jpeg_with_exif()])
    photo = CasePhoto.objects.get(case=case)
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info


def test_forged_and_oversized_photos_are_refused(world: CaseWorld) -> None:
    forged = io.BytesIO(b"PK\x03\x04 this is a docx")
    forged.name = "photo.jpg"  # type: ignore[attr-defined]
    big = io.BytesIO(b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10))
    big.name = "big.jpg"  # type: ignore[attr-defined]
    with pytest.raises(ServiceError) as caught:
        new_case(world, photos=[forged, big])
    assert [e.location for e in caught.value.errors] == ["photo.jpg", "big.jpg"]
    assert Case.objects.count() == 0


def test_working_days_skip_holidays_and_count_make_up_days(world: CaseWorld) -> None:
    # 2026-09-30 (Wed) + 1 working day: Oct 1–7 are the National Day holiday, so Oct 8.
    assert working_days_after(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    # Saturday 2026-10-10 is a make-up working day.
    assert working_days_after(dt.date(2026, 10, 9), 1) == dt.date(2026, 10, 10)
    # An ordinary week: Friday + 1 = Monday.
    assert working_days_after(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)


def test_every_action_has_a_handler_and_a_label() -> None:
    from shequ.cases.services import _HANDLERS  # noqa: PLC0415

    assert {row.action for row in TRANSITIONS} == set(Action) == set(_HANDLERS)


def test_available_actions_follow_the_table(world: CaseWorld) -> None:
    case = new_case(world)
    staff = {row.action for row in available_actions(world.personas.community_staff, case)}
    assert staff == {Action.ACCEPT, Action.REJECT, Action.MERGE}
    street = {row.action for row in available_actions(world.personas.dispatcher, case)}
    assert Action.RELOCATE in street
    assert available_actions(world.personas.department_handler, case) == []


def test_an_external_reference_does_not_open_someone_elses_case(world: CaseWorld) -> None:
    new_case(world, channel="hotline_order", external_ref="B-7")
    with pytest.raises(ServiceError) as caught:
        new_case(
            world,
            actor=world.personas.other_grid_worker,
            area=world.tree.grid_b,
            channel="hotline_order",
            external_ref="B-7",
        )
    assert caught.value.errors[0].field == "external_ref"
    assert Case.objects.count() == 1
