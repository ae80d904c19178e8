"""Who is told what by the transitions, exactly once; email when switched on."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.utils import translation

from shequ.accounts.roles import Role
from shequ.cases import notify
from shequ.cases.models import Case
from shequ.cases.models_notify import Notification
from shequ.cases.services import case_act
from shequ.cases.testing import CaseWorld, new_case
from shequ.core.testing import make_user


def act(case: Case, actor: Any, action: str, **fields: Any) -> Case:
    return case_act(actor=actor, case=case, action=action, **fields)


def kinds(user: Any) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_whistle_tells_each_department_once(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    police = make_user("police", Role.DEPARTMENT_HANDLER, department=world.police)
    case = act(new_case(world), p.dispatcher, "accept")
    case = act(case, p.dispatcher, "whistle", lead_department=t.department)
    assert kinds(p.department_handler) == ["assigned"]
    assert kinds(police) == []
    # Re-routing keeps 城管 (not told again) and adds 派出所 (told).
    case = act(
        case,
        p.dispatcher,
        "reroute",
        lead_department=t.department,
        co_departments=[world.police],
        reason="需要派出所配合",
    )
    assert kinds(p.department_handler) == ["assigned"]
    assert kinds(police) == ["assigned"]
    message = Notification.objects.get(user=police).message
    assert case.number in message
    assert world.police.name in message
    # Nobody else heard about it.
    assert kinds(p.grid_worker) == []
    assert kinds(p.resident) == []


def test_return_rating_and_supervision(world: CaseWorld) -> None:
    p, t = world.personas, world.tree
    case = act(new_case(world), p.dispatcher, "accept")
    case = act(case, p.dispatcher, "whistle", lead_department=t.department)
    case = act(case, p.dispatcher, "supervise", note="请加快处理")
    assert kinds(p.department_handler) == ["assigned", "supervised"]
    case = act(case, p.department_handler, "check_in")
    case = act(case, p.department_handler, "return", reason="不属于城管职责")
    assert kinds(p.dispatcher) == ["returned"]
    assert "不属于城管职责" in Notification.objects.get(user=p.dispatcher).message
    case = act(case, p.dispatcher, "whistle", lead_department=t.department)
    case = act(case, p.department_handler, "check_in")
    case = act(case, p.department_handler, "resolve", note="已修复")
    case = act(case, p.community_staff, "verify")
    case = act(case, p.community_staff, "follow_up", reached=True, resolution="yes", satisfaction=5)
    assert kinds(p.department_handler) == ["assigned", "assigned", "rated", "supervised"]


def test_community_handled_case_tells_the_grid(world: CaseWorld) -> None:
    p = world.personas
    case = act(new_case(world), p.community_staff, "accept")
    case = act(case, p.community_staff, "take")
    assert kinds(p.grid_chief) == ["assigned"]
    assert kinds(p.grid_worker) == ["assigned"]
    assert kinds(p.other_grid_worker) == []
    case = act(case, p.grid_worker, "resolve", note="已修好")
    case = act(case, p.community_staff, "verify")
    act(case, p.community_staff, "follow_up", reached=True, resolution="yes", satisfaction=4)
    assert kinds(p.grid_worker) == ["assigned", "rated"]


def test_the_same_key_twice_is_one_notification(world: CaseWorld) -> None:
    p = world.personas
    case = new_case(world)
    for _ in range(2):
        notify.notify(
            {p.dispatcher.pk, p.grid_chief.pk},
            case=case,
            kind=notify.NotificationKind.OVERDUE,
            key="overdue:test",
            message=lambda: "x",
        )
    assert Notification.objects.count() == 2


def test_messages_in_each_users_language(world: CaseWorld) -> None:
    """The text is made once per language, in each recipient's preferred one."""
    p = world.personas
    p.dispatcher.preferred_language = "en"
    p.dispatcher.save(update_fields=["preferred_language"])
    calls: list[str] = []

    def message() -> str:
        calls.append(translation.get_language())
        return translation.get_language()

    notify.notify(
        {p.dispatcher.pk, p.grid_chief.pk, p.grid_worker.pk},
        case=new_case(world),
        kind=notify.NotificationKind.ESCALATED,
        key="escalated:test",
        message=message,
    )
    assert sorted(calls) == ["en", "zh-hans"]
    assert Notification.objects.get(user=p.dispatcher).message == "en"
    assert Notification.objects.get(user=p.grid_chief).message == "zh-hans"


def test_no_mail_unless_switched_on(
    world: CaseWorld, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    p, t = world.personas, world.tree
    p.department_handler.email = "handler@example.cn"
    p.department_handler.save(update_fields=["email"])
    case = act(new_case(world), p.dispatcher, "accept")
    with django_capture_on_commit_callbacks(execute=True):
        act(case, p.dispatcher, "whistle", lead_department=t.department)
    assert mail.outbox == []


def test_mail_when_switched_on(
    world: CaseWorld, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHEQU_NOTIFY_EMAIL = True
    p, t = world.personas, world.tree
    p.department_handler.email = "handler@example.cn"
    p.department_handler.save(update_fields=["email"])
    case = act(new_case(world), p.dispatcher, "accept")
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, p.dispatcher, "whistle", lead_department=t.department)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["handler@example.cn"]
    assert case.number in sent.subject
    # The dispatcher has no address: nothing is sent, the inbox still has it.
    with django_capture_on_commit_callbacks(execute=True):
        act(case, p.dispatcher, "supervise", note="请加快")
    assert len(mail.outbox) == 2  # the handler again (supervised); nobody else
