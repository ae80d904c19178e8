"""等保2.0 level 3 login security: argon2, lockout, idle timeout, password rules, TOTP."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.accounts.models import User
from shequ.accounts.services import user_create
from shequ.core.actors import SYSTEM
from shequ.core.errors import ServiceError
from shequ.core.models import AuditRecord
from shequ.core.testing import PASSWORD, Personas

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def login(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(settings: Any, personas: Personas) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = user_create(
        actor=SYSTEM, username="argon", full_name="阿贡", password="Quite-long-pass-9"
    )
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Short-1", "at least 10"),
        ("12345678901234", "entirely numeric"),
        ("password1234", "too common"),
    ],
)
def test_weak_passwords_are_refused_naming_the_field(db: Any, password: str, says: str) -> None:
    with translation.override("en"), pytest.raises(ServiceError) as caught:
        user_create(actor=SYSTEM, username="weak", full_name="弱", password=password)
    assert {e.field for e in caught.value.errors} == {"password"}
    assert any(says in str(e.message) for e in caught.value.errors)
    assert not User.objects.filter(username="weak").exists()


def test_five_failures_lock_the_account_for_fifteen_minutes(
    personas: Personas, client: Client, settings: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            assert login(client, "worker_a", "wrong-password").status_code == 401
        response = login(client, "worker_a", "wrong-password")
        assert response.status_code == 429
        # locked: even the right password is refused now
        response = login(client, "worker_a")
        assert response.status_code == 429
        assert "15" in response.content.decode()
        clock.shift(dt.timedelta(minutes=14))
        assert login(client, "worker_a").status_code == 429
        clock.shift(dt.timedelta(minutes=2))
        assert login(client, "worker_a").status_code == 302
    actions = list(
        AuditRecord.objects.filter(actor_name="worker_a")
        .values_list("action", flat=True)
        .order_by("pk")
    )
    assert actions.count("login_failed") == 4
    assert "lockout" in actions
    assert actions[-1] == "login"


def test_the_lockout_is_per_account(personas: Personas, client: Client, settings: Any) -> None:
    for _ in range(5):
        login(client, "worker_a", "wrong-password")
    assert login(client, "worker_b").status_code == 302


def test_security_admin_can_unlock(personas: Personas, client: Client, settings: Any) -> None:
    for _ in range(5):
        login(client, "worker_b", "wrong-password")
    admin = Client()
    admin.force_login(personas.security_admin)
    assert (
        admin.post(
            reverse("accounts:user_unlock", args=[personas.other_grid_worker.pk])
        ).status_code
        == 302
    )
    assert login(client, "worker_b").status_code == 302


def test_session_ends_after_thirty_idle_minutes(
    personas: Personas, client: Client, settings: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert login(client, "worker_a").status_code == 302
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity keeps the session alive
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/areas/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert "idle=1" in response["Location"]
        assert client.get("/").status_code == 302  # logged out for good
    assert AuditRecord.objects.filter(action="logout", reason="idle timeout").count() == 1


def test_api_gets_401_json_after_idle_timeout(
    personas: Personas, client: Client, settings: Any
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        login(client, "worker_a")
        assert client.get("/api/v1/me/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["errors"][0]["field"] == "session"


def _htmx_after_idle(client: Client, current_url: str) -> HttpResponse:
    """An htmx request from ``current_url`` made 31 minutes after the last one."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        login(client, "worker_a")
        assert client.get("/cases/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        return client.get("/cases/", headers={"HX-Request": "true", "HX-Current-URL": current_url})


def test_htmx_request_after_idle_timeout_leads_back_to_its_page_through_login(
    personas: Personas, client: Client, settings: Any
) -> None:
    response = _htmx_after_idle(client, "http://testserver/cases/?q=路灯")
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "session"
    target = urlsplit(response["HX-Redirect"])
    assert target.path == LOGIN
    assert parse_qs(target.query) == {"next": ["/cases/?q=路灯"], "idle": ["1"]}
    # a page elsewhere is not a place to come back to: home instead
    response = _htmx_after_idle(client, "https://evil.example/cases/")
    assert parse_qs(urlsplit(response["HX-Redirect"]).query)["next"] == ["/"]


def _code(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(
        device.digits
    )


def test_dispatcher_must_enrol_and_pass_a_second_factor(
    personas: Personas, client: Client, settings: Any
) -> None:
    settings.SHEQU_OTP_REQUIRED_ROLES = ["administrator", "street_dispatcher"]
    response = login(client, "dispatcher")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp"))
    # every page and the API wait for the second factor
    assert client.get("/areas/")["Location"] == reverse("accounts:otp")
    assert client.get("/api/v1/me/").status_code == 403
    page = client.get(reverse("accounts:otp"))
    assert page.status_code == 200
    assert page.context["enrolling"] is True
    device = TOTPDevice.objects.get(user=personas.dispatcher, confirmed=False)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        wrong = "000000" if _code(device) != "000000" else "111111"
        assert client.post(reverse("accounts:otp"), {"token": wrong}).status_code == 400
        clock.shift(dt.timedelta(seconds=5))  # django-otp slows down guessing after a failure
        device.refresh_from_db()
        assert client.post(reverse("accounts:otp"), {"token": _code(device)}).status_code == 302
    assert client.get("/areas/").status_code in (200, 302)
    assert client.get("/api/v1/me/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_enrolled_user_is_asked_for_the_code_at_next_login(
    personas: Personas, client: Client
) -> None:
    device = TOTPDevice.objects.create(user=personas.dispatcher, name="default", confirmed=True)
    login(client, "dispatcher")
    page = client.get(reverse("accounts:otp"))
    assert page.context["enrolling"] is False
    assert "qr_svg" not in page.context
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=60), tick=False):
        assert client.post(reverse("accounts:otp"), {"token": _code(device)}).status_code == 302
        assert client.get("/").status_code == 200


def test_staff_without_required_factor_go_straight_in(personas: Personas, client: Client) -> None:
    response = login(client, "worker_a")
    assert response["Location"] == "/"


def test_second_factor_requirement_is_configurable(
    personas: Personas, client: Client, settings: Any
) -> None:
    settings.SHEQU_OTP_REQUIRED_ROLES = ["grid_worker"]
    assert login(client, "worker_a")["Location"].startswith(reverse("accounts:otp"))


def test_login_does_not_redirect_to_another_site(personas: Personas, client: Client) -> None:
    response = client.post(
        LOGIN + "?next=https://evil.example/", {"username": "worker_a", "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_logout_is_audited(personas: Personas, client: Client) -> None:
    login(client, "worker_a")
    client.post(reverse("accounts:logout"))
    assert AuditRecord.objects.filter(actor_name="worker_a", action="logout").exists()
    assert client.get("/").status_code == 302
