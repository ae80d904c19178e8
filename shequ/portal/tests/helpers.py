"""Shared by the portal's and Open311's tests: photos, answering the challenge, and moving
a case along the workflow as staff would."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from shequ.cases.models import Case
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld


def jpeg(name: str = "lamp.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 40)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def answer(client: Client) -> str:
    return str(client.session["portal_challenge"]["a"])


def report_form(client: Client, **overrides: Any) -> dict[str, Any]:
    """Open the report page (which asks a question) and fill in the form."""
    page = client.get("/portal/report/" + overrides.pop("query", ""))
    assert page.status_code == 200
    key = page.context["form"].initial["form_key"]
    data: dict[str, Any] = {
        "form_key": key,
        "description": "洛龙路春融街口第三盏路灯连续三晚不亮，晚上看不清路",
        "longitude": "102.67",
        "latitude": "24.67",
        "answer": answer(client),
    }
    data.update(overrides)
    return data


def resolve(world: CaseWorld, case: Case, *, verify: bool = False) -> Case:
    """The community accepts, takes and resolves the case (and verifies it)."""
    staff = world.personas.community_staff
    case = case_act(actor=staff, case=case, action="accept")
    case = case_act(actor=staff, case=case, action="take")
    case = case_act(actor=staff, case=case, action="handle", note="内部备注：联系了王师傅维修")
    case = case_act(actor=staff, case=case, action="resolve", note="已更换灯泡，恢复照明")
    if verify:
        case = case_act(actor=staff, case=case, action="verify")
    return case
