from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.utils import translation

from shequ.cases.models import Case
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, build_case_world, new_case
from shequ.core.testing import Personas, Tree

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 21, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclass
class Scene:
    world: CaseWorld
    tree: Tree
    personas: Personas
    reg: Any
    overdue: Case  # routine, grid A, registered 12-02: overdue on the 21st
    emergency: Case  # emergency, grid A
    other_community: Case  # key, grid C (community B)
    closed: Case  # whistled to 城管, closed on 12-03, very satisfied
    fresh: Case  # registered on the 21st, due later


def act(case: Case, actor: Any, action: str, **fields: Any) -> Case:
    return case_act(actor=actor, case=case, action=action, **fields)


def build_scene(tree: Tree, personas: Personas, register: Any) -> Scene:
    world = build_case_world(tree, personas)
    p, t = personas, tree
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        overdue = new_case(world, longitude=102.61, latitude=24.61, title="洛龙路路灯不亮")
        emergency = new_case(
            world,
            level="emergency",
            channel="patrol",
            title="燃气泄漏",
            longitude=102.62,
            latitude=24.62,
        )
        other = new_case(
            world, level="key", area=t.grid_c, title="七彩社区井盖缺失", actor=p.dispatcher
        )
        closed = new_case(world, channel="hotline_order", title="占道经营")
        closed = act(closed, p.community_staff, "accept")
        closed = act(closed, p.community_staff, "escalate", reason="需要城管执法中队处置")
        closed = act(closed, p.dispatcher, "whistle", lead_department=t.department)
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        closed = act(closed, p.department_handler, "check_in")
        closed = act(closed, p.department_handler, "resolve", note="已清理占道摊点")
        closed = act(closed, p.community_staff, "verify", note="现场已清理")
        closed = act(
            closed, p.community_staff, "follow_up", reached=True, resolution="yes", satisfaction=5
        )
        closed = act(closed, p.community_staff, "close")
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        fresh = new_case(
            world, channel="resident", title="小区路面破损", longitude=102.63, latitude=24.63
        )
    return Scene(world, tree, personas, register, overdue, emergency, other, closed, fresh)


@pytest.fixture
def scene(tree: Tree, personas: Personas, register: Any) -> Scene:
    return build_scene(tree, personas, register)


@pytest.fixture
def at_now(scene: Scene) -> Iterator[None]:
    """The clock on the 21st, after the scene was built in the past."""
    with time_machine.travel(NOW, tick=False):
        yield
