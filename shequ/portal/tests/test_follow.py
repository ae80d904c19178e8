"""Following a report in public: what the timeline shows and what it never shows; rating
once; the resident account and "my reports"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shequ.accounts.models import User
from shequ.cases.models import Case, CaseEvent, State
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.actors import SYSTEM
from shequ.portal.accounts import resident_account_create
from shequ.portal.models import CaseRating, ResidentAccount
from shequ.portal.services import case_rate
from shequ.portal.tests.helpers import answer, report_form, resolve

pytestmark = pytest.mark.django_db


def test_public_timeline_leaks_no_names_notes_or_reporter(world: CaseWorld, client: Client) -> None:
    p, t = world.personas, world.tree
    p.community_staff.full_name = "社区赵敏"
    p.community_staff.save()
    p.dispatcher.full_name = "调度孙强"
    p.dispatcher.save()
    case = new_case(world, reporter_name="王秀英", reporter_phone="13812345678")
    case = case_act(actor=p.community_staff, case=case, action="accept", note="内部：老王又来了")
    case = case_act(actor=p.community_staff, case=case, action="escalate", reason="需要城管处置")
    case = case_act(actor=p.dispatcher, case=case, action="whistle", lead_department=t.department)
    case = case_act(actor=p.dispatcher, case=case, action="supervise", note="督办：务必今天处理")
    body = client.get(f"/portal/t/{case.tracking_code}/").content.decode()
    for secret in (
        "社区赵敏",
        "调度孙强",
        "老王",
        "需要城管处置",
        "督办",
        "王秀英",
        "王**",
        "13812345678",
        "138****5678",
        p.community_staff.username,
    ):
        assert secret not in body, secret
    assert t.department.name in body  # the department handling it is public (decision 0024)
    assert "已派给职能部门" in body or "部门" in body
    # only public events, in order
    assert (
        body.count('<li class="list-group-item')
        == CaseEvent.objects.filter(case=case, public=True).count()
    )


def test_the_case_number_alone_opens_nothing(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    assert client.get(f"/portal/t/{case.number}/").status_code == 404
    assert client.get("/portal/t/", {"code": case.number}).status_code == 302
    assert client.get("/portal/t/", {"code": case.tracking_code.lower()})["Location"] == (
        f"/portal/t/{case.tracking_code}/"
    )


def test_rating_after_resolution_once(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    url = f"/portal/t/{case.tracking_code}/rate/"
    client.post(url, {"resolution": "yes", "satisfaction": "5"})
    assert CaseRating.objects.count() == 0  # not resolved yet
    case = resolve(world, case)
    response = client.post(url, {"resolution": "yes", "satisfaction": "4", "comment": "很快"})
    assert response.status_code == 302
    rating = CaseRating.objects.get()
    assert (rating.satisfaction, rating.resolution, rating.as_follow_up) == (4, "yes", False)
    event = CaseEvent.objects.filter(case=case, action="rate").get()
    assert event.public
    assert event.data["satisfaction"] == 4
    client.post(url, {"resolution": "no", "satisfaction": "1"})
    assert CaseRating.objects.count() == 1
    body = client.get(f"/portal/t/{case.tracking_code}/").content.decode()
    assert "满意" in body
    assert "很快" not in body  # the comment is for the staff, not the public page


def test_rating_a_verified_case_is_its_follow_up(world: CaseWorld) -> None:
    case = resolve(world, new_case(world), verify=True)
    case_rate(case=case, satisfaction=2, resolution="partly", comment="灯亮了但还闪")
    case.refresh_from_db()
    assert case.state == State.FOLLOWED_UP
    assert (case.satisfaction, case.followup_resolution, case.followup_reached) == (
        2,
        "partly",
        True,
    )
    event = CaseEvent.objects.filter(case=case, action="follow_up").get()
    assert event.data["by"] == "reporter"
    assert event.actor_name == "portal"
    # an unsatisfied reporter lets the community reopen it, as with any follow-up
    case = case_act(
        actor=world.personas.community_staff, case=case, action="reopen", reason="未修好"
    )
    assert case.state == State.ACCEPTED


def test_rating_needs_valid_levels(world: CaseWorld) -> None:
    from shequ.core.errors import ServiceError  # noqa: PLC0415

    case = resolve(world, new_case(world))
    for bad in ({"satisfaction": 6, "resolution": "yes"}, {"satisfaction": 3, "resolution": "x"}):
        with pytest.raises(ServiceError):
            case_rate(case=case, **bad)
    assert CaseRating.objects.count() == 0


def test_resident_account_keeps_the_phone_encrypted(world: CaseWorld, client: Client) -> None:
    page = client.get("/portal/account/new/")
    assert page.status_code == 200
    response = client.post(
        "/portal/account/new/",
        {"phone": "139 1234 5678", "password": "Lamp-report-2026", "answer": answer(client)},
    )
    assert response.status_code == 302
    account = ResidentAccount.objects.get()
    assert "13912345678" not in account.user.username
    assert "13912345678" not in account.phone_enc
    assert account.phone_mask == "139****5678"
    assert not account.user.memberships.exists()
    # the same number again is refused
    client.post("/portal/account/logout/")
    client.get("/portal/account/new/")
    again = client.post(
        "/portal/account/new/",
        {"phone": "13912345678", "password": "Lamp-report-2027", "answer": answer(client)},
    )
    assert again.status_code == 400
    assert ResidentAccount.objects.count() == 1


def test_resident_signs_in_reports_and_sees_own_reports(world: CaseWorld, client: Client) -> None:
    resident_account_create(phone="13912345678", password="Lamp-report-2026")
    other = resident_account_create(phone="13700001111", password="Lamp-report-2026")
    bad = client.post(
        "/portal/account/login/", {"phone": "13912345678", "password": "wrong-password"}
    )
    assert bad.status_code == 400
    ok = client.post(
        "/portal/account/login/", {"phone": "13912345678", "password": "Lamp-report-2026"}
    )
    assert ok["Location"] == "/portal/mine/"
    assert client.post("/portal/report/", report_form(client, category=world.street_lamp.pk))
    case = Case.objects.get()
    me = User.objects.get(resident_account__phone_mask="139****5678")
    assert case.reporter_user == me
    assert case.reporter_phone_mask == "139****5678"  # staff can call back
    new_case(world, reporter_user=other)
    mine = client.get("/portal/mine/").content.decode()
    assert case.tracking_code in mine
    assert mine.count("list-group-item-action") == 1
    # staff pages stay closed to a resident
    assert client.get("/registry/").status_code == 403


def test_mine_asks_strangers_to_sign_in(client: Client, personas: Any) -> None:
    assert client.get("/portal/mine/")["Location"] == "/portal/account/login/"
    client.force_login(personas.community_staff)
    assert client.get("/portal/mine/")["Location"] == "/portal/account/login/"
    assert SYSTEM is not None
