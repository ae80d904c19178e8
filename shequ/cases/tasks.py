"""Background work of the case engine, run by ``manage.py db_worker``. The deadline sweep is
also run on a timer (``manage.py sweep_deadlines --every 60``; django-tasks has no periodic
tasks): docs/operations.md, "Workers in production"."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.tasks import task

from shequ.cases import measures, notify, sweep, webhooks
from shequ.cases.models import Case, CaseMeasureEntry


@task
def sweep_deadlines() -> str:
    """One pass of the deadline sweep, then the webhook deliveries that are due."""
    result = sweep.run_sweep()
    sent = webhooks.deliver_due()
    return f"{result}; webhooks {sent}"


@task
def deliver_webhooks() -> dict[str, int]:
    """Send the webhook deliveries that are due (enqueued after each transition with any)."""
    return webhooks.deliver_due()


@task
def send_notification_email(user_id: int, key: str) -> bool:
    """Mail one notification (SHEQU_NOTIFY_EMAIL on)."""
    return notify.send_email(user_id, key)


# How many other new cases one measures task takes along, and how far back it looks.
MEASURES_BATCH = 200
MEASURES_WINDOW = 2_000


@task
def record_case_measures(case_id: int) -> bool:
    """Add a new case to the measures' rollups (enqueued by its intake, in the intake's
    transaction). The case row is locked as a transition locks it, so this and the case's
    next event write the rollups one after the other; ``measures.record`` adds only the
    difference from what the case already counts for, so running late, twice, or after that
    event changes nothing more. False when the case is gone.

    When intakes come faster than the worker, the tasks queue up: the first to run also
    takes the other new cases near it that no entry counts yet (those not locked by an
    event at that moment) and records them all with one write of the rollups; their own
    tasks then find them counted and only check that (decision 0036)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return False
        if CaseMeasureEntry.objects.filter(pk=case_id).exists():
            return True  # counted: by an event of its own, or with an earlier task's batch
        others = list(
            Case.objects.select_for_update(skip_locked=True)
            .filter(pk__gt=case_id - MEASURES_WINDOW, pk__lt=case_id + MEASURES_WINDOW)
            .exclude(pk=case_id)
            .exclude(Exists(CaseMeasureEntry.objects.filter(case_id=OuterRef("pk"))))
            .order_by("pk")[:MEASURES_BATCH]
        )
        measures.record_many([case, *others])
    return True
