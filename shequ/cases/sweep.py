"""The deadline sweep (design guide §6, like Healthchecks' ``sendalerts``): deadlines are
columns, and one idempotent pass over them warns before a deadline, marks what is overdue and
escalates it to the street — each exactly once, with any number of sweeps running at once,
and across a worker killed in the middle (decision 0018).

Each action on each row is one transaction that

1. claims the row: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` (a row another sweep,
   or a person's transition, is holding is left for the next pass), then a conditional
   ``UPDATE … SET warned_at = now WHERE pk = … AND warned_at IS NULL AND <still due>``;
   on SQLite the transactions are IMMEDIATE, so sweeps take turns and the condition does
   the rest;
2. acts: the internal timeline event (``deadline_warned`` / ``overdue`` / ``escalated``),
   the audit record (actor: system) and the notifications (whose unique keys are a second
   guard).

A crash anywhere between 1 and the commit rolls the claim back with the action: the next
pass does both. So nothing is done twice (the mark is committed with the action) and nothing
is lost (no mark without the action).

What is swept: cases not yet resolved (registered, accepted, handled by the community,
waiting for the street, whistled) against ``resolve_by`` — a resolved case waiting for
verification has met its deadline, and a suspended one has no running clock; and
departments' check-ins (waiting assignments of whistled cases) against their ``respond_by``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.cases import measures, notify
from shequ.cases.deadlines import DEFAULT_POLICIES
from shequ.cases.models import (
    Assignment,
    AssignmentState,
    Case,
    CaseEvent,
    CaseMeasureEntry,
    DeadlinePolicy,
    State,
)
from shequ.cases.models_notify import NotificationKind
from shequ.core.actors import SYSTEM
from shequ.core.audit import AuditAction, audit

log = logging.getLogger(__name__)

# Cases whose resolve-by clock is running.
SWEPT_STATES = (
    State.REGISTERED,
    State.ACCEPTED,
    State.HANDLING,
    State.TO_DISPATCH,
    State.DISPATCHED,
)
# Rows looked at per step per pass; the next pass takes the rest.
BATCH = 1000

# The sweep's own timeline actions, for the pages that show a timeline.
ACTION_LABELS = {
    "deadline_warned": gettext_lazy("Deadline near"),
    "overdue": gettext_lazy("Overdue"),
    "escalated": gettext_lazy("Escalated to the street"),
}


def warn_leads() -> dict[str, dt.timedelta]:
    """How long before a deadline each level is warned."""
    leads = {level: dt.timedelta(hours=hours) for level, *_, hours in DEFAULT_POLICIES}
    for level, hours in DeadlinePolicy.objects.values_list("level", "warn_hours"):
        leads[level] = dt.timedelta(hours=hours)
    return leads


@dataclass(frozen=True)
class Step:
    """One kind of action: which rows are due, the mark that claims a row, the action."""

    name: str
    model: type[models.Model]
    mark: str  # the column set by the claim
    deadline: str  # the column the step looks at; the claim checks it did not move
    due: Callable[[dt.datetime], Q]  # the rows due now (the claim's condition too)
    act: Callable[[Any, dt.datetime], None]
    # A finer, per-row test (the warning lead of the row's level), or None.
    check: Callable[[Any, dt.datetime, dict[str, dt.timedelta]], bool] | None = None
    related: tuple[str, ...] = ()


@dataclass
class SweepResult:
    done: dict[str, int] = field(default_factory=dict)
    failed: int = 0

    def __str__(self) -> str:
        parts = [f"{name} {count}" for name, count in self.done.items()]
        return ", ".join(parts) + f", failed {self.failed}"


# --- the cases ----------------------------------------------------------------------------


def _case_open() -> Q:
    return Q(state__in=SWEPT_STATES, resolve_by__isnull=False)


def _event(case: Case, action: str, now: dt.datetime, **extra: Any) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=now,
        actor=None,
        actor_name="system",
        department=extra.pop("department", None),
        action=action,
        from_state=case.state,
        to_state=case.state,
        note=extra.pop("note", ""),
        data=extra,
        public=False,
    )


def _audit(case: Case, step: str, mark: str, now: dt.datetime, **extra: Any) -> None:
    audit(
        actor=SYSTEM,
        action=AuditAction.UPDATE,
        obj=case,
        changes={"sweep": step, mark: [None, now.isoformat()], **extra},
    )


def _label(case: Case) -> str:
    return f"{case.number} {case.title}"


def _case_step(
    case: Case,
    now: dt.datetime,
    *,
    action: str,
    mark: str,
    kind: NotificationKind,
    recipients: Any,
    message: Callable[[str], str],
) -> None:
    """One sweep step on a case: the timeline event, the audit record, the notifications."""
    deadline = notify.when(case.resolve_by)
    event = _event(case, action, now, resolve_by=deadline)
    _audit(case, action, mark, now)
    notify.notify(
        recipients,
        case=case,
        kind=kind,
        key=f"{kind}:{event.pk}",
        message=lambda: message(deadline),
    )


def _case_warn(case: Case, now: dt.datetime) -> None:
    _case_step(
        case,
        now,
        action="deadline_warned",
        mark="warned_at",
        kind=NotificationKind.DEADLINE_NEAR,
        recipients=notify.holders(case),
        message=lambda deadline: (
            _("%(case)s: to be resolved by %(deadline)s")
            % {"case": _label(case), "deadline": deadline}
        ),
    )


def _case_overdue(case: Case, now: dt.datetime) -> None:
    _case_step(
        case,
        now,
        action="overdue",
        mark="overdue_at",
        kind=NotificationKind.OVERDUE,
        recipients=notify.holders(case),
        message=lambda deadline: (
            _("%(case)s: overdue, it was to be resolved by %(deadline)s")
            % {"case": _label(case), "deadline": deadline}
        ),
    )


def _case_escalate(case: Case, now: dt.datetime) -> None:
    _case_step(
        case,
        now,
        action="escalated",
        mark="escalated_at",
        kind=NotificationKind.ESCALATED,
        recipients=notify.dispatchers(case),
        message=lambda deadline: (
            _("%(case)s: overdue since %(deadline)s (%(state)s); escalated to the street")
            % {"case": _label(case), "deadline": deadline, "state": case.get_state_display()}
        ),
    )


def _case_warn_check(case: Case, now: dt.datetime, leads: dict[str, dt.timedelta]) -> bool:
    assert case.resolve_by is not None
    return case.resolve_by - leads.get(case.level, dt.timedelta(0)) <= now


# --- the departments' check-ins -----------------------------------------------------------


def _assignment_open() -> Q:
    return Q(
        state=AssignmentState.WAITING,
        case__state=State.DISPATCHED,
        respond_by__isnull=False,
    )


def _assignment_warn(assignment: Assignment, now: dt.datetime) -> None:
    case = assignment.case
    deadline = notify.when(assignment.respond_by)
    event = _event(
        case,
        "deadline_warned",
        now,
        department=assignment.department,
        deadline="check_in",
        respond_by=deadline,
    )
    _audit(case, "check_in_warned", "warned_at", now, department=assignment.department.name)
    notify.notify(
        notify.department_handlers([assignment.department_id]),
        case=case,
        kind=NotificationKind.DEADLINE_NEAR,
        key=f"deadline_near:{event.pk}",
        message=lambda: (
            _("%(case)s: check in by %(deadline)s") % {"case": _label(case), "deadline": deadline}
        ),
    )


def _assignment_overdue(assignment: Assignment, now: dt.datetime) -> None:
    case = assignment.case
    deadline = notify.when(assignment.respond_by)
    event = _event(
        case,
        "overdue",
        now,
        department=assignment.department,
        deadline="check_in",
        respond_by=deadline,
    )
    _audit(case, "check_in_overdue", "overdue_at", now, department=assignment.department.name)
    notify.notify(
        notify.department_handlers([assignment.department_id]),
        case=case,
        kind=NotificationKind.OVERDUE,
        key=f"overdue:{event.pk}",
        message=lambda: (
            _("%(case)s: %(department)s has not checked in; it was due by %(deadline)s")
            % {"case": _label(case), "department": assignment.department.name, "deadline": deadline}
        ),
    )


def _assignment_escalate(assignment: Assignment, now: dt.datetime) -> None:
    case = assignment.case
    deadline = notify.when(assignment.respond_by)
    event = _event(
        case,
        "escalated",
        now,
        department=assignment.department,
        deadline="check_in",
        respond_by=deadline,
    )
    _audit(case, "check_in_escalated", "escalated_at", now, department=assignment.department.name)
    notify.notify(
        notify.dispatchers(case),
        case=case,
        kind=NotificationKind.ESCALATED,
        key=f"escalated:{event.pk}",
        message=lambda: (
            _("%(case)s: %(department)s has not checked in (due by %(deadline)s)")
            % {"case": _label(case), "department": assignment.department.name, "deadline": deadline}
        ),
    )


def _assignment_warn_check(
    assignment: Assignment, now: dt.datetime, leads: dict[str, dt.timedelta]
) -> bool:
    """Warn the level's lead time before the check-in deadline, but never earlier than half
    way: a one-hour check-in is not "near" the moment it is whistled."""
    assert assignment.respond_by is not None
    lead = leads.get(assignment.case.level, dt.timedelta(0))
    lead = min(lead, (assignment.respond_by - assignment.created_at) / 2)
    return assignment.respond_by - lead <= now


def _max_lead() -> dt.timedelta:
    return max(warn_leads().values(), default=dt.timedelta(0))


STEPS: tuple[Step, ...] = (
    Step(
        "case_warned",
        Case,
        "warned_at",
        "resolve_by",
        lambda now: (
            _case_open()
            & Q(
                warned_at__isnull=True,
                overdue_at__isnull=True,
                resolve_by__gt=now,
                resolve_by__lte=now + _max_lead(),
            )
        ),
        _case_warn,
        _case_warn_check,
    ),
    Step(
        "case_overdue",
        Case,
        "overdue_at",
        "resolve_by",
        lambda now: _case_open() & Q(overdue_at__isnull=True, resolve_by__lte=now),
        _case_overdue,
    ),
    Step(
        "case_escalated",
        Case,
        "escalated_at",
        "resolve_by",
        lambda now: (
            _case_open()
            & Q(overdue_at__isnull=False, escalated_at__isnull=True, resolve_by__lte=now)
        ),
        _case_escalate,
    ),
    Step(
        "check_in_warned",
        Assignment,
        "warned_at",
        "respond_by",
        lambda now: (
            _assignment_open()
            & Q(
                warned_at__isnull=True,
                overdue_at__isnull=True,
                respond_by__gt=now,
                respond_by__lte=now + _max_lead(),
            )
        ),
        _assignment_warn,
        _assignment_warn_check,
        related=("case", "department"),
    ),
    Step(
        "check_in_overdue",
        Assignment,
        "overdue_at",
        "respond_by",
        lambda now: _assignment_open() & Q(overdue_at__isnull=True, respond_by__lte=now),
        _assignment_overdue,
        related=("case", "department"),
    ),
    Step(
        "check_in_escalated",
        Assignment,
        "escalated_at",
        "respond_by",
        lambda now: (
            _assignment_open()
            & Q(overdue_at__isnull=False, escalated_at__isnull=True, respond_by__lte=now)
        ),
        _assignment_escalate,
        related=("case", "department"),
    ),
)


# --- running ------------------------------------------------------------------------------


def candidates(step: Step, now: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """The rows that look due (read without locks; each claim checks again)."""
    rows = (
        step.model._default_manager.filter(step.due(now))
        .order_by(step.deadline, "pk")
        .values_list("pk", step.deadline)[:BATCH]
    )
    return list(rows)


def _with_related(rows: Any, step: Step) -> Any:
    return rows.select_related(*step.related) if step.related else rows


def process(
    step: Step,
    pk: int,
    deadline: dt.datetime,
    now: dt.datetime,
    leads: dict[str, dt.timedelta] | None = None,
) -> bool:
    """Claim one row for ``step`` and act on it, in one transaction. False when the row is
    no longer due, was claimed by another sweep, or is locked right now (next pass)."""
    manager = step.model._default_manager
    with transaction.atomic():
        due = manager.filter(step.due(now), pk=pk, **{step.deadline: deadline})
        if step.check is not None:
            obj = _with_related(due, step).first()
            if obj is None or not step.check(obj, now, leads or warn_leads()):
                return False
        if connection.features.has_select_for_update_skip_locked:
            locked = due.select_for_update(skip_locked=True, of=("self",))
            if not list(locked.values_list("pk", flat=True)):
                return False
        if not due.update(**{step.mark: now}):
            return False
        obj = _with_related(manager.filter(pk=pk), step).get()
        step.act(obj, now)
    return True


def run_sweep(now: dt.datetime | None = None) -> SweepResult:
    """One pass over every step. Safe to run at any time, as often and in as many processes
    as you like."""
    now = now or timezone.now()
    leads = warn_leads()
    result = SweepResult()
    for step in STEPS:
        done = 0
        for pk, deadline in candidates(step, now):
            try:
                done += process(step, pk, deadline, now, leads)
            except Exception:
                # One broken row must not stop every other deadline; it stays unclaimed
                # (its transaction rolled back) and the next pass tries it again.
                log.exception("sweep step %s failed on row %s", step.name, pk)
                result.failed += 1
        result.done[step.name] = done
    try:
        result.done["measures_caught_up"] = record_missed_measures(now)
    except Exception:
        log.exception("sweep could not catch up the measures")
        result.failed += 1
    return result


# --- the measures of new cases ------------------------------------------------------------

# Intake leaves a new case's measures to the worker (tasks.record_case_measures, decision
# 0035). A task that failed (the database went away mid-task, say) is not retried by the
# worker: each pass records the recent cases that still have no measures entry. Cases of the
# last minute are left to their task, which is most likely just waiting its turn.
MEASURES_LOOKBACK = 5000  # the newest cases, by id (the primary key's index)
MEASURES_GRACE = dt.timedelta(minutes=1)


def record_missed_measures(now: dt.datetime) -> int:
    """Record the measures of recent cases that have none yet; returns how many. Under the
    case lock, as the task and the transitions do: a case recorded meanwhile by either is
    skipped, never counted twice."""
    recent = Case.objects.order_by("-pk").values_list("pk", flat=True)[:MEASURES_LOOKBACK]
    missing = list(
        Case.objects.filter(pk__in=recent, created_at__lte=now - MEASURES_GRACE)
        .exclude(models.Exists(CaseMeasureEntry.objects.filter(case_id=models.OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in missing:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=pk).first()
            if case is None or CaseMeasureEntry.objects.filter(pk=pk).exists():
                continue
            measures.record(case)
            done += 1
    return done
