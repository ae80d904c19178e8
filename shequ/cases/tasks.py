"""Background work of the case engine, run by ``manage.py db_worker``. The deadline sweep is
also run on a timer (``manage.py sweep_deadlines --every 60``; django-tasks has no periodic
tasks): docs/operations.md, "Workers in production"."""

from __future__ import annotations

from django.tasks import task

from shequ.cases import notify, sweep, webhooks


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
