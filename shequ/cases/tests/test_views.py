"""The case pages through the Django client: intake (and its double submit), my work, the
case with its actions, the dispatch dialog, the board, the list with search and filters,
the export; bad input, conflicts and escaping."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image
from python_calamine import CalamineWorkbook

from shequ.cases.models import Assignment, AssignmentState, Case, CaseEvent, CasePhoto, State
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def login(client: Client, user: Any) -> Client:
    """Logged in, with the pages in English (the messages the tests read)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def token(client: Client) -> str:
    page = client.get(reverse("cases:new")).content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def intake_data(world: CaseWorld, **overrides: Any) -> dict[str, Any]:
    data = {
        "channel": "hotline_order",
        "category": world.street_lamp.pk,
        "level": "routine",
        "title": "春融街路灯不亮",
        "description": "春融街东段三盏路灯连续两晚不亮。",
        "reporter_name": "王秀英",
        "reporter_phone": "13812345678",
        "area": world.tree.grid_a.pk,
    }
    data.update(overrides)
    return data


def jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    return buffer


def act(case: Case, actor: Any, action: str, **fields: Any) -> Case:
    return case_act(actor=actor, case=case, action=action, **fields)


# --- intake -------------------------------------------------------------------------------------


def test_intake_registers_a_case_with_a_photo(world: CaseWorld, client: Client) -> None:
    login(client, world.personas.community_staff)
    data = intake_data(world, form_token=token(client), photos=[jpeg()])
    response = client.post(reverse("cases:new"), data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.title == "春融街路灯不亮"
    assert case.area == world.tree.grid_a
    assert case.reporter_phone_mask == "138****5678"
    assert CasePhoto.objects.filter(case=case).count() == 1


def test_intake_form_shows_grouped_categories_and_only_own_areas(
    world: CaseWorld, client: Client
) -> None:
    login(client, world.personas.grid_worker)
    page = client.get(reverse("cases:new")).content.decode()
    assert "<optgroup" in page
    assert world.street_lamp.name in page
    assert world.tree.grid_a.name in page
    assert "七彩社区" not in page  # community B is not the worker's
    assert 'id="pin-map-data"' in page


def test_double_submit_with_the_same_token_is_one_case(world: CaseWorld, client: Client) -> None:
    login(client, world.personas.community_staff)
    data = intake_data(world, form_token=token(client))
    first = client.post(reverse("cases:new"), data)
    second = client.post(reverse("cases:new"), data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_same_external_reference_twice_is_one_case(world: CaseWorld, client: Client) -> None:
    login(client, world.personas.community_staff)
    for _ in range(2):
        data = intake_data(world, form_token=token(client), external_ref="JS-0042")
        response = client.post(reverse("cases:new"), data)
        assert response.status_code == 302
    assert Case.objects.count() == 1


def test_intake_errors_are_shown_per_field_and_nothing_is_saved(
    world: CaseWorld, client: Client
) -> None:
    login(client, world.personas.community_staff)
    data = intake_data(world, form_token=token(client), title="", reporter_phone="12345", area="")
    response = client.post(reverse("cases:new"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "title" in form.errors
    assert Case.objects.count() == 0
    data = intake_data(world, form_token=token(client), reporter_phone="12345", area="")
    response = client.post(reverse("cases:new"), data)
    form = response.context["form"]
    assert response.status_code == 400
    assert set(form.errors) >= {"reporter_phone", "area"}
    assert Case.objects.count() == 0


def test_intake_by_household_number(world: CaseWorld, client: Client) -> None:
    from shequ.registry.testing import build_register  # noqa: PLC0415

    register = build_register(world.tree)
    login(client, world.personas.grid_worker)
    data = intake_data(
        world, form_token=token(client), area="", household=str(register.household.pk)
    )
    response = client.post(reverse("cases:new"), data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.household == register.household
    data = intake_data(world, form_token=token(client), area="", household="no-such")
    response = client.post(reverse("cases:new"), data)
    assert response.status_code == 400
    assert "household" in response.context["form"].errors


def test_intake_by_point_finds_the_grid(world: CaseWorld, client: Client) -> None:
    login(client, world.personas.community_staff)
    data = intake_data(world, form_token=token(client), area="", longitude=102.61, latitude=24.61)
    assert client.post(reverse("cases:new"), data).status_code == 302
    assert Case.objects.get().area == world.tree.subgrid_a


# --- the case and its actions -------------------------------------------------------------------


def test_detail_escapes_script_in_title_and_description(world: CaseWorld, client: Client) -> None:
    case = new_case(
        world, title="<script>alert(1)</script>", description="<b>x</b><script>y</script>"
    )
    login(client, world.personas.community_staff)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page
    listing = client.get(reverse("cases:list")).content.decode()
    assert "<script>alert(1)</script>" not in listing


def test_detail_shows_actions_masked_reporter_and_deadlines(
    world: CaseWorld, client: Client
) -> None:
    case = new_case(world)
    login(client, world.personas.community_staff)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    page = response.content.decode()
    assert [r.action.value for r in response.context["actions"]] == ["accept", "reject", "merge"]
    assert "王**" in page
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "deadline-left" in page
    assert 'id="timeline"' in page


def test_confidential_reporter_hidden_from_the_department(world: CaseWorld, client: Client) -> None:
    case = new_case(world, confidential=True)
    p = world.personas
    case = act(case, p.community_staff, "accept")
    case = act(case, p.community_staff, "escalate", reason="需要城管处置")
    act(case, p.dispatcher, "whistle", lead_department=world.tree.department)
    login(client, p.department_handler)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "王**" not in page
    assert "138****5678" not in page


def test_reveal_reporter_phone_needs_a_reason_and_is_audited(
    world: CaseWorld, client: Client
) -> None:
    case = new_case(world)
    login(client, world.personas.community_staff)
    url = reverse("cases:reveal", args=[case.pk])
    assert client.post(url, {"field": "reporter_phone", "reason": ""}).status_code == 400
    before = AuditRecord.objects.filter(action="read").count()
    response = client.post(url, {"field": "reporter_phone", "reason": "回访核实办理结果"})
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    assert AuditRecord.objects.filter(action="read").count() == before + 1


def test_photo_is_served_only_to_those_who_see_the_case(world: CaseWorld, client: Client) -> None:
    case = new_case(world, photos=[jpeg()])
    photo = CasePhoto.objects.get(case=case)
    login(client, world.personas.community_staff)
    response = client.get(reverse("cases:photo", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    login(client, world.personas.other_grid_worker)
    assert client.get(reverse("cases:photo", args=[photo.pk])).status_code == 404
    login(client, world.personas.department_handler)
    assert client.get(reverse("cases:photo", args=[photo.pk])).status_code == 404


def test_action_form_is_a_fragment_for_htmx(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    login(client, world.personas.community_staff)
    url = reverse("cases:act", args=[case.pk, "reject"])
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert 'name="act-reason"' in fragment
    assert 'name="act-version"' in fragment
    full = client.get(url).content.decode()
    assert "<html" in full


def test_action_without_its_required_field_names_it(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    login(client, world.personas.community_staff)
    url = reverse("cases:act", args=[case.pk, "reject"])
    response = client.post(url, {"act-version": case.version, "act-reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    case.refresh_from_db()
    assert case.state == State.REGISTERED


def test_stale_version_shows_a_conflict_message(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    seen = case.version
    act(case, world.personas.grid_chief, "accept")  # someone else, meanwhile
    login(client, world.personas.community_staff)
    response = client.post(
        reverse("cases:act", args=[case.pk, "take"]), {"act-version": seen, "act-note": ""}
    )
    assert response.status_code == 409
    assert 'id="conflict"' in response.content.decode()
    assert "someone else changed this case meanwhile" in response.context["conflict"]
    case.refresh_from_db()
    assert case.state == State.ACCEPTED


def test_action_from_a_state_that_moved_on_is_a_conflict(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    login(client, world.personas.community_staff)
    response = client.post(
        reverse("cases:act", args=[case.pk, "verify"]), {"act-version": case.version}
    )
    assert response.status_code == 409
    assert "cannot be given" in response.context["conflict"]


def test_grid_worker_may_not_accept(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    login(client, world.personas.grid_worker)
    response = client.post(
        reverse("cases:act", args=[case.pk, "accept"]), {"act-version": case.version}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == State.REGISTERED


def test_dispatch_dialog_lists_street_and_district_departments_with_default(
    world: CaseWorld, client: Client
) -> None:
    from shequ.areas.services import department_create  # noqa: PLC0415
    from shequ.core.actors import SYSTEM  # noqa: PLC0415

    t = world.tree
    district_dept = department_create(
        actor=SYSTEM, area=t.district, name="区住建局", short_name="住建"
    )
    case = new_case(world)
    case = act(case, world.personas.community_staff, "accept")
    case = act(case, world.personas.community_staff, "escalate", reason="需要街道协调")
    login(client, world.personas.dispatcher)
    response = client.get(reverse("cases:act", args=[case.pk, "whistle"]))
    form = response.context["form"]
    choices = {d.pk for d in form.fields["lead_department"].queryset}
    assert choices == {t.department.pk, world.police.pk, district_dept.pk}
    # 0301 路灯损坏 → its default department's short name is matched in the street
    short = world.street_lamp.default_department or world.street_lamp.parent.default_department
    expected = next(d for d in (t.department, world.police, district_dept) if d.short_name == short)
    assert form.initial["lead_department"] == expected.pk


def test_resolve_with_photos_through_the_page(world: CaseWorld, client: Client) -> None:
    p, t = world.personas, world.tree
    case = new_case(world)
    case = act(case, p.community_staff, "accept")
    case = act(case, p.community_staff, "escalate", reason="需要城管处置")
    case = act(case, p.dispatcher, "whistle", lead_department=t.department)
    case = act(case, p.department_handler, "check_in")
    login(client, p.department_handler)
    response = client.post(
        reverse("cases:act", args=[case.pk, "resolve"]),
        {"act-version": case.version, "act-note": "已更换灯泡", "act-photos": [jpeg()]},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    event = case.events.get(action="resolve")
    assert event.photos.count() == 1


def test_follow_up_form_fields_and_bad_satisfaction(world: CaseWorld, client: Client) -> None:
    p = world.personas
    case = new_case(world)
    for action, fields in (
        ("accept", {}),
        ("take", {}),
        ("resolve", {"note": "已修复"}),
        ("verify", {}),
    ):
        case = act(case, p.community_staff, action, **fields)
    login(client, p.community_staff)
    url = reverse("cases:act", args=[case.pk, "follow_up"])
    form = client.get(url).context["form"]
    assert set(form.fields) == {
        "version",
        "reached",
        "resolution",
        "satisfaction",
        "comment",
        "reason",
    }
    response = client.post(
        url, {"act-version": case.version, "act-reached": "yes", "act-satisfaction": "9"}
    )
    assert response.status_code == 400
    assert "satisfaction" in response.context["form"].errors
    response = client.post(
        url,
        {
            "act-version": case.version,
            "act-reached": "yes",
            "act-resolution": "yes",
            "act-satisfaction": "4",
            "act-comment": "很满意",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.satisfaction == 4


def test_merge_by_case_number(world: CaseWorld, client: Client) -> None:
    main = new_case(world, title="主件")
    duplicate = new_case(world, title="重复件")
    login(client, world.personas.community_staff)
    url = reverse("cases:act", args=[duplicate.pk, "merge"])
    response = client.post(url, {"act-version": duplicate.version, "act-parent": "20990101-999999"})
    assert response.status_code == 400
    assert "parent" in response.context["form"].errors
    response = client.post(url, {"act-version": duplicate.version, "act-parent": main.number})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.parent == main


# --- my work and the board ---------------------------------------------------------------------


def _dispatched(world: CaseWorld, **overrides: Any) -> Case:
    p = world.personas
    case = new_case(world, **overrides)
    case = act(case, p.community_staff, "accept")
    case = act(case, p.community_staff, "escalate", reason="需要城管处置")
    return act(case, p.dispatcher, "whistle", lead_department=world.tree.department)


def test_work_tabs_per_role_with_counts(world: CaseWorld, client: Client) -> None:
    new_case(world, title="待受理")
    _dispatched(world, title="已派")
    login(client, world.personas.community_staff)
    response = client.get(reverse("cases:work"))
    tabs = {q.key: q.count for q in response.context["queues"]}
    assert tabs == {
        "accept": 1,
        "verify": 0,
        "follow_up": 0,
        "close": 0,
        "handling": 0,
        "extensions": 0,
    }
    login(client, world.personas.dispatcher)
    tabs = {q.key: q.count for q in client.get(reverse("cases:work")).context["queues"]}
    assert tabs["dispatch"] == 0
    assert "overdue" in tabs
    login(client, world.personas.department_handler)
    response = client.get(reverse("cases:work"))
    tabs = {q.key: q.count for q in response.context["queues"]}
    assert tabs == {"check_in": 1, "in_progress": 0}
    assert "已派" in response.content.decode()
    login(client, world.personas.grid_worker)
    tabs = {q.key for q in client.get(reverse("cases:work")).context["queues"]}
    assert tabs == {"handling"}


def test_work_puts_overdue_first(world: CaseWorld, client: Client) -> None:
    import datetime as dt  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    later = new_case(world, title="不急")
    late = new_case(world, title="超期")
    now = timezone.now()
    Case.objects.filter(pk=later.pk).update(resolve_by=now + dt.timedelta(days=1))
    Case.objects.filter(pk=late.pk).update(resolve_by=now - dt.timedelta(hours=2))
    login(client, world.personas.community_staff)
    response = client.get(reverse("cases:work") + "?tab=accept")
    assert [c.title for c in response.context["active"].rows] == ["超期", "不急"]
    assert "deadline-overdue" in response.content.decode()


def test_work_query_count_does_not_grow_with_rows(
    world: CaseWorld, client: Client, django_assert_num_queries: Any
) -> None:
    for i in range(3):
        new_case(world, title=f"路灯{i}")
    login(client, world.personas.community_staff)
    client.get(reverse("cases:work"))  # warm the session
    # 12: the page's own queries, the session and user, and the inbox badge's unread count.
    with django_assert_num_queries(12):
        client.get(reverse("cases:work") + "?tab=accept")
    for i in range(5):
        new_case(world, title=f"井盖{i}")
    with django_assert_num_queries(12):
        client.get(reverse("cases:work") + "?tab=accept")


def test_board_shows_the_departments_cases_by_state(world: CaseWorld, client: Client) -> None:
    waiting = _dispatched(world, title="待报到件")
    checked = _dispatched(world, title="已报到件")
    act(checked, world.personas.department_handler, "check_in")
    new_case(world, title="未派件")
    login(client, world.personas.department_handler)
    response = client.get(reverse("cases:board"))
    columns = {key: [a.case.title for a in items] for key, _, items in response.context["columns"]}
    assert columns == {
        "waiting": ["待报到件"],
        "checked_in": ["已报到件"],
        "resolved": [],
        "returned": [],
    }
    assert "未派件" not in response.content.decode()
    assert waiting.pk


# --- list, search, export -------------------------------------------------------------------------


def test_two_chinese_characters_find_a_case(world: CaseWorld, client: Client) -> None:
    new_case(world, title="洛龙路路灯不亮")
    new_case(world, title="小区垃圾清运不及时", description="垃圾桶满了没人清")
    login(client, world.personas.community_staff)
    rows = client.get(reverse("cases:list"), {"q": "路灯"}).context["rows"]
    assert [c.title for c in rows] == ["洛龙路路灯不亮"]
    rows = client.get(reverse("cases:list"), {"q": "垃圾清运"}).context["rows"]
    assert [c.title for c in rows] == ["小区垃圾清运不及时"]
    assert client.get(reverse("cases:list"), {"q": "灯垃"}).context["rows"] == []


def test_search_by_case_number_and_by_phone_is_audited(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    new_case(world, reporter_phone="13900001111", title="另一件")
    login(client, world.personas.community_staff)
    rows = client.get(reverse("cases:list"), {"q": case.number}).context["rows"]
    assert rows == [case]
    before = AuditRecord.objects.filter(action="search").count()
    rows = client.get(reverse("cases:list"), {"q": "13812345678"}).context["rows"]
    assert rows == [case]
    record = AuditRecord.objects.filter(action="search").latest("id")
    assert AuditRecord.objects.filter(action="search").count() == before + 1
    assert record.changes["results"] == [case.pk]
    assert "13812345678" not in str(record.changes)


def test_filters_and_keyset_pages(world: CaseWorld, client: Client) -> None:
    from shequ.cases import selectors  # noqa: PLC0415

    cases = [new_case(world, title=f"路灯{i}") for i in range(5)]
    new_case(world, title="应急", level="emergency", description="燃气泄漏")
    login(client, world.personas.community_staff)
    rows = client.get(reverse("cases:list"), {"level": "emergency"}).context["rows"]
    assert [c.title for c in rows] == ["应急"]
    rows = client.get(reverse("cases:list"), {"state": "accepted"}).context["rows"]
    assert rows == []
    qs = selectors.cases(world.personas.community_staff, selectors.CaseFilter(query="路灯"))
    first = selectors.keyset_page(qs, None, size=2)
    second = selectors.keyset_page(qs, str(first.next_after), size=2)
    third = selectors.keyset_page(qs, str(second.next_after), size=2)
    seen = [c.pk for c in first.rows + second.rows + third.rows]
    assert seen == sorted((c.pk for c in cases), reverse=True)
    assert third.next_after is None
    response = client.get(reverse("cases:list"), {"q": "路灯", "after": str(cases[2].pk)})
    assert [c.pk for c in response.context["rows"]] == [cases[1].pk, cases[0].pk]


def test_area_filter_past_the_listed_areas_filters(
    world: CaseWorld, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A district has more areas than the filter lists; one further down (asked for by a link
    from the command screen, say) still filters, while one outside the scope filters nothing."""
    from shequ.cases import views  # noqa: PLC0415

    new_case(world, title="第一网格的件")
    new_case(world, title="第二网格的件", area=world.tree.grid_b)
    monkeypatch.setattr(views, "AREA_CHOICES", 1)
    login(client, world.personas.dispatcher)
    for grid, title in ((world.tree.grid_b, "第二网格的件"), (world.tree.grid_a, "第一网格的件")):
        rows = client.get(reverse("cases:list"), {"area": grid.pk}).context["rows"]
        assert [c.title for c in rows] == [title]
    login(client, world.personas.grid_worker)  # grid A only: grid B is not offered
    response = client.get(reverse("cases:list"), {"area": world.tree.grid_b.pk})
    assert "area" in response.context["form"].errors
    assert {c.title for c in response.context["rows"]} == {"第一网格的件"}


def test_a_bad_filter_in_a_link_drops_only_itself(world: CaseWorld, client: Client) -> None:
    """A link with a valid state and an area the user is not offered lists the cases in that
    state (not the whole scope), and says which filter was left out and why."""
    p = world.personas
    new_case(world, title="待受理的件")
    accepted = act(new_case(world, title="已受理的件"), p.community_staff, "accept")
    new_case(world, title="第二网格的件", area=world.tree.grid_b)
    login(client, p.grid_worker)  # grid A only: grid B is not offered
    response = client.get(
        reverse("cases:list"), {"state": accepted.state, "area": world.tree.grid_b.pk}
    )
    assert response.status_code == 200
    assert [c.title for c in response.context["rows"]] == ["已受理的件"]
    form = response.context["form"]
    assert set(form.errors) == {"area"}
    alert = re.search(r'id="filter-errors">(.*?)\n</div>', response.content.decode(), re.S)
    assert alert
    errors = alert.group(1)
    assert "Area: Select a valid choice." in errors
    assert "This filter was left out." in errors
    assert "State" not in errors
    # an unknown state in a link: the area still filters, the state is named as left out
    login(client, p.dispatcher)
    response = client.get(
        reverse("cases:list"), {"state": "no-such-state", "area": world.tree.grid_b.pk}
    )
    assert [c.title for c in response.context["rows"]] == ["第二网格的件"]
    assert set(response.context["form"].errors) == {"state"}
    assert "State: Select a valid choice." in response.content.decode()
    # the htmx partial carries the message too (the form above it is not swapped)
    response = client.get(
        reverse("cases:list"), {"state": "no-such-state"}, headers={"HX-Request": "true"}
    )
    assert 'id="filter-errors"' in response.content.decode()


def test_export_with_a_bad_filter_keeps_the_good_ones(world: CaseWorld, client: Client) -> None:
    new_case(world, title="洛龙路路灯不亮")
    new_case(world, title="垃圾清运", description="垃圾没人清")
    login(client, world.personas.community_staff)
    response = client.get(reverse("cases:export"), {"q": "路灯", "level": "no-such-level"})
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) == 2
    assert "洛龙路路灯不亮" in " ".join(str(v) for v in rows[1])


def test_list_is_scoped(world: CaseWorld, client: Client) -> None:
    new_case(world, title="第一网格的件")
    new_case(world, title="第二网格的件", area=world.tree.grid_b)
    login(client, world.personas.grid_worker)
    titles = {c.title for c in client.get(reverse("cases:list")).context["rows"]}
    assert titles == {"第一网格的件"}
    login(client, world.personas.department_handler)
    assert list(client.get(reverse("cases:list")).context["rows"]) == []


def test_export_is_masked_filtered_and_audited(world: CaseWorld, client: Client) -> None:
    new_case(world, title="洛龙路路灯不亮")
    new_case(world, title="垃圾清运", description="垃圾没人清")
    login(client, world.personas.community_staff)
    response = client.get(reverse("cases:export"), {"q": "路灯"})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) == 2
    text = " ".join(str(v) for v in rows[1] if v not in (None, ""))
    assert "洛龙路路灯不亮" in text
    assert "138****5678" in text
    assert "13812345678" not in text
    record = AuditRecord.objects.filter(action="export").latest("id")
    assert record.changes["rows"] == 1
    assert record.changes["filter"] == {"query": "路灯"}


def test_home_and_nav_link_to_cases(world: CaseWorld, client: Client) -> None:
    login(client, world.personas.community_staff)
    page = client.get(reverse("home")).content.decode()
    assert reverse("cases:work") in page
    assert reverse("cases:new") in page
    login(client, world.personas.auditor)
    assert reverse("cases:work") not in client.get(reverse("home")).content.decode()


def test_timeline_lists_every_event(world: CaseWorld, client: Client) -> None:
    case = _dispatched(world)
    login(client, world.personas.community_staff)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert len(response.context["events"]) == CaseEvent.objects.filter(case=case).count() == 4
    assert Assignment.objects.get(case=case).state == AssignmentState.WAITING
