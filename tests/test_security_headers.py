"""Content-Security-Policy allows only our own origin, and no page carries inline script or
style (which the policy would block in a browser)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shequ.core.testing import Personas, Tree

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.IGNORECASE)


@pytest.mark.parametrize(
    "url",
    [
        lambda t, p: reverse("home"),
        lambda t, p: reverse("areas:detail", args=[t.community_a.pk]),
        lambda t, p: reverse("areas:staff", args=[t.grid_a.pk]),
        lambda t, p: reverse("areas:import"),
        lambda t, p: reverse("accounts:users"),
        lambda t, p: reverse("accounts:user", args=[p.grid_worker.pk]),
        lambda t, p: reverse("accounts:user_new"),
        lambda t, p: reverse("accounts:otp"),
        lambda t, p: reverse("accounts:password"),
    ],
)
def test_pages_are_strict_csp_clean(
    tree: Tree, personas: Personas, client: Client, url: Any
) -> None:
    client.force_login(personas.administrator)
    response = client.get(url(tree, personas))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    # the QR code of the second-factor page is inline SVG markup, not a style attribute
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_login_page_is_strict_csp_clean(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_openapi_schema_is_valid(tmp_path: Any) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/areas/" in text
    assert "/api/v1/me/" in text
