"""Fill msgstr values in the zh_Hans catalogue from a JSON file of {msgid: msgstr} (or
{"ctx\u0004msgid": msgstr}), clearing fuzzy flags; print what is still untranslated.
Used after `make messages` when new strings arrive: python scripts/po_fill.py a.json b.json
A plural entry (zh-Hans has one form) takes the string given for its singular msgid."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> int:
    translations: dict[str, str] = {}
    for name in sys.argv[1:]:
        translations |= json.loads(Path(name).read_text(encoding="utf-8"))
    po = polib.pofile(str(PO))
    for entry in po:
        key = f"{entry.msgctxt}\u0004{entry.msgid}" if entry.msgctxt else entry.msgid
        if key not in translations:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: translations[key]}
        else:
            entry.msgstr = translations[key]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgctxt = None
    po.save()
    missing = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
