"""Schemathesis against the REST API as the community's staff (tests/schemathesis_support.py
says how); the other personas are in tests/test_schemathesis_roles.py."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from shequ.core.testing import Personas, Tree
from tests.schemathesis_support import (
    MAX_EXAMPLES,
    _check,
    build_world,
    schema,
)


@pytest.fixture
def world(tree: Tree, personas: Personas, register: Any, settings: Any, tmp_path: Any) -> Any:
    return build_world(tree, personas, register, settings, tmp_path)


# (parametrized even for one persona: schemathesis then makes one pytest item per operation,
# with its own world, also under xdist)
@pytest.mark.parametrize("persona", ["community_staff"])
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_keeps_its_schema(case: Any, persona: str, world: Any, personas: Personas) -> None:
    _check(case, persona, world, personas)
