"""The demo cases: every state of the loop, a queue for each demo login, deterministic, and
measures that equal a rebuild."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.cases import measures
from shequ.cases.access import visible_cases
from shequ.cases.models import Assignment, Case, CaseEvent, State
from shequ.demo import generate
from shequ.demo.cases import seed_cases


@pytest.fixture
def street(db: Any) -> Area:
    generate(register=0)
    return Area.objects.get(code="530114090")


def test_demo_cases_fill_every_queue(street: Area) -> None:
    made = seed_cases(street, seed=2026, count=60)
    assert made == Case.objects.count() > 60
    states = Counter(Case.objects.values_list("state", flat=True))
    assert states[State.CLOSED] > 20
    assert {State.REGISTERED, State.TO_DISPATCH, State.HANDLING, State.DISPATCHED} <= set(states)
    # Every case has its timeline from the services.
    assert CaseEvent.objects.filter(action="register").count() == made
    assert Case.objects.filter(state=State.CLOSED, satisfaction__isnull=False).exists()

    def queue(username: str, **where: Any) -> int:
        return visible_cases(User.objects.get(username=username)).filter(**where).count()

    assert queue("community", state=State.REGISTERED) >= 3
    assert queue("community", state=State.RESOLVED) >= 2
    assert queue("dispatcher", state=State.TO_DISPATCH) >= 2
    assert queue("gridchief", state=State.HANDLING) >= 3
    assert queue("gridworker", state=State.HANDLING) >= 3
    department = User.objects.get(username="department")
    waiting = Assignment.objects.filter(
        department__memberships__user=department, state="waiting"
    ).count()
    assert waiting >= 2
    assert queue("department", state=State.DISPATCHED) >= 4
    # The measures kept by the services equal a rebuild.
    kept = measures.table_snapshot()
    measures.rebuild()
    assert measures.table_snapshot() == kept
    # A second run adds nothing.
    assert seed_cases(street, seed=2026, count=60) == 0
