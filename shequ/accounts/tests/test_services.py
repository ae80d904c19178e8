from __future__ import annotations

import datetime as dt
import importlib
import os
from typing import Any

import pytest
from django.utils import timezone

from shequ.accounts.models import Membership
from shequ.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from shequ.accounts.scope import forget_scope, scope_of
from shequ.accounts.services import membership_end, membership_grant, user_create, user_set_active
from shequ.areas.models import Area
from shequ.core.actors import SYSTEM
from shequ.core.errors import NotAllowed, ServiceError
from shequ.core.models import AuditRecord
from shequ.core.testing import Personas, Tree, make_user

pytestmark = pytest.mark.django_db


def test_three_administrators_are_separate() -> None:
    admin, security, auditor = (
        ROLE_PERMISSIONS[r] for r in (Role.ADMINISTRATOR, Role.SECURITY_ADMIN, Role.AUDITOR)
    )
    assert Perm.AUDIT_VIEW not in admin | security
    assert auditor == {Perm.AUDIT_VIEW}
    assert Perm.SECURITY_MANAGE not in admin
    assert Perm.USER_MANAGE not in security
    assert not (admin & security & auditor)


def test_only_the_server_appoints_the_three_administrators(tree: Tree, personas: Personas) -> None:
    newcomer = make_user("newcomer")
    for role in (Role.ADMINISTRATOR, Role.SECURITY_ADMIN, Role.AUDITOR):
        with pytest.raises(NotAllowed):
            membership_grant(
                actor=personas.administrator, user=newcomer, role=role, area=tree.district
            )
    assert membership_grant(actor=SYSTEM, user=newcomer, role=Role.AUDITOR, area=tree.district).pk


def test_administrator_cannot_end_the_auditors_role(personas: Personas) -> None:
    with pytest.raises(NotAllowed):
        membership_end(actor=personas.administrator, membership=personas.auditor.memberships.get())


@pytest.mark.parametrize(
    ("role", "where", "field"),
    [
        (Role.GRID_WORKER, "community_a", "area"),
        (Role.COMMUNITY_STAFF, "grid_a", "area"),
        (Role.STREET_DISPATCHER, "community_a", "area"),
        (Role.DEPARTMENT_HANDLER, "street", "department"),
    ],
)
def test_roles_bind_to_the_right_level(tree: Tree, role: Role, where: str, field: str) -> None:
    user = make_user("x")
    with pytest.raises(ServiceError) as caught:
        membership_grant(actor=SYSTEM, user=user, role=role, area=getattr(tree, where))
    assert [e.field for e in caught.value.errors] == [field]
    assert not Membership.objects.filter(user=user).exists()


def test_grid_post_only_for_grid_staff(tree: Tree) -> None:
    with pytest.raises(ServiceError) as caught:
        membership_grant(
            actor=SYSTEM,
            user=make_user("y"),
            role=Role.COMMUNITY_STAFF,
            area=tree.community_a,
            grid_duty="chief",
        )
    assert caught.value.errors[0].field == "grid_duty"


def test_granting_twice_is_one_membership(tree: Tree, personas: Personas) -> None:
    user = make_user("twice")
    first = membership_grant(
        actor=personas.administrator, user=user, role=Role.GRID_WORKER, area=tree.grid_c
    )
    second = membership_grant(
        actor=personas.administrator, user=user, role=Role.GRID_WORKER, area=tree.grid_c
    )
    assert first.pk == second.pk
    assert (
        AuditRecord.objects.filter(
            object_type="accounts.membership", object_id=str(first.pk)
        ).count()
        == 1
    )


def test_community_staff_cannot_grant_roles(tree: Tree, personas: Personas) -> None:
    with pytest.raises(NotAllowed):
        membership_grant(
            actor=personas.community_staff,
            user=make_user("z"),
            role=Role.GRID_WORKER,
            area=tree.grid_a,
        )


def test_ended_membership_takes_the_scope_away(tree: Tree, personas: Personas) -> None:
    worker = personas.grid_worker
    assert Area.objects.visible_to(worker).filter(pk=tree.grid_a.pk).exists()
    membership_end(actor=personas.administrator, membership=worker.memberships.get())
    # The personas hold office since 2020, so the membership ends today.
    assert worker.memberships.get().valid_to == timezone.localdate()
    forget_scope(worker)
    assert scope_of(worker).is_empty
    assert not Area.objects.visible_to(worker).exists()


def test_membership_in_the_future_gives_nothing_yet(tree: Tree) -> None:
    user = make_user("future")
    membership_grant(
        actor=SYSTEM,
        user=user,
        role=Role.GRID_WORKER,
        area=tree.grid_c,
        valid_from=timezone.localdate() + dt.timedelta(days=7),
    )
    assert not Area.objects.visible_to(user).exists()


def test_deactivated_user_sees_nothing(tree: Tree, personas: Personas) -> None:
    user_set_active(actor=personas.administrator, user=personas.grid_worker, active=False)
    forget_scope(personas.grid_worker)
    assert not Area.objects.visible_to(personas.grid_worker).exists()


def test_administrator_cannot_deactivate_themselves(personas: Personas) -> None:
    # refused twice over: it is one's own account, and one of the three administrators'
    with pytest.raises(NotAllowed):
        user_set_active(actor=personas.administrator, user=personas.administrator, active=False)


def test_usernames_are_unique_ignoring_case(db: Any) -> None:
    user_create(actor=SYSTEM, username="Wang", full_name="王", password="Long-enough-pass-1")
    with pytest.raises(ServiceError) as caught:
        user_create(actor=SYSTEM, username="wang", full_name="王", password="Long-enough-pass-1")
    assert caught.value.errors[0].field == "username"


def test_production_default_requires_second_factor_for_admins_and_dispatchers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SHEQU_OTP_REQUIRED_ROLES", raising=False)
    module: Any = importlib.reload(importlib.import_module("config.settings"))
    assert {"administrator", "street_dispatcher"} <= set(module.SHEQU_OTP_REQUIRED_ROLES)
    assert module.AXES_FAILURE_LIMIT == 5
    assert module.AXES_COOLOFF_TIME * 60 == 15
    assert module.SHEQU_IDLE_TIMEOUT_SECONDS == 30 * 60
    assert os.environ.get("SHEQU_OTP_REQUIRED_ROLES") is None


def test_administrator_cannot_touch_the_three_administrators_accounts(personas: Personas) -> None:
    from shequ.accounts.services import password_set  # noqa: PLC0415

    for subject in (personas.auditor, personas.security_admin):
        with pytest.raises(NotAllowed):
            password_set(actor=personas.administrator, user=subject, password="Another-long-pass-3")
        with pytest.raises(NotAllowed):
            user_set_active(actor=personas.administrator, user=subject, active=False)
    # each can still change their own password
    password_set(actor=personas.auditor, user=personas.auditor, password="Another-long-pass-3")


def test_one_person_is_only_one_of_the_three(tree: Tree, personas: Personas) -> None:
    with pytest.raises(ServiceError) as caught:
        membership_grant(
            actor=SYSTEM, user=personas.administrator, role=Role.AUDITOR, area=tree.district
        )
    assert caught.value.errors[0].field == "role"


def test_client_address_behind_proxies(settings: Any, rf: Any) -> None:
    from shequ.accounts.middleware import client_ip  # noqa: PLC0415

    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.7")
    assert client_ip(request) == "127.0.0.1"
    settings.SHEQU_PROXY_HOPS = 1
    assert (
        client_ip(request) == "10.0.0.7"
    )  # what our one proxy saw; the first entry is client-supplied


def test_demo_seed_refuses_without_demo_mode(settings: Any, db: Any) -> None:
    from django.core.management import CommandError, call_command  # noqa: PLC0415

    settings.SHEQU_DEMO = False
    with pytest.raises(CommandError, match="SHEQU_DEMO"):
        call_command("demo_seed")
