"""Intake over the API, the lean way (decision 0035): the answer describes the new case
without reading it back, and its measures are written by the worker, exactly once."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from PIL import Image

from shequ.cases import measures
from shequ.cases.models import Case, CaseMeasure, CaseMeasureEntry
from shequ.cases.services import case_act
from shequ.cases.tasks import record_case_measures
from shequ.cases.testing import CaseWorld, new_case
from shequ.cases.tests.test_api import intake_body
from shequ.dashboards import load as dashboards_load

CASES = "/api/v1/cases/"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _body(world: CaseWorld, **overrides: Any) -> dict[str, Any]:
    """test_api's intake body, with a reporter (whose phone the answer must describe)."""
    reporter = {"reporter_name": "王秀英", "reporter_phone": "13812345678"}
    return intake_body(world, **{**reporter, **overrides})


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _post(client: Client, body: dict[str, Any], key: str, multipart: bool = False) -> Any:
    headers = {"Idempotency-Key": key}
    if multipart:
        return client.post(CASES, data=body, headers=headers)
    return client.post(
        CASES, data=json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(
    ("overrides", "multipart"),
    [
        ({}, False),
        ({"anonymous": True, "level": "key", "city_level": True}, False),
        ({"confidential": True, "external_ref": "GD-1", "address": "洛龙路 1 号"}, False),
        ({"longitude": 102.61, "latitude": 24.61, "area": None}, False),  # located in grid A
        ({"longitude": 150.0, "latitude": 10.0}, False),  # in no grid: the street's queue
        ({"category": "0101", "level": "emergency"}, False),
        ({"photos": "two"}, True),
    ],
)
def test_the_answer_is_what_a_read_of_the_case_gives(
    world: CaseWorld, client: Client, overrides: dict[str, Any], multipart: bool
) -> None:
    body = _body(world, **overrides)
    if body.get("photos") == "two":
        body["photos"] = [
            SimpleUploadedFile("a.jpg", _jpeg((10, 200, 10)), "image/jpeg"),
            SimpleUploadedFile("b.jpg", _jpeg((200, 10, 10)), "image/jpeg"),
        ]
    if body.get("area") is None:
        body.pop("area")
    # Only the street registers a case for its unassigned queue.
    street_queue = overrides.get("longitude") == 150.0
    p = world.personas
    client.force_login(p.dispatcher if street_queue else p.community_staff)
    created = _post(client, body, "k-1", multipart)
    assert created.status_code == 201, created.content
    read = client.get(f"{CASES}{created.json()['id']}/")
    assert read.status_code == 200
    assert created.json() == read.json()
    if multipart:
        assert len(created.json()["photos"]) == 2
    # The same request again is answered from the database: the same description.
    if not multipart:
        again = _post(client, body, "k-1")
        assert again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == read.json()


def test_a_reference_seen_before_is_read_back(world: CaseWorld, client: Client) -> None:
    client.force_login(world.personas.community_staff)
    first = _post(client, _body(world, external_ref="GD-7"), "k-1")
    second = _post(client, _body(world, external_ref="GD-7"), "k-2")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()


def test_intake_statements_are_counted(world: CaseWorld, client: Client, settings: Any) -> None:
    """A lock on the number of statements of one intake (session, user, memberships and the
    second-factor device are the middleware's, paid by every page)."""
    settings.TASKS = DB_TASKS
    client.force_login(world.personas.community_staff)
    _post(client, _body(world, title="预热"), "k-0")
    with CaptureQueriesContext(connection) as queries:
        response = _post(client, _body(world), "k-1")
    assert response.status_code == 201, response.content
    assert len(queries) <= 20, "\n".join(q["sql"][:120] for q in queries.captured_queries)


# --- the measures, by the worker -------------------------------------------------------------


def _tasks() -> list[list[Any]]:
    return [
        row.args_kwargs["args"]
        for row in DBTaskResult.objects.filter(task_path__endswith="record_case_measures")
    ]


def _matches_a_rebuild() -> bool:
    kept = measures.table_snapshot()
    entries = sorted(CaseMeasureEntry.objects.values_list("case_id", "key", "days"))
    measures.rebuild()
    rebuilt = measures.table_snapshot()
    return kept == rebuilt and entries == sorted(
        CaseMeasureEntry.objects.values_list("case_id", "key", "days")
    )


def test_intake_leaves_the_measures_to_the_worker(world: CaseWorld, settings: Any) -> None:
    settings.TASKS = DB_TASKS
    case = new_case(world)
    # The case load is kept in the intake's transaction; the measures are not.
    assert dashboards_load.snapshot()[(world.tree.grid_a.area_path, "routine")] == 1
    assert not CaseMeasureEntry.objects.exists()
    assert not CaseMeasure.objects.exists()
    assert _tasks() == [[case.pk]]
    assert record_case_measures.call(case.pk) is True
    assert CaseMeasureEntry.objects.filter(pk=case.pk).exists()
    kept = measures.table_snapshot()
    # Run again (a retried task): nothing is counted twice.
    record_case_measures.call(case.pk)
    assert measures.table_snapshot() == kept
    assert _matches_a_rebuild()


def test_an_event_before_the_worker_is_counted_once(world: CaseWorld, settings: Any) -> None:
    settings.TASKS = DB_TASKS
    case = new_case(world)
    accepted = case_act(actor=world.personas.community_staff, case=case, action="accept")
    # The transition brought the rollups to the accepted case; the late intake task adds
    # nothing more.
    kept = measures.table_snapshot()
    assert sum(row[0] for row in kept[0].values()) == 1  # received once
    record_case_measures.call(case.pk)
    assert measures.table_snapshot() == kept
    assert accepted.state == "accepted"
    assert _matches_a_rebuild()


def test_a_queued_task_takes_the_other_new_cases_along(world: CaseWorld, settings: Any) -> None:
    """Tasks queued behind intakes: the first records every new case near it with one write
    of the rollups; the others find their case counted. A case an event has meanwhile
    recorded is counted once, and a case of an earlier batch is not read again."""
    settings.TASKS = DB_TASKS
    cases = [new_case(world, title=f"路灯 {n}") for n in range(4)]
    accepted = case_act(actor=world.personas.community_staff, case=cases[2], action="accept")
    assert set(CaseMeasureEntry.objects.values_list("case_id", flat=True)) == {accepted.pk}
    with CaptureQueriesContext(connection) as first:
        assert record_case_measures.call(cases[0].pk) is True
    assert set(CaseMeasureEntry.objects.values_list("case_id", flat=True)) == {c.pk for c in cases}
    rollup_writes = [q for q in first.captured_queries if "cases_casemeasure " in q["sql"]]
    assert len(rollup_writes) == 1, [q["sql"][:80] for q in first.captured_queries]
    kept = measures.table_snapshot()
    for case in cases[1:]:
        with CaptureQueriesContext(connection) as later:
            assert record_case_measures.call(case.pk) is True
        statements = [q for q in later.captured_queries if "SAVEPOINT" not in q["sql"]]
        assert len(statements) == 2  # the lock, the look at its entry
    assert measures.table_snapshot() == kept
    received = sum(row[0] for row in kept[0].values())
    assert received == 4
    assert _matches_a_rebuild()


def test_a_rolled_back_intake_leaves_no_task(world: CaseWorld, settings: Any) -> None:
    settings.TASKS = DB_TASKS
    seen: list[int] = []

    def register_then_fail() -> None:
        with transaction.atomic():
            new_case(world)
            seen.append(len(_tasks()))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        register_then_fail()
    assert seen == [1]
    assert _tasks() == []
    assert not Case.objects.exists()


# The real worker closes its connection between tasks (close_old_connections), which inside
# the test's transaction broke it on PostgreSQL: it runs with committed data, as in production.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_task(world: CaseWorld, settings: Any) -> None:
    from django.core.management import call_command  # noqa: PLC0415

    settings.TASKS = DB_TASKS
    cases = [new_case(world, title=f"路灯 {n}") for n in range(3)]
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert set(CaseMeasureEntry.objects.values_list("case_id", flat=True)) == {c.pk for c in cases}
    assert _matches_a_rebuild()


def test_a_missing_case_is_not_an_error(world: CaseWorld) -> None:
    assert record_case_measures.call(999_999) is False


def test_the_sweep_catches_up_a_case_whose_task_failed(world: CaseWorld, settings: Any) -> None:
    import datetime as dt  # noqa: PLC0415

    import time_machine  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from shequ.cases import sweep  # noqa: PLC0415

    settings.TASKS = DB_TASKS
    case = new_case(world)
    DBTaskResult.objects.update(status="FAILED")  # the worker gave up on it
    # Within the first minute the case is left to its task.
    assert sweep.record_missed_measures(timezone.now()) == 0
    later = timezone.now() + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        assert sweep.run_sweep().done["measures_caught_up"] == 1
        assert sweep.run_sweep().done["measures_caught_up"] == 0
    assert CaseMeasureEntry.objects.filter(pk=case.pk).exists()
    # The task, run late after all, counts nothing twice.
    kept = measures.table_snapshot()
    record_case_measures.call(case.pk)
    assert measures.table_snapshot() == kept
    assert _matches_a_rebuild()
