"""The issue pool (哨源库): cases from every channel, their categories, the departments they
are whistled to, the timeline of what happened, photos, deadlines and the holiday calendar.

The workflow itself (which action leads from which state to which, who may take it, what it
does to deadlines) is the table in ``shequ.cases.workflow``; ``shequ.cases.services`` is the
one place that applies it."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.accounts.roles import Perm
from shequ.core.models import ScopedModel, TimestampedModel


class Channel(models.TextChoices):
    HOTLINE_12345 = "hotline_12345", _("12345 hotline")
    HOTLINE_ORDER = "hotline_order", _("Hotline order (接诉即办)")
    CITY_MANAGEMENT = "city_management", _("Digital city management (数字城管)")
    PROPOSAL = "proposal", _("Resident proposal")
    LETTERS_VISITS = "letters_visits", _("Letters and visits (信访)")
    PATROL = "patrol", _("Grid patrol")
    RESIDENT = "resident", _("Resident self-report")
    WALK_IN = "walk_in", _("Walk-in")


class CaseLevel(models.TextChoices):
    ROUTINE = "routine", _("Routine whistle (常规哨)")
    KEY = "key", _("Key whistle (重点哨)")
    EMERGENCY = "emergency", _("Emergency whistle (应急哨)")


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")


class Category(TimestampedModel):
    """大类 / 小类: a tree of data with codes, a default department (by short name, matched in
    the case's street or district) and default deadlines (blank: the parent's, then the
    level's)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    # What a resident would call it ("路灯不亮" rather than "照明设施"), for the portal.
    plain_name = models.CharField(_("name in plain words"), max_length=60, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    default_department = models.CharField(
        _("default department (short name)"), max_length=20, blank=True
    )
    respond_within = models.PositiveIntegerField(_("check in within"), null=True, blank=True)
    respond_unit = models.CharField(
        _("unit"), max_length=12, choices=TimeUnit.choices, default=TimeUnit.HOURS
    )
    resolve_within = models.PositiveIntegerField(_("resolve within"), null=True, blank=True)
    resolve_unit = models.CharField(
        _("unit"), max_length=12, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    is_active = models.BooleanField(_("active"), default=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ("ordering", "code")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name


class DeadlinePolicy(TimestampedModel):
    """The deadlines of a level (常规哨 / 重点哨 / 应急哨). A category's own deadline wins
    when it is shorter (decision 0014)."""

    level = models.CharField(_("level"), max_length=10, choices=CaseLevel.choices, unique=True)
    respond_within = models.PositiveIntegerField(_("check in within"))
    respond_unit = models.CharField(_("unit"), max_length=12, choices=TimeUnit.choices)
    resolve_within = models.PositiveIntegerField(_("resolve within"))
    resolve_unit = models.CharField(_("unit"), max_length=12, choices=TimeUnit.choices)
    # Warn this many hours before a deadline.
    warn_hours = models.PositiveIntegerField(_("warn hours before"), default=4)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return self.get_level_display()


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Make-up working day (调休上班)")


class CalendarDay(models.Model):
    """A day that is not what its weekday says: a public holiday on a weekday, or a weekend
    day worked to make up for one. Every other Monday–Friday is a working day."""

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ("day",)

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class State(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("case state", "Registered")
    ACCEPTED = "accepted", pgettext_lazy("case state", "Accepted")
    REJECTED = "rejected", pgettext_lazy("case state", "Rejected")
    HANDLING = "handling", pgettext_lazy("case state", "Handled by the community")
    TO_DISPATCH = "to_dispatch", pgettext_lazy("case state", "Waiting for the street")
    DISPATCHED = "dispatched", pgettext_lazy("case state", "Whistled to departments")
    SUSPENDED = "suspended", pgettext_lazy("case state", "Suspended")
    RESOLVED = "resolved", pgettext_lazy("case state", "Resolved, to verify")
    VERIFIED = "verified", pgettext_lazy("case state", "Verified, to follow up")
    FOLLOWED_UP = "followed_up", pgettext_lazy("case state", "Followed up")
    CLOSED = "closed", pgettext_lazy("case state", "Closed")
    MERGED = "merged", pgettext_lazy("case state", "Merged into another case")


FINAL_STATES = frozenset({State.REJECTED, State.CLOSED, State.MERGED})
OPEN_STATES = frozenset(s for s in State if s not in FINAL_STATES)
# Open states whose resolve-by clock runs (a suspended case's clock is stopped).
RUNNING_STATES = tuple(sorted(s.value for s in OPEN_STATES if s != State.SUSPENDED))


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neutral")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class Resolution(models.TextChoices):
    YES = "yes", _("Resolved")
    PARTLY = "partly", _("Partly resolved")
    NO = "no", _("Not resolved")


# No 0/O or 1/I/L: a code read aloud over the phone or copied from a note survives. 31 ** 10 ≈ 8 × 10^14 codes: not guessable (decision 0024).
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


class Case(ScopedModel):
    """哨件 / 工单. ``area`` is the grid the case is in (or the community, or the street's
    unassigned queue when its location is outside every grid); ``area_path`` scopes it."""

    number = models.CharField(_("case number"), max_length=20, unique=True)
    # What opens the case's public page (the portal, Open311's token): the number is
    # sequential, so it must not be enough on its own.
    tracking_code = models.CharField(
        _("tracking code"), max_length=12, unique=True, default=new_tracking_code, editable=False
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The hotline's own order number: the same order sent twice is one case.
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="cases"
    )
    unassigned = models.BooleanField(
        _("outside every grid"),
        default=False,
        help_text=_("The location is in no grid: the street assigns it."),
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    level = models.CharField(_("level"), max_length=10, choices=CaseLevel.choices)
    city_level = models.BooleanField(_("city-level key whistle"), default=False)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=4000)
    # Bigrams of title and description, for two-character search (decision 0009).
    search_grams = models.TextField(editable=False, blank=True)

    anonymous = models.BooleanField(_("anonymous"), default=False)
    confidential = models.BooleanField(
        _("confidential reporter"),
        default=False,
        help_text=_("Departments and handlers do not see who reported it."),
    )
    reporter_name_enc = models.TextField(blank=True, editable=False)
    reporter_name_mask = models.CharField(_("reporter"), max_length=40, blank=True, editable=False)
    reporter_phone_enc = models.TextField(blank=True, editable=False)
    reporter_phone_bidx = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    reporter_phone_mask = models.CharField(
        _("reporter phone"), max_length=24, blank=True, editable=False
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
    )

    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    house = models.ForeignKey(
        "registry.House",
        verbose_name=_("house"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.REGISTERED, db_index=True
    )
    # Bumped by every transition: the compare-and-swap that lets exactly one of two people
    # acting at once succeed.
    version = models.PositiveIntegerField(default=1)
    # The state to go back to when a suspension ends.
    suspended_from = models.CharField(max_length=20, blank=True, choices=State.choices)
    suspended_remaining = models.DurationField(null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    lead_department = models.ForeignKey(
        "areas.Department",
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_cases",
    )

    # Deadlines (design guide §6: columns, not timers) and the sweep's marks.
    respond_by = models.DateTimeField(_("accept by"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("resolve by"), null=True, blank=True, db_index=True)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Milestones, for the measures.
    accepted_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_on_time = models.BooleanField(null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    extended = models.BooleanField(default=False)
    extension_requested_days = models.PositiveSmallIntegerField(null=True, blank=True)
    extension_reason = models.CharField(max_length=500, blank=True)

    # The follow-up with the reporter (回访).
    followup_reached = models.BooleanField(_("reporter reached"), null=True, blank=True)
    followup_resolution = models.CharField(
        _("resolved?"), max_length=10, choices=Resolution.choices, blank=True
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    # Why a case was closed without verification or follow-up, when it was.
    close_note = models.CharField(_("closing note"), max_length=500, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_perm: ClassVar[Perm] = Perm.CASE_VIEW

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ("-created_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("channel", "external_ref"),
                condition=~Q(external_ref=""),
                name="case_external_ref_unique",
            ),
            models.CheckConstraint(
                condition=Q(city_level=False) | Q(level="key"),
                name="case_city_level_only_key",
            ),
        )
        indexes = (
            models.Index(fields=("area_path", "-created_at")),
            models.Index(fields=("state", "resolve_by")),
            # The command screen and the map (decision 0027): open cases only, a small part of
            # the table. Per area: overdue counts read this index alone (index-only scan), the
            # map's markers and a small area's lists a few rows each.
            models.Index(
                fields=("area_path", "resolve_by", "state"),
                condition=Q(state__in=sorted(s.value for s in OPEN_STATES)),
                name="case_open_area_due",
            ),
            # A large area's "longest overdue" and "due within a day" lists: the first rows in
            # deadline order, without sorting every open case of a district.
            models.Index(
                fields=("resolve_by",),
                condition=Q(state__in=RUNNING_STATES),
                name="case_running_due",
            ),
        )

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead department")
    CO = "co", _("Co-handling department")


class AssignmentState(models.TextChoices):
    WAITING = "waiting", _("Waiting for check-in")
    CHECKED_IN = "checked_in", _("Checked in")
    RETURNED = "returned", _("Returned")
    RESOLVED = "resolved", _("Resolved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ACTIVE_ASSIGNMENT = (AssignmentState.WAITING, AssignmentState.CHECKED_IN)


class Assignment(TimestampedModel):
    """A department the street whistled a case to (吹哨), and its check-in (报到)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        "areas.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    role = models.CharField(_("role"), max_length=4, choices=AssignmentRole.choices)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=AssignmentState.choices,
        default=AssignmentState.WAITING,
        db_index=True,
    )
    respond_by = models.DateTimeField(_("check in by"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ("-role", "id")  # the lead first
        constraints = (
            # A department holds a case at most once at a time.
            models.UniqueConstraint(
                fields=("case", "department"),
                condition=Q(state__in=("waiting", "checked_in")),
                name="assignment_active_unique",
            ),
        )
        indexes = (models.Index(fields=("state", "respond_by")),)

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department_id} ({self.role})"


class CaseEvent(models.Model):
    """One line of a case's timeline, written by the transition that made it. ``public``
    events (and only their public fields) are what a reporter sees."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    department = models.ForeignKey(
        "areas.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(max_length=20, blank=True, choices=State.choices)
    to_state = models.CharField(max_length=20, blank=True, choices=State.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class PhotoKind(models.TextChoices):
    INTAKE = "intake", _("As reported")
    RESULT = "result", _("After handling")


class CasePhoto(models.Model):
    """A photo, re-encoded on upload so that no EXIF (location, camera) data survives."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    image = models.FileField(_("photo"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("uploaded_at", "id")

    def __str__(self) -> str:
        return str(self.image.name)


class IdempotencyKey(models.Model):
    """An API client's Idempotency-Key: the same key and body return the same case; the same
    key with another body is refused (409)."""

    key = models.CharField(max_length=100)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=60)  # the operation, e.g. "case.create"
    body_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    status = models.PositiveSmallIntegerField(default=201)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("actor", "scope", "key"), name="idempotency_key_unique"
            ),
        )

    def __str__(self) -> str:
        return self.key


# The inbox and the webhooks live in their own module; imported here so that Django finds them.
from shequ.cases import models_notify  # noqa: E402, F401

# The measures' rollup tables live in their own module; imported here so Django finds them.
from shequ.cases.models_measures import (  # noqa: E402
    CaseMeasure,
    CaseMeasureEntry,
    CaseMeasureMonth,
    CaseMeasureOpen,
)

__all__ = ["CaseMeasure", "CaseMeasureEntry", "CaseMeasureMonth", "CaseMeasureOpen"]
