"""GeoReport v2's two formats: XML (required by the spec) and JSON (bare arrays for lists,
as the spec's examples). Every date-time carries its offset (W3C subset of ISO 8601)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse
from django.utils import timezone

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_value(parent: Element, name: str, value: Any, item_names: Mapping[str, str]) -> None:
    node = SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _xml_value(node, key, inner, item_names)
    elif isinstance(value, list | tuple):
        child = item_names.get(name, "item")
        for inner in value:
            _xml_value(node, child, inner, item_names)
    else:
        node.text = _text(value)


def render(
    fmt: str,
    data: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    *,
    root: str,
    item: str = "",
    item_names: Mapping[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """A list (``item`` elements inside ``root``) or one object (``root`` itself)."""
    names = dict(item_names or {})
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        top = Element(root)
        if isinstance(data, Mapping):
            for key, value in data.items():
                _xml_value(top, key, value, names)
        else:
            for element in data:
                _xml_value(top, item, element, names)
        body = tostring(top, encoding="utf-8", xml_declaration=True)
        # ElementTree writes the declaration with single quotes; the spec shows double.
        body = body.replace(
            b"<?xml version='1.0' encoding='utf-8'?>", b'<?xml version="1.0" encoding="utf-8"?>'
        )
    response = HttpResponse(body, content_type=FORMATS.get(fmt, FORMATS["xml"]), status=status)
    response["Cache-Control"] = "no-store"
    return response


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """GeoReport's error shape: a list of {code, description}."""
    rows = [{"code": status, "description": text} for text in descriptions]
    return render(
        fmt if fmt in FORMATS else "xml", rows, root="errors", item="error", status=status
    )
