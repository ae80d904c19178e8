"""The calendar, the deadline policies and the active webhooks are kept in the process
(``shequ.core.memo``, decision 0036): a change made here is seen at once, a change made by
another process when the copy expires, and nothing read inside a transaction outlives it."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shequ.cases import deadlines
from shequ.cases.categories import CALENDAR_FORMAT, calendar_import
from shequ.cases.deadlines import deadlines_for, working_days_after
from shequ.cases.models import CalendarDay, DayKind, DeadlinePolicy
from shequ.cases.testing import CaseWorld

MONDAY = dt.date(2027, 3, 1)


def _holiday(day: dt.date) -> dict[str, Any]:
    return {"format": CALENDAR_FORMAT, "holidays": {"测试假日": [day.isoformat()]}}


# Committed data, as in production: inside a test's transaction, a fixture that wrote to the
# calendar (seed_defaults does in some years) would leave this thread reading it afresh.
@pytest.mark.django_db(transaction=True)
def test_read_once_then_from_the_process(world: CaseWorld) -> None:
    with CaptureQueriesContext(connection) as first:
        working_days_after(MONDAY, 1)
        deadlines_for(world.street_lamp, "routine")
    tables = " ".join(q["sql"] for q in first.captured_queries)
    assert "cases_calendarday" in tables
    assert "cases_deadlinepolicy" in tables
    with CaptureQueriesContext(connection) as again:
        assert working_days_after(MONDAY, 1) == MONDAY + dt.timedelta(days=1)
        deadlines_for(world.street_lamp, "key")
        deadlines_for(world.street_lamp, "routine")
    assert again.captured_queries == []


def test_an_import_here_is_seen_at_once(world: CaseWorld) -> None:
    assert working_days_after(MONDAY, 1) == dt.date(2027, 3, 2)
    calendar_import(actor=world.personas.administrator, payload=_holiday(dt.date(2027, 3, 2)))
    assert working_days_after(MONDAY, 1) == dt.date(2027, 3, 3)


@pytest.mark.django_db(transaction=True)
def test_a_change_elsewhere_is_seen_when_the_copy_expires(
    world: CaseWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr("shequ.core.memo.time.monotonic", lambda: clock[0])
    assert working_days_after(MONDAY, 1) == dt.date(2027, 3, 2)
    # Another process's write: no signal reaches this one.
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=dt.date(2027, 3, 2), kind=DayKind.HOLIDAY, name="别处")]
    )
    clock[0] += 299
    assert working_days_after(MONDAY, 1) == dt.date(2027, 3, 2)
    clock[0] += 2
    assert working_days_after(MONDAY, 1) == dt.date(2027, 3, 3)


def test_a_policy_saved_here_is_seen_at_once(world: CaseWorld) -> None:
    before = deadlines_for(None, "routine").warn
    policy = DeadlinePolicy.objects.get(level="routine")
    policy.warn_hours += 3
    policy.save()
    assert deadlines_for(None, "routine").warn == before + dt.timedelta(hours=3)


@pytest.mark.django_db(transaction=True)
def test_what_a_rolled_back_transaction_read_does_not_stay(world: CaseWorld) -> None:
    seen: list[dt.date] = []

    def change_read_then_fail() -> None:
        with transaction.atomic():
            CalendarDay.objects.create(day=dt.date(2027, 3, 2), kind=DayKind.HOLIDAY, name="未提交")
            seen.append(working_days_after(MONDAY, 1))  # sees its own uncommitted holiday
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_read_then_fail()
    assert seen == [dt.date(2027, 3, 3)]
    assert not CalendarDay.objects.filter(day=dt.date(2027, 3, 2)).exists()
    assert working_days_after(MONDAY, 1) == dt.date(2027, 3, 2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_other_threads_keep_their_copy_until_the_commit(world: CaseWorld) -> None:
    """Only the changing thread sees its uncommitted rows; a copy another thread reads
    meanwhile is the committed table, and is dropped when the change commits."""
    seen: list[dt.date] = []

    def other_thread() -> None:
        seen.append(working_days_after(MONDAY, 1))
        connection.close()

    with transaction.atomic():
        CalendarDay.objects.create(day=dt.date(2027, 3, 2), kind=DayKind.HOLIDAY, name="新增")
        assert working_days_after(MONDAY, 1) == dt.date(2027, 3, 3)
        reader = threading.Thread(target=other_thread)
        reader.start()
        reader.join()
        assert seen == [dt.date(2027, 3, 2)]
    assert working_days_after(MONDAY, 1) == dt.date(2027, 3, 3)
    assert deadlines._special_days.get()[dt.date(2027, 3, 2)] == DayKind.HOLIDAY
