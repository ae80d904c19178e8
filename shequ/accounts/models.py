"""Accounts and the memberships that give them roles in areas, departments and organizations."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.accounts.roles import GridDuty, Perm, Role
from shequ.core.models import ScopedModel, ScopedQuerySet


class User(AbstractUser):
    """A person who logs in. ``full_name`` is how Chinese names are written: one field, no
    first/last split. Accounts are deactivated, never deleted, so the audit log keeps them."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)

    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username


class MembershipQuerySet(ScopedQuerySet):
    def active(self, on: dt.date | None = None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gt=day))


class Membership(ScopedModel):
    """User × (area | department | organization) × role, with dates. ``area_path`` is the path
    of whatever the membership is bound to, and it is the reach of the role's permissions."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, db_index=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    department = models.ForeignKey(
        "areas.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        "areas.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    grid_duty = models.CharField(
        _("grid post"), max_length=30, choices=GridDuty.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=60, blank=True)
    valid_from = models.DateField(_("from"), default=timezone.localdate)
    valid_to = models.DateField(_("until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()  # type: ignore[misc]  # a narrower queryset
    scope_perm: ClassVar[Perm] = Perm.USER_VIEW

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ("area_path", "role")
        constraints = (
            models.CheckConstraint(
                condition=(
                    Q(area__isnull=False, department__isnull=True, organization__isnull=True)
                    | Q(area__isnull=True, department__isnull=False, organization__isnull=True)
                    | Q(area__isnull=True, department__isnull=True, organization__isnull=False)
                ),
                name="membership_binds_exactly_one",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="membership_valid_period",
            ),
        )
        indexes = (models.Index(fields=("user", "valid_from")),)

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.bound_to}"

    @property
    def bound_to(self) -> object:
        return self.area or self.department or self.organization
