"""What residents leave behind: their (optional) accounts, their ratings of cases, and the
public replies (呼声回应) staff publish."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.accounts.roles import Perm
from shequ.cases.models import Resolution, Satisfaction
from shequ.core.models import ScopedModel


class ResidentAccount(models.Model):
    """A resident's login: a phone number (encrypted, found by its blind index) and a
    password. The user's username is random, so the phone is nowhere in clear."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resident_account"
    )
    phone_enc = models.TextField(editable=False)
    phone_bidx = models.CharField(max_length=64, unique=True, editable=False)
    phone_mask = models.CharField(_("phone"), max_length=24, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resident account")
        verbose_name_plural = _("resident accounts")

    def __str__(self) -> str:
        return self.phone_mask


class CaseRating(models.Model):
    """The reporter's rating of a resolved case: once per case (the constraint, not a
    check-then-write, makes it once)."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="resident_rating"
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), choices=Satisfaction.choices)
    resolution = models.CharField(_("resolved?"), max_length=10, choices=Resolution.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.ForeignKey(
        "cases.CaseEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whether the rating was the case's follow-up (the case was at "verified").
    as_follow_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resident rating")
        verbose_name_plural = _("resident ratings")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.satisfaction}"


class PublicReply(ScopedModel):
    """呼声回应: a closed case staff chose to publish, with a summary they redacted and the
    department's reply. The board shows these and nothing else of the case."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="public_reply")
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=100)
    summary = models.TextField(_("what residents asked (redacted)"), max_length=2000)
    reply = models.TextField(_("the department's reply"), max_length=2000)
    department_name = models.CharField(_("department"), max_length=60, blank=True)
    is_published = models.BooleanField(_("published"), default=True, db_index=True)
    published_at = models.DateTimeField(_("published at"), db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    search_grams = models.TextField(editable=False, blank=True)

    scope_perm: ClassVar[Perm] = Perm.CASE_MANAGE

    class Meta:
        verbose_name = _("public reply")
        verbose_name_plural = _("public replies")
        ordering = ("-published_at", "-id")
        indexes = (models.Index(fields=("is_published", "-published_at")),)

    def __str__(self) -> str:
        return self.title
