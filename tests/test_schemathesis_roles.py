"""Schemathesis against the REST API as the street's dispatcher and an administrator
(tests/schemathesis_support.py says how)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from shequ.core.testing import Personas, Tree
from tests.schemathesis_support import (
    MAX_EXAMPLES_OTHERS,
    OTHER_PERSONAS,
    _check,
    build_world,
    schema,
)


@pytest.fixture
def world(tree: Tree, personas: Personas, register: Any, settings: Any, tmp_path: Any) -> Any:
    return build_world(tree, personas, register, settings, tmp_path)


@pytest.mark.parametrize("persona", OTHER_PERSONAS)
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES_OTHERS,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_keeps_its_schema_for_others(
    case: Any, persona: str, world: Any, personas: Personas
) -> None:
    _check(case, persona, world, personas)
