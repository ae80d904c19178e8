"""What follows every case event, inside the transition's transaction: the measures'
rollups, the case load, and (on commit) the notifications and webhooks. Each part is a
function of its own module; this is the one place the services call, so the services do not
grow a line for every consumer."""

from __future__ import annotations

from typing import Any

from shequ.cases import measures
from shequ.cases.models import Case, CaseEvent
from shequ.dashboards import load as dashboards_load


def after_event(case: Case, event: CaseEvent, before: dict[str, Any] | None) -> None:
    """``before`` is the audited snapshot of the case before the event (None for intake)."""
    from shequ.cases import notify, tasks, webhooks  # noqa: PLC0415 - they import the services' models

    # The inbox rows and the webhook deliveries are written in the transition's transaction
    # (a rolled-back transition tells no one); mail and the sending itself go after commit.
    notify.on_event(case, event)
    webhooks.on_event(case, event)
    if before is None:
        # A new case's measures are written by the worker (decision 0035): the task row is
        # written in this transaction, so it exists exactly when the case does, and
        # ``measures.record`` brings the rollups to the case's state whenever it runs.
        tasks.record_case_measures.enqueue(case.pk)
    else:
        measures.record(case)
    dashboards_load.case_changed(case, event, before)
