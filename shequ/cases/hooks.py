"""What follows every case event, inside the transition's transaction: the measures'
rollups, and (on commit) the notifications and webhooks. Each part is a function of its own
module; this is the one place the services call, so the services do not grow a line for
every consumer."""

from __future__ import annotations

from typing import Any

from shequ.cases import measures
from shequ.cases.models import Case, CaseEvent
from shequ.dashboards import load as dashboards_load


def after_event(case: Case, event: CaseEvent, before: dict[str, Any] | None) -> None:
    """``before`` is the audited snapshot of the case before the event (None for intake)."""
    from shequ.cases import notify, webhooks  # noqa: PLC0415 - they import the services' models

    # The inbox rows and the webhook deliveries are written in the transition's transaction
    # (a rolled-back transition tells no one); mail and the sending itself go after commit.
    notify.on_event(case, event)
    webhooks.on_event(case, event)
    measures.record(case)
    dashboards_load.case_changed(case, event, before)
