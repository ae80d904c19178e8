"""Write the table of docs/decisions/README.md from the decision files' first lines."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "docs" / "decisions"
HEAD = """# Decisions

Short records of choices where the issue or the design guide left room: context, decision, why.
Newest last.

| # | decision |
|---|---|
"""


def index() -> str:
    rows = []
    for path in sorted(FOLDER.glob("[0-9][0-9][0-9][0-9]-*.md")):
        title = path.read_text(encoding="utf-8").splitlines()[0]
        title = re.sub(r"^#\s*\d{4}\s*(—|-|:)?\s*", "", title)
        rows.append(f"| {path.name[:4]} | [{title}]({path.name}) |")
    return HEAD + "\n".join(rows) + "\n"


if __name__ == "__main__":
    (FOLDER / "README.md").write_text(index(), encoding="utf-8")
    print("updated docs/decisions/README.md")
