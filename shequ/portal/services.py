"""Every change a resident makes (report, rate) and the staff's public replies. Reports go
through the case engine's ``case_register`` as the public door, ratings through its
workflow when the case waits for its follow-up (decision 0025)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from shequ.accounts.access import ensure_allowed
from shequ.accounts.roles import Perm
from shequ.areas.models import Area, Level
from shequ.cases import hooks
from shequ.cases.models import (
    Case,
    CaseEvent,
    CaseLevel,
    Category,
    Channel,
    Resolution,
    State,
)
from shequ.cases.services import case_act, case_register, search_grams
from shequ.core.actors import SYSTEM
from shequ.core.audit import AuditAction, audit, diff, snapshot
from shequ.core.crypto import decrypt
from shequ.core.errors import ConflictError, FieldError, ServiceError
from shequ.portal.accounts import PHONE, is_resident
from shequ.portal.actors import RESIDENT_PORTAL, PublicDoor
from shequ.portal.models import CaseRating, PublicReply
from shequ.registry.models import Household

DESCRIPTION_MIN = 5
TITLE_CHARS = 30
COMMENT_MAX = 500
REPLY_MAX = 2000
# A resident may rate once the work is reported done.
RATABLE = frozenset({State.RESOLVED, State.VERIFIED, State.FOLLOWED_UP, State.CLOSED})


def street_at(longitude: float, latitude: float) -> Area | None:
    """The current street whose boundary holds the point: a point outside every grid but
    inside a street goes to that street's unassigned queue, never lost."""
    point = Point(longitude, latitude)
    candidates = Area.objects.current().filter(
        level=Level.STREET,
        min_lon__lte=longitude,
        max_lon__gte=longitude,
        min_lat__lte=latitude,
        max_lat__gte=latitude,
    )
    area: Area
    for area in candidates:
        if area.boundary and shape(area.boundary).covers(point):
            return area
    return None


def title_from(description: str, category: Category | None) -> str:
    """Residents write no title: the first words of what they wrote."""
    first = " ".join((description or "").split())
    if len(first) > TITLE_CHARS:
        first = first[: TITLE_CHARS - 1] + "…"
    return first or (category.plain_name or category.name if category else "")


def case_report(
    *,
    door: PublicDoor,
    category: Category | None,
    description: str,
    channel: str = Channel.RESIDENT,
    title: str = "",
    longitude: float | None = None,
    latitude: float | None = None,
    household: Household | None = None,
    address: str = "",
    photos: Sequence[Any] = (),
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_user: Any = None,
    anonymous: bool = False,
    external_ref: str = "",
    fallback_area: Area | None = None,
) -> tuple[Case, bool]:
    """A case from a public door (the portal, an Open311 key): the same checks as any intake
    (``case_register``), no staff permission, a place we serve. Returns (case, created)."""
    description = (description or "").strip()
    if category is not None and (category.children.filter(is_active=True).exists()):
        raise ServiceError.single("category", _("choose one of the kinds under this group"))
    area = fallback_area
    if longitude is not None and latitude is not None and household is None:
        try:
            area = street_at(float(longitude), float(latitude)) or fallback_area
        except (TypeError, ValueError):
            raise ServiceError.single("location", _("longitude or latitude out of range")) from None
        if area is None:
            raise ServiceError.single(
                "location", _("this place is outside the area we serve; move the pin")
            )
    registered = case_register(
        actor=door,
        public_intake=True,
        channel=channel,
        category=category,
        level=CaseLevel.ROUTINE,
        title=title or title_from(description, category),
        description=description,
        external_ref=external_ref,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        anonymous=anonymous,
        confidential=anonymous,
        longitude=longitude if household is None else None,
        latitude=latitude if household is None else None,
        household=household,
        address=address,
        area=area,
        photos=photos,
        reporter_user=reporter_user,
    )
    return registered.case, registered.created


def case_report_by_resident(
    *,
    user: Any,
    category: Category | None,
    description: str,
    longitude: float | None = None,
    latitude: float | None = None,
    household: Household | None = None,
    address: str = "",
    photos: Sequence[Any] = (),
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    form_key: str = "",
) -> tuple[Case, bool]:
    """随手拍: a resident's report through the portal. ``form_key`` is the one-time key of
    the form the resident filled in: sending it twice (a flaky network) is one case. A
    resident with an account is the reporter; their phone goes with it unless they report
    anonymously."""
    text = (description or "").strip()
    if text and len(text) < DESCRIPTION_MIN:
        raise ServiceError.single(
            "description", _("at least %(n)d characters") % {"n": DESCRIPTION_MIN}
        )
    account_user = user if is_resident(user) else None
    if account_user is not None and not anonymous and not reporter_phone:
        reporter_phone = decrypt(account_user.resident_account.phone_enc, purpose=PHONE)
    if longitude is None and latitude is None and household is None:
        raise ServiceError.single(
            "location", _("put a pin on the map, use your position, or scan the door code")
        )
    return case_report(
        door=RESIDENT_PORTAL,
        category=category,
        description=description,
        longitude=longitude,
        latitude=latitude,
        household=household,
        address=address,
        photos=photos,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_user=account_user,
        anonymous=anonymous,
        external_ref=f"portal-{form_key}"[:64] if form_key else "",
    )


def _satisfaction(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 5 else None


def case_rate(
    *,
    case: Case,
    satisfaction: Any,
    resolution: str,
    comment: str = "",
    user: Any = None,
) -> CaseRating:
    """The reporter rates the result, once. At ``verified`` the rating *is* the follow-up
    (回访): the reporter answering themself, applied through the workflow; at any other
    ratable state it is recorded on the timeline for the staff's follow-up (decision 0025)."""
    errors: list[FieldError] = []
    level = _satisfaction(satisfaction)
    if level is None:
        errors.append(FieldError("satisfaction", _("choose one of the five levels")))
    if resolution not in Resolution.values:
        errors.append(FieldError("resolution", _("choose resolved, partly or not resolved")))
    comment = " ".join((comment or "").split())
    if len(comment) > COMMENT_MAX:
        errors.append(FieldError("comment", _("at most %(n)d characters") % {"n": COMMENT_MAX}))
    if errors or level is None:
        raise ServiceError.of(errors)
    account = user if is_resident(user) else None
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if locked.state not in RATABLE:
            raise ConflictError.single(
                "state", _("you can rate once the problem is reported as resolved")
            )
        try:
            with transaction.atomic():
                rating = CaseRating.objects.create(
                    case=locked,
                    satisfaction=level,
                    resolution=resolution,
                    comment=comment,
                    user=account,
                    as_follow_up=locked.state == State.VERIFIED,
                )
        except IntegrityError:
            raise ConflictError.single("case", _("this case has already been rated")) from None
        data = {"satisfaction": level, "resolution": resolution, "by": "reporter"}
        if locked.state == State.VERIFIED:
            # The follow-up's questions are exactly these; the system applies the row of
            # the table on the reporter's behalf, and the timeline says who answered.
            case_act(
                actor=SYSTEM,
                case=locked,
                action="follow_up",
                reached=True,
                resolution=resolution,
                satisfaction=level,
                comment=comment,
            )
            event = CaseEvent.objects.filter(case=locked, action="follow_up").latest("id")
            CaseEvent.objects.filter(pk=event.pk).update(
                actor_name=str(RESIDENT_PORTAL), data={**event.data, "by": "reporter"}
            )
        else:
            before = snapshot(locked, ("state", "satisfaction"))
            event = CaseEvent.objects.create(
                case=locked,
                at=timezone.now(),
                actor=None,
                actor_name=str(RESIDENT_PORTAL),
                action="rate",
                from_state=locked.state,
                to_state=locked.state,
                note=comment,
                data=data,
                public=True,
            )
            hooks.after_event(locked, event, before)
        rating.event = event
        rating.save(update_fields=["event"])
        audit(
            actor=account or RESIDENT_PORTAL,
            action=AuditAction.CREATE,
            obj=rating,
            changes={"case": locked.number, **data},
        )
    return rating


# --- public replies (呼声回应) ---------------------------------------------------------------

_REPLY_AUDITED = ("title", "summary", "reply", "department_name", "is_published")


def public_reply_publish(
    *,
    actor: Any,
    case: Case,
    title: str,
    summary: str,
    reply: str,
    department_name: str = "",
) -> PublicReply:
    """Publish (or re-publish with new text) a closed case on the public board. The text is
    what staff wrote: the summary redacted by them, never the case's own fields."""
    ensure_allowed(actor, Perm.CASE_MANAGE, case.area_path)
    errors: list[FieldError] = []
    title = " ".join((title or "").split())
    summary = (summary or "").strip()
    reply = (reply or "").strip()
    department_name = " ".join((department_name or "").split())
    if case.state != State.CLOSED:
        errors.append(FieldError("case", _("only a closed case can be published")))
    for name, value, limit in (
        ("title", title, 100),
        ("summary", summary, REPLY_MAX),
        ("reply", reply, REPLY_MAX),
    ):
        if len(value) < 2:
            errors.append(FieldError(name, _("this field is required")))
        elif len(value) > limit:
            errors.append(FieldError(name, _("at most %(n)d characters") % {"n": limit}))
    if len(department_name) > 60:
        errors.append(FieldError("department_name", _("at most %(n)d characters") % {"n": 60}))
    if errors:
        raise ServiceError.of(errors)
    now = timezone.now()
    with transaction.atomic():
        existing = PublicReply.objects.select_for_update().filter(case=case).first()
        before = snapshot(existing, _REPLY_AUDITED) if existing else {}
        item = existing or PublicReply(case=case, published_at=now)
        item.area = case.area
        item.area_path = case.area_path
        item.category = case.category
        item.title = title
        item.summary = summary
        item.reply = reply
        item.department_name = department_name
        item.is_published = True
        item.published_at = now
        item.published_by = actor
        item.search_grams = search_grams(title, summary, reply, department_name)
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:
            raise ConflictError.single("case", _("someone published this case meanwhile")) from None
        audit(
            actor=actor,
            action=AuditAction.UPDATE if existing else AuditAction.CREATE,
            obj=item,
            changes={"case": case.number} | diff(before, snapshot(item, _REPLY_AUDITED)),
        )
    return item


def public_reply_withdraw(*, actor: Any, item: PublicReply) -> PublicReply:
    ensure_allowed(actor, Perm.CASE_MANAGE, item.area_path)
    with transaction.atomic():
        before = snapshot(item, _REPLY_AUDITED)
        item.is_published = False
        item.save(update_fields=["is_published", "updated_at"])
        audit(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=item,
            changes=diff(before, snapshot(item, _REPLY_AUDITED)),
        )
    return item
