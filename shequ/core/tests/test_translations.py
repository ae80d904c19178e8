"""The Simplified Chinese catalogue is complete, keeps its placeholders, and is compiled.

The interface speaks zh-Hans by default, so an untranslated or fuzzy entry shows English to
a Chinese user, a lost placeholder raises KeyError (or drops a value) at runtime, and a stale
.mo serves yesterday's wording. None of these checks needs the database.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
LC_MESSAGES = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
RECOMPILE = (
    "run `manage.py compilemessages -l zh_Hans --ignore '.venv/*' --ignore '.tools/*'`"
    " and commit the .mo"
)

# %(name)s, %(n)d, %s, %d …, and {name} / {{ name }}; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"
    r"|%[#0\- +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"
    r"|\{\{[^{}]*\}\}"
    r"|\{[^{}]*\}"
)

Key = tuple[str, str, str]  # (msgctxt, msgid, msgid_plural)


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def _po() -> polib.POFile:
    assert PO.is_file(), f"{PO} is missing"
    return polib.pofile(str(PO))


def _key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _translations(entries: list[polib.POEntry] | list[polib.MOEntry]) -> dict[Key, object]:
    mapping: dict[Key, object] = {}
    for entry in entries:
        if entry.msgid_plural:
            mapping[_key(entry)] = tuple(
                entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)
            )
        else:
            mapping[_key(entry)] = entry.msgstr
    return mapping


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{entry.msgid!r} ({where})" if where else repr(entry.msgid)


def test_header_declares_simplified_chinese() -> None:
    po = _po()
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert po.metadata.get("Language") == "zh_Hans"
    assert po.metadata.get("Plural-Forms") == "nplurals=1; plural=0;"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


def test_every_entry_is_translated() -> None:
    untranslated = [_label(e) for e in _po().untranslated_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated}"


def test_no_entry_is_fuzzy() -> None:
    fuzzy = [_label(e) for e in _po().fuzzy_entries()]
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy}"


def test_placeholders_survive_translation() -> None:
    problems: list[str] = []
    for entry in _po():
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            # Chinese has one form, usually translated from the plural msgid: it needs the
            # placeholders of both.
            wanted = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural)
            translated = list(entry.msgstr_plural.values())
        else:
            wanted = _placeholders(entry.msgid)
            translated = [entry.msgstr]
        for text in translated:
            if not text:
                continue
            missing = wanted - _placeholders(text)
            if missing:
                problems.append(f"{_label(entry)} -> {text!r} lacks {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_the_po() -> None:
    assert MO.is_file(), f"{MO} is missing: {RECOMPILE}"
    expected = _translations(_po().translated_entries())
    compiled = _translations(list(polib.mofile(str(MO))))
    stale = sorted(k[1] for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    absent = sorted(k[1] for k in expected.keys() - compiled.keys())
    extra = sorted(k[1] for k in compiled.keys() - expected.keys())
    assert not stale, f"django.mo has older translations of {stale}: {RECOMPILE}"
    assert not absent, f"django.mo lacks {absent}: {RECOMPILE}"
    assert not extra, (
        f"django.mo still has {extra}, which the .po no longer translates: {RECOMPILE}"
    )


def test_django_serves_the_chinese_login_button() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") == "登录"
