"""The area tree (city → district → street → community → grid → subgrid), departments and
organizations."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.accounts.roles import Perm
from shequ.core.models import ScopedModel, ScopedQuerySet


class Level(models.IntegerChoices):
    CITY = 1, _("City")
    DISTRICT = 2, _("District")
    STREET = 3, _("Street")
    COMMUNITY = 4, _("Community")
    GRID = 5, _("Grid")
    SUBGRID = 6, _("Subgrid")


# Digits each level's code has: GB/T 2260 (6) + township (3) + community (3) + grid (3) + subgrid (2).
CODE_LENGTH: dict[int, int] = {
    Level.CITY: 6,
    Level.DISTRICT: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
    Level.SUBGRID: 17,
}


class AreaQuerySet(ScopedQuerySet):
    def current(self, on: dt.date | None = None) -> AreaQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gt=day))


class Area(ScopedModel):
    """One node of the tree. ``area_path`` is this area's own path (its codes from the root),
    so an area is inside its own scope and everything under it shares the prefix."""

    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    code = models.CharField(_("code"), max_length=17, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    # The boundary's bounding box and a label point, kept with the boundary so that map views
    # and point-in-area lookups filter by index before doing any geometry.
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    label_lon = models.FloatField(null=True, blank=True, editable=False)
    label_lat = models.FloatField(null=True, blank=True, editable=False)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()  # type: ignore[misc]  # a narrower queryset
    scope_perm: ClassVar[Perm] = Perm.AREA_VIEW

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ("area_path",)
        constraints = (
            models.UniqueConstraint(
                fields=("code",),
                condition=Q(valid_to__isnull=True),
                name="area_code_unique_current",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="area_valid_period",
            ),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def path(self) -> str:
        return self.area_path

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.valid_from <= today and (self.valid_to is None or self.valid_to > today)


class Department(ScopedModel):
    """A functional department (城管, 派出所, 消防 …) of a street or a district."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=20, blank=True)
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope_perm: ClassVar[Perm] = Perm.AREA_VIEW

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ("area_path", "name")
        constraints = (
            models.UniqueConstraint(fields=("area", "name"), name="department_name_unique"),
        )

    def __str__(self) -> str:
        return self.name


class OrganizationKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("Party committee")
    PARTY_BRANCH = "party_branch", _("Party branch")
    PARTNER_UNIT = "partner_unit", _("Partner unit")
    PROPERTY_COMPANY = "property_company", _("Property management company")
    SOCIAL_ORGANIZATION = "social_organization", _("Social organization")
    MERCHANT = "merchant", _("Merchant")


class Organization(ScopedModel):
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="organizations"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=150)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    scope_perm: ClassVar[Perm] = Perm.AREA_VIEW

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ("area_path", "kind", "name")
        constraints = (
            models.UniqueConstraint(fields=("area", "kind", "name"), name="organization_unique"),
        )

    def __str__(self) -> str:
        return self.name
