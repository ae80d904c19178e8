"""Background work of the case engine, run by ``manage.py db_worker``. The deadline sweep is
also run on a timer (``manage.py sweep_deadlines --every 60``; django-tasks has no periodic
tasks): docs/operations.md, "Workers in production"."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from shequ.cases import measures, notify, sweep, webhooks
from shequ.cases.models import Case


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


@task
def record_case_measures(case_id: int) -> bool:
    """Add a new case to the measures' rollups (enqueued by its intake, in the intake's
    transaction). The case row is locked as a transition locks it, so this and the case's
    next event write the rollups one after the other; ``measures.record`` adds only the
    difference from what the case already counts for, so running late, twice, or after that
    event changes nothing more. False when the case is gone."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return False
        measures.record(case)
    return True
