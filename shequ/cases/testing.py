"""Fixtures for the case engine's tests: the default categories and calendar, a second
department of the street, and a case registered at the community through the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shequ.areas.models import Department
from shequ.areas.services import department_create
from shequ.cases.categories import seed_defaults
from shequ.cases.models import Case, Category
from shequ.cases.services import case_register
from shequ.core.actors import SYSTEM
from shequ.core.testing import Personas, Tree


@dataclass
class CaseWorld:
    tree: Tree
    personas: Personas
    police: Department  # a second department of the street
    street_lamp: Category  # 0301 路灯损坏


def build_case_world(tree: Tree, personas: Personas) -> CaseWorld:
    # Transactional tests empty every table, the migration's seed included: seed again.
    seed_defaults()
    police = department_create(
        actor=SYSTEM, area=tree.street, name="龙城派出所", short_name="派出所"
    )
    return CaseWorld(tree, personas, police, Category.objects.get(code="0301"))


def new_case(world: CaseWorld, actor: Any = None, **overrides: Any) -> Case:
    values: dict[str, Any] = {
        "channel": "hotline_12345",
        "category": world.street_lamp,
        "level": "routine",
        "title": "洛龙路路灯不亮",
        "description": "洛龙路与春融街交叉口往东第三盏路灯连续三晚不亮，晚上行人看不清路。",
        "reporter_name": "王秀英",
        "reporter_phone": "13812345678",
        "area": world.tree.grid_a,
    }
    values.update(overrides)
    return case_register(actor=actor or world.personas.community_staff, **values).case
