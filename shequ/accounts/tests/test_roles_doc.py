from __future__ import annotations

from pathlib import Path

from shequ.accounts.roles import permission_table_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "roles.md"


def test_docs_show_the_role_table_from_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = text.split("<!-- roles-table -->\n", 1)[1].split("\n<!-- /roles-table -->", 1)[0]
    assert documented == permission_table_markdown(), "regenerate the table in docs/roles.md"
