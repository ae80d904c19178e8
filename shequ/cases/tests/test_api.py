"""The case API: intake, idempotency keys, every action, the issue's "done when" over HTTP,
and bad input (malformed JSON, wrong types, unknown codes and ids, forged and oversized
photos, script in text)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from shequ.accounts.roles import Role
from shequ.cases.models import Case, CaseEvent, CasePhoto, IdempotencyKey, State
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.testing import make_user

CASES = "/api/v1/cases/"


def intake_body(world: CaseWorld, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline_12345",
        "category": "0301",
        "level": "routine",
        "title": "洛龙路路灯不亮",
        "description": "洛龙路与春融街交叉口往东第三盏路灯连续三晚不亮。",
        "area": world.tree.grid_a.pk,
    }
    body.update(overrides)
    return body


def post(client: Client, url: str, body: Any, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def act(client: Client, case_id: int, action: str, key: str | None = None, **body: Any) -> Any:
    return post(client, f"{CASES}{case_id}/actions/{action}/", body, key)


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def fields_of(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


# --- intake and idempotency ----------------------------------------------------------------


def test_intake_json_returns_the_case(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    response = post(client, CASES, intake_body(world, reporter_name="王秀英"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "registered"
    assert data["category"] == "0301"
    assert data["version"] == 1
    assert data["reporter_name"] == "王**"
    assert {a["action"] for a in data["actions"]} == {"accept", "reject", "merge"}
    assert Case.objects.get(pk=data["id"]).area == world.tree.grid_a


def test_same_key_same_body_is_the_same_case(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    first = post(client, CASES, intake_body(world), key="k-1")
    again = post(client, CASES, intake_body(world), key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1
    key = IdempotencyKey.objects.get()
    assert (key.key, key.scope, key.status) == ("k-1", "case.create", 201)


def test_same_key_different_body_is_a_conflict(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    post(client, CASES, intake_body(world), key="k-2")
    response = post(client, CASES, intake_body(world, title="另一件事"), key="k-2")
    assert response.status_code == 409
    assert fields_of(response) == {"Idempotency-Key"}
    assert response.json()["errors"][0]["message"]
    assert Case.objects.count() == 1


def test_keys_belong_to_their_user(world: CaseWorld, client: Client) -> None:
    p = world.personas
    as_user(client, p.community_staff)
    first = post(client, CASES, intake_body(world), key="shared")
    as_user(client, p.grid_chief)
    second = post(client, CASES, intake_body(world), key="shared")
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


def test_without_a_key_a_second_intake_is_a_second_case(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    a = post(client, CASES, intake_body(world))
    b = post(client, CASES, intake_body(world))
    assert a.json()["id"] != b.json()["id"]
    # ... unless the hotline's order number is the same: then it is the first case, 200.
    c = post(client, CASES, intake_body(world, channel="hotline_order", external_ref="JS-1"))
    d = post(client, CASES, intake_body(world, channel="hotline_order", external_ref="JS-1"))
    assert (c.status_code, d.status_code) == (201, 200)
    assert c.json()["id"] == d.json()["id"]
    assert Case.objects.count() == 3


def test_a_refused_request_leaves_no_key(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    bad = post(client, CASES, intake_body(world, title=""), key="k-3")
    assert bad.status_code == 400
    assert IdempotencyKey.objects.count() == 0
    good = post(client, CASES, intake_body(world), key="k-3")
    assert good.status_code == 201


def test_a_malformed_key_is_refused(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    response = post(client, CASES, intake_body(world), key="x" * 101)
    assert response.status_code == 400
    assert fields_of(response) == {"Idempotency-Key"}
    assert Case.objects.count() == 0


def test_the_loser_of_a_race_answers_with_the_winners_case(
    world: CaseWorld, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with one key at the same moment: the second's key row clashes on the
    unique constraint; its case is rolled back and it answers with the first's case."""
    from shequ.cases import idempotency  # noqa: PLC0415

    staff = world.personas.community_staff
    winner = new_case(world)
    digest_holder: dict[str, str] = {}
    real_find = idempotency._find
    calls = {"n": 0}

    def late_find(actor: Any, scope: str, key: str) -> Any:
        # The first look finds nothing (the winner has not committed yet); by the time this
        # request writes its key, the winner's key is there.
        calls["n"] += 1
        if calls["n"] == 1:
            IdempotencyKey.objects.create(
                actor=staff,
                scope=scope,
                key=key,
                body_hash=digest_holder["digest"],
                case=winner,
                status=201,
            )
            return None
        return real_find(actor, scope, key)

    real_hash = idempotency.body_hash

    def remember(*args: Any, **kwargs: Any) -> str:
        digest_holder["digest"] = real_hash(*args, **kwargs)
        return digest_holder["digest"]

    monkeypatch.setattr(idempotency, "_find", late_find)
    monkeypatch.setattr(idempotency, "body_hash", remember)
    as_user(client, staff)
    response = post(client, CASES, intake_body(world), key="race")
    assert response.status_code == 201
    assert response.json()["id"] == winner.pk
    assert Case.objects.count() == 1  # the loser's case was rolled back


def test_an_action_with_a_key_is_done_once(world: CaseWorld, client: Client) -> None:
    case = new_case(world)
    as_user(client, world.personas.community_staff)
    first = act(client, case.pk, "accept", key="a-1")
    again = act(client, case.pk, "accept", key="a-1")
    assert first.status_code == again.status_code == 200
    assert again.json()["version"] == first.json()["version"] == 2
    assert case.events.count() == 2
    # The same key on another action (another path) is another body.
    other = act(client, case.pk, "take", key="a-1")
    assert other.status_code == 409
    # A note twice with the same key is one note.
    act(client, case.pk, "take", key="a-2")
    act(client, case.pk, "handle", key="a-3", note="已联系维修")
    act(client, case.pk, "handle", key="a-3", note="已联系维修")
    assert case.events.filter(action="handle").count() == 1


def test_prune_command_removes_old_keys(world: CaseWorld, client: Client) -> None:
    import datetime as dt  # noqa: PLC0415

    from django.core.management import call_command  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    as_user(client, world.personas.community_staff)
    post(client, CASES, intake_body(world), key="old")
    post(client, CASES, intake_body(world), key="new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    out = io.StringIO()
    call_command("prune_idempotency_keys", stdout=out)
    assert "deleted 1" in out.getvalue()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


# --- bad input ------------------------------------------------------------------------------


def test_malformed_json_is_named(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    response = client.post(CASES, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "request"
    assert Case.objects.count() == 0


def test_wrong_types_are_named_field_by_field(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    response = post(
        client,
        CASES,
        intake_body(
            world,
            channel="fax",
            level=3,
            area="grid a",
            longitude="east",
            house=[1],
            anonymous="perhaps",
            title="x" * 101,
        ),
    )
    assert response.status_code == 400
    assert {"channel", "level", "area", "longitude", "house", "anonymous", "title"} <= (
        fields_of(response)
    )
    assert Case.objects.count() == 0


def test_unknown_category_is_named(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    response = post(client, CASES, intake_body(world, category="9999", house=999999))
    assert response.status_code == 400
    assert fields_of(response) == {"category", "house"}
    assert Case.objects.count() == 0


def test_service_rules_come_back_named(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    response = post(
        client, CASES, intake_body(world, reporter_phone="12345", city_level=True, level="routine")
    )
    assert response.status_code == 400
    assert fields_of(response) == {"reporter_phone", "city_level"}


def test_script_is_stored_as_data_and_returned_as_json_text(
    world: CaseWorld, client: Client
) -> None:
    as_user(client, world.personas.community_staff)
    title = '<script>alert("x")</script>路灯'
    response = post(client, CASES, intake_body(world, title=title, address="<b>1号</b>"))
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["title"] == title
    assert Case.objects.get().title == title
    # A JSON answer: the browser does not run it (nosniff keeps it from being read as HTML).
    assert response["X-Content-Type-Options"] == "nosniff"


def test_point_outside_every_grid_goes_to_the_streets_queue(
    world: CaseWorld, client: Client
) -> None:
    as_user(client, world.personas.dispatcher)
    response = post(
        client,
        CASES,
        intake_body(world, area=world.tree.street.pk, longitude=102.95, latitude=24.95),
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["unassigned"] is True
    assert data["area"] == world.tree.street.pk
    listed = client.get(CASES, {"area": world.tree.street.pk}).json()["results"]
    assert [c["id"] for c in listed] == [data["id"]]
    # The street assigns it to a grid over the API.
    moved = act(client, data["id"], "relocate", area=world.tree.grid_c.pk)
    assert moved.status_code == 200, moved.content
    assert moved.json()["unassigned"] is False


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_multipart_intake_with_photos(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    body = intake_body(world)
    body["photos"] = [
        SimpleUploadedFile("a.jpg", _jpeg(), "image/jpeg"),
        SimpleUploadedFile("b.jpg", _jpeg(), "image/jpeg"),
    ]
    response = client.post(CASES, data=body, headers={"Idempotency-Key": "m-1"})
    assert response.status_code == 201, response.content
    assert len(response.json()["photos"]) == 2
    # The same files again under the same key: the same case.
    body["photos"] = [
        SimpleUploadedFile("a.jpg", _jpeg(), "image/jpeg"),
        SimpleUploadedFile("b.jpg", _jpeg(), "image/jpeg"),
    ]
    again = client.post(CASES, data=body, headers={"Idempotency-Key": "m-1"})
    assert again.json()["id"] == response.json()["id"]
    # Another file under the same key is another body.
    other = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 10, 10)).save(other, "JPEG")
    body["photos"] = [SimpleUploadedFile("a.jpg", other.getvalue(), "image/jpeg")]
    assert client.post(CASES, data=body, headers={"Idempotency-Key": "m-1"}).status_code == 409
    assert CasePhoto.objects.count() == 2


def test_forged_and_oversized_photos_are_refused(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.community_staff)
    body = intake_body(world)
    body["photos"] = [
        SimpleUploadedFile("photo.jpg", b"PK\x03\x04 a docx", "image/jpeg"),
        SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10), "image/jpeg"),
    ]
    response = client.post(CASES, data=body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["field"], e["location"]) for e in errors] == [
        ("photos", "photo.jpg"),
        ("photos", "big.jpg"),
    ]
    assert Case.objects.count() == 0


def test_action_bad_input(world: CaseWorld, client: Client) -> None:
    p = world.personas
    case = new_case(world)
    as_user(client, p.dispatcher)
    act(client, case.pk, "accept")
    wrong = act(client, case.pk, "whistle", lead_department="城管", co_departments="all")
    assert wrong.status_code == 400
    assert fields_of(wrong) == {"lead_department", "co_departments"}
    missing = act(client, case.pk, "whistle", lead_department=999999)
    assert fields_of(missing) == {"lead_department"}
    required = act(client, case.pk, "whistle")
    assert fields_of(required) == {"lead_department"}
    days = act(client, case.pk, "suspend", reason="x", version="two")
    assert fields_of(days) == {"version"}
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED


# --- every action, the "done when" flow -----------------------------------------------------


def test_done_when_over_the_api(world: CaseWorld, client: Client) -> None:
    """A hotline order is entered at the community, whistled by the street to two
    departments, both check in, one returns it, the other resolves it, the community
    verifies, the follow-up rates it, and it is closed: all over HTTP."""
    p, t = world.personas, world.tree
    police = make_user("police_handler", Role.DEPARTMENT_HANDLER, department=world.police)
    staff, dispatcher, handler = Client(), Client(), Client()
    staff.force_login(p.community_staff)
    dispatcher.force_login(p.dispatcher)
    handler.force_login(p.department_handler)
    police_client = Client()
    police_client.force_login(police)

    created = post(
        staff,
        CASES,
        intake_body(world, channel="hotline_order", external_ref="JS20261123-0042"),
        key="intake-1",
    )
    assert created.status_code == 201
    case_id = created.json()["id"]

    def step(who: Client, action: str, **body: Any) -> dict[str, Any]:
        current = who.get(f"{CASES}{case_id}/").json()
        assert action in {a["action"] for a in current["actions"]}, (action, current["actions"])
        response = act(who, case_id, action, version=current["version"], **body)
        assert response.status_code == 200, response.content
        data: dict[str, Any] = response.json()
        return data

    step(staff, "accept")
    step(staff, "escalate", reason="需要城管和派出所联合处置")
    data = step(
        dispatcher, "whistle", lead_department=t.department.pk, co_departments=[world.police.pk]
    )
    assert {a["department"] for a in data["assignments"]} == {t.department.pk, world.police.pk}
    step(handler, "check_in")
    step(police_client, "check_in")
    step(police_client, "return", reason="路灯维修不属于派出所职责")
    step(handler, "handle", note="已安排维修班组")
    step(handler, "resolve", note="已更换灯泡，恢复照明")
    step(staff, "verify", note="现场查看已亮")
    step(staff, "follow_up", reached=True, resolution="yes", satisfaction=5)
    data = step(staff, "close")
    assert data["state"] == "closed"
    assert data["closed_on_time"] is True
    timeline = staff.get(f"{CASES}{case_id}/events/").json()
    assert [e["action"] for e in timeline] == [
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
    # The returned department keeps seeing the case it took part in; the timeline names it.
    assert police_client.get(f"{CASES}{case_id}/").status_code == 200


def test_every_action_is_reachable_over_the_api(world: CaseWorld, client: Client) -> None:
    p, t = world.personas, world.tree
    staff, street, dept, worker = Client(), Client(), Client(), Client()
    staff.force_login(p.community_staff)
    street.force_login(p.dispatcher)
    dept.force_login(p.department_handler)
    worker.force_login(p.grid_worker)
    done: set[str] = set()

    def ok(who: Client, case_id: int, action: str, **body: Any) -> dict[str, Any]:
        response = act(who, case_id, action, **body)
        assert response.status_code == 200, (action, response.content)
        done.add(action)
        data: dict[str, Any] = response.json()
        return data

    one = new_case(world).pk
    ok(street, one, "relocate", area=t.grid_b.pk)
    ok(staff, one, "accept")
    ok(street, one, "supervise", note="请尽快处理")
    ok(street, one, "suspend", reason="等待产权单位确认")
    ok(street, one, "resume")
    ok(street, one, "whistle", lead_department=t.department.pk)
    ok(
        street,
        one,
        "reroute",
        lead_department=t.department.pk,
        co_departments=[world.police.pk],
        reason="需派出所配合",
    )
    ok(dept, one, "check_in")
    ok(dept, one, "request_extension", days=3, reason="需采购灯具")
    ok(street, one, "deny_extension", reason="不同意")
    ok(dept, one, "request_extension", days=2, reason="需采购灯具")
    ok(street, one, "approve_extension")
    ok(dept, one, "handle", note="已派人")
    photo = SimpleUploadedFile("after.jpg", _jpeg(), "image/jpeg")
    resolved = dept.post(
        f"{CASES}{one}/actions/resolve/", data={"note": "已修好", "photos": [photo]}
    )
    assert resolved.status_code == 200, resolved.content
    assert [ph["kind"] for ph in resolved.json()["photos"]] == ["result"]
    done.add("resolve")
    ok(staff, one, "rework", reason="仍不亮")
    ok(dept, one, "resolve", note="更换灯具")
    ok(staff, one, "verify")
    ok(staff, one, "follow_up", reached=True, resolution="no", satisfaction=1, comment="还是不亮")
    ok(staff, one, "reopen", reason="居民反映未解决")

    two = new_case(world).pk
    ok(staff, two, "accept")
    ok(staff, two, "take")
    ok(worker, two, "handle", note="已上门")
    ok(staff, two, "escalate", reason="社区无法处理")
    ok(street, two, "whistle", lead_department=t.department.pk)
    ok(dept, two, "return", reason="不属于城管")

    three = new_case(world)
    ok(staff, three.pk, "merge", parent=Case.objects.get(pk=one).number)
    four = new_case(world).pk
    ok(staff, four, "reject", reason="重复反映")
    five = new_case(world).pk
    ok(staff, five, "accept")
    ok(staff, five, "take")
    ok(worker, five, "resolve", note="已处理")
    ok(staff, five, "verify")
    ok(staff, five, "follow_up", reached=False, reason="电话无人接听")
    ok(staff, five, "close")

    from shequ.cases.workflow import Action  # noqa: PLC0415

    assert done == set(Action.values)


def test_conflicts_and_refusals(world: CaseWorld, client: Client) -> None:
    p = world.personas
    case = new_case(world)
    as_user(client, p.community_staff)
    illegal = act(client, case.pk, "close")
    assert illegal.status_code == 409
    assert fields_of(illegal) == {"action"}
    act(client, case.pk, "accept", version=1)
    stale = act(client, case.pk, "reject", version=1, reason="重复")
    assert stale.status_code == 409
    assert fields_of(stale) == {"version"}
    # A grid worker sees the case but accepting is not theirs: 403.
    as_user(client, p.grid_worker)
    assert act(client, case.pk, "supervise", note="催办").status_code == 403
    # The other grid's worker does not see it: 404, as for a case that does not exist.
    as_user(client, p.other_grid_worker)
    assert act(client, case.pk, "take").status_code == 404
    assert client.get(f"{CASES}{case.pk}/").status_code == 404
    assert client.get(f"{CASES}999999/").status_code == 404
    # An unknown action is not a page either.
    as_user(client, p.community_staff)
    assert act(client, case.pk, "teleport").status_code == 404
    assert Case.objects.get(pk=case.pk).version == 2


# --- reading --------------------------------------------------------------------------------


def test_list_filters_and_search(world: CaseWorld, client: Client) -> None:
    p, t = world.personas, world.tree
    lamp = new_case(world)
    noise = new_case(
        world,
        title="广场舞噪音扰民",
        description="每晚九点后仍有音响",
        category=world.street_lamp.parent,
        channel="resident",
        level="key",
    )
    as_user(client, p.community_staff)

    def ids(**params: Any) -> set[int]:
        response = client.get(CASES, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {lamp.pk, noise.pk}
    assert ids(q="噪音") == {noise.pk}
    assert ids(q="路灯") == {lamp.pk}
    assert ids(channel="resident") == {noise.pk}
    assert ids(level="key") == {noise.pk}
    assert ids(state="registered") == {lamp.pk, noise.pk}
    assert ids(category=world.street_lamp.code) == {lamp.pk}
    assert ids(category=world.street_lamp.parent.code) == {lamp.pk, noise.pk}
    assert ids(area=t.grid_b.pk) == set()
    assert ids(overdue="false") == {lamp.pk, noise.pk}
    bad = client.get(CASES, {"state": "lost", "overdue": "maybe", "area": "x"})
    assert bad.status_code == 400
    assert fields_of(bad) == {"state", "overdue", "area"}
    # Keyset pages: newest first, a cursor to the next.
    first = client.get(CASES, {"page_size": 1}).json()
    assert [r["id"] for r in first["results"]] == [noise.pk]
    second = client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [lamp.pk]


def test_overdue_filter(world: CaseWorld, client: Client) -> None:
    import datetime as dt  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    late = new_case(world)
    new_case(world, title="按时的")
    Case.objects.filter(pk=late.pk).update(resolve_by=timezone.now() - dt.timedelta(hours=1))
    as_user(client, world.personas.community_staff)
    rows = client.get(CASES, {"overdue": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [late.pk]


def test_confidential_reporter_is_hidden_from_handlers(world: CaseWorld, client: Client) -> None:
    p, t = world.personas, world.tree
    case = new_case(world, confidential=True)
    as_user(client, p.community_staff)
    assert client.get(f"{CASES}{case.pk}/").json()["reporter_phone"] == "138****5678"
    as_user(client, p.grid_worker)
    detail = client.get(f"{CASES}{case.pk}/").json()
    assert (detail["reporter_name"], detail["reporter_phone"]) == (None, None)
    # A grid worker may reveal the register's data but not a confidential reporter.
    refused = post(
        client, f"{CASES}{case.pk}/reveal/", {"field": "reporter_phone", "reason": "回访核实"}
    )
    assert refused.status_code == 403
    as_user(client, p.community_staff)
    revealed = post(
        client, f"{CASES}{case.pk}/reveal/", {"field": "reporter_phone", "reason": "回访核实"}
    )
    assert revealed.json() == {"value": "13812345678"}
    short = post(client, f"{CASES}{case.pk}/reveal/", {"field": "reporter_phone", "reason": "x"})
    assert fields_of(short) == {"reason"}
    del t


def test_list_queries_do_not_grow_with_the_page(
    world: CaseWorld, client: Client, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        new_case(world, title=f"第{n}件")
    as_user(client, world.personas.community_staff)
    with django_assert_max_num_queries(8):
        response = client.get(CASES)
    assert len(response.json()["results"]) == 12


def test_categories_tree_and_files(world: CaseWorld, client: Client) -> None:
    as_user(client, world.personas.grid_worker)
    tree = client.get("/api/v1/categories/").json()
    lamp_parent = next(c for c in tree if c["code"] == world.street_lamp.parent.code)
    assert "0301" in {c["code"] for c in lamp_parent["children"]}
    assert client.get("/api/v1/categories/export/").status_code == 403
    as_user(client, world.personas.administrator)
    exported = client.get("/api/v1/categories/export/").json()
    assert exported["format"] == "shequ-categories-1"
    again = post(client, "/api/v1/categories/import/", exported)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": len(Case_categories())}
    exported["categories"].append({"code": "X901", "name": "<b>新</b>类别"})
    added = post(client, "/api/v1/categories/import/", exported)
    assert added.json()["created"] == 1
    broken = post(client, "/api/v1/categories/import/", {"format": "nope"})
    assert broken.status_code == 400
    assert fields_of(broken) == {"format"}


def Case_categories() -> list[Any]:  # noqa: N802
    from shequ.cases.models import Category  # noqa: PLC0415

    return list(Category.objects.all())


def test_calendar_files(world: CaseWorld, client: Client) -> None:
    from shequ.cases.models import CalendarDay  # noqa: PLC0415
    from shequ.core.models import AuditRecord  # noqa: PLC0415

    as_user(client, world.personas.administrator)
    exported = client.get("/api/v1/calendar/export/").json()
    assert "2026-10-01" in exported["holidays"]["国庆节"]
    unchanged = post(client, "/api/v1/calendar/import/", exported)
    assert unchanged.json()["created"] == 0
    exported["holidays"]["元旦"].append("2027-01-01")
    audits = AuditRecord.objects.count()
    added = post(client, "/api/v1/calendar/import/", exported)
    assert added.json()["created"] == 1
    assert AuditRecord.objects.count() == audits + 1
    exported["workdays"]["元旦"] = ["2027-13-01"]
    bad = post(client, "/api/v1/calendar/import/", exported)
    assert bad.status_code == 400
    assert fields_of(bad) == {"workdays"}
    upload = SimpleUploadedFile("calendar.json", b"{oops", "application/json")
    broken = client.post("/api/v1/calendar/import/", {"file": upload})
    assert fields_of(broken) == {"file"}
    assert CalendarDay.objects.filter(day="2027-01-01").exists()


def test_urls_are_named_as_documented() -> None:
    assert reverse("api:cases") == CASES
    assert reverse("api:case_action", args=[1, "accept"]) == f"{CASES}1/actions/accept/"
