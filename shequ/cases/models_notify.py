"""The in-app inbox (notifications) and outgoing webhooks of the case engine.

Imported at the end of ``shequ.cases.models`` so that Django registers the models with the
``cases`` app; written by ``shequ.cases.notify``, ``shequ.cases.sweep`` and
``shequ.cases.webhooks`` (decision 0019)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import Case, CaseEvent, Channel


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    DEADLINE_NEAR = "deadline_near", _("Deadline near")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    RETURNED = "returned", _("Returned")
    RATED = "rated", _("Rated by the reporter")
    SUPERVISED = "supervised", _("Supervised (督办)")


class Notification(models.Model):
    """One line in a user's inbox. ``key`` names what it is about (``assigned:<assignment
    id>``, ``overdue:<event id>`` …): the same key for the same user is refused by the
    database, so a notification cannot be created twice, whoever tries and however often."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    key = models.CharField(max_length=80)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("time"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-id")
        constraints = (models.UniqueConstraint(fields=("user", "key"), name="notification_once"),)
        indexes = (
            # The inbox (unread first, newest first) and the unread count in the navigation.
            models.Index(
                fields=("user", "-id"),
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=("user", "-id"), name="notification_user"),
        )

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.key}"


class Webhook(models.Model):
    """Where a hotline system wants to hear about its cases' status changes. The secret
    signs every body (HMAC-SHA256); it is stored encrypted and shown once, at creation."""

    name = models.CharField(_("name"), max_length=60)
    url = models.URLField(_("address (URL)"), max_length=500)
    secret_enc = models.TextField(editable=False)
    channel = models.CharField(
        _("only cases from channel"),
        max_length=20,
        choices=Channel.choices,
        blank=True,
        help_text=_("Leave empty for cases from every channel."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ("-is_active", "name", "id")

    def __str__(self) -> str:
        return self.name


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one webhook: the body is fixed when the event happens (so every retry
    sends the same bytes and the same signature); ``attempts`` and ``next_attempt_at`` are
    the claim each attempt takes (``shequ.cases.webhooks``)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField()
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-id",)
        constraints = (
            models.UniqueConstraint(fields=("webhook", "event"), name="webhook_delivery_once"),
        )
        indexes = (
            models.Index(
                fields=("next_attempt_at",),
                condition=Q(state="pending"),
                name="webhook_delivery_due",
            ),
        )

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_id} {self.state}"
