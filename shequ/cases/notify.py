"""Who is told what about a case (the in-app inbox, and email when it is switched on).

| kind | when | who |
|---|---|---|
| assigned | the street whistles or re-routes | handlers of each newly whistled department |
| assigned | the community takes a case | the grid's staff (chief, workers) |
| returned | a department returns a case | the street's dispatchers |
| rated | the follow-up reached the reporter | the lead department's handlers (the grid's staff when the community handled it) |
| supervised | the street supervises (督办) | whoever holds the case now |
| deadline_near, overdue | the sweep (``shequ.cases.sweep``) | whoever holds the case now |
| escalated | the sweep | the street's dispatchers |

Every notification has a key (``assigned:<assignment id>``, ``<kind>:<event id>``) that is
unique per user in the database: creating it again is a no-op, so a retried transition, a
re-route that keeps a department or a sweep run twice never tells anyone twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from shequ.accounts.models import Membership, User
from shequ.accounts.roles import Perm, Role
from shequ.cases.models import Assignment, AssignmentState, Case, CaseEvent, State
from shequ.cases.models_notify import Notification, NotificationKind
from shequ.core.errors import NotAllowed
from shequ.core.paths import ancestors

log = logging.getLogger(__name__)

MESSAGE_MAX = 300


# --- who ----------------------------------------------------------------------------------


def _members(condition: Q) -> set[int]:
    return set(
        Membership.objects.active()
        .filter(condition, user__is_active=True)
        .values_list("user_id", flat=True)
    )


def dispatchers(case: Case) -> set[int]:
    """The street's dispatchers: dispatcher memberships on the case's street (or above)."""
    return _members(Q(role=Role.STREET_DISPATCHER, area__area_path__in=ancestors(case.area_path)))


def grid_staff(case: Case) -> set[int]:
    """The grid's chief and workers (of the grid or subgrid the case is in); for a case at
    community level, the community's staff."""
    paths = ancestors(case.area_path)
    found = _members(Q(role__in=(Role.GRID_CHIEF, Role.GRID_WORKER), area__area_path__in=paths))
    return found or community_staff(case)


def community_staff(case: Case) -> set[int]:
    return _members(Q(role=Role.COMMUNITY_STAFF, area__area_path__in=ancestors(case.area_path)))


def department_handlers(department_ids: Iterable[int]) -> set[int]:
    ids = list(department_ids)
    if not ids:
        return set()
    return _members(Q(role=Role.DEPARTMENT_HANDLER, department_id__in=ids))


def holders(case: Case) -> set[int]:
    """Whoever must act on the case now, by its state."""
    state = case.state
    if state == State.DISPATCHED:
        active = case.assignments.filter(
            state__in=(AssignmentState.WAITING, AssignmentState.CHECKED_IN)
        ).values_list("department_id", flat=True)
        return department_handlers(active) or dispatchers(case)
    if state == State.HANDLING:
        return grid_staff(case)
    if state == State.TO_DISPATCH or case.unassigned:
        return dispatchers(case)
    # registered, accepted, resolved, verified, followed up: the community decides.
    return community_staff(case) or dispatchers(case)


# --- writing ------------------------------------------------------------------------------


def notify(
    users: Iterable[int],
    *,
    case: Case,
    kind: NotificationKind,
    key: str,
    message: Callable[[], str],
) -> list[Notification]:
    """Put one notification in each user's inbox, unless that user already has ``key``.
    ``message`` is called once per language of the recipients (their preferred language,
    else the site's), so each reads it in their own. Runs inside the caller's transaction;
    email (when on) goes after the commit. Returns the notifications created now."""
    wanted = set(users)
    if not wanted:
        return []
    already = set(
        Notification.objects.filter(key=key, user_id__in=wanted).values_list("user_id", flat=True)
    )
    languages = dict(
        User.objects.filter(pk__in=wanted - already).values_list("pk", "preferred_language")
    )
    texts: dict[str, str] = {}
    now = timezone.now()
    rows = []
    for user_id in sorted(languages):
        language = languages[user_id] or settings.LANGUAGE_CODE
        if language not in texts:
            with override(language):
                texts[language] = str(message())[:MESSAGE_MAX]
        rows.append(
            Notification(
                user_id=user_id,
                case=case,
                kind=kind,
                key=key,
                message=texts[language],
                created_at=now,
            )
        )
    # ignore_conflicts: a concurrent writer of the same key loses quietly; the unique
    # constraint is what makes "once" true, the query above only saves work.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows and settings.SHEQU_NOTIFY_EMAIL:
        keys = [(row.user_id, key) for row in rows]
        transaction.on_commit(lambda: _enqueue_email(keys))
    return rows


def _enqueue_email(keys: list[tuple[int, str]]) -> None:
    from shequ.cases.tasks import send_notification_email  # noqa: PLC0415 - tasks import us

    for user_id, key in keys:
        send_notification_email.enqueue(user_id, key)


def send_email(user_id: int, key: str) -> bool:
    """Mail one notification to its user, if they have an address. True when sent."""
    from django.core.mail import send_mail  # noqa: PLC0415

    row = Notification.objects.select_related("user", "case").filter(user_id=user_id, key=key)
    notification = row.first()
    if notification is None or not notification.user.email:
        return False
    subject = f"[{_('Shequ')}] {notification.case.number} {notification.get_kind_display()}"
    try:
        send_mail(
            subject,
            notification.message,
            None,
            [notification.user.email],
            fail_silently=False,
        )
    except OSError:
        # The mail server is down: the inbox has it; mail is a convenience, not the record.
        log.warning("could not mail notification %s to user %s", key, user_id, exc_info=True)
        return False
    return True


# --- from the transitions (hooks.after_event) ---------------------------------------------


def _label(case: Case) -> str:
    return f"{case.number} {case.title}"


def on_event(case: Case, event: CaseEvent) -> None:
    """The notifications a transition causes, written in its transaction."""
    action = event.action
    if action in ("whistle", "reroute"):
        _assigned_departments(case)
    elif action == "take":
        notify(
            grid_staff(case),
            case=case,
            kind=NotificationKind.ASSIGNED,
            key=f"assigned:take:{event.pk}",
            message=lambda: (
                _("%(case)s: the community handles it; it is yours to handle")
                % {"case": _label(case)}
            ),
        )
    elif action == "return":
        department = event.department.name if event.department else ""
        notify(
            dispatchers(case),
            case=case,
            kind=NotificationKind.RETURNED,
            key=f"returned:{event.pk}",
            message=lambda: (
                _("%(case)s: returned by %(department)s — %(reason)s")
                % {"case": _label(case), "department": department, "reason": event.note}
            ),
        )
    elif action == "follow_up" and event.data.get("reached"):
        if case.lead_department_id:
            users = department_handlers([case.lead_department_id])
        else:
            users = grid_staff(case)
        notify(
            users,
            case=case,
            kind=NotificationKind.RATED,
            key=f"rated:{event.pk}",
            message=lambda: (
                _("%(case)s: the reporter rated it %(satisfaction)s")
                % {
                    "case": _label(case),
                    "satisfaction": case.get_satisfaction_display() or "—",
                }
            ),
        )
    elif action == "supervise":
        notify(
            holders(case),
            case=case,
            kind=NotificationKind.SUPERVISED,
            key=f"supervised:{event.pk}",
            message=lambda: (
                _("%(case)s: supervised by the street (督办) — %(note)s")
                % {"case": _label(case), "note": event.note}
            ),
        )


def _assigned_departments(case: Case) -> None:
    """Each department whistled to: one notification per assignment, so a re-route that
    keeps a department does not tell it again."""
    waiting = Assignment.objects.filter(case=case, state=AssignmentState.WAITING).select_related(
        "department"
    )
    for assignment in waiting:
        _tell_department(case, assignment)


def _tell_department(case: Case, assignment: Assignment) -> None:
    department, deadline = assignment.department.name, when(assignment.respond_by)
    notify(
        department_handlers([assignment.department_id]),
        case=case,
        kind=NotificationKind.ASSIGNED,
        key=f"assigned:{assignment.pk}",
        message=lambda: (
            _("%(case)s: whistled to %(department)s; check in by %(deadline)s")
            % {"case": _label(case), "department": department, "deadline": deadline}
        ),
    )


def when(moment: Any) -> str:
    """A deadline as the messages show it (local time, to the minute)."""
    if moment is None:
        return "—"
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# --- the inbox ----------------------------------------------------------------------------


def inbox(user: Any) -> Any:
    """The user's own notifications, unread first, newest first."""
    return (
        Notification.objects.filter(user=user)
        .select_related("case")
        .order_by(F("read_at").asc(nulls_first=True), "-id")
    )


def access_notification(user: Any, pk: Any) -> Notification:
    """The user's own notification; NotAllowed (404) for a missing one or anyone else's."""
    try:
        return Notification.objects.get(pk=int(pk), user=user)
    except (ValueError, TypeError, Notification.DoesNotExist):
        raise NotAllowed(Perm.CASE_VIEW) from None


def notification_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one read (again: no change)."""
    if notification.user_id != getattr(actor, "pk", None):
        raise NotAllowed(Perm.CASE_VIEW)
    now = timezone.now()
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
        notification.read_at = now
    else:
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_read_all(*, actor: Any) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
