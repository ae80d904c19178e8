"""Small pieces of the case pages: a deadline with the time left or an overdue badge, and
the label of a timeline event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from shequ.cases.workflow import Action

register = template.Library()


@register.inclusion_tag("cases/_deadline.html")
def deadline(value: dt.datetime | None, now: dt.datetime, running: bool = True) -> dict[str, Any]:
    """``value`` with "3 hours left" or "overdue by 2 days"; without a badge once the clock
    no longer runs (a closed case, a department that checked in)."""
    return {
        "value": value,
        "now": now,
        "running": running and value is not None,
        "overdue": value is not None and value < now,
    }


@register.filter
def event_label(action: str) -> str:
    extra = {
        "register": _("Registered"),
        "merged_in": _("A duplicate was merged in"),
    }
    if action in extra:
        return extra[action]
    try:
        return str(Action(action).label)
    except ValueError:
        return action


@register.filter
def running(case: Any) -> bool:
    """Whether the case's deadline clock runs (open and not suspended)."""
    from shequ.cases.selectors import RUNNING  # noqa: PLC0415

    return bool(case.state in RUNNING)
