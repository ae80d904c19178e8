"""The case workflow as a table (design guide §5): for each action and the state it starts
from, who may take it, what it needs, where it leads and what it does to the deadlines.

``shequ.cases.services.case_act`` is the one function that applies a row of this table;
``docs/workflow.md`` is generated from it (a test keeps the two equal), so the table is the
documentation. The standard loop (国办发〔2020〕53号): 受理、调度、办理、回复、督办、办结、回访、评价.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import OPEN_STATES, State


class Action(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    TAKE = "take", _("Handle in the community")
    ESCALATE = "escalate", _("Ask the street to whistle")
    RELOCATE = "relocate", _("Assign to a grid")
    WHISTLE = "whistle", _("Whistle to departments")
    REROUTE = "reroute", _("Re-route")
    CHECK_IN = "check_in", _("Check in")
    HANDLE = "handle", _("Record progress")
    RETURN = "return", _("Return as wrongly routed")
    RESOLVE = "resolve", _("Resolve with feedback")
    VERIFY = "verify", _("Verify: done")
    REWORK = "rework", _("Verify: not done, rework")
    FOLLOW_UP = "follow_up", _("Follow up with the reporter")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    REQUEST_EXTENSION = "request_extension", _("Request an extension")
    APPROVE_EXTENSION = "approve_extension", _("Approve the extension")
    DENY_EXTENSION = "deny_extension", _("Deny the extension")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    SUPERVISE = "supervise", _("Supervise")
    MERGE = "merge", _("Merge into another case")


class Actor(StrEnum):
    """Who may act, each checked against the case: a permission in the case's area, or (for
    departments) an active assignment of the actor's own department."""

    COMMUNITY = "community"  # case.manage in the case's area: community staff, grid chief
    GRID = "grid"  # case.handle in the case's area: also the grid's workers
    STREET = "street"  # case.dispatch in the case's area: the street's command centre
    DEPARTMENT = "department"  # any department the case is whistled to (active assignment)
    LEAD = "lead"  # the lead department only


ACTOR_LABELS: dict[Actor, Promise] = {
    Actor.COMMUNITY: _("community staff and grid chiefs of the case's area"),
    Actor.GRID: _("grid workers, grid chiefs and community staff of the case's area"),
    Actor.STREET: _("the street's dispatchers"),
    Actor.DEPARTMENT: _("any department the case is whistled to"),
    Actor.LEAD: _("the lead department"),
}


class Deadline(StrEnum):
    """What a transition does to the deadlines (``shequ.cases.deadlines``)."""

    KEEP = "keep"
    CHECK_IN = "check_in"  # each new assignment gets a check-in deadline
    RESTART = "restart"  # respond_by and resolve_by counted again from now
    EXTEND = "extend"  # resolve_by moves by the requested working days
    PAUSE = "pause"  # the time left is kept; no deadline runs while suspended
    RESUME = "resume"  # resolve_by = now + the time that was left
    STOP = "stop"  # the case is finished: no deadline any more


DEADLINE_LABELS: dict[Deadline, Promise] = {
    Deadline.KEEP: _("unchanged"),
    Deadline.CHECK_IN: _("each department must check in by its deadline"),
    Deadline.RESTART: _("deadlines counted again from now"),
    Deadline.EXTEND: _("resolve-by moves by the approved working days"),
    Deadline.PAUSE: _("paused: the time left is kept"),
    Deadline.RESUME: _("resolve-by = now + the time that was left"),
    Deadline.STOP: _("no deadline any more"),
}


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[State]
    actors: frozenset[Actor]
    # None: the target depends on the case (rework, return, resume; see services).
    target: State | None
    required: tuple[str, ...] = ()
    deadline: Deadline = Deadline.KEEP
    # Shown on the reporter's public timeline (without names or internal notes).
    public: bool = False


def _t(  # noqa: PLR0917 - the table reads best as positional rows
    action: Action,
    sources: set[State] | frozenset[State],
    actors: set[Actor],
    target: State | None,
    required: tuple[str, ...] = (),
    deadline: Deadline = Deadline.KEEP,
    *,
    public: bool = False,
) -> Transition:
    return Transition(
        action, frozenset(sources), frozenset(actors), target, required, deadline, public
    )


S = State
A = Action
_BEFORE_DISPATCH = {S.REGISTERED, S.ACCEPTED, S.TO_DISPATCH}
_WORKING = {S.HANDLING, S.DISPATCHED}
_OPEN = set(OPEN_STATES)

TRANSITIONS: tuple[Transition, ...] = (
    _t(A.ACCEPT, {S.REGISTERED}, {Actor.COMMUNITY, Actor.STREET}, S.ACCEPTED, public=True),
    _t(
        A.REJECT,
        {S.REGISTERED},
        {Actor.COMMUNITY, Actor.STREET},
        S.REJECTED,
        ("reason",),
        Deadline.STOP,
        public=True,
    ),
    _t(A.TAKE, {S.ACCEPTED}, {Actor.COMMUNITY}, S.HANDLING, public=True),
    _t(A.ESCALATE, {S.ACCEPTED, S.HANDLING}, {Actor.COMMUNITY}, S.TO_DISPATCH, ("reason",)),
    _t(A.RELOCATE, _BEFORE_DISPATCH, {Actor.STREET}, None, ("area",)),
    _t(
        A.WHISTLE,
        {S.ACCEPTED, S.TO_DISPATCH},
        {Actor.STREET},
        S.DISPATCHED,
        ("lead_department",),
        Deadline.CHECK_IN,
        public=True,
    ),
    _t(
        A.REROUTE,
        {S.DISPATCHED},
        {Actor.STREET},
        S.DISPATCHED,
        ("lead_department", "reason"),
        Deadline.CHECK_IN,
    ),
    _t(A.CHECK_IN, {S.DISPATCHED}, {Actor.DEPARTMENT}, S.DISPATCHED, public=True),
    _t(A.HANDLE, {S.DISPATCHED}, {Actor.DEPARTMENT}, S.DISPATCHED, ("note",)),
    _t(A.HANDLE, {S.HANDLING}, {Actor.GRID}, S.HANDLING, ("note",)),
    _t(A.RETURN, {S.DISPATCHED}, {Actor.DEPARTMENT}, None, ("reason",)),
    _t(A.RESOLVE, {S.DISPATCHED}, {Actor.LEAD}, S.RESOLVED, ("note",), public=True),
    _t(A.RESOLVE, {S.HANDLING}, {Actor.GRID}, S.RESOLVED, ("note",), public=True),
    _t(A.VERIFY, {S.RESOLVED}, {Actor.COMMUNITY}, S.VERIFIED, public=True),
    _t(A.REWORK, {S.RESOLVED}, {Actor.COMMUNITY}, None, ("reason",), public=True),
    _t(
        A.FOLLOW_UP,
        {S.VERIFIED},
        {Actor.COMMUNITY},
        S.FOLLOWED_UP,
        ("reached",),
        public=True,
    ),
    _t(A.CLOSE, {S.FOLLOWED_UP}, {Actor.COMMUNITY}, S.CLOSED, (), Deadline.STOP, public=True),
    # Closing without a follow-up (an anonymous reporter, a number that does not answer)
    # needs the reason recorded.
    _t(A.CLOSE, {S.VERIFIED}, {Actor.COMMUNITY}, S.CLOSED, ("reason",), Deadline.STOP, public=True),
    _t(
        A.REOPEN,
        {S.FOLLOWED_UP},
        {Actor.COMMUNITY, Actor.STREET},
        S.ACCEPTED,
        ("reason",),
        Deadline.RESTART,
        public=True,
    ),
    _t(A.REQUEST_EXTENSION, {S.DISPATCHED}, {Actor.LEAD}, S.DISPATCHED, ("days", "reason")),
    _t(A.REQUEST_EXTENSION, {S.HANDLING}, {Actor.GRID}, S.HANDLING, ("days", "reason")),
    _t(A.APPROVE_EXTENSION, {S.DISPATCHED}, {Actor.STREET}, S.DISPATCHED, (), Deadline.EXTEND),
    _t(A.APPROVE_EXTENSION, {S.HANDLING}, {Actor.COMMUNITY}, S.HANDLING, (), Deadline.EXTEND),
    _t(A.DENY_EXTENSION, {S.DISPATCHED}, {Actor.STREET}, S.DISPATCHED, ("reason",)),
    _t(A.DENY_EXTENSION, {S.HANDLING}, {Actor.COMMUNITY}, S.HANDLING, ("reason",)),
    _t(
        A.SUSPEND,
        {S.ACCEPTED, S.TO_DISPATCH, *_WORKING},
        {Actor.STREET},
        S.SUSPENDED,
        ("reason",),
        Deadline.PAUSE,
        public=True,
    ),
    _t(A.RESUME, {S.SUSPENDED}, {Actor.STREET}, None, (), Deadline.RESUME, public=True),
    _t(A.SUPERVISE, _OPEN - {S.REGISTERED}, {Actor.STREET}, None, ("note",)),
    _t(
        A.MERGE,
        _BEFORE_DISPATCH,
        {Actor.COMMUNITY, Actor.STREET},
        S.MERGED,
        ("parent",),
        Deadline.STOP,
        public=True,
    ),
)

_INDEX: dict[tuple[Action, State], Transition] = {}
for _row in TRANSITIONS:
    for _source in _row.sources:
        if (_row.action, _source) in _INDEX:  # pragma: no cover - a mistake in the table
            msg = f"two rows for {_row.action} from {_source}"
            raise RuntimeError(msg)
        _INDEX[(_row.action, _source)] = _row


def transition_for(action: Action | str, state: State | str) -> Transition | None:
    try:
        return _INDEX.get((Action(action), State(state)))
    except ValueError:
        return None


def actions_from(state: State | str) -> list[Transition]:
    """The rows that start from ``state``, in table order."""
    return [row for row in TRANSITIONS if state in row.sources]


def workflow_markdown() -> str:
    """The table as Markdown, for docs/workflow.md (a test keeps the two equal)."""
    lines = [
        "| action | from | who | to | needs | deadlines |",
        "|---|---|---|---|---|---|",
    ]
    for row in TRANSITIONS:
        sources = ", ".join(sorted(f"`{s.value}`" for s in row.sources))
        actors = ", ".join(sorted(f"`{a.value}`" for a in row.actors))
        target = f"`{row.target.value}`" if row.target else "(depends, see below)"
        needs = ", ".join(f"`{f}`" for f in row.required) or "—"
        lines.append(
            f"| `{row.action.value}` | {sources} | {actors} | {target} | {needs} | "
            f"`{row.deadline.value}` |"
        )
    return "\n".join(lines)
