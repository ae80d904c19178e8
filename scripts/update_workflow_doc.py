"""Write the case workflow table from shequ/cases/workflow.py into docs/workflow.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from shequ.cases.workflow import workflow_markdown  # noqa: E402

DOC = ROOT / "docs" / "workflow.md"
START, END = "<!-- workflow-table -->\n", "\n<!-- /workflow-table -->"
text = DOC.read_text(encoding="utf-8")
head, rest = text.split(START, 1)
_old, tail = rest.split(END, 1)
DOC.write_text(head + START + workflow_markdown() + END + tail, encoding="utf-8")
print(f"updated {DOC.relative_to(ROOT)}")
