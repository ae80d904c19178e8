"""A NUL character in a query parameter is a 400 page naming the parameter on every page, not
a 500 from PostgreSQL (which cannot search text with NUL). The REST API's and Open311's own
error shapes are tested with them (tests/test_api_bad_input.py, shequ/open311/tests)."""

from __future__ import annotations

import pytest
from django.test import Client

from shequ.core.testing import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/registry/residents/?q=%E5%BC%A0%00", "q"),
        ("/cases/?q=%00", "q"),
        ("/cases/?state=open&q=x&area%00=1", "area"),
        ("/manage/users/?q=a%00", "q"),
        ("/portal/replies/?q=%00%E8%B7%AF", "q"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400_page_naming_it(
    client: Client, personas: Personas, url: str, field: str
) -> None:
    client.force_login(
        personas.administrator if url.startswith("/manage/") else personas.community_staff
    )
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert f'data-field="{field}"' in response.content.decode()


def test_the_400_page_is_a_page_like_the_others(client: Client, personas: Personas) -> None:
    """The signed-in user's menu and the security headers, and a way back: the same page
    without the parameter that holds the NUL (the others kept), or home."""
    client.force_login(personas.community_staff)
    response = client.get("/cases/?state=accepted&q=%E8%B7%AF%00&area%00=1&level=routine")
    assert response.status_code == 400
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
    page = response.content.decode()
    assert "nav-inbox" in page  # the menu of a signed-in user
    assert 'href="/cases/?state=accepted&amp;level=routine"' in page
    assert 'href="/"' in page


def test_the_400_page_of_the_portal_goes_back_to_the_portal(client: Client) -> None:
    response = client.get("/portal/replies/?q=%00")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="/portal/replies/" id="open-without"' in page
    assert 'href="/portal/"' in page
