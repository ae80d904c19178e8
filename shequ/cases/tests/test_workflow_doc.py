from pathlib import Path

from shequ.cases.workflow import workflow_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "workflow.md"


def test_workflow_doc_matches_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- workflow-table -->\n", 1)[1].split("\n<!-- /workflow-table -->")[0]
    assert table == workflow_markdown(), "run scripts/update_workflow_doc.py"
