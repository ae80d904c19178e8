from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.core.actors import SYSTEM
from shequ.core.errors import ServiceError
from shequ.core.models import AuditRecord
from shequ.core.testing import Personas, Tree
from shequ.registry.codes import household_path, household_token
from shequ.registry.models import Resident
from shequ.registry.services import (
    ResidentData,
    house_create,
    household_code_renew,
    household_create,
    resident_add,
)
from shequ.registry.testing import ZHANG_ID, Register

pytestmark = pytest.mark.django_db


def _names(response: object) -> list[str]:
    return [r.name for r, _tags in response.context["rows"]]  # type: ignore[attr-defined]


def test_two_characters_find_a_longer_name(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.community_staff)
    assert _names(client.get(reverse("registry:residents"), {"q": "张伟"})) == ["张伟东"]
    assert _names(client.get(reverse("registry:residents"), {"q": "伟东"})) == ["张伟东"]
    assert _names(client.get(reverse("registry:residents"), {"q": "张"})) == ["张伟东"]
    assert _names(client.get(reverse("registry:residents"), {"q": "龙城路"})) == ["张伟东", "李娜"]


def test_a_bad_filter_in_a_link_drops_only_itself(
    register: Register, personas: Personas, client: Client
) -> None:
    """An unknown residency in a link leaves the search standing (not the whole register)
    and is named on the page as the filter left out."""
    client.force_login(personas.community_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("registry:residents"), {"q": "张伟", "residency": "nowhere"})
    assert _names(response) == ["张伟东"]
    assert set(response.context["form"].errors) == {"residency"}
    alert = re.search(r'id="filter-errors">(.*?)\n</div>', response.content.decode(), re.S)
    assert alert
    assert "Residency: Select a valid choice." in alert.group(1)
    assert "This filter was left out." in alert.group(1)


def test_search_stays_in_scope(register: Register, personas: Personas, client: Client) -> None:
    client.force_login(personas.other_grid_worker)
    assert _names(client.get(reverse("registry:residents"), {"q": "伟"})) == ["王伟"]
    client.force_login(personas.dispatcher)
    assert sorted(_names(client.get(reverse("registry:residents"), {"q": "伟"}))) == [
        "张伟东",
        "王伟",
    ]


def test_exact_id_number_and_phone_search_is_audited(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    assert _names(client.get(reverse("registry:residents"), {"q": ZHANG_ID})) == ["张伟东"]
    assert _names(client.get(reverse("registry:residents"), {"q": "138 1234 5678"})) == ["张伟东"]
    assert _names(client.get(reverse("registry:residents"), {"q": "0871-65551234"})) == ["李娜"]
    searches = AuditRecord.objects.filter(action="search", object_type="registry.resident")
    assert searches.count() == 3
    assert searches.first().changes["results"] == [register.li.pk]  # type: ignore[union-attr]
    assert ZHANG_ID not in str(list(searches.values_list("changes", flat=True)))


def test_care_tags_only_for_those_who_serve(
    register: Register, personas: Personas, client: Client
) -> None:
    from shequ.registry.services import resident_update  # noqa: PLC0415

    resident_update(actor=SYSTEM, resident=register.zhang, care_tags=["living_alone"])
    client.force_login(personas.grid_worker)
    page = client.get(reverse("registry:resident", args=[register.zhang.pk]))
    assert page.context["tags"] == ["Elderly living alone"] or page.context["tags"] == ["独居老人"]
    assert _names(client.get(reverse("registry:residents"), {"tag": "living_alone"})) == ["张伟东"]
    client.force_login(personas.dispatcher)
    page = client.get(reverse("registry:resident", args=[register.zhang.pk]))
    assert page.context["tags"] is None
    assert "独居老人" not in page.content.decode()
    # the filter is ignored for someone who may not see tags: it reveals nothing
    assert sorted(_names(client.get(reverse("registry:residents"), {"tag": "living_alone"}))) == [
        "张伟东",
        "李娜",
        "王伟",
    ]


def test_care_colour_only_for_those_who_serve(
    register: Register, personas: Personas, client: Client
) -> None:
    """A "care" cell on the building map says as much as the tag: the street sees the colour
    the house would have without it (decision 0011)."""
    from shequ.registry.services import resident_update  # noqa: PLC0415

    resident_update(actor=SYSTEM, resident=register.zhang, care_tags=["living_alone"])
    register.house.refresh_from_db()
    assert register.house.colour == "care"
    client.force_login(personas.grid_worker)
    building = client.get(reverse("registry:building", args=[register.building.pk]))
    assert "colour-care" in building.content.decode()
    client.force_login(personas.dispatcher)
    for url in (
        reverse("registry:building", args=[register.building.pk]),
        reverse("registry:house", args=[register.house.pk]),
        reverse("registry:home") + f"?area={register.building.area_id}",
    ):
        html = client.get(url).content.decode()
        assert "colour-care" not in html, url
        assert "colour-registered" in html, url
    home = client.get(reverse("registry:home") + f"?area={register.building.area_id}")
    legend = {c["key"]: c["count"] for c in home.context["legend"]}
    assert "care" not in legend
    assert legend["registered"] == 1  # the Zhang house, counted under its colour without care
    # Filtering by the care colour is filtering by tag: ignored for the street.
    assert sorted(_names(client.get(reverse("registry:residents"), {"colour": "care"}))) == [
        "张伟东",
        "李娜",
        "王伟",
    ]


def test_masked_on_screen(register: Register, personas: Personas, client: Client) -> None:
    client.force_login(personas.grid_worker)
    html = client.get(reverse("registry:household", args=[register.household.pk])).content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html
    html = client.get(reverse("registry:resident", args=[register.zhang.pk])).content.decode()
    assert ZHANG_ID not in html


def test_reveal_through_the_page(register: Register, personas: Personas, client: Client) -> None:
    client.force_login(personas.grid_worker)
    response = client.post(
        reverse("registry:reveal", args=[register.zhang.pk]),
        {"field": "phone", "reason": "联系本人核实"},
        HTTP_HX_REQUEST="true",
    )
    assert "13812345678" in response.content.decode()
    bad = client.post(
        reverse("registry:reveal", args=[register.zhang.pk]), {"field": "phone", "reason": ""}
    )
    assert bad.status_code == 400


def test_scan_opens_the_household_for_staff_in_scope(
    register: Register, personas: Personas, client: Client
) -> None:
    path = household_path(register.household)
    client.force_login(personas.grid_worker)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household", args=[register.household.pk])


def test_scan_shows_only_the_address_to_anyone_else(
    register: Register, personas: Personas, client: Client
) -> None:
    path = household_path(register.household)
    for user in (None, personas.other_grid_worker, personas.resident):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        assert "呈贡区龙城路1号" in html
        for personal in ("张伟东", "李娜", "138****5678", ZHANG_ID[:6] + "*"):
            assert personal not in html


def test_forged_or_revoked_codes_open_nothing(register: Register, client: Client) -> None:
    token = household_token(register.household)
    assert client.get(f"/h/{token[:-2]}xx/").status_code == 404
    household_code_renew(actor=SYSTEM, household=register.household)
    assert client.get(f"/h/{token}/").status_code == 404
    assert client.get(household_path(register.household)).status_code == 200


def test_phone_flow_in_three_taps(register: Register, personas: Personas, client: Client) -> None:
    """Scan → household (1), "Change phone" opens inline (2), save (3)."""
    client.force_login(personas.grid_worker)
    page = client.get(client.get(household_path(register.household))["Location"])
    html = page.content.decode()
    phone_url = reverse("registry:resident_phone", args=[register.li.pk])
    assert f'action="{phone_url}"' in html
    client.post(phone_url, {"phone": "13711112222"})
    register.li.refresh_from_db()
    assert register.li.phone_mask == "137****2222"


def test_add_member_form_reports_the_duplicate_with_a_link(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    response = client.post(
        reverse("registry:household", args=[register.other_household.pk]),
        {
            "member-name": "张伟东",
            "member-relation": "other",
            "member-residency": "registered",
            "member-id_number": ZHANG_ID,
        },
    )
    assert response.status_code == 404  # grid B's household is not grid A's worker's
    client.force_login(personas.community_staff)
    response = client.post(
        reverse("registry:household", args=[register.household.pk]),
        {
            "member-name": "张伟东",
            "member-relation": "other",
            "member-residency": "registered",
            "member-id_number": ZHANG_ID,
        },
    )
    assert response.status_code == 400
    assert Resident.objects.filter(name="张伟东").count() == 1


@pytest.mark.parametrize(
    "url",
    [
        lambda r: reverse("registry:residents"),
        lambda r: reverse("registry:building", args=[r.building.pk]),
        lambda r: reverse("registry:household", args=[r.household.pk]),
        lambda r: reverse("registry:home"),
    ],
)
def test_register_pages_do_not_grow_queries(
    register: Register, tree: Tree, personas: Personas, client: Client, url: object
) -> None:
    client.force_login(personas.community_staff)
    target = url(register)  # type: ignore[operator]
    client.get(target)
    with CaptureQueriesContext(connection) as small:
        assert client.get(target).status_code == 200
    for n in range(8):
        house = house_create(
            actor=SYSTEM, building=register.building, entrance=2, floor=2 + n % 4, room=f"2{n}0{n}"
        )
        household = register.household if n % 2 else household_create(actor=SYSTEM, house=house)
        resident_add(
            actor=SYSTEM,
            household=household,
            data=ResidentData(name=f"张三{n}", phone=f"1391234{n:04d}"),
        )
    with CaptureQueriesContext(connection) as large:
        assert client.get(target).status_code == 200
    assert len(large) == len(small), f"{target}: {len(small)} → {len(large)} queries"


def test_a_refused_action_says_which_field_and_why(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    response = client.post(
        reverse("registry:resident_phone", args=[register.li.pk]), {"phone": "12345"}, follow=True
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any(t.startswith(("新电话: ", "New phone: ")) for t in texts), texts
    register.li.refresh_from_db()
    assert register.li.phone_mask == "087****1234"  # unchanged


def test_keepers_see_the_editing_forms_on_the_page(
    register: Register, personas: Personas, client: Client
) -> None:
    client.force_login(personas.grid_worker)
    for url, action in (
        (
            reverse("registry:building", args=[register.building.pk]),
            reverse("registry:house_new", args=[register.building.pk]),
        ),
        (
            reverse("registry:building", args=[register.building.pk]),
            reverse("registry:building_head", args=[register.building.pk]),
        ),
        (
            reverse("registry:house", args=[register.empty_house.pk]),
            reverse("registry:household_new", args=[register.empty_house.pk]),
        ),
        (
            reverse("registry:house", args=[register.empty_house.pk]),
            reverse("registry:unit_new", args=[register.empty_house.pk]),
        ),
    ):
        html = client.get(url).content.decode()
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<form" not in title, url
        body = html.split("<main", 1)[1]
        assert f'action="{action}"' in body, (url, action)


def test_someone_moved_out_rejoins_by_id_number(
    register: Register, personas: Personas, client: Client
) -> None:
    from shequ.registry.services import resident_move_out  # noqa: PLC0415
    from shequ.registry.testing import LI_ID  # noqa: PLC0415

    resident_move_out(actor=SYSTEM, resident=register.li)
    client.force_login(personas.grid_worker)
    url = reverse("registry:household_rejoin", args=[register.household.pk])
    client.post(url, {"id_number": LI_ID, "relation": "spouse"})
    register.li.refresh_from_db()
    assert register.li.moved_out_on is None
    # someone the worker may not see (grid B) is "not in the register of your areas"
    client.post(url, {"id_number": "110105194912310021", "relation": "other"})
    assert (
        Resident.objects.filter(household=register.household, moved_out_on__isnull=True).count()
        == 2
    )


def test_a_duplicate_id_number_does_not_name_someone_outside_ones_area(
    register: Register, personas: Personas
) -> None:
    """Typing an ID number must not be a way to learn who it belongs to elsewhere."""
    member = ResidentData(name="某某", relation="other", id_number=ZHANG_ID)
    with pytest.raises(ServiceError) as caught:
        resident_add(
            actor=personas.other_grid_worker, household=register.other_household, data=member
        )
    message = str(caught.value.errors[0].message)
    assert "张伟东" not in message
    assert "another area" in message
    assert caught.value.errors[0].link == ""
    with pytest.raises(ServiceError) as caught:
        resident_add(
            actor=personas.community_staff, household=register.other_household, data=member
        )
    assert "张伟东" in str(caught.value.errors[0].message)
