"""The deadline sweep: warned before, overdue after, escalated to the street — each exactly
once, across reruns, a worker killed in the middle and two sweeps at once."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from shequ.cases import notify, sweep
from shequ.cases.models import Assignment, Case, CaseEvent, State
from shequ.cases.models_notify import Notification
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.models import AuditRecord

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def act(case: Case, actor: Any, action: str, **fields: Any) -> Case:
    return case_act(actor=actor, case=case, action=action, **fields)


def events(case: Case, action: str) -> int:
    return CaseEvent.objects.filter(case=case, action=action).count()


def kinds(user: Any) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def handled_by_grid(world: CaseWorld) -> Case:
    """A routine case the community handles in grid A (resolve by 2026-12-01 00:00)."""
    p = world.personas
    with time_machine.travel(MONDAY_9, tick=False):
        case = act(new_case(world), p.community_staff, "accept")
        return act(case, p.community_staff, "take")


def test_warned_then_overdue_then_escalated_each_once(world: CaseWorld) -> None:
    p = world.personas
    case = handled_by_grid(world)
    assert case.resolve_by == dt.datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)

    with time_machine.travel(case.resolve_by - dt.timedelta(hours=9), tick=False):
        assert sum(sweep.run_sweep().done.values()) == 0  # routine: warned 8 hours before
    with time_machine.travel(case.resolve_by - dt.timedelta(hours=7), tick=False):
        assert sweep.run_sweep().done["case_warned"] == 1
        assert sweep.run_sweep().done["case_warned"] == 0
    case.refresh_from_db()
    assert case.warned_at is not None
    assert case.overdue_at is None
    # The grid holds it: its chief and worker are told; the street is not, yet.
    assert kinds(p.grid_chief) == ["assigned", "deadline_near"]
    assert kinds(p.grid_worker) == ["assigned", "deadline_near"]
    assert kinds(p.other_grid_worker) == []
    assert kinds(p.dispatcher) == []

    with time_machine.travel(case.resolve_by + dt.timedelta(minutes=1), tick=False):
        result = sweep.run_sweep()
        assert result.done["case_overdue"] == 1
        assert result.done["case_escalated"] == 1
        assert sum(sweep.run_sweep().done.values()) == 0
    case.refresh_from_db()
    assert case.overdue_at is not None
    assert case.escalated_at is not None
    assert [events(case, a) for a in ("deadline_warned", "overdue", "escalated")] == [1, 1, 1]
    assert not CaseEvent.objects.filter(case=case, action="overdue", public=True).exists()
    assert kinds(p.grid_chief) == ["assigned", "deadline_near", "overdue"]
    assert kinds(p.dispatcher) == ["escalated"]
    system = AuditRecord.objects.filter(
        object_type="cases.case", object_id=str(case.pk), actor_name="system"
    )
    assert system.count() == 3


def test_department_that_does_not_check_in(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    with time_machine.travel(MONDAY_9, tick=False):
        case = act(new_case(world), p.dispatcher, "accept")
        case = act(case, p.dispatcher, "whistle", lead_department=t.department)
    assignment = Assignment.objects.get(case=case)
    assert assignment.respond_by == MONDAY_9 + dt.timedelta(hours=24)
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=17), tick=False):
        assert sweep.run_sweep().done["check_in_warned"] == 1
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=25), tick=False):
        result = sweep.run_sweep()
        assert result.done["check_in_overdue"] == 1
        assert result.done["check_in_escalated"] == 1
        assert sum(sweep.run_sweep().done.values()) == 0
    assignment.refresh_from_db()
    assert assignment.overdue_at is not None
    assert assignment.escalated_at is not None
    assert kinds(p.department_handler) == ["assigned", "deadline_near", "overdue"]
    assert kinds(p.dispatcher) == ["escalated"]
    event = CaseEvent.objects.get(case=case, action="escalated")
    assert event.department == t.department
    assert event.data["deadline"] == "check_in"
    # Checking in late is still checking in; nothing more is said about that check-in.
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=26), tick=False):
        act(case, p.department_handler, "check_in")
        assert sweep.run_sweep().done["check_in_overdue"] == 0


def test_suspended_and_resolved_cases_are_not_swept(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    with time_machine.travel(MONDAY_9, tick=False):
        suspended = act(new_case(world), p.dispatcher, "accept")
        suspended = act(suspended, p.dispatcher, "suspend", reason="等待产权单位确认")
        resolved = handled_by_grid(world)
        resolved = act(resolved, p.grid_worker, "resolve", note="已修好")
    with time_machine.travel(MONDAY_9 + dt.timedelta(days=30), tick=False):
        assert sum(sweep.run_sweep().done.values()) == 0
    assert not CaseEvent.objects.filter(action__in=tuple(sweep.ACTION_LABELS)).exists()
    assert t.department  # the tree is intact


def test_an_extension_starts_the_marks_again(world: CaseWorld) -> None:
    p = world.personas
    case = handled_by_grid(world)
    with time_machine.travel(case.resolve_by - dt.timedelta(hours=2), tick=False):
        sweep.run_sweep()
        case = act(case, p.grid_worker, "request_extension", days=2, reason="需采购灯具")
        case = act(case, p.community_staff, "approve_extension")
    assert case.warned_at is None
    with time_machine.travel(case.resolve_by - dt.timedelta(hours=2), tick=False):
        assert sweep.run_sweep().done["case_warned"] == 1
    assert events(case, "deadline_warned") == 2
    assert kinds(p.grid_chief) == ["assigned", "deadline_near", "deadline_near"]


class Killed(BaseException):
    """Stands for the worker being killed: not an error the sweep would catch and log."""


def test_worker_killed_in_the_middle_neither_repeats_nor_misses(
    world: CaseWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = world.personas
    with time_machine.travel(MONDAY_9, tick=False):
        cases = [
            act(new_case(world, title=f"路灯不亮{i}"), p.community_staff, "accept")
            for i in range(5)
        ]
    late = MONDAY_9 + dt.timedelta(days=10)
    real = notify.dispatchers
    calls = {"n": 0}

    def dies_on_the_third(case: Case) -> set[int]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed
        return real(case)

    monkeypatch.setattr(notify, "dispatchers", dies_on_the_third)
    with time_machine.travel(late, tick=False), pytest.raises(Killed):
        sweep.run_sweep()
    escalated = Case.objects.filter(escalated_at__isnull=False).count()
    assert escalated == 2  # two done and committed; the third rolled back with its claim
    assert CaseEvent.objects.filter(action="escalated").count() == 2

    monkeypatch.setattr(notify, "dispatchers", real)
    with time_machine.travel(late + dt.timedelta(minutes=1), tick=False):
        result = sweep.run_sweep()
        assert result.done["case_escalated"] == 3
        assert sum(sweep.run_sweep().done.values()) == 0
    for case in cases:
        assert events(case, "overdue") == 1
        assert events(case, "escalated") == 1
    assert kinds(p.dispatcher) == ["escalated"] * 5


def test_an_error_on_one_case_does_not_stop_the_others(
    world: CaseWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = world.personas
    with time_machine.travel(MONDAY_9, tick=False):
        bad = act(new_case(world, title="坏的"), p.community_staff, "accept")
        good = act(new_case(world, title="好的"), p.community_staff, "accept")
    real = notify.holders

    def broken(case: Case) -> set[int]:
        if case.pk == bad.pk:
            msg = "boom"
            raise RuntimeError(msg)
        return real(case)

    monkeypatch.setattr(notify, "holders", broken)
    with time_machine.travel(MONDAY_9 + dt.timedelta(days=10), tick=False):
        result = sweep.run_sweep()
    assert result.failed == 1
    assert events(good, "overdue") == 1
    assert events(bad, "overdue") == 0
    bad.refresh_from_db()
    assert bad.overdue_at is None  # left for the next pass


def test_two_sweeps_interleaved_act_once(world: CaseWorld) -> None:
    """Both sweeps read the same due rows before either claims one (what happens when two
    run at once on SQLite, where their transactions take turns)."""
    p = world.personas
    with time_machine.travel(MONDAY_9, tick=False):
        for i in range(3):
            act(new_case(world, title=f"井盖{i}"), p.community_staff, "accept")
    now = MONDAY_9 + dt.timedelta(days=10)
    with time_machine.travel(now, tick=False):
        for step in sweep.STEPS:
            first = sweep.candidates(step, now)
            second = sweep.candidates(step, now)
            assert first == second
            won = [
                sweep.process(step, pk, d, now)
                for pair in zip(first, second, strict=True)
                for pk, d in pair
            ]
            assert won.count(True) == len(first)
    assert CaseEvent.objects.filter(action="overdue").count() == 3
    assert CaseEvent.objects.filter(action="escalated").count() == 3
    assert kinds(p.dispatcher) == ["escalated"] * 3


def test_the_command_runs_one_pass(world: CaseWorld, capsys: pytest.CaptureFixture[str]) -> None:
    handled_by_grid(world)
    with time_machine.travel(MONDAY_9 + dt.timedelta(days=10), tick=False):
        call_command("sweep_deadlines")
    out = capsys.readouterr().out
    assert "case_overdue 1" in out
    assert "case_escalated 1" in out


def test_the_task_runs_one_pass(world: CaseWorld) -> None:
    from shequ.cases.tasks import sweep_deadlines  # noqa: PLC0415

    handled_by_grid(world)
    with time_machine.travel(MONDAY_9 + dt.timedelta(days=10), tick=False):
        result = sweep_deadlines.enqueue()
    assert "case_escalated 1" in result.return_value
    assert CaseEvent.objects.filter(action="escalated").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_on_postgresql(tree: Any, personas: Any) -> None:
    from shequ.cases.testing import build_case_world  # noqa: PLC0415

    world = build_case_world(tree, personas)
    p = world.personas
    with time_machine.travel(MONDAY_9, tick=False):
        for i in range(20):
            act(new_case(world, title=f"并发{i}"), p.community_staff, "accept")
    now = MONDAY_9 + dt.timedelta(days=10)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            sweep.run_sweep(now)
            sweep.run_sweep(now)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Rows a sweep skipped because another held them are done by the next pass.
    sweep.run_sweep(now)
    assert CaseEvent.objects.filter(action="overdue").count() == 20
    assert CaseEvent.objects.filter(action="escalated").count() == 20
    assert Notification.objects.filter(user=p.dispatcher, kind="escalated").count() == 20
    assert Case.objects.filter(state=State.ACCEPTED, escalated_at__isnull=True).count() == 0


KILLER = """
import datetime as dt, os, signal, sys
import django
django.setup()
from shequ.cases import notify, sweep
real, calls = notify.dispatchers, []
def dies_on_the_third(case):
    calls.append(case.pk)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no rollback handler: a real kill
    return real(case)
notify.dispatchers = dies_on_the_third
sweep.run_sweep(dt.datetime.fromisoformat(sys.argv[1]))
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second process needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_worker_process_killed_with_sigkill(tree: Any, personas: Any) -> None:
    """The same as above with a real process killed by SIGKILL in the middle of a pass."""
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    from shequ.cases.testing import build_case_world  # noqa: PLC0415

    world = build_case_world(tree, personas)
    p = world.personas
    with time_machine.travel(MONDAY_9, tick=False):
        for i in range(5):
            act(new_case(world, title=f"被杀{i}"), p.community_staff, "accept")
    now = MONDAY_9 + dt.timedelta(days=10)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": url}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", KILLER, now.isoformat()], env=env, check=False, timeout=120
    )
    assert done.returncode == -9
    assert CaseEvent.objects.filter(action="overdue").count() == 5
    assert CaseEvent.objects.filter(action="escalated").count() == 2  # the third died unsaid
    sweep.run_sweep(now)
    sweep.run_sweep(now)
    assert CaseEvent.objects.filter(action="escalated").count() == 5
    assert Notification.objects.filter(user=p.dispatcher, kind="escalated").count() == 5
    assert Case.objects.filter(escalated_at__isnull=True).count() == 0
