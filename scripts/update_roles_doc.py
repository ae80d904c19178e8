"""Write the role × permission table from shequ/accounts/roles.py into docs/roles.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from shequ.accounts.roles import permission_table_markdown  # noqa: E402

DOC = ROOT / "docs" / "roles.md"
START, END = "<!-- roles-table -->\n", "\n<!-- /roles-table -->"
text = DOC.read_text(encoding="utf-8")
head, rest = text.split(START, 1)
_old, tail = rest.split(END, 1)
DOC.write_text(head + START + permission_table_markdown() + END + tail, encoding="utf-8")
print(f"updated {DOC.relative_to(ROOT)}")
