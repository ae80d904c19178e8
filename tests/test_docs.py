"""The documentation that is generated from something else stays in step with it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_decision_is_in_the_index() -> None:
    spec = importlib.util.spec_from_file_location(
        "update_decisions_index", ROOT / "scripts" / "update_decisions_index.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "decisions" / "README.md").read_text(encoding="utf-8")
    assert current == module.index(), "run scripts/update_decisions_index.py"
