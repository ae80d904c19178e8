"""Every change to a case: intake (``case_register``) and the one function that applies the
workflow table (``case_act``). Each runs in one transaction, appends the timeline event and
the audit record with it, and hands notifications to ``transaction.on_commit``.

Two people acting on the same case at once: the transition is written with a
compare-and-swap on ``Case.version`` under a row lock, so exactly one succeeds and the other
gets a ConflictError that says what happened meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from shequ.accounts.roles import Perm
from shequ.areas.models import Area, Department, Level
from shequ.cases import hooks
from shequ.cases.access import actor_kinds, ensure_may_intake, own_assignment, visible_cases
from shequ.cases.deadlines import deadlines_for, end_of_working_day
from shequ.cases.models import (
    ACTIVE_ASSIGNMENT,
    FINAL_STATES,
    OPEN_STATES,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Case,
    CaseEvent,
    CaseLevel,
    CasePhoto,
    Category,
    Channel,
    PhotoKind,
    Resolution,
    State,
)
from shequ.cases.photos import CleanPhoto, clean_photos
from shequ.cases.reporter import protect_name, protect_reporter_phone
from shequ.cases.workflow import Action, Deadline, Transition, actions_from, transition_for
from shequ.core.actors import is_system
from shequ.core.audit import AuditAction, audit, diff, snapshot
from shequ.core.errors import ConflictError, FieldError, NotAllowed, ServiceError
from shequ.core.masking import mask_phone
from shequ.core.paths import is_within
from shequ.core.validators import check_phone
from shequ.registry.grams import grams
from shequ.registry.models import House, Household

TITLE_MAX = 100
DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
REASON_MIN = 2
MAX_EXTENSION_DAYS = 30

# Fields whose changes the audit log records for a transition.
_AUDITED = (
    "state",
    "area_id",
    "lead_department_id",
    "resolve_by",
    "parent_id",
    "satisfaction",
    "followup_resolution",
    "followup_reached",
    "extended",
)


def _now() -> dt.datetime:
    return timezone.now()


def search_grams(*texts: str) -> str:
    """The bigrams of the texts, space separated: a case is found by any two characters of
    its title or description (decision 0009)."""
    found: set[str] = set()
    for text in texts:
        found |= {g for g in grams(text) if len(g) == 2 and not g.isspace()}
    return " ".join(sorted(found))


# --- intake -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    case: Case
    created: bool  # False when the same external reference was sent before
    # The intake photos written now (empty for a case found again): with them and the case
    # in hand, the caller can describe a new case without reading it back.
    photos: tuple[CasePhoto, ...] = ()


def _locate_point(longitude: float, latitude: float) -> Area | None:
    """The deepest current grid or subgrid whose boundary holds the point."""
    point = Point(longitude, latitude)
    candidates = (
        Area.objects.current()
        .filter(
            level__in=(Level.GRID, Level.SUBGRID),
            min_lon__lte=longitude,
            max_lon__gte=longitude,
            min_lat__lte=latitude,
            max_lat__gte=latitude,
        )
        .order_by("-level", "code")
    )
    area: Area
    for area in candidates:
        if area.boundary and shape(area.boundary).covers(point):
            return area
    return None


def _street_of(area: Area) -> Area | None:
    node: Area | None = area
    while node is not None and node.level > Level.STREET:
        node = node.parent
    return node if node is not None and node.level == Level.STREET else None


@dataclass
class _Where:
    area: Area
    unassigned: bool
    house: House | None
    household: Household | None
    address: str


def _resolve_location(
    *,
    errors: list[FieldError],
    longitude: float | None,
    latitude: float | None,
    house: House | None,
    household: Household | None,
    address: str,
    area: Area | None,
) -> _Where | None:
    if household is not None:
        if household.house is None:
            errors.append(FieldError("household", _("this household has moved away")))
            return None
        house = household.house
    if house is not None:
        grid = house.building.area
        return _Where(grid, False, house, household, address or str(house))
    if (longitude is None) != (latitude is None):
        errors.append(FieldError("location", _("give both longitude and latitude, or neither")))
        return None
    if longitude is not None and latitude is not None:
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            errors.append(FieldError("location", _("longitude or latitude out of range")))
            return None
        found = _locate_point(longitude, latitude)
        if found is not None:
            return _Where(found, False, None, None, address)
        # Outside every grid: the street's unassigned queue, never lost.
        street = _street_of(area) if area is not None else None
        if street is None:
            errors.append(
                FieldError("location", _("the point is in no grid; choose the area it belongs to"))
            )
            return None
        return _Where(street, True, None, None, address)
    if area is None:
        errors.append(FieldError("location", _("give a location: a point, a house or an area")))
        return None
    unassigned = area.level <= Level.STREET
    return _Where(area, unassigned, None, None, address)


def case_register(
    *,
    actor: Any,
    channel: str,
    category: Category | None,
    level: str = CaseLevel.ROUTINE,
    title: str,
    description: str,
    city_level: bool = False,
    external_ref: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    confidential: bool = False,
    longitude: float | None = None,
    latitude: float | None = None,
    house: House | None = None,
    household: Household | None = None,
    address: str = "",
    area: Area | None = None,
    photos: Sequence[Any] = (),
    reporter_user: Any = None,
    public_intake: bool = False,
) -> Registered:
    """Take a case in from any channel. The same (channel, external reference) twice is one
    case: the second call returns the first case with ``created=False``.

    ``public_intake``: the caller is a public door (the resident portal, an Open311 key) that
    has done its own checks (challenge, rate limits, the key); no intake permission is needed,
    but the place must still be inside a grid or a street we serve (decision 0024)."""
    errors: list[FieldError] = []
    title = " ".join((title or "").split())
    description = (description or "").strip()
    external_ref = (external_ref or "").strip()
    address = " ".join((address or "").split())[:200]
    if channel not in Channel.values:
        errors.append(FieldError("channel", _("unknown channel")))
    if level not in CaseLevel.values:
        errors.append(FieldError("level", _("unknown level")))
    if city_level and level != CaseLevel.KEY:
        errors.append(FieldError("city_level", _("only a key whistle can be city-level")))
    if category is None or not category.is_active:
        errors.append(FieldError("category", _("choose a category")))
    if not title:
        errors.append(FieldError("title", _("this field is required")))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", _("at most %(n)d characters") % {"n": TITLE_MAX}))
    if not description:
        errors.append(FieldError("description", _("this field is required")))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(
            FieldError("description", _("at most %(n)d characters") % {"n": DESCRIPTION_MAX})
        )
    if len(external_ref) > 64:
        errors.append(FieldError("external_ref", _("at most %(n)d characters") % {"n": 64}))
    reporter_name = " ".join((reporter_name or "").split())
    phone = ""
    if anonymous:
        reporter_name, reporter_phone = "", ""
        confidential = True
    elif reporter_phone:
        checked = check_phone(reporter_phone)
        if not checked.ok:
            errors.extend(FieldError("reporter_phone", str(e)) for e in checked.errors)
        phone = checked.value
    if len(reporter_name) > 40:
        errors.append(FieldError("reporter_name", _("at most %(n)d characters") % {"n": 40}))
    where = _resolve_location(
        errors=errors,
        longitude=longitude,
        latitude=latitude,
        house=house,
        household=household,
        address=address,
        area=area,
    )
    clean, photo_errors = clean_photos(list(photos))
    errors.extend(photo_errors)
    if errors:
        raise ServiceError.of(errors)
    assert where is not None
    assert category is not None

    try:
        if not public_intake:
            ensure_may_intake(actor, where.area.area_path)
    except NotAllowed:
        raise ServiceError.single(
            "location", _("this place is outside the areas where you may register cases")
        ) from None

    if external_ref:
        existing = Case.objects.filter(channel=channel, external_ref=external_ref).first()
        if existing is not None:
            # The same order again is the same case -- but a reference must not be a way
            # to open a case someone may not see.
            if public_intake or visible_cases(actor).filter(pk=existing.pk).exists():
                return Registered(existing, created=False)
            raise ServiceError.single(
                "external_ref", _("this reference is already registered in another area")
            )

    now = _now()
    rules = deadlines_for(category, level)
    name = protect_name(reporter_name)
    phone_p = protect_reporter_phone(phone)
    case = Case(
        number=f"T{now:%y%m%d%H%M%S%f}",  # replaced by the real number once the row has an id
        channel=channel,
        external_ref=external_ref,
        area=where.area,
        area_path=where.area.area_path,
        unassigned=where.unassigned,
        category=category,
        level=level,
        city_level=city_level,
        title=title,
        description=description,
        search_grams=search_grams(title, description, where.address),
        anonymous=anonymous,
        confidential=confidential,
        reporter_name_enc=name.enc,
        reporter_name_mask=name.mask,
        reporter_phone_enc=phone_p.enc,
        reporter_phone_bidx=phone_p.bidx,
        reporter_phone_mask=phone_p.mask,
        reporter_user=reporter_user if getattr(reporter_user, "pk", None) else None,
        longitude=longitude,
        latitude=latitude,
        house=where.house,
        household=where.household,
        address=where.address,
        respond_by=rules.respond.after(now),
        resolve_by=rules.resolve.after(now),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        # A savepoint only where a clash is expected and answered (the same reference at the
        # same moment); without a reference a clash is an error and rolls back the caller.
        with transaction.atomic(savepoint=bool(external_ref)):
            case.save()
            case.number = case_number(case)
            Case.objects.filter(pk=case.pk).update(number=case.number)
            event = _event(case, actor, "register", "", State.REGISTERED, public=True)
            saved = _save_photos(case, event, clean, PhotoKind.INTAKE)
            audit(
                actor=actor,
                action=AuditAction.CREATE,
                obj=case,
                changes={
                    "channel": channel,
                    "category": category.code,
                    "level": level,
                    "area": where.area.code,
                    "reporter_name": name.mask,
                    "reporter_phone": mask_phone(phone) if phone else "",
                },
            )
            hooks.after_event(case, event, None)
    except IntegrityError:
        if not external_ref:
            raise
        # The same hotline order arrived twice at the same moment: the other one won.
        existing = Case.objects.filter(channel=channel, external_ref=external_ref).first()
        if existing is not None:
            return Registered(existing, created=False)
        raise
    return Registered(case, created=True, photos=tuple(saved))


def case_number(case: Case) -> str:
    """The tracking number: the day and the row id, e.g. 20261123-000042."""
    day = timezone.localtime(case.created_at).date()
    return f"{day:%Y%m%d}-{case.pk:06d}"


def _save_photos(
    case: Case, event: CaseEvent, photos: list[CleanPhoto], kind: str
) -> list[CasePhoto]:
    return [
        CasePhoto.objects.create(
            case=case,
            event=event,
            kind=kind,
            image=photo.content,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
        )
        for photo in photos
    ]


def _event(
    case: Case,
    actor: Any,
    action: str,
    from_state: str,
    to_state: str,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    public: bool = False,
    department: Department | None = None,
) -> CaseEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return CaseEvent.objects.create(
        case=case,
        at=_now(),
        actor=user,
        actor_name=(user.get_full_name() if user else str(actor or ""))[:150],
        department=department,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
        public=public,
    )


# --- the workflow -------------------------------------------------------------------------


@dataclass
class _Step:
    """What one action handler decided: the next state and what goes on the timeline."""

    target: State
    note: str = ""
    data: dict[str, Any] | None = None
    department: Department | None = None
    photos: list[CleanPhoto] | None = None
    after: list[Any] | None = None  # callables run after the case row is written


def _text(fields: dict[str, Any], name: str) -> str:
    return " ".join(str(fields.get(name) or "").split())


def _required(row: Transition, fields: dict[str, Any]) -> list[FieldError]:
    errors = []
    for name in row.required:
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(FieldError(name, _("this field is required")))
        elif name in ("reason", "note") and len(_text(fields, name)) < REASON_MIN:
            errors.append(FieldError(name, _("at least %(n)d characters") % {"n": REASON_MIN}))
        elif name in ("reason", "note") and len(_text(fields, name)) > NOTE_MAX:
            errors.append(FieldError(name, _("at most %(n)d characters") % {"n": NOTE_MAX}))
    return errors


def case_act(
    *,
    actor: Any,
    case: Case,
    action: str,
    version: int | None = None,
    **fields: Any,
) -> Case:
    """Apply ``action`` to ``case`` as the workflow table says. ``version`` is the version the
    actor saw (forms and the API send it); when given and stale, nothing happens and a
    ConflictError says so. Returns the case as it is afterwards."""
    try:
        act = Action(action)
    except ValueError:
        raise ServiceError.single("action", _("unknown action")) from None
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "area")
            .get(pk=case.pk)
        )
        if version is not None and locked.version != version:
            raise ConflictError.single(
                "version",
                _(
                    "someone else changed this case meanwhile (it is now “%(state)s”); "
                    "reload it and try again"
                )
                % {"state": locked.get_state_display()},
            )
        row = transition_for(act, locked.state)
        if row is None:
            raise ConflictError.single(
                "action",
                _("a case that is “%(state)s” cannot be given “%(action)s”")
                % {"state": locked.get_state_display(), "action": act.label},
            )
        if not (row.actors & actor_kinds(actor, locked)):
            raise NotAllowed(act)
        errors = _required(row, fields)
        if errors:
            raise ServiceError.of(errors)
        before = snapshot(locked, _AUDITED)
        from_state = locked.state
        step = _HANDLERS[act](actor, locked, row, fields)
        _apply_deadline(locked, row.deadline, step, fields)
        old_version = locked.version
        locked.state = step.target
        locked.version = old_version + 1
        changed = _write(locked, old_version)
        if not changed:  # pragma: no cover - the row lock makes this unreachable on PostgreSQL
            raise ConflictError.single("version", _("someone else changed this case meanwhile"))
        for callback in step.after or ():
            callback()
        if step.target in FINAL_STATES:
            _withdraw_active(locked)
        event = _event(
            locked,
            actor,
            act.value,
            from_state,
            step.target,
            note=step.note,
            data=step.data,
            public=row.public,
            department=step.department,
        )
        if step.photos:
            _save_photos(locked, event, step.photos, PhotoKind.RESULT)
        changes: dict[str, Any] = {"action": act.value}
        changes |= diff(before, snapshot(locked, _AUDITED))
        audit(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes)
        hooks.after_event(locked, event, before)
    result: Case = locked
    return result


_WRITTEN = (
    "state",
    "version",
    "area",
    "area_path",
    "unassigned",
    "lead_department",
    "suspended_from",
    "suspended_remaining",
    "parent",
    "respond_by",
    "resolve_by",
    "warned_at",
    "overdue_at",
    "escalated_at",
    "accepted_at",
    "dispatched_at",
    "resolved_at",
    "verified_at",
    "closed_at",
    "closed_on_time",
    "rework_count",
    "reopen_count",
    "extended",
    "extension_requested_days",
    "extension_reason",
    "followup_reached",
    "followup_resolution",
    "satisfaction",
    "close_note",
)


def _withdraw_active(case: Case) -> None:
    """A finished case waits on no department: e.g. a co-department still waiting after the
    lead returned the case, when the street then merges it into another."""
    now = _now()
    case.assignments.filter(state__in=ACTIVE_ASSIGNMENT).update(
        state=AssignmentState.WITHDRAWN, finished_at=now, updated_at=now
    )


def _write(case: Case, old_version: int) -> bool:
    """Compare-and-swap: write only if nobody wrote since we read ``old_version``."""
    values: dict[str, Any] = {}
    for name in _WRITTEN:
        attname = Case._meta.get_field(name).attname  # type: ignore[union-attr]
        values[attname] = getattr(case, attname)
    values["updated_at"] = _now()
    return bool(Case.objects.filter(pk=case.pk, version=old_version).update(**values))


def _apply_deadline(case: Case, effect: Deadline, step: _Step, fields: dict[str, Any]) -> None:
    now = _now()
    if effect == Deadline.RESTART:
        rules = deadlines_for(case.category, case.level)
        case.respond_by = rules.respond.after(now)
        case.resolve_by = rules.resolve.after(now)
        _clear_marks(case)
    elif effect == Deadline.EXTEND:
        days = case.extension_requested_days or 0
        base = max(case.resolve_by or now, now)
        case.resolve_by = end_of_working_day(base, days)
        case.extended = True
        case.extension_requested_days = None
        case.extension_reason = ""
        _clear_marks(case)
    elif effect == Deadline.PAUSE:
        left = (case.resolve_by - now) if case.resolve_by else None
        case.suspended_remaining = max(left, dt.timedelta(0)) if left is not None else None
        case.suspended_from = step.data.get("from", "") if step.data else ""
    elif effect == Deadline.RESUME:
        if case.suspended_remaining is not None:
            case.resolve_by = now + case.suspended_remaining
            _clear_marks(case)
        case.suspended_remaining = None
        case.suspended_from = ""
    elif effect == Deadline.STOP:
        pass  # the sweep looks only at open cases


def _clear_marks(case: Case) -> None:
    case.warned_at = None
    case.overdue_at = None
    case.escalated_at = None


# --- one handler per action ---------------------------------------------------------------


def _accept(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    case.accepted_at = _now()
    return _Step(State.ACCEPTED, note=_text(fields, "note"))


def _reject(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    return _Step(State.REJECTED, note=_text(fields, "reason"))


def _take(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    # The community handles it itself now (a reopened case may still name the department
    # that had it before, and a rework would send it back there).
    case.lead_department = None
    return _Step(State.HANDLING, note=_text(fields, "note"))


def _escalate(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    return _Step(State.TO_DISPATCH, note=_text(fields, "reason"))


def _relocate(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    area = fields["area"]
    if not isinstance(area, Area) or area.level < Level.COMMUNITY or not area.is_current:
        raise ServiceError.single("area", _("choose a current community, grid or subgrid"))
    street = _street_of(case.area)
    if street is None or not is_within(area.area_path, street.area_path):
        raise ServiceError.single("area", _("choose an area of the case's own street"))
    old = case.area
    case.area = area
    case.area_path = area.area_path
    case.unassigned = False
    return _Step(
        State(case.state),
        note=_text(fields, "note"),
        data={"from": old.code, "to": area.code, "area": area.name},
    )


def _departments(case: Case, fields: dict[str, Any]) -> tuple[Department, list[Department]]:
    lead = fields["lead_department"]
    co = [d for d in fields.get("co_departments") or [] if d != lead]
    errors: list[FieldError] = []
    for name, departments in (("lead_department", [lead]), ("co_departments", co)):
        for department in departments:
            if not isinstance(department, Department) or not department.is_active:
                errors.append(FieldError(name, _("choose an active department")))
            elif not is_within(case.area_path, department.area_path):
                errors.append(
                    FieldError(
                        name,
                        _("%(name)s is not a department of the case's street or district")
                        % {"name": department.name},
                    )
                )
    if len({d.pk for d in co}) != len(co):
        errors.append(FieldError("co_departments", _("a department is listed twice")))
    if errors:
        raise ServiceError.of(errors)
    return lead, co


def _assign(case: Case, lead: Department, co: list[Department]) -> list[str]:
    """Make the active assignments exactly ``lead`` + ``co``: keep those already there (a
    department that checked in stays checked in), withdraw the others, add the new ones."""
    now = _now()
    wanted = {lead.pk: AssignmentRole.LEAD} | {d.pk: AssignmentRole.CO for d in co}
    rules = deadlines_for(case.category, case.level)
    active = {a.department_id: a for a in case.assignments.filter(state__in=ACTIVE_ASSIGNMENT)}
    for department_id, assignment in active.items():
        if department_id not in wanted:
            assignment.state = AssignmentState.WITHDRAWN
            assignment.finished_at = now
            assignment.save(update_fields=["state", "finished_at", "updated_at"])
        elif assignment.role != wanted[department_id]:
            assignment.role = wanted[department_id]
            assignment.save(update_fields=["role", "updated_at"])
    added = []
    for department_id, role in wanted.items():
        if department_id not in active:
            Assignment.objects.create(
                case=case,
                department_id=department_id,
                role=role,
                respond_by=rules.respond.after(now),
            )
            added.append(department_id)
    return [str(d) for d in added]


def _whistle(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    lead, co = _departments(case, fields)
    case.lead_department = lead
    case.dispatched_at = case.dispatched_at or _now()
    names = [lead.name, *(d.name for d in co)]
    return _Step(
        State.DISPATCHED,
        note=_text(fields, "note") or _text(fields, "reason"),
        data={"lead": lead.name, "co": [d.name for d in co], "departments": names},
        after=[lambda: _assign(case, lead, co)],
    )


def _check_in(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    assignment = own_assignment(actor, case)
    if assignment is None or assignment.state != AssignmentState.WAITING:
        raise ConflictError.single("action", _("your department has already checked in"))
    now = _now()
    assignment.state = AssignmentState.CHECKED_IN
    assignment.checked_in_at = now
    assignment.save(update_fields=["state", "checked_in_at", "updated_at"])
    on_time = assignment.respond_by is None or now <= assignment.respond_by
    return _Step(
        State.DISPATCHED,
        note=_text(fields, "note"),
        data={"on_time": on_time},
        department=assignment.department,
    )


def _checked_in_assignment(actor: Any, case: Case) -> Assignment:
    assignment = own_assignment(actor, case)
    if assignment is None:
        raise NotAllowed(Perm.CASE_RESPOND)
    if assignment.state == AssignmentState.WAITING:
        raise ConflictError.single("action", _("check in first"))
    return assignment


def _handle(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    department = None
    if case.state == State.DISPATCHED:
        department = _checked_in_assignment(actor, case).department
    return _Step(State(case.state), note=_text(fields, "note"), department=department)


def _return(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    assignment = own_assignment(actor, case)
    if assignment is None:
        raise NotAllowed(Perm.CASE_RESPOND)
    assignment.state = AssignmentState.RETURNED
    assignment.finished_at = _now()
    assignment.note = _text(fields, "reason")[:1000]
    assignment.save(update_fields=["state", "finished_at", "note", "updated_at"])
    still_active = case.assignments.filter(state__in=ACTIVE_ASSIGNMENT).exists()
    if assignment.role == AssignmentRole.LEAD or not still_active:
        # The lead said it is not theirs: the street decides again.
        case.lead_department = None
        target = State.TO_DISPATCH
    else:
        target = State.DISPATCHED
    return _Step(
        target,
        note=_text(fields, "reason"),
        data={"role": assignment.role},
        department=assignment.department,
    )


def _resolve(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    photos, errors = clean_photos(list(fields.get("photos") or []))
    if errors:
        raise ServiceError.of(errors)
    now = _now()
    department = None
    if case.state == State.DISPATCHED:
        lead = _checked_in_assignment(actor, case)
        department = lead.department
        for assignment in case.assignments.filter(state__in=ACTIVE_ASSIGNMENT):
            assignment.state = AssignmentState.RESOLVED
            assignment.finished_at = now
            assignment.save(update_fields=["state", "finished_at", "updated_at"])
    case.resolved_at = now
    return _Step(State.RESOLVED, note=_text(fields, "note"), department=department, photos=photos)


def _verify(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    case.verified_at = _now()
    return _Step(State.VERIFIED, note=_text(fields, "note"))


def _rework(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    case.rework_count += 1
    case.resolved_at = None
    if case.lead_department_id:
        lead = (
            case.assignments.filter(department_id=case.lead_department_id)
            .exclude(state__in=(AssignmentState.WITHDRAWN, AssignmentState.RETURNED))
            .order_by("-id")
            .first()
        )
        if lead is not None:
            lead.state = AssignmentState.CHECKED_IN
            lead.finished_at = None
            lead.save(update_fields=["state", "finished_at", "updated_at"])
        target = State.DISPATCHED
    else:
        target = State.HANDLING
    return _Step(target, note=_text(fields, "reason"))


def _follow_up(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    reached = _boolean(fields.get("reached"))
    if reached is None:
        raise ServiceError.single("reached", _("say whether the reporter was reached"))
    errors: list[FieldError] = []
    resolution = str(fields.get("resolution") or "")
    satisfaction = fields.get("satisfaction")
    if reached:
        if resolution not in Resolution.values:
            errors.append(FieldError("resolution", _("choose resolved, partly or not resolved")))
        try:
            satisfaction = int(satisfaction) if satisfaction not in (None, "") else None
        except (TypeError, ValueError):
            satisfaction = None
        if satisfaction is None or not 1 <= satisfaction <= 5:
            errors.append(FieldError("satisfaction", _("choose one of the five levels")))
    elif len(_text(fields, "reason")) < REASON_MIN:
        errors.append(FieldError("reason", _("say why the reporter was not reached")))
    if errors:
        raise ServiceError.of(errors)
    case.followup_reached = reached
    case.followup_resolution = resolution if reached else ""
    case.satisfaction = satisfaction if reached else None
    data: dict[str, Any] = {"reached": reached}
    if reached:
        data |= {"resolution": resolution, "satisfaction": satisfaction}
    return _Step(
        State.FOLLOWED_UP,
        note=_text(fields, "comment") or _text(fields, "reason"),
        data=data,
    )


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return None


def _close(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    now = _now()
    case.closed_at = now
    finished = case.resolved_at or now
    case.closed_on_time = case.resolve_by is None or finished <= case.resolve_by
    reason = _text(fields, "reason")
    if reason:
        case.close_note = reason[:500]
    return _Step(State.CLOSED, note=reason or _text(fields, "note"))


def unsatisfied(case: Case) -> bool:
    return case.followup_resolution in (Resolution.NO, Resolution.PARTLY) or (
        case.satisfaction is not None and case.satisfaction <= 2
    )


def _reopen(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    if not unsatisfied(case):
        raise ConflictError.single(
            "action", _("only a case whose reporter was not satisfied can be reopened")
        )
    case.reopen_count += 1
    case.resolved_at = None
    case.verified_at = None
    case.closed_on_time = None
    data = {"satisfaction": case.satisfaction, "resolution": case.followup_resolution}
    case.followup_reached = None
    case.followup_resolution = ""
    case.satisfaction = None
    return _Step(State.ACCEPTED, note=_text(fields, "reason"), data=data)


def _request_extension(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    if case.extension_requested_days:
        raise ConflictError.single("days", _("an extension request is already waiting"))
    try:
        days = int(fields["days"])
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ServiceError.single(
            "days", _("between 1 and %(n)d working days") % {"n": MAX_EXTENSION_DAYS}
        )
    case.extension_requested_days = days
    case.extension_reason = _text(fields, "reason")[:500]
    department = None
    if case.state == State.DISPATCHED:
        department = _checked_in_assignment(actor, case).department
    return _Step(
        State(case.state),
        note=case.extension_reason,
        data={"days": days},
        department=department,
    )


def _approve_extension(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    if not case.extension_requested_days:
        raise ConflictError.single("action", _("no extension request is waiting"))
    return _Step(
        State(case.state),
        note=_text(fields, "note"),
        data={"days": case.extension_requested_days},
    )


def _deny_extension(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    if not case.extension_requested_days:
        raise ConflictError.single("action", _("no extension request is waiting"))
    days = case.extension_requested_days
    case.extension_requested_days = None
    case.extension_reason = ""
    return _Step(State(case.state), note=_text(fields, "reason"), data={"days": days})


def _suspend(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    return _Step(State.SUSPENDED, note=_text(fields, "reason"), data={"from": case.state})


def _resume(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    target = State(case.suspended_from) if case.suspended_from else State.ACCEPTED
    return _Step(target, note=_text(fields, "note"))


def _supervise(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    return _Step(State(case.state), note=_text(fields, "note"))


def _merge(actor: Any, case: Case, row: Transition, fields: dict[str, Any]) -> _Step:
    parent = fields["parent"]
    if not isinstance(parent, Case):
        raise ServiceError.single("parent", _("give the number of the case to merge into"))
    if parent.pk == case.pk:
        raise ServiceError.single("parent", _("a case cannot be merged into itself"))
    if not is_system(actor) and not visible_cases(actor).filter(pk=parent.pk).exists():
        raise ServiceError.single("parent", _("no such case in your area"))
    if parent.state not in OPEN_STATES or parent.parent_id:
        raise ServiceError.single("parent", _("merge only into an open case"))
    case.parent = parent
    note = _text(fields, "note")

    def tell_parent() -> None:
        _event(
            parent,
            actor,
            "merged_in",
            parent.state,
            parent.state,
            note=note,
            data={"number": case.number},
        )

    return _Step(State.MERGED, note=note, data={"parent": parent.number}, after=[tell_parent])


_HANDLERS = {
    Action.ACCEPT: _accept,
    Action.REJECT: _reject,
    Action.TAKE: _take,
    Action.ESCALATE: _escalate,
    Action.RELOCATE: _relocate,
    Action.WHISTLE: _whistle,
    Action.REROUTE: _whistle,
    Action.CHECK_IN: _check_in,
    Action.HANDLE: _handle,
    Action.RETURN: _return,
    Action.RESOLVE: _resolve,
    Action.VERIFY: _verify,
    Action.REWORK: _rework,
    Action.FOLLOW_UP: _follow_up,
    Action.CLOSE: _close,
    Action.REOPEN: _reopen,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.APPROVE_EXTENSION: _approve_extension,
    Action.DENY_EXTENSION: _deny_extension,
    Action.SUSPEND: _suspend,
    Action.RESUME: _resume,
    Action.SUPERVISE: _supervise,
    Action.MERGE: _merge,
}


def available_actions(actor: Any, case: Case) -> list[Transition]:
    """The rows ``actor`` may take on ``case`` now (the buttons a page shows)."""
    kinds = actor_kinds(actor, case)
    return [row for row in actions_from(case.state) if row.actors & kinds]
